package queue

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/antrian/antrian/fault"
	"golang.org/x/sync/errgroup"
)

// Event is one committed queue change. Seq rises by exactly one per facility
// in commit order. Waiting and Current describe the unit right after it.
type Event struct {
	Seq         int64
	Facility    string
	Unit        string
	ServiceDate string
	Kind        string // booked, called, recalled, started, finished, skipped, requeued, cancelled, transferred, transfer_in
	TicketID    string
	Code        string
	Counter     string
	At          time.Time
	Waiting     int
	Current     *Call
}

// Call is a unit's current call: the ticket code and the counter (room).
type Call struct {
	Code    string
	Counter string
}

// NewTicket is a ticket about to be stored. The store assigns Number and
// Code from the unit's daily sequence.
type NewTicket struct {
	Ticket
	Prefix         string
	Quota          int // 0: no quota (transfers)
	PhoneHash      []byte
	NIKHash        []byte
	BPJSHash       []byte
	IdempotencyKey string
	RequestHash    []byte
	// WindowAt, set for a Booked ticket, gives its window from the number
	// it draws and the unit's waiting count at that moment.
	WindowAt func(number, waiting int) Window
	// Estimate, for a later day's booking that waits at once, is the
	// ticket's window with ahead tickets waiting before it; the store sets
	// Ticket.Window with it from the waiting count it keeps, so that what
	// is said at booking (the booked message) has the window. Nil for today.
	Estimate func(ahead int) Window
}

// Change describes a state change for the store to apply atomically.
type Change struct {
	Action   Action
	Counter  string
	Actor    string
	OrderKey int64 // for requeue and check-in
	Unit     string
	Date     string
	// From, when set, is the status the change was decided on: the store
	// refuses it (ErrTransition) if the ticket has left it meanwhile.
	From Status
}

// Store is the durable history the service needs. The postgres package
// implements it. Every write method commits the change and its events in one
// transaction, and returns ErrTransition, changing nothing, when the ticket's
// status does not allow the action.
type Store interface {
	Facility(ctx context.Context, code string) (Facility, []Unit, error)
	Book(ctx context.Context, t NewTicket, now time.Time) (Ticket, []Event, bool, error)
	Ticket(ctx context.Context, id string) (Ticket, error)
	Tickets(ctx context.Context, ids []string) ([]Ticket, error)
	Apply(ctx context.Context, id string, c Change, now time.Time) (Ticket, []Event, error)
	Transfer(ctx context.Context, id string, to NewTicket, actor string, now time.Time) (Ticket, Ticket, []Event, error)
	LiveState(ctx context.Context, unitID int64, date string, p Policy) ([]LaneEntry, int, error)
	Current(ctx context.Context, unitID int64, date string) ([]Ticket, error)
	// Issued returns how many tickets a unit has issued on each day from
	// from to to (yyyy-mm-dd, inclusive); days without tickets are absent.
	Issued(ctx context.Context, unitID int64, from, to string) (map[string]int, error)
	ServiceTime(ctx context.Context, unitID int64, since time.Time) (mean time.Duration, samples int, counters int, err error)
	WaitingCounts(ctx context.Context, now time.Time) ([]UnitCount, error)
	// OverdueBooked lists the booked tickets whose no-show deadline has
	// passed at now: the end of their window plus their unit's grace, or
	// the end of their service day (midnight in the facility's zone) when
	// they have no window.
	OverdueBooked(ctx context.Context, now time.Time) ([]string, error)
	// Expected lists a unit's tickets of date still expected to check in
	// (booked) or marked no-show, in window order.
	Expected(ctx context.Context, unitID int64, date string) ([]Ticket, error)
	// TicketByCode finds a facility's ticket by its code on a date, in
	// unit when given; fault.ErrConflict when, without a unit, units
	// sharing a prefix both have it.
	TicketByCode(ctx context.Context, facility, unit, date, code string) (Ticket, error)
}

// UnitCount is the number of waiting tickets of one unit, for reconciling.
type UnitCount struct {
	Facility string
	Unit     string
	UnitID   int64
	Date     string
	Count    int
}

// Publisher receives committed events, in seq order per call.
type Publisher interface {
	Publish(ctx context.Context, events []Event)
}

// Service runs the queue: it validates requests, commits them to the Store
// and keeps the Live index in step.
type Service struct {
	Store     Store
	Live      *Live
	Publisher Publisher // may be nil
	Log       *slog.Logger
	Now       func() time.Time
	Secret    []byte

	mu         sync.Mutex
	dirty      map[unitDay]bool
	generation string // the Redis masters last seen (Live.Generation)
	facCache   map[string]facEntry
	waitCache  map[int64]waitEntry
}

type facEntry struct {
	f     Facility
	units []Unit
	at    time.Time
}

type waitEntry struct {
	per      time.Duration
	samples  int
	counters int
	at       time.Time
}

// facilityTTL bounds how long an edited facility or unit takes to show.
const facilityTTL = 5 * time.Second

// Facility returns a facility and its units. fault.ErrNotFound if unknown.
func (s *Service) Facility(ctx context.Context, code string) (Facility, []Unit, error) {
	now := time.Now()
	s.mu.Lock()
	e, ok := s.facCache[code]
	s.mu.Unlock()
	if ok && now.Sub(e.at) < facilityTTL {
		return e.f, e.units, nil
	}
	f, units, err := s.Store.Facility(ctx, code)
	if err != nil {
		return Facility{}, nil, err
	}
	s.mu.Lock()
	if s.facCache == nil {
		s.facCache = map[string]facEntry{}
	}
	s.facCache[code] = facEntry{f, units, now}
	s.mu.Unlock()
	return f, units, nil
}

// ForgetFacility drops a cached facility after an admin edit.
func (s *Service) ForgetFacility(code string) {
	s.mu.Lock()
	delete(s.facCache, code)
	s.mu.Unlock()
}

// FacilityWithUnits is Facility for a caller about to use the named units:
// a unit missing from the cached facility makes it read again first, so a
// unit just added (on any instance) is found at once. A unit still missing
// then does not exist.
func (s *Service) FacilityWithUnits(ctx context.Context, code string, want ...string) (Facility, []Unit, error) {
	f, units, err := s.Facility(ctx, code)
	if err != nil {
		return f, nil, err
	}
	for _, w := range want {
		if _, ok := findUnit(units, w); !ok {
			s.ForgetFacility(code)
			return s.Facility(ctx, code)
		}
	}
	return f, units, nil
}

// unit returns a facility and one of its units (see FacilityWithUnits); ok
// is false when the unit does not exist.
func (s *Service) unit(ctx context.Context, facility, code string) (Facility, Unit, bool, error) {
	f, units, err := s.FacilityWithUnits(ctx, facility, code)
	if err != nil {
		return f, Unit{}, false, err
	}
	u, ok := findUnit(units, code)
	return f, u, ok, nil
}

func findUnit(units []Unit, code string) (Unit, bool) {
	for _, u := range units {
		if u.Code == code {
			return u, true
		}
	}
	return Unit{}, false
}

// BookRequest is a patient's or a desk's request for a ticket.
type BookRequest struct {
	Facility       string
	Unit           string
	ServiceDate    string
	Name           string
	Phone          string
	NIK            string
	BPJS           string
	Priority       string
	Channel        string
	Notify         bool
	IdempotencyKey string
}

// Book validates r and issues a ticket. It returns the ticket with its
// token, and created=false when an earlier request with the same
// idempotency key already made it. Errors: fault.ErrNotFound (facility),
// fault.ErrInvalid (a fault.Error), *DuplicateError, ErrQuotaFull, ErrClosed,
// fault.ErrConflict (idempotency key reused with another body), fault.ErrUnavailable.
func (s *Service) Book(ctx context.Context, r BookRequest) (Ticket, string, bool, error) {
	f, u, ok, err := s.unit(ctx, r.Facility, r.Unit)
	if err != nil {
		return Ticket{}, "", false, err
	}
	if !ok {
		return Ticket{}, "", false, fault.Invalid("unit", "Unit layanan tidak ditemukan.")
	}
	now := s.Now()
	nt, err := s.newTicket(f, u, r, now)
	if err != nil {
		return Ticket{}, "", false, err
	}
	switch {
	case u.CheckIn.Expects(nt.Channel):
		nt.Status = Booked
		per, today := s.perTicket(ctx, u), f.Today(now)
		nt.WindowAt = func(number, waiting int) Window {
			return f.bookedWindow(u, nt.ServiceDate, today, now, number, waiting, per)
		}
	case nt.ServiceDate != f.Today(now):
		per := int(s.perTicket(ctx, u).Seconds())
		nt.Estimate = func(ahead int) Window {
			return f.windowFor(u, nt.ServiceDate, time.Duration(ahead*per)*time.Second)
		}
	}
	t, events, created, err := s.Store.Book(ctx, nt, now)
	if errors.Is(err, ErrQuotaFull) {
		err = s.full(ctx, f, u, nt.ServiceDate, err)
	}
	if err != nil {
		return Ticket{}, "", false, err
	}
	var placed bool
	if created && t.Status == Booked {
		s.publish(ctx, events)
		return t, s.Token(t.ID), created, nil
	}
	if created {
		var ahead int
		ahead, placed = s.indexPlace(ctx, f, u, t, now)
		s.publish(ctx, events)
		if placed {
			s.setPlace(ctx, &t, f, u, ahead, s.Now())
		}
	}
	if !placed {
		s.fillLive(ctx, &t, f, u)
	}
	return t, s.Token(t.ID), created, nil
}

func (s *Service) newTicket(f Facility, u Unit, r BookRequest, now time.Time) (NewTicket, error) {
	today := f.Today(now)
	date := r.ServiceDate
	if date == "" {
		date = today
	}
	d, err := time.ParseInLocation(time.DateOnly, date, f.Location)
	if err != nil {
		return NewTicket{}, fault.Invalid("service_date", "Tanggal harus berformat yyyy-mm-dd.")
	}
	t0, _ := time.ParseInLocation(time.DateOnly, today, f.Location)
	switch {
	case d.Before(t0):
		return NewTicket{}, fault.Invalid("service_date", "Tanggal layanan tidak boleh sebelum hari ini.")
	case d.After(t0.AddDate(0, 0, f.BookingWindow)):
		return NewTicket{}, fault.Invalid("service_date", fmt.Sprintf("Pendaftaran hanya bisa paling lambat %d hari ke depan.", f.BookingWindow))
	}
	if why := f.Closed(u, d); why != "" {
		return NewTicket{}, fmt.Errorf("book %s on %s: %w", u.Code, date, f.closedError(u, d, why, d))
	}
	openMin, closeMin, _ := u.hoursOn(d.Weekday())
	opens := d.Add(time.Duration(openMin) * time.Minute)
	if date == today && pastClosing(u, d, now) {
		why := fmt.Sprintf("Pendaftaran %s hari ini sudah ditutup (layanan sampai pukul %02d.%02d)", u.Name, closeMin/60, closeMin%60)
		return NewTicket{}, fmt.Errorf("book %s today after closing: %w", u.Code, f.closedError(u, d, why, d.AddDate(0, 0, 1)))
	}
	name := strings.TrimSpace(r.Name)
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 100 || strings.ContainsAny(name, "<>\x00") {
		return NewTicket{}, fault.Invalid("name", "Nama maksimal 100 huruf dan tanpa tanda < >.")
	}
	pr, err := ParsePriority(r.Priority)
	if err != nil {
		return NewTicket{}, err
	}
	ch, err := ParseChannel(r.Channel)
	if err != nil {
		return NewTicket{}, err
	}
	nt := NewTicket{Prefix: u.Prefix, Quota: u.quotaOn(d.Weekday()), IdempotencyKey: r.IdempotencyKey}
	if r.Phone != "" {
		if nt.Phone, err = NormalizePhone(r.Phone); err != nil {
			return NewTicket{}, err
		}
		nt.PhoneHash = s.personHash("phone", nt.Phone)
	}
	if r.NIK != "" {
		if err := ValidateNIK(r.NIK); err != nil {
			return NewTicket{}, err
		}
		nt.NIK = r.NIK
		nt.NIKHash = s.personHash("nik", r.NIK)
	}
	if r.BPJS != "" {
		if err := ValidateBPJS(r.BPJS); err != nil {
			return NewTicket{}, err
		}
		nt.BPJS = r.BPJS
		nt.BPJSHash = s.personHash("bpjs", r.BPJS)
	}
	if r.Notify && nt.Phone == "" {
		return NewTicket{}, fault.Invalid("phone", "Isi nomor WhatsApp untuk menerima pemberitahuan.")
	}
	if len(r.IdempotencyKey) > 200 {
		return NewTicket{}, fault.Invalid("Idempotency-Key", "Idempotency-Key terlalu panjang.")
	}
	nt.ID = NewID()
	nt.VisitID = nt.ID
	nt.FacilityID, nt.Facility = f.ID, f.Code
	nt.UnitID, nt.Unit = u.ID, u.Code
	nt.ServiceDate = date
	nt.Status = Waiting
	nt.Priority, nt.Channel = pr, ch
	nt.Name, nt.Notify = name, r.Notify
	nt.IssuedAt = now.Truncate(time.Microsecond).Local() // as Postgres stores and returns it
	nt.OrderKey = max(now.UnixMilli(), opens.UnixMilli())
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%t", u.Code, date, name, nt.Phone, nt.NIK, nt.BPJS, pr, ch, r.Notify)
	nt.RequestHash = h.Sum(nil)
	return nt, nil
}

func (s *Service) personHash(kind, v string) []byte {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("person:" + kind + ":" + v))
	return m.Sum(nil)
}

// PersonKey is the keyed hash of a person's NIK, BPJS number or normalised
// phone (kind "nik", "bpjs", "phone"), in hex: a stable key that reveals
// nothing, for rate limits and duplicate checks.
func (s *Service) PersonKey(kind, v string) string {
	return hex.EncodeToString(s.personHash(kind, v))
}

// Token returns the patient's secret for ticket id: a MAC of the id, so it
// needs no storage and is the same on every instance.
func (s *Service) Token(id string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("ticket-token:" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:24]
}

// CheckToken reports whether token is the token of ticket id.
func (s *Service) CheckToken(id, token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(s.Token(id)), []byte(token)) == 1
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a fresh opaque ticket id.
func NewID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return idEncoding.EncodeToString(b)
}

// Ticket returns a ticket with its live position. fault.ErrNotFound if unknown.
func (s *Service) Ticket(ctx context.Context, id string) (Ticket, error) {
	t, err := s.Store.Ticket(ctx, id)
	if err != nil {
		return Ticket{}, err
	}
	if t.Status == Waiting {
		f, units, err := s.Facility(ctx, t.Facility)
		if err != nil {
			return Ticket{}, err
		}
		u, _ := findUnit(units, t.Unit)
		s.fillLive(ctx, &t, f, u)
	}
	return t, nil
}

// CancelByPatient cancels a waiting ticket for the holder of its token.
// fault.ErrNotFound for a wrong token, ErrTransition once called.
func (s *Service) CancelByPatient(ctx context.Context, id, token string) (Ticket, error) {
	if !s.CheckToken(id, token) {
		return Ticket{}, fmt.Errorf("ticket %s: %w", id, fault.ErrNotFound)
	}
	return s.Act(ctx, id, Change{Action: ActionPatientDrop, Actor: "patient"})
}

// Act applies a staff action (call out of order, recall, start, finish,
// skip, requeue, cancel) to ticket id. fault.ErrNotFound, ErrTransition.
func (s *Service) Act(ctx context.Context, id string, c Change) (Ticket, error) {
	cur, err := s.Store.Ticket(ctx, id)
	if err != nil {
		return Ticket{}, err
	}
	return s.ActOn(ctx, cur, c)
}

// ActOn is Act on a ticket its caller has just read (a route's access
// check reads it), without reading it again. The change is decided anew
// under the facility's lock, and nothing after it depends on cur's status,
// so a cur a moment old decides nothing.
func (s *Service) ActOn(ctx context.Context, cur Ticket, c Change) (Ticket, error) {
	id := cur.ID
	if !Allowed(c.Action, cur.Status) {
		return Ticket{}, fmt.Errorf("%s ticket %s in status %s: %w", c.Action, id, cur.Status, ErrTransition)
	}
	f, units, err := s.Facility(ctx, cur.Facility)
	if err != nil {
		return Ticket{}, err
	}
	u, _ := findUnit(units, cur.Unit)
	now := s.Now()
	if c.Action == ActionRequeue {
		c.OrderKey = s.requeueKey(ctx, f, u, cur, now)
	}
	t, events, err := s.Store.Apply(ctx, id, c, now)
	if err != nil {
		return Ticket{}, err
	}
	switch c.Action {
	case ActionRequeue:
		s.index(ctx, f, u, t, now)
	case ActionCall, ActionCancel, ActionPatientDrop:
		// Whatever cur said, the ticket may have been waiting when the
		// change committed (checked in or requeued since cur was read):
		// removing is harmless when it is not in the index, and the ratio
		// counter moves only for a ticket that was.
		s.unindex(ctx, f, u, t, c.Action == ActionCall, now)
	}
	s.publish(ctx, events)
	s.fillLive(ctx, &t, f, u)
	return t, nil
}

// requeueKey places a returning skipped ticket behind RequeueAhead of the
// tickets now waiting in its lane: just after the key of the last of them,
// or at the end when fewer wait.
func (s *Service) requeueKey(ctx context.Context, f Facility, u Unit, t Ticket, now time.Time) int64 {
	key := now.UnixMilli()
	ls, err := s.lanes(ctx, f, u, t.ServiceDate, now)
	if err != nil {
		return key
	}
	lane := ls.Normal
	if u.Policy.Lane(t.Priority) == LanePriority {
		lane = ls.Priority
	}
	k := u.Policy.RequeueAhead
	switch {
	case k == 0 && len(lane) > 0:
		return lane[0].Key - 1
	case k > 0 && len(lane) >= k:
		return lane[k-1].Key + 1
	case len(lane) > 0:
		return max(key, lane[len(lane)-1].Key+1)
	}
	return key
}

// CallNext calls the next ticket of a unit to counter, and reports
// found=false when nobody is waiting. Exactly one caller gets each ticket,
// however many call at once: Redis hands each id out once, and Postgres
// commits the call only from status waiting. fault.ErrNotFound for an unknown
// facility or unit, fault.ErrUnavailable when Redis or Postgres is down.
func (s *Service) CallNext(ctx context.Context, facility, unit, counter, actor string) (Ticket, bool, error) {
	f, u, ok, err := s.unit(ctx, facility, unit)
	if err != nil {
		return Ticket{}, false, err
	}
	if !ok {
		return Ticket{}, false, fmt.Errorf("unit %s: %w", unit, fault.ErrNotFound)
	}
	now := s.Now()
	date := f.Today(now)
	for range 1000 {
		id, err := s.Live.Next(ctx, f.Code, u.Code, date, u.Policy, now)
		if errors.Is(err, errLost) {
			if err := s.rebuild(ctx, f, u, date, now); err != nil {
				return Ticket{}, false, err
			}
			continue
		}
		if err != nil {
			return Ticket{}, false, err
		}
		if id == "" {
			return Ticket{}, false, nil
		}
		t, events, err := s.Store.Apply(ctx, id, Change{Action: ActionCall, Counter: counter, Actor: actor, Unit: u.Code, Date: date}, now)
		if errors.Is(err, fault.ErrConflict) || errors.Is(err, fault.ErrNotFound) {
			continue // a stale index entry: the ticket was called, cancelled or moved meanwhile
		}
		if err != nil {
			// Nothing was committed: put the ticket back where it was.
			if cur, err2 := s.Store.Ticket(ctx, id); err2 == nil && cur.Status == Waiting {
				s.index(ctx, f, u, cur, now)
			}
			return Ticket{}, false, err
		}
		// The ticket left the index before the call committed: a rebuild
		// that read Postgres in between (a repair, another instance after
		// Redis came back) put it back as waiting. Now that Postgres says
		// called, take it out again; the ratio counter was counted by Next.
		s.unindex(ctx, f, u, t, false, now)
		s.publish(ctx, events)
		return t, true, nil
	}
	return Ticket{}, false, fmt.Errorf("call next %s: too many stale entries: %w", u.Code, fault.ErrUnavailable)
}

// Transfer moves a called or serving ticket to another unit of the same
// facility, where it waits in the order of its visit's first arrival.
func (s *Service) Transfer(ctx context.Context, id, toUnit, actor string) (Ticket, Ticket, error) {
	cur, err := s.Store.Ticket(ctx, id)
	if err != nil {
		return Ticket{}, Ticket{}, err
	}
	f, u, ok, err := s.unit(ctx, cur.Facility, toUnit)
	if err != nil {
		return Ticket{}, Ticket{}, err
	}
	if !ok {
		return Ticket{}, Ticket{}, fault.Invalid("unit", "Unit tujuan tidak ditemukan.")
	}
	if u.Code == cur.Unit {
		return Ticket{}, Ticket{}, fault.Invalid("unit", "Unit tujuan sama dengan unit sekarang.")
	}
	if !Allowed(ActionTransfer, cur.Status) {
		return Ticket{}, Ticket{}, fmt.Errorf("transfer ticket %s in status %s: %w", id, cur.Status, ErrTransition)
	}
	now := s.Now()
	nt := NewTicket{Prefix: u.Prefix}
	nt.Ticket = cur
	nt.ID = NewID()
	nt.UnitID, nt.Unit = u.ID, u.Code
	nt.Status = Waiting
	nt.IssuedAt = now.Truncate(time.Microsecond).Local() // as Postgres stores and returns it
	nt.CalledAt, nt.StartedAt, nt.FinishedAt = nil, nil, nil
	nt.Counter, nt.CallCount, nt.TransferTo = "", 0, ""
	nt.FromUnit = cur.Unit
	nt.ServiceDate = f.Today(now)
	from, to, events, err := s.Store.Transfer(ctx, id, nt, actor, now)
	if err != nil {
		return Ticket{}, Ticket{}, err
	}
	s.index(ctx, f, u, to, now)
	s.publish(ctx, events)
	s.fillLive(ctx, &to, f, u)
	return from, to, nil
}

// Queue returns a unit's waiting tickets in call order (with positions and
// estimates) and its current calls.
func (s *Service) Queue(ctx context.Context, facility, unit string) ([]Ticket, []Ticket, error) {
	f, u, ok, err := s.unit(ctx, facility, unit)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, fmt.Errorf("unit %s: %w", unit, fault.ErrNotFound)
	}
	now := s.Now()
	date := f.Today(now)
	ls, err := s.lanes(ctx, f, u, date, now)
	if err != nil {
		return nil, nil, err
	}
	order := u.Policy.Order(ls.Normal, ls.Priority, ls.Since, now.UnixMilli())
	ids := make([]string, len(order))
	for i, e := range order {
		ids[i] = e.ID
	}
	ts, err := s.Store.Tickets(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]Ticket, len(ts))
	for _, t := range ts {
		byID[t.ID] = t
	}
	per := s.perTicket(ctx, u)
	waiting := make([]Ticket, 0, len(order))
	for _, e := range order {
		t, ok := byID[e.ID]
		if !ok || t.Status != Waiting {
			continue
		}
		t.Ahead = len(waiting)
		t.Position = t.Ahead + 1
		t.EstimatedWaitS = int((time.Duration(t.Ahead) * per).Seconds())
		waiting = append(waiting, t)
	}
	current, err := s.Store.Current(ctx, u.ID, date)
	if err != nil {
		return nil, nil, err
	}
	return waiting, current, nil
}

// UnitStatus is the public state of a unit.
type UnitStatus struct {
	Unit           Unit
	Open           bool
	Waiting        int
	Current        *Call
	EstimatedWaitS int
}

// Units returns the public state of every unit of a facility today.
func (s *Service) Units(ctx context.Context, facility string) (Facility, []UnitStatus, error) {
	f, units, err := s.Facility(ctx, facility)
	if err != nil {
		return Facility{}, nil, err
	}
	now := s.Now()
	date := f.Today(now)
	out := make([]UnitStatus, 0, len(units))
	for _, u := range units {
		st := UnitStatus{Unit: u, Open: u.OpenAt(now.In(f.Location))}
		ls, err := s.lanes(ctx, f, u, date, now)
		if err != nil {
			return Facility{}, nil, err
		}
		st.Waiting = ls.Count()
		cur, err := s.Store.Current(ctx, u.ID, date)
		if err != nil {
			return Facility{}, nil, err
		}
		if len(cur) > 0 {
			st.Current = &Call{Code: cur[0].Code, Counter: cur[0].Counter}
		}
		st.EstimatedWaitS = int((time.Duration(st.Waiting) * s.perTicket(ctx, u)).Seconds())
		out = append(out, st)
	}
	return f, out, nil
}

// lanes reads a unit's index, rebuilding it from Postgres if it was lost.
func (s *Service) lanes(ctx context.Context, f Facility, u Unit, date string, now time.Time) (Lanes, error) {
	var ls Lanes
	err := s.onLive(ctx, f, u, date, now, func() (err error) {
		ls, err = s.Live.Read(ctx, f.Code, u.Code, date)
		return err
	})
	return ls, err
}

// fillLive sets a waiting ticket's position and estimated wait from its
// unit's live index, reading its own place there (not the line). Without
// the index the ticket is answered as stored (the change it follows is
// committed): that is logged, not returned.
func (s *Service) fillLive(ctx context.Context, t *Ticket, f Facility, u Unit) {
	if t.Status != Waiting {
		return
	}
	now := s.Now()
	ahead, err := s.places(ctx, f, u, t.ServiceDate, []string{t.ID}, now)
	if err != nil {
		s.Log.Warn("live position unavailable", "ticket", t.ID, "err", err)
		return
	}
	if i, ok := ahead[t.ID]; ok {
		s.setPlace(ctx, t, f, u, i, now)
	}
}

// places reads from a unit's index how many tickets are called before each
// of ids that is waiting, rebuilding the index from Postgres if it was lost.
func (s *Service) places(ctx context.Context, f Facility, u Unit, date string, ids []string, now time.Time) (map[string]int, error) {
	var ahead map[string]int
	err := s.onLive(ctx, f, u, date, now, func() (err error) {
		ahead, err = s.Live.Places(ctx, f.Code, u.Code, date, ids, u.Policy, now)
		return err
	})
	return ahead, err
}

// setPlace sets a waiting ticket's position and estimated wait from the
// number of tickets called before it.
func (s *Service) setPlace(ctx context.Context, t *Ticket, f Facility, u Unit, ahead int, now time.Time) {
	p := f.placeOf(u, t.ServiceDate, ahead, s.perTicket(ctx, u), now)
	t.Ahead, t.Position, t.EstimatedWaitS = p.Ahead, p.Position, p.EstimatedWaitS
	if t.ServiceDate != f.Today(now) {
		t.Window = p.Window
	}
}

// placeOf is the place of a ticket of unit u on date with ahead tickets
// called before it, per being the expected time between two calls.
func (f Facility) placeOf(u Unit, date string, ahead int, per time.Duration, now time.Time) Place {
	p := Place{Position: ahead + 1, Ahead: ahead, EstimatedWaitS: int((time.Duration(ahead) * per).Seconds())}
	if date != f.Today(now) {
		// Before its day the wait counts from the unit's opening.
		p.EstimatedWaitS = ahead * int(per.Seconds())
		p.Window = f.windowFor(u, date, time.Duration(p.EstimatedWaitS)*time.Second)
	}
	return p
}

// perTicket is the expected time between two calls of a unit: the mean
// measured service time (call to finish) over the last 14 days divided by
// the number of counters that served in the last hour, or the unit's
// default before anything was measured. Cached for a minute per unit.
func (s *Service) perTicket(ctx context.Context, u Unit) time.Duration {
	now := time.Now()
	s.mu.Lock()
	e, ok := s.waitCache[u.ID]
	s.mu.Unlock()
	if !ok || now.Sub(e.at) > time.Minute {
		mean, n, counters, err := s.Store.ServiceTime(ctx, u.ID, s.Now().Add(-14*24*time.Hour))
		e = waitEntry{per: time.Duration(u.DefaultServiceS) * time.Second, samples: n, counters: counters, at: now}
		if err == nil && n >= 3 {
			e.per = mean / time.Duration(max(counters, 1))
		}
		s.mu.Lock()
		if s.waitCache == nil {
			s.waitCache = map[int64]waitEntry{}
		}
		s.waitCache[u.ID] = e
		s.mu.Unlock()
	}
	return e.per
}

// committed returns the context for updating the live index after a
// change committed: the update must happen even if the client hung up.
func committed(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}

// index adds a waiting ticket to the live index. A failure is logged, not
// returned: the ticket is committed, and the reconciler restores the index.
func (s *Service) index(ctx context.Context, f Facility, u Unit, t Ticket, now time.Time) {
	ctx, cancel := committed(ctx)
	defer cancel()
	e := Entry{ID: t.ID, Key: t.OrderKey}
	s.logLive(f, u, t, "add", s.onLive(ctx, f, u, t.ServiceDate, now, func() error {
		return s.Live.Add(ctx, f.Code, u.Code, t.ServiceDate, e, u.Policy.Lane(t.Priority), now)
	}))
}

// indexPlace is index that also returns how many tickets are called before
// t, in the same round trip; ok is false when the index could not be
// updated.
func (s *Service) indexPlace(ctx context.Context, f Facility, u Unit, t Ticket, now time.Time) (ahead int, ok bool) {
	ctx, cancel := committed(ctx)
	defer cancel()
	e := Entry{ID: t.ID, Key: t.OrderKey}
	err := s.onLive(ctx, f, u, t.ServiceDate, now, func() (err error) {
		ahead, err = s.Live.AddPlace(ctx, f.Code, u.Code, t.ServiceDate, e, u.Policy.Lane(t.Priority), u.Policy, now)
		return err
	})
	s.logLive(f, u, t, "add", err)
	return ahead, err == nil
}

func (s *Service) unindex(ctx context.Context, f Facility, u Unit, t Ticket, called bool, now time.Time) {
	ctx, cancel := committed(ctx)
	defer cancel()
	s.logLive(f, u, t, "remove", s.onLive(ctx, f, u, t.ServiceDate, now, func() error {
		return s.Live.Remove(ctx, f.Code, u.Code, t.ServiceDate, t.ID, called)
	}))
}

// onLive runs op on a unit's live index, rebuilding the unit from Postgres
// and running op again when the index was lost.
func (s *Service) onLive(ctx context.Context, f Facility, u Unit, date string, now time.Time, op func() error) error {
	err := op()
	if errors.Is(err, errLost) {
		if err = s.rebuild(ctx, f, u, date, now); err == nil {
			err = op()
		}
	}
	return err
}

// logLive logs a failed index update and marks the unit for repair.
func (s *Service) logLive(f Facility, u Unit, t Ticket, op string, err error) {
	if err != nil {
		s.Log.Error("live index "+op+" failed; the unit will be rebuilt", "ticket", t.ID, "err", err)
		s.markDirty(f.Code, u.Code, t.ServiceDate)
	}
}

// rebuild reloads a unit's index for date from Postgres, unless it is present.
func (s *Service) rebuild(ctx context.Context, f Facility, u Unit, date string, now time.Time) error {
	entries, since, err := s.Store.LiveState(ctx, u.ID, date, u.Policy)
	if err != nil {
		return err
	}
	wrote, err := s.Live.Rebuild(ctx, f.Code, u.Code, date, entries, since, now)
	if err != nil {
		return err
	}
	if wrote {
		s.Log.Info("live index rebuilt", "facility", f.Code, "unit", u.Code, "date", date, "waiting", len(entries))
	}
	return nil
}

// repair rebuilds a unit's index even though it is present: it drops the
// epoch marker first, so writers in flight rebuild and retry too, and no
// committed ticket is left out by the snapshot.
func (s *Service) repair(ctx context.Context, facility, unit, date string) error {
	f, units, err := s.Facility(ctx, facility)
	if err != nil {
		return err
	}
	u, ok := findUnit(units, unit)
	if !ok {
		return nil
	}
	if err := s.Live.Invalidate(ctx, f.Code, u.Code, date); err != nil {
		return err
	}
	return s.rebuild(ctx, f, u, date, s.Now())
}

// RebuildAll restores the live index of every unit for today from
// Postgres where Redis lost it (at start-up, or after Redis came back
// empty), eight units at a time. It returns how many units it rebuilt.
func (s *Service) RebuildAll(ctx context.Context) (int, error) {
	counts, err := s.Store.WaitingCounts(ctx, s.Now())
	if err != nil {
		return 0, err
	}
	var rebuilt atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, c := range counts {
		g.Go(func() error {
			if ok, err := s.Live.Present(ctx, c.Facility, c.Unit, c.Date); ok || err != nil {
				return err
			}
			f, units, err := s.Facility(ctx, c.Facility)
			if err != nil {
				return err
			}
			u, ok := findUnit(units, c.Unit)
			if !ok {
				return nil
			}
			rebuilt.Add(1)
			return s.rebuild(ctx, f, u, c.Date, s.Now())
		})
	}
	err = g.Wait()
	return int(rebuilt.Load()), err
}

type unitDay struct{ facility, unit, date string }

// markDirty remembers a unit whose index missed a write.
func (s *Service) markDirty(facility, unit, date string) {
	s.mu.Lock()
	if s.dirty == nil {
		s.dirty = map[unitDay]bool{}
	}
	s.dirty[unitDay{facility, unit, date}] = true
	s.mu.Unlock()
}

// repairDirty rebuilds every unit whose index missed a write, once Redis
// answers again.
func (s *Service) repairDirty(ctx context.Context) {
	s.mu.Lock()
	todo := s.dirty
	s.dirty = nil
	s.mu.Unlock()
	for k := range todo {
		if err := s.repair(ctx, k.facility, k.unit, k.date); err != nil {
			s.markDirty(k.facility, k.unit, k.date)
			continue
		}
		s.Log.Info("live index repaired after a failed write", "facility", k.facility, "unit", k.unit, "date", k.date)
	}
}

// Reconcile compares today's waiting counts in Postgres with the live index
// of every unit and repairs the units that disagree twice in a row (one
// disagreement can be a write in flight). It returns how many it repaired.
func (s *Service) Reconcile(ctx context.Context, suspects map[string]bool) (int, error) {
	counts, err := s.Store.WaitingCounts(ctx, s.Now())
	if err != nil {
		return 0, err
	}
	repaired := 0
	for _, c := range counts {
		ls, err := s.Live.Read(ctx, c.Facility, c.Unit, c.Date)
		key := c.Facility + "/" + c.Unit + "/" + c.Date
		switch {
		case err == nil && ls.Count() == c.Count, errors.Is(err, errLost):
			// In step, or lost and rebuilt by the next operation on it.
			delete(suspects, key)
		case err != nil:
			return repaired, err
		case suspects[key]:
			if err := s.repair(ctx, c.Facility, c.Unit, c.Date); err != nil {
				return repaired, err
			}
			delete(suspects, key)
			repaired++
		default:
			suspects[key] = true
		}
	}
	return repaired, nil
}

// RunReconciler repairs units whose index missed a write and rebuilds
// every unit after a Redis failover (both checked every second),
// and compares every unit with Postgres (every interval) until ctx ends.
func (s *Service) RunReconciler(ctx context.Context, interval time.Duration) error {
	suspects := map[string]bool{}
	fast := time.NewTicker(min(interval, time.Second))
	defer fast.Stop()
	full := time.NewTicker(interval)
	defer full.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-fast.C:
			s.checkFailover(ctx)
			s.repairDirty(ctx)
		case <-full.C:
			if n, err := s.Reconcile(ctx, suspects); err != nil {
				s.Log.Warn("reconcile failed", "err", err)
			} else if n > 0 {
				s.Log.Warn("live index repaired after a mismatch", "units", n)
			}
		}
	}
}

func (s *Service) publish(ctx context.Context, events []Event) {
	if s.Publisher != nil && len(events) > 0 {
		s.Publisher.Publish(ctx, events)
	}
}
