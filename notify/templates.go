package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"text/template"

	"github.com/antrian/antrian/fault"
)

// TemplateReader reads the facilities' overrides of the built-in texts
// (*postgres.DB, or the queue transaction).
type TemplateReader interface {
	// Template returns a facility's override of a kind: its body ("" keeps
	// the built-in text) and whether the kind is on there; an error
	// wrapping fault.ErrNotFound when the facility has none.
	Template(ctx context.Context, facility, kind string) (body string, enabled bool, err error)
}

// ThresholdReader reads the units' "near" thresholds (*postgres.DB, or the
// queue transaction).
type ThresholdReader interface {
	// NearAhead returns a unit's threshold; an error wrapping
	// fault.ErrNotFound when the unit has none of its own.
	NearAhead(ctx context.Context, facility, unit string) (int, error)
}

// Settings stores the templates and thresholds; *postgres.DB implements it.
type Settings interface {
	TemplateReader
	ThresholdReader
	SaveTemplate(ctx context.Context, facility, kind, body string, enabled bool) error
	SaveNearAhead(ctx context.Context, facility, unit string, n int) error
}

// TemplateData are the fields a message template may use.
type TemplateData struct {
	Code         string // ticket code, "B-013"
	UnitName     string // "Poli Umum"
	FacilityName string // "Puskesmas Sobo"
	Date         string // visit date as patients read it, "Senin, 3 Maret 2025"
	Counter      string // room or counter the ticket is called to, "Ruang 2"
	Ahead        int    // people ahead of the ticket
	Link         string // tracking page of the ticket
	// Window is when a ticket for a later day is expected to be served,
	// "09.00–09.30"; "" for today's tickets.
	Window string
	// CheckIn: the patient must check in when she arrives (a booked
	// ticket of a unit that requires it) before she is called.
	CheckIn bool
}

// DefaultTemplates are the built-in Bahasa Indonesia texts, per kind.
var DefaultTemplates = map[string]string{
	KindBooked: "Antrian {{.Code}} di {{.UnitName}}{{if .FacilityName}}, {{.FacilityName}}{{end}} untuk {{.Date}} sudah terdaftar. " +
		"{{if .Window}}Perkiraan dilayani pukul {{.Window}}; mohon datang sebelum pukul itu. {{end}}" +
		"{{if .CheckIn}}Saat tiba, lakukan check-in: tunjukkan kode QR di tautan ini ke kios atau petugas loket; nomor Anda dipanggil setelah check-in. {{end}}" +
		"Pantau giliran Anda di {{.Link}}",
	KindNear: "Antrian {{.Code}} di {{.UnitName}}: tinggal {{.Ahead}} orang lagi sebelum giliran Anda. " +
		"Mohon bersiap di ruang tunggu. {{.Link}}",
	KindCalled: "Nomor antrian {{.Code}} dipanggil. Silakan menuju {{if .Counter}}{{.Counter}}{{else}}{{.UnitName}}{{end}} sekarang.",
	KindSkipped: "Nomor antrian {{.Code}} dilewati karena Anda belum hadir saat dipanggil. " +
		"Silakan lapor ke petugas {{.UnitName}} agar dimasukkan kembali ke antrian. {{.Link}}",
	KindCancelled: "Mohon maaf, antrian {{.Code}} di {{.UnitName}} untuk {{.Date}} dibatalkan oleh " +
		"{{if .FacilityName}}{{.FacilityName}}{{else}}puskesmas{{end}}. Info: {{.Link}}",
}

// Templates renders message texts: the built-in defaults, overridden or
// switched off per facility and kind in the notify_templates table.
type Templates struct {
	store TemplateReader

	mu     sync.Mutex
	parsed map[string]*template.Template // by body text
}

// NewTemplates returns templates that read overrides from store.
func NewTemplates(store TemplateReader) *Templates {
	return &Templates{store: store, parsed: map[string]*template.Template{}}
}

// Render returns the text of a kind of message for facility, and whether that
// kind is enabled there. Disabled kinds return enabled false and no text;
// callers then enqueue nothing. It returns an error wrapping fault.ErrInvalid for an
// unknown kind or a stored template that fails, and the database error otherwise.
func (t *Templates) Render(ctx context.Context, facility string, kind string, data TemplateData) (text string, enabled bool, err error) {
	return t.RenderIn(ctx, t.store, facility, kind, data)
}

// RenderIn is Render reading the overrides through r, such as the
// transaction a message is enqueued in (so it needs no second connection).
func (t *Templates) RenderIn(ctx context.Context, r TemplateReader, facility string, kind string, data TemplateData) (text string, enabled bool, err error) {
	def, ok := DefaultTemplates[kind]
	if !ok {
		return "", false, fmt.Errorf("render %s: unknown kind: %w", kind, fault.ErrInvalid)
	}
	stored, enabled, err := override(ctx, r, facility, kind)
	if err != nil {
		return "", false, fmt.Errorf("render %s for %s: %w", kind, facility, err)
	}
	if !enabled {
		return "", false, nil
	}
	body := def
	if strings.TrimSpace(stored) != "" {
		body = stored
	}
	text, err = t.execute(body, data)
	if err != nil {
		return "", false, fmt.Errorf("render %s for %s: %w", kind, facility, err)
	}
	return text, true, nil
}

// EnabledIn reports whether a kind of message is on at facility (it is
// unless the facility switched it off), reading the override through r.
func (t *Templates) EnabledIn(ctx context.Context, r TemplateReader, facility string, kind Kind) (bool, error) {
	_, enabled, err := override(ctx, r, facility, kind)
	if err != nil {
		return false, fmt.Errorf("template %s for %s: %w", kind, facility, err)
	}
	return enabled, nil
}

// override reads facility's override of a kind through r: its body ("" for
// the built-in text) and whether the kind is on; no override is the
// built-in text, on.
func override(ctx context.Context, r TemplateReader, facility, kind string) (string, bool, error) {
	stored, enabled, err := r.Template(ctx, facility, kind)
	if errors.Is(err, fault.ErrNotFound) {
		return "", true, nil
	}
	return stored, enabled, err
}

func (t *Templates) execute(body string, data TemplateData) (string, error) {
	t.mu.Lock()
	tpl, ok := t.parsed[body]
	t.mu.Unlock()
	if !ok {
		var err error
		if tpl, err = parseTemplate(body); err != nil {
			return "", err
		}
		t.mu.Lock()
		t.parsed[body] = tpl
		t.mu.Unlock()
	}
	var b strings.Builder
	if err := tpl.Execute(&b, data); err != nil {
		return "", fmt.Errorf("%w: %w", err, fault.ErrInvalid)
	}
	return strings.TrimSpace(b.String()), nil
}

func parseTemplate(body string) (*template.Template, error) {
	tpl, err := template.New("message").Option("missingkey=error").Parse(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, fault.ErrInvalid)
	}
	return tpl, nil
}

// SetTemplate stores facility's override of kind: body replaces the built-in
// text (empty keeps it) and enabled switches the kind on or off there. The
// body is checked by rendering sample data, so a broken template is refused
// here rather than failing patients' messages later. It returns an error
// wrapping fault.ErrInvalid for an unknown kind or a template that does not render.
func SetTemplate(ctx context.Context, store Settings, facility, kind, body string, enabled bool) error {
	if !validKind(kind) {
		return fmt.Errorf("set template %s: unknown kind: %w", kind, fault.ErrInvalid)
	}
	if strings.TrimSpace(body) != "" {
		tpl, err := parseTemplate(body)
		if err != nil {
			return fmt.Errorf("set template %s: %w", kind, err)
		}
		sample := TemplateData{Code: "B-013", UnitName: "Poli Umum", FacilityName: "Puskesmas Sobo",
			Date: "Senin, 3 Maret 2025", Counter: "Ruang 2", Ahead: 3, Link: "https://example.org/t/1", Window: "09.00–09.30"}
		if err := tpl.Execute(&strings.Builder{}, sample); err != nil {
			return fmt.Errorf("set template %s: %w: %w", kind, err, fault.ErrInvalid)
		}
	}
	if err := store.SaveTemplate(ctx, facility, kind, body, enabled); err != nil {
		return fmt.Errorf("set template %s for %s: %w", kind, facility, err)
	}
	return nil
}

// DefaultNearAhead is how many people ahead trigger the "near" message when a
// unit has no setting of its own.
const DefaultNearAhead = 3

// NearAhead returns the unit's "near" threshold: the queue enqueues a near
// message once a ticket has this many people or fewer ahead (Enqueue's dedupe
// key makes repeated calls for the same ticket a no-op). It returns the
// database error, if any.
func NearAhead(ctx context.Context, r ThresholdReader, facility, unit string) (int, error) {
	n, err := r.NearAhead(ctx, facility, unit)
	if errors.Is(err, fault.ErrNotFound) {
		return DefaultNearAhead, nil
	}
	if err != nil {
		return 0, fmt.Errorf("near ahead %s/%s: %w", facility, unit, err)
	}
	return n, nil
}

// SetNearAhead stores the unit's "near" threshold. It returns an error
// wrapping fault.ErrInvalid unless 1 <= n <= 100.
func SetNearAhead(ctx context.Context, store Settings, facility, unit string, n int) error {
	if n < 1 || n > 100 {
		return fmt.Errorf("set near ahead %s/%s: %d: %w", facility, unit, n, fault.ErrInvalid)
	}
	if err := store.SaveNearAhead(ctx, facility, unit, n); err != nil {
		return fmt.Errorf("set near ahead %s/%s: %w", facility, unit, err)
	}
	return nil
}
