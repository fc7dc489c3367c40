package queue

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/antrian/antrian/fault"
)

// NoShowRule is what happens to a patient who checks in after she was
// marked no-show.
type NoShowRule string

// No-show rules.
const (
	// NoShowBack: she rejoins at the back of the line, as if she had just
	// walked in.
	NoShowBack NoShowRule = "back"
	// NoShowRequeue: she rejoins behind the unit's RequeueAhead waiting
	// patients, as a skipped patient who comes back does.
	NoShowRequeue NoShowRule = "requeue"
	// NoShowRefuse: her ticket is spent; she takes a new number.
	NoShowRefuse NoShowRule = "refuse"
)

// CheckInRule is a unit's arrival check-in setting.
type CheckInRule struct {
	// Required: tickets taken from afar (online, Mobile JKN, WhatsApp) are
	// booked, not callable, until their patient checks in on arrival.
	Required bool
	// GraceMin is how many minutes after the end of her window a booked
	// patient may still check in before she is marked no-show.
	GraceMin int
	// NoShow is how a patient marked no-show rejoins.
	NoShow NoShowRule
}

// DefaultCheckIn is the rule of a unit that has never set one: check-in not
// required; when it is turned on, 15 minutes' grace and a late patient
// rejoining at the back.
func DefaultCheckIn() CheckInRule {
	return CheckInRule{GraceMin: 15, NoShow: NoShowBack}
}

// Validate checks a check-in rule as an admin enters it.
func (r CheckInRule) Validate() error {
	switch r.NoShow {
	case NoShowBack, NoShowRequeue, NoShowRefuse:
	default:
		return fault.Invalid("checkin.no_show", "Aturan tidak hadir harus back, requeue atau refuse.")
	}
	if r.GraceMin < 0 || r.GraceMin > 240 {
		return fault.Invalid("checkin.grace_min", "Masa tenggang check-in 0 sampai 240 menit.")
	}
	return nil
}

// Expects reports whether a ticket taken through channel ch waits for its
// patient's check-in under r. Kiosk and desk tickets are taken on the
// premises, so their patient has arrived.
func (r CheckInRule) Expects(ch Channel) bool {
	return r.Required && ch != ChannelKiosk && ch != ChannelDesk
}

// Refinements of fault.ErrConflict for check-in.
var (
	// ErrNoShowRefused: the patient was marked no-show and the unit's rule
	// does not let her rejoin with that ticket.
	ErrNoShowRefused = fault.New(fault.ErrConflict, "no_show", "Waktu kedatangan Anda sudah lewat dan antrean ini hangus. Silakan ambil nomor baru.")
	// ErrNotToday: the ticket is for another day.
	ErrNotToday = fault.New(fault.ErrConflict, "not_today", "Tiket ini bukan untuk hari ini.")
)

// CheckIn records that the patient of ticket id has arrived: a booked
// ticket joins the line, a no-show one rejoins by the unit's rule. Checking
// in a ticket that is already in the line changes nothing and returns it.
// The order she joins in is the unit's fair order for booked patients
// (ArrivalKey). ErrNotToday, ErrNoShowRefused, ErrTransition.
func (s *Service) CheckIn(ctx context.Context, id, actor string) (Ticket, error) {
	cur, err := s.Store.Ticket(ctx, id)
	if err != nil {
		return Ticket{}, err
	}
	f, units, err := s.Facility(ctx, cur.Facility)
	if err != nil {
		return Ticket{}, err
	}
	u, _ := findUnit(units, cur.Unit)
	now := s.Now()
	if (cur.Status == Booked || cur.Status == NoShow) && cur.ServiceDate != f.Today(now) {
		d, _ := time.Parse(time.DateOnly, cur.ServiceDate)
		return Ticket{}, fmt.Errorf("check in %s: %w (%w)", id, fault.New(fault.ErrConflict, ErrNotToday.Code,
			"Tiket ini untuk "+IndonesianDate(d)+", bukan hari ini."), ErrNotToday)
	}
	switch cur.Status {
	case Waiting, Called, Serving:
		s.fillLive(ctx, &cur, f, u)
		return cur, nil
	case NoShow:
		if u.CheckIn.NoShow == NoShowRefuse {
			return Ticket{}, fmt.Errorf("check in %s: %w", id, ErrNoShowRefused)
		}
	case Booked:
	default:
		return Ticket{}, fmt.Errorf("check in ticket %s in status %s: %w", id, cur.Status, ErrTransition)
	}
	key := ArrivalKey(cur.Window, now, cur.Number)
	switch {
	case cur.Status == NoShow && u.CheckIn.NoShow == NoShowRequeue:
		key = s.requeueKey(ctx, f, u, cur, now)
	case cur.Status == NoShow:
		key = now.UnixMilli()
	}
	// Decided on the status read: if the sweep marked her no-show
	// meanwhile, the unit's rule for no-shows must decide instead.
	t, events, err := s.Store.Apply(ctx, id, Change{Action: ActionCheckIn, Actor: actor, OrderKey: key, From: cur.Status}, now)
	if errors.Is(err, ErrTransition) {
		// Checked in meanwhile by someone else: answer as it is. Marked
		// no-show meanwhile: decide again, by the unit's rule.
		if t, err2 := s.Ticket(ctx, id); err2 == nil {
			switch {
			case t.Status == Waiting:
				return t, nil
			case t.Status == NoShow && cur.Status == Booked:
				return s.CheckIn(ctx, id, actor)
			}
		}
	}
	if err != nil {
		return Ticket{}, err
	}
	s.index(ctx, f, u, t, now)
	s.publish(ctx, events)
	s.fillLive(ctx, &t, f, u)
	return t, nil
}

// ArrivalKey is the order key (Unix ms) a booked patient with ticket
// number who checks in at now joins the line with. The fair order, as the
// console explains it:
//   - she came before or during her window: she is placed at the start of
//     her window, so nobody who walked in after that overtakes her, and
//     she does not overtake those who were there before it; patients of
//     one window keep the order of their numbers among themselves (a
//     millisecond apart, far less than anyone walks in);
//   - she came after her window: she joins as a walk-in arriving now;
//   - she has no window (a unit open all day): as a walk-in arriving now.
func ArrivalKey(w Window, now time.Time, number int) int64 {
	if w.IsZero() || now.After(w.End) {
		return now.UnixMilli()
	}
	return w.Start.UnixMilli() + int64(number)
}

// MarkNoShows marks no-show every booked ticket whose patient did not check
// in by its deadline (Store.OverdueBooked), as of the service's clock, and
// publishes the changes. It returns how many it marked. Safe to run on
// several instances at once: the store marks each ticket once.
func (s *Service) MarkNoShows(ctx context.Context) (int, error) {
	now := s.Now()
	ids, err := s.Store.OverdueBooked(ctx, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		_, events, err := s.Store.Apply(ctx, id, Change{Action: ActionNoShow, Actor: "system"}, now)
		if errors.Is(err, ErrTransition) {
			continue // checked in or cancelled meanwhile
		}
		if err != nil {
			return n, err
		}
		s.publish(ctx, events)
		n++
	}
	return n, nil
}

// RunNoShows marks no-shows every interval until ctx ends.
func (s *Service) RunNoShows(ctx context.Context, interval time.Duration) error {
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		if _, err := s.MarkNoShows(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("marking no-shows", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tk.C:
		}
	}
}

// Expected returns today's tickets of a unit that have not come (booked)
// or were marked no-show, in the order of their windows. A unit that no
// longer requires check-in still lists those booked while it did, for the
// desk to check them in.
func (s *Service) Expected(ctx context.Context, facility, unit string) ([]Ticket, error) {
	f, u, ok, err := s.unit(ctx, facility, unit)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("unit %s: %w", unit, fault.ErrNotFound)
	}
	return s.Store.Expected(ctx, u.ID, f.Today(s.Now()))
}

// PlaceKey is the key of facility's check-in poster: a phone that opens the
// poster's link proves it is on the premises (as far as a printed code
// can), and the patient's own ticket token says which ticket.
func (s *Service) PlaceKey(facility string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("checkin-place:" + facility))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:16]
}

// CheckPlaceKey reports whether key is facility's check-in poster key.
func (s *Service) CheckPlaceKey(facility, key string) bool {
	return hmac.Equal([]byte(s.PlaceKey(facility)), []byte(key))
}

// CheckInCode is what a scanner or a person gives at check-in: a ticket's
// link (its id and token, as its QR code and tracking page carry them) or
// a ticket code typed at the desk ("B-014").
type CheckInCode struct {
	ID, Token string // from a link
	Code      string // a typed ticket code, normalised ("B-014")
}

// ParseCheckInCode reads what a QR scanner (a link to /t/ID#TOKEN) or a
// person (a ticket code, with or without the dash and zeros) gave.
func ParseCheckInCode(s string) (CheckInCode, error) {
	s = strings.TrimSpace(s)
	if u, err := url.Parse(s); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		if id, ok := strings.CutPrefix(u.Path, "/t/"); ok && id != "" && !strings.Contains(id, "/") && u.Fragment != "" {
			return CheckInCode{ID: id, Token: u.Fragment}, nil
		}
		return CheckInCode{}, fault.Invalid("code", "Kode QR ini bukan tiket antrean.")
	}
	up := strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "-", ""))
	if len(up) >= 2 && len(up) <= 6 && up[0] >= 'A' && up[0] <= 'Z' {
		if n, err := strconv.Atoi(up[1:]); err == nil && n > 0 {
			return CheckInCode{Code: FormatCode(up[:1], n)}, nil
		}
	}
	return CheckInCode{}, fault.Invalid("code", "Pindai kode QR tiket atau ketik nomor antrean (misalnya B-014).")
}
