package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"text/template"

	"github.com/antrian/antrian/fault"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is what this package needs from a pgx connection, pool or transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
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
}

// DefaultTemplates are the built-in Bahasa Indonesia texts, per kind.
var DefaultTemplates = map[string]string{
	KindBooked: "Antrian {{.Code}} di {{.UnitName}}{{if .FacilityName}}, {{.FacilityName}}{{end}} untuk {{.Date}} sudah terdaftar. " +
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
	db DB

	mu     sync.Mutex
	parsed map[string]*template.Template // by body text
}

// NewTemplates returns templates that read overrides from db (usually the pool).
func NewTemplates(db DB) *Templates {
	return &Templates{db: db, parsed: map[string]*template.Template{}}
}

// Render returns the text of a kind of message for facility, and whether that
// kind is enabled there. Disabled kinds return enabled false and no text;
// callers then enqueue nothing. It returns an error wrapping fault.ErrInvalid for an
// unknown kind or a stored template that fails, and the database error otherwise.
func (t *Templates) Render(ctx context.Context, facility string, kind string, data TemplateData) (text string, enabled bool, err error) {
	return t.RenderIn(ctx, t.db, facility, kind, data)
}

// RenderIn is Render reading the overrides through db, such as the
// transaction a message is enqueued in (so it needs no second connection).
func (t *Templates) RenderIn(ctx context.Context, db DB, facility string, kind string, data TemplateData) (text string, enabled bool, err error) {
	def, ok := DefaultTemplates[kind]
	if !ok {
		return "", false, fmt.Errorf("render %s: unknown kind: %w", kind, fault.ErrInvalid)
	}
	body, enabled := def, true
	var stored string
	err = db.QueryRow(ctx, `SELECT body, enabled FROM notify_templates WHERE facility = $1 AND kind = $2`,
		facility, kind).Scan(&stored, &enabled)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		enabled = true
	case err != nil:
		return "", false, fmt.Errorf("render %s for %s: %w", kind, facility, err)
	case strings.TrimSpace(stored) != "":
		body = stored
	}
	if !enabled {
		return "", false, nil
	}
	text, err = t.execute(body, data)
	if err != nil {
		return "", false, fmt.Errorf("render %s for %s: %w", kind, facility, err)
	}
	return text, true, nil
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
func SetTemplate(ctx context.Context, db DB, facility, kind, body string, enabled bool) error {
	if !validKind(kind) {
		return fmt.Errorf("set template %s: unknown kind: %w", kind, fault.ErrInvalid)
	}
	if strings.TrimSpace(body) != "" {
		tpl, err := parseTemplate(body)
		if err != nil {
			return fmt.Errorf("set template %s: %w", kind, err)
		}
		sample := TemplateData{Code: "B-013", UnitName: "Poli Umum", FacilityName: "Puskesmas Sobo",
			Date: "Senin, 3 Maret 2025", Counter: "Ruang 2", Ahead: 3, Link: "https://example.org/t/1"}
		if err := tpl.Execute(&strings.Builder{}, sample); err != nil {
			return fmt.Errorf("set template %s: %w: %w", kind, err, fault.ErrInvalid)
		}
	}
	_, err := db.Exec(ctx, `INSERT INTO notify_templates (facility, kind, body, enabled) VALUES ($1, $2, $3, $4)
		ON CONFLICT (facility, kind) DO UPDATE SET body = EXCLUDED.body, enabled = EXCLUDED.enabled`,
		facility, kind, body, enabled)
	if err != nil {
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
func NearAhead(ctx context.Context, db DB, facility, unit string) (int, error) {
	var n int
	err := db.QueryRow(ctx, `SELECT near_ahead FROM notify_unit_settings WHERE facility = $1 AND unit = $2`,
		facility, unit).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return DefaultNearAhead, nil
	}
	if err != nil {
		return 0, fmt.Errorf("near ahead %s/%s: %w", facility, unit, err)
	}
	return n, nil
}

// SetNearAhead stores the unit's "near" threshold. It returns an error
// wrapping fault.ErrInvalid unless 1 <= n <= 100.
func SetNearAhead(ctx context.Context, db DB, facility, unit string, n int) error {
	if n < 1 || n > 100 {
		return fmt.Errorf("set near ahead %s/%s: %d: %w", facility, unit, n, fault.ErrInvalid)
	}
	_, err := db.Exec(ctx, `INSERT INTO notify_unit_settings (facility, unit, near_ahead) VALUES ($1, $2, $3)
		ON CONFLICT (facility, unit) DO UPDATE SET near_ahead = EXCLUDED.near_ahead`, facility, unit, n)
	if err != nil {
		return fmt.Errorf("set near ahead %s/%s: %w", facility, unit, err)
	}
	return nil
}
