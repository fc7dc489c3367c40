package integration

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/antrian/antrian/bpjs"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/queue"
	"github.com/antrian/antrian/satusehat"
)

func permanent(format string, args ...any) error {
	return fmt.Errorf("%w: %s", outbox.ErrPermanent, fmt.Sprintf(format, args...))
}

// Store is what the senders read and write; *postgres.DB implements it.
// Reads of something missing return an error wrapping fault.ErrNotFound.
type Store interface {
	Settings
	Ticket(ctx context.Context, id string) (queue.Ticket, error)
	Facility(ctx context.Context, code string) (queue.Facility, []queue.Unit, error)
	// JKNPatient returns a card holder registered at the facility.
	JKNPatient(ctx context.Context, facility, card string) (queue.Patient, error)
	// JKNPoli returns the facility's mapping of PCare poli codes to units.
	JKNPoli(ctx context.Context, facility string) ([]queue.Poli, error)
	// SATUSEHATEncounter returns the Encounter id of a ticket.
	SATUSEHATEncounter(ctx context.Context, ticketID string) (string, error)
	// SaveSATUSEHATEncounter records a ticket's Encounter and its status.
	SaveSATUSEHATEncounter(ctx context.Context, ticketID, encounterID, status string) error
	// SATUSEHATPatient returns the IHS number and name cached under a NIK's keyed hash.
	SATUSEHATPatient(ctx context.Context, nikHash []byte) (ihs, name string, err error)
	// SaveSATUSEHATPatient caches the IHS number and name of a NIK's keyed hash.
	SaveSATUSEHATPatient(ctx context.Context, nikHash []byte, ihs, name string) error
}

// ticketUnit returns a ticket's facility and unit.
func ticketUnit(ctx context.Context, store Store, t queue.Ticket) (queue.Facility, queue.Unit, error) {
	f, units, err := store.Facility(ctx, t.Facility)
	if err != nil {
		return f, queue.Unit{}, err
	}
	for _, u := range units {
		if u.ID == t.UnitID {
			return f, u, nil
		}
	}
	return f, queue.Unit{}, fmt.Errorf("unit %s of %s: %w", t.Unit, t.Facility, fault.ErrNotFound)
}

// unitName returns the name of a ticket's unit.
func unitName(ctx context.Context, store Store, t queue.Ticket) (string, error) {
	_, u, err := ticketUnit(ctx, store, t)
	return u.Name, err
}

// practice returns the practice session a ticket is served in: of its
// unit on its day, the one running when it was issued (for a ticket taken
// on its day) or the day's first. ok is false when the unit has no session
// that day.
func practice(f queue.Facility, u queue.Unit, t queue.Ticket) (queue.Session, bool) {
	d, err := time.ParseInLocation(time.DateOnly, t.ServiceDate, f.Location)
	if err != nil {
		return queue.Session{}, false
	}
	at := 0
	if issued := t.IssuedAt.In(f.Location); issued.Format(time.DateOnly) == t.ServiceDate {
		at = issued.Hour()*60 + issued.Minute()
	}
	return u.PracticeOn(d, at)
}

// BPJSSender makes antreanfktp calls with each facility's settings.
type BPJSSender struct {
	Store Store
	HTTP  *http.Client
	Now   func() time.Time // clock of X-timestamp; default time.Now
}

// antrean gathers what BPJS is told of ticket id booked for poli kodepoli:
// the ticket, its unit's name, the patient's medical record number (when
// registered through Mobile JKN) and the doctor and hours: those of the
// unit's practice session of the day when it has sessions, else those
// entered with the poli mapping.
func (s *BPJSSender) antrean(ctx context.Context, id, kodepoli string) (bpjs.Antrean, error) {
	t, err := s.Store.Ticket(ctx, id)
	if err != nil {
		return bpjs.Antrean{}, err
	}
	a := bpjs.Antrean{NomorKartu: t.BPJS, NIK: t.NIK, NoHP: t.Phone, KodePoli: kodepoli, TanggalPeriksa: t.ServiceDate,
		NomorAntrean: t.Code, AngkaAntrean: t.Number}
	f, u, err := ticketUnit(ctx, s.Store, t)
	if err != nil {
		return a, err
	}
	a.NamaPoli = u.Name
	p, err := s.Store.JKNPatient(ctx, t.Facility, t.BPJS)
	switch {
	case err == nil:
		a.NoRM = p.NoRM
	case !errors.Is(err, fault.ErrNotFound):
		return a, err
	}
	polis, err := s.Store.JKNPoli(ctx, t.Facility)
	if err != nil {
		return a, err
	}
	for _, p := range polis {
		if p.KodePoli == kodepoli {
			a.KodeDokter, a.NamaDokter, a.JamPraktek = p.KodeDokter, p.NamaDokter, p.JamPraktek
		}
	}
	if ps, ok := practice(f, u, t); ok {
		a.KodeDokter, a.NamaDokter, a.JamPraktek = ps.KodeDokter, ps.Staff, ps.Hours()
	}
	return a, nil
}

// Send implements outbox.Sender.
func (s *BPJSSender) Send(ctx context.Context, d outbox.Delivery) error {
	set, err := LoadBPJS(ctx, s.Store, d.Facility)
	if errors.Is(err, fault.ErrNotFound) {
		return permanent("BPJS belum dikonfigurasi untuk faskes ini")
	}
	if err != nil {
		return err
	}
	if !set.Enabled {
		return permanent("integrasi BPJS dinonaktifkan")
	}
	kodepoli, _ := d.Payload["kodepoli"].(string)
	a, err := s.antrean(ctx, d.TicketID, kodepoli)
	if errors.Is(err, fault.ErrNotFound) {
		return permanent("tiket tidak ditemukan")
	}
	if err != nil {
		return err
	}
	c := bpjs.New(BPJSConfig(set), s.HTTP)
	if s.Now != nil {
		c.Now = s.Now
	}
	switch d.Kind {
	case KindAntreanAdd:
		if strings.HasPrefix(a.NoHP, "62") {
			a.NoHP = "0" + a.NoHP[2:]
		}
		err = c.Add(ctx, a)
	case KindPanggil:
		status, _ := d.Payload["status"].(float64)
		waktu, _ := d.Payload["waktu"].(float64)
		err = c.Panggil(ctx, bpjs.Panggil{TanggalPeriksa: a.TanggalPeriksa, KodePoli: kodepoli, NomorKartu: a.NomorKartu,
			Status: int(status), Waktu: int64(waktu)})
	case KindBatal:
		alasan, _ := d.Payload["alasan"].(string)
		err = c.Batal(ctx, bpjs.Batal{TanggalPeriksa: a.TanggalPeriksa, KodePoli: kodepoli, NomorKartu: a.NomorKartu, Alasan: alasan})
	default:
		return permanent("jenis panggilan BPJS %q tidak dikenal", d.Kind)
	}
	var be *bpjs.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bpjs.ErrTemporary):
		return err
	case errors.As(err, &be):
		return permanent("ditolak BPJS (kode %d): %s", be.Code, be.Message)
	}
	return fmt.Errorf("%w: %v", outbox.ErrPermanent, err)
}

// SATUSEHATSender brings Encounters up to date with each facility's
// settings. Clients (and their tokens) are kept per facility.
type SATUSEHATSender struct {
	Store Store
	HTTP  *http.Client
	// Secret keys the hash under which IHS numbers are cached, so the
	// cache holds no NIK.
	Secret []byte

	mu      sync.Mutex
	clients map[string]cachedClient
}

type cachedClient struct {
	cfg    satusehat.Config
	client *satusehat.Client
}

func (s *SATUSEHATSender) client(facility string, cfg satusehat.Config) *satusehat.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[facility]; ok && c.cfg == cfg {
		return c.client
	}
	if s.clients == nil {
		s.clients = map[string]cachedClient{}
	}
	c := satusehat.New(cfg, s.HTTP)
	s.clients[facility] = cachedClient{cfg, c}
	return c
}

type encounterTicket struct {
	status                        queue.Status
	channel                       queue.Channel
	fromUnit, nik, name, unitName string
	issued                        time.Time
	called, started, finished     *time.Time
	checkedIn                     *time.Time // a booked patient's check-in
	encounterID                   string
}

// encounterTicket reads what an Encounter is made of: ticket id, its
// unit's name, and the Encounter already created for it ("" when none).
func (s *SATUSEHATSender) encounterTicket(ctx context.Context, id string) (encounterTicket, error) {
	t, err := s.Store.Ticket(ctx, id)
	if err != nil {
		return encounterTicket{}, err
	}
	et := encounterTicket{status: t.Status, channel: t.Channel, fromUnit: t.FromUnit, nik: t.NIK, name: t.Name,
		issued: t.IssuedAt, called: t.CalledAt, started: t.StartedAt, finished: t.FinishedAt, checkedIn: t.CheckedInAt}
	if et.unitName, err = unitName(ctx, s.Store, t); err != nil {
		return et, err
	}
	et.encounterID, err = s.Store.SATUSEHATEncounter(ctx, id)
	if errors.Is(err, fault.ErrNotFound) {
		err = nil
	}
	return et, err
}

// Send implements outbox.Sender.
func (s *SATUSEHATSender) Send(ctx context.Context, d outbox.Delivery) error {
	set, err := LoadSATUSEHAT(ctx, s.Store, d.Facility)
	if errors.Is(err, fault.ErrNotFound) {
		return permanent("SATUSEHAT belum dikonfigurasi untuk faskes ini")
	}
	if err != nil {
		return err
	}
	if !set.Enabled {
		return permanent("integrasi SATUSEHAT dinonaktifkan")
	}
	t, err := s.encounterTicket(ctx, d.TicketID)
	if errors.Is(err, fault.ErrNotFound) {
		return permanent("tiket tidak ditemukan")
	}
	if err != nil {
		return err
	}
	v, arrived := visit(t)
	if !arrived || (t.status == queue.Cancelled && t.encounterID == "") {
		return nil // nothing happened yet that SATUSEHAT records
	}
	var loc queue.SATUSEHATLocation
	for _, l := range set.Locations {
		if l.Unit == d.Unit {
			loc = l
		}
	}
	if loc.LocationID == "" {
		return permanent("unit %s belum dipetakan ke Location SATUSEHAT", d.Unit)
	}
	c := s.client(d.Facility, SATUSEHATConfig(set))
	p, err := s.patient(ctx, c, t.nik)
	if errors.Is(err, satusehat.ErrNotFound) {
		return permanent("NIK pasien tidak ditemukan di SATUSEHAT")
	}
	if err != nil {
		return classify(err)
	}
	v.ID, v.OrganizationID = d.TicketID, set.OrganizationID
	v.PatientIHS, v.PatientName = p.IHS, p.Name
	v.LocationID, v.LocationName, v.Practitioner = loc.LocationID, t.unitName, loc.Practitioner
	e := v.Encounter()
	if t.encounterID == "" {
		id, err := c.CreateEncounter(ctx, e)
		if err != nil {
			return classify(err)
		}
		if err := s.Store.SaveSATUSEHATEncounter(ctx, d.TicketID, id, e.Status); err != nil {
			return err
		}
		if e.Status == satusehat.Arrived {
			return nil
		}
		// A conditional create of an existing Encounter returns it
		// unchanged: bring it up to date.
		t.encounterID = id
	}
	if err := c.UpdateEncounter(ctx, t.encounterID, e); err != nil {
		return classify(err)
	}
	return s.Store.SaveSATUSEHATEncounter(ctx, d.TicketID, t.encounterID, e.Status)
}

// visit maps a ticket's timestamps onto an Encounter's statuses. A walk-in
// (kiosk, desk, or a transfer from another unit) arrived when its ticket
// was issued and is in progress from its call; a remote booking (web,
// Mobile JKN) arrived when called and is in progress from the start of
// service (or its call, when finished without a start), unless its unit
// requires check-in: then it arrived at check-in and is in progress from
// its call, as a walk-in. Done and
// transferred tickets are finished, cancelled ones cancelled, at their
// finish time. arrived is false while the patient has not arrived.
func visit(t encounterTicket) (satusehat.Visit, bool) {
	var v satusehat.Visit
	walkIn := t.channel == queue.ChannelKiosk || t.channel == queue.ChannelDesk || t.fromUnit != ""
	over := t.status == queue.Done || t.status == queue.Transferred
	switch {
	case walkIn:
		v.Arrived, v.InProgress = t.issued, t.called
	case t.checkedIn != nil: // there since her check-in, as a walk-in
		v.Arrived, v.InProgress = *t.checkedIn, t.called
	case t.called != nil:
		v.Arrived, v.InProgress = *t.called, t.started
		if v.InProgress == nil && over {
			v.InProgress = t.called
		}
	default:
		return v, false
	}
	switch {
	case over:
		v.Finished = t.finished
	case t.status == queue.Cancelled:
		v.Cancelled = t.finished
	}
	return v, true
}

func classify(err error) error {
	if errors.Is(err, satusehat.ErrTemporary) {
		return err
	}
	return fmt.Errorf("%w: %v", outbox.ErrPermanent, err)
}

func (s *SATUSEHATSender) nikHash(nik string) []byte {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("satusehat-nik:" + nik))
	return m.Sum(nil)
}

// patient returns the IHS number of a NIK, from the cache or SATUSEHAT.
func (s *SATUSEHATSender) patient(ctx context.Context, c *satusehat.Client, nik string) (satusehat.Patient, error) {
	h := s.nikHash(nik)
	var p satusehat.Patient
	var err error
	p.IHS, p.Name, err = s.Store.SATUSEHATPatient(ctx, h)
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, fault.ErrNotFound) {
		return p, err
	}
	if p, err = c.PatientByNIK(ctx, nik); err != nil {
		return p, err
	}
	return p, s.Store.SaveSATUSEHATPatient(ctx, h, p.IHS, p.Name)
}
