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
	"github.com/antrian/antrian/queue"
	"github.com/antrian/antrian/satusehat"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func permanent(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrPermanent, fmt.Sprintf(format, args...))
}

// BPJSSender makes antreanfktp calls with each facility's settings.
type BPJSSender struct {
	Pool *pgxpool.Pool
	HTTP *http.Client
	Now  func() time.Time // clock of X-timestamp; default time.Now
}

type bpjsTicket struct {
	date, code, nik, card, phone, unitName, norm string
	number, kodedokter                           int
	namadokter, jampraktek                       string
}

// Send implements Sender.
func (s *BPJSSender) Send(ctx context.Context, d Delivery) error {
	set, err := LoadBPJS(ctx, s.Pool, d.Facility)
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
	var t bpjsTicket
	err = s.Pool.QueryRow(ctx, `SELECT t.service_date::text, t.number, t.code, t.nik, t.bpjs, t.phone, u.name,
			coalesce(p.norm, ''), coalesce(jp.kodedokter, 0), coalesce(jp.namadokter, ''), coalesce(jp.jampraktek, '')
		FROM tickets t JOIN units u ON u.id = t.unit_id JOIN facilities f ON f.id = t.facility_id
		LEFT JOIN jkn_patients p ON p.facility = f.code AND p.nomorkartu = t.bpjs
		LEFT JOIN jkn_poli jp ON jp.facility = f.code AND jp.kodepoli = $2
		WHERE t.id = $1`, d.TicketID, kodepoli).
		Scan(&t.date, &t.number, &t.code, &t.nik, &t.card, &t.phone, &t.unitName, &t.norm, &t.kodedokter, &t.namadokter, &t.jampraktek)
	if errors.Is(err, pgx.ErrNoRows) {
		return permanent("tiket tidak ditemukan")
	}
	if err != nil {
		return err
	}
	c := bpjs.New(set.Config(), s.HTTP)
	if s.Now != nil {
		c.Now = s.Now
	}
	switch d.Kind {
	case KindAntreanAdd:
		phone := t.phone
		if strings.HasPrefix(phone, "62") {
			phone = "0" + phone[2:]
		}
		err = c.Add(ctx, bpjs.Antrean{NomorKartu: t.card, NIK: t.nik, NoHP: phone, KodePoli: kodepoli, NamaPoli: t.unitName,
			NoRM: t.norm, TanggalPeriksa: t.date, KodeDokter: t.kodedokter, NamaDokter: t.namadokter, JamPraktek: t.jampraktek,
			NomorAntrean: t.code, AngkaAntrean: t.number})
	case KindPanggil:
		status, _ := d.Payload["status"].(float64)
		waktu, _ := d.Payload["waktu"].(float64)
		err = c.Panggil(ctx, bpjs.Panggil{TanggalPeriksa: t.date, KodePoli: kodepoli, NomorKartu: t.card,
			Status: int(status), Waktu: int64(waktu)})
	case KindBatal:
		alasan, _ := d.Payload["alasan"].(string)
		err = c.Batal(ctx, bpjs.Batal{TanggalPeriksa: t.date, KodePoli: kodepoli, NomorKartu: t.card, Alasan: alasan})
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
	return fmt.Errorf("%w: %v", ErrPermanent, err)
}

// SATUSEHATSender brings Encounters up to date with each facility's
// settings. Clients (and their tokens) are kept per facility.
type SATUSEHATSender struct {
	Pool *pgxpool.Pool
	HTTP *http.Client
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
	encounterID                   string
}

// Send implements Sender.
func (s *SATUSEHATSender) Send(ctx context.Context, d Delivery) error {
	set, err := LoadSATUSEHAT(ctx, s.Pool, d.Facility)
	if errors.Is(err, fault.ErrNotFound) {
		return permanent("SATUSEHAT belum dikonfigurasi untuk faskes ini")
	}
	if err != nil {
		return err
	}
	if !set.Enabled {
		return permanent("integrasi SATUSEHAT dinonaktifkan")
	}
	var t encounterTicket
	err = s.Pool.QueryRow(ctx, `SELECT t.status, t.channel, t.from_unit, t.nik, t.name, u.name, t.issued_at, t.called_at,
			t.started_at, t.finished_at, coalesce(e.encounter_id, '')
		FROM tickets t JOIN units u ON u.id = t.unit_id LEFT JOIN satusehat_encounters e ON e.ticket_id = t.id
		WHERE t.id = $1`, d.TicketID).
		Scan(&t.status, &t.channel, &t.fromUnit, &t.nik, &t.name, &t.unitName, &t.issued, &t.called, &t.started, &t.finished, &t.encounterID)
	if errors.Is(err, pgx.ErrNoRows) {
		return permanent("tiket tidak ditemukan")
	}
	if err != nil {
		return err
	}
	v, arrived := visit(t)
	if !arrived || (t.status == queue.Cancelled && t.encounterID == "") {
		return nil // nothing happened yet that SATUSEHAT records
	}
	var loc Location
	for _, l := range set.Locations {
		if l.Unit == d.Unit {
			loc = l
		}
	}
	if loc.LocationID == "" {
		return permanent("unit %s belum dipetakan ke Location SATUSEHAT", d.Unit)
	}
	c := s.client(d.Facility, set.Config())
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
		_, err = s.Pool.Exec(ctx, `INSERT INTO satusehat_encounters (ticket_id, encounter_id, status) VALUES ($1, $2, $3)
			ON CONFLICT (ticket_id) DO UPDATE SET encounter_id = EXCLUDED.encounter_id, status = EXCLUDED.status, updated_at = now()`,
			d.TicketID, id, e.Status)
		if err != nil {
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
	_, err = s.Pool.Exec(ctx, `UPDATE satusehat_encounters SET status = $2, updated_at = now() WHERE ticket_id = $1`, d.TicketID, e.Status)
	return err
}

// visit maps a ticket's timestamps onto an Encounter's statuses. A walk-in
// (kiosk, desk, or a transfer from another unit) arrived when its ticket
// was issued and is in progress from its call; a remote booking (web,
// Mobile JKN) arrived when called and is in progress from the start of
// service (or its call, when finished without a start). Done and
// transferred tickets are finished, cancelled ones cancelled, at their
// finish time. arrived is false while the patient has not arrived.
func visit(t encounterTicket) (satusehat.Visit, bool) {
	var v satusehat.Visit
	walkIn := t.channel == queue.ChannelKiosk || t.channel == queue.ChannelDesk || t.fromUnit != ""
	over := t.status == queue.Done || t.status == queue.Transferred
	switch {
	case walkIn:
		v.Arrived, v.InProgress = t.issued, t.called
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
	return fmt.Errorf("%w: %v", ErrPermanent, err)
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
	err := s.Pool.QueryRow(ctx, `SELECT ihs, name FROM satusehat_patients WHERE nik_hash = $1`, h).Scan(&p.IHS, &p.Name)
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return p, err
	}
	if p, err = c.PatientByNIK(ctx, nik); err != nil {
		return p, err
	}
	_, err = s.Pool.Exec(ctx, `INSERT INTO satusehat_patients (nik_hash, ihs, name) VALUES ($1, $2, $3)
		ON CONFLICT (nik_hash) DO UPDATE SET ihs = EXCLUDED.ihs, name = EXCLUDED.name, updated_at = now()`, h, p.IHS, p.Name)
	return p, err
}
