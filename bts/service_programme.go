package bts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/antrian/antrian/bts/photo"
	"github.com/antrian/antrian/fault"
)

// The intervention: enrolment, and the cadres' daily delivery reports.

// ParseDate parses an optional date written yyyy-mm-dd ("" is the zero
// time). A *fault.Error naming field otherwise.
func ParseDate(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return d, fault.Invalid(field, "Tanggal harus berbentuk yyyy-mm-dd.")
	}
	return d, nil
}

// Enrol enrols a target at e.Facility. A zero Start is the facility's
// today; Normalize fills the other defaults. A *fault.Error for a field at
// fault or a cadre who is not a kader of the facility; fault.ErrNotFound
// for an unknown facility, or a child or pregnancy not registered there.
func (s *Service) Enrol(ctx context.Context, e Enrolment) (Enrolment, error) {
	_, today, err := s.Facility(ctx, e.Facility)
	if err != nil {
		return e, err
	}
	if e.Start.IsZero() {
		e.Start = today
	}
	if err := e.Normalize(); err != nil {
		return e, err
	}
	return s.Store.CreateEnrolment(ctx, e)
}

// ExitEnrolment ends an enrolment of a facility early, on the day on (zero:
// today, see Enrolment.Exit) for reason: no delivery is planned from that
// day on. A *fault.Error for a reason or day at fault; fault.ErrConflict
// when the target has left already; fault.ErrNotFound for an unknown
// facility or enrolment.
func (s *Service) ExitEnrolment(ctx context.Context, facility string, id int64, on time.Time, reason string) (Enrolment, error) {
	_, today, err := s.Facility(ctx, facility)
	if err != nil {
		return Enrolment{}, err
	}
	e, err := s.Store.Enrolment(ctx, facility, id)
	if err != nil {
		return e, err
	}
	if e, err = e.Exit(on, reason, today); err != nil {
		return e, err
	}
	return s.Store.ExitEnrolment(ctx, facility, id, e.ExitedOn, e.ExitReason)
}

// Enrolments returns a facility's enrolments that overlap the period
// (default: the facility's month so far). A cadre gets the targets
// assigned to them and those not assigned to anyone yet. A *fault.Error
// for a period at fault; fault.ErrNotFound for an unknown facility.
func (s *Service) Enrolments(ctx context.Context, a Actor, facility string, p Period) ([]Enrolment, error) {
	_, today, err := s.Facility(ctx, facility)
	if err != nil {
		return nil, err
	}
	if p, err = resolve(p, today, 0); err != nil {
		return nil, err
	}
	es, err := s.Store.Enrolments(ctx, facility, 0, p.From, p.To)
	if err != nil {
		return nil, err
	}
	out := make([]Enrolment, 0, len(es))
	for _, e := range es {
		if a.Cadre && e.CadreID != 0 && e.CadreID != a.ID {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// Cadres returns the usernames of the facility's active kader accounts, in
// order: whom a target can be assigned to.
func (s *Service) Cadres(ctx context.Context, facility string) ([]string, error) {
	return s.Store.Cadres(ctx, facility)
}

// Upload is a cadre's daily report as their phone sends it: the fields as
// typed (items is a JSON array of Item), and the photo.
type Upload struct {
	ClientID, EnrolmentID, Date, Items, Consumption, Notes string
	// TakenAt, Lat and Lon are the capture time and position the phone read
	// from the original photo's EXIF before it shrank the photo (which
	// drops the EXIF), as typed; "" when the phone sent none. They count
	// only where the uploaded photo itself has no such EXIF (PhoneMeta).
	TakenAt, Lat, Lon string
	// Photo opens the attached photo; nil when none is attached.
	Photo func() (io.ReadCloser, error)
}

// Receipt is the answer to an upload: the report stored, whether this
// upload stored it (false for a retry, answered with the first report),
// and the facility's time zone, in which its day and lateness are read.
type Receipt struct {
	Delivery Delivery
	Created  bool
	Zone     *time.Location
}

// Deliver takes a report of the actor's at a facility. The phone makes the
// client id before its first try and reuses it on every retry: the same id
// from the same actor at the same facility returns the first report and
// stores nothing, before anything else of the upload is read. A client id
// of another actor or facility is fault.ErrConflict, and shows nothing of
// that report. A new report's day (default the facility's today) must be
// one the target is enrolled on (see Delivery.Validate); its photo is
// required, judged by its content, and stored stripped of its metadata,
// keeping the EXIF time and position as verification data.
//
// Errors: a *fault.Error for a field at fault; fault.ErrTooLarge (or
// photo.ErrTooLarge) for a photo over its limits; fault.ErrConflict for a
// client id taken or a target and day reported already; fault.ErrNotFound
// for an unknown facility or enrolment.
func (s *Service) Deliver(ctx context.Context, a Actor, facility string, u Upload) (Receipt, error) {
	f, today, err := s.Facility(ctx, facility)
	if err != nil {
		return Receipt{}, err
	}
	r := Receipt{Zone: f.Location}
	d := Delivery{ClientID: u.ClientID, Facility: facility, CadreID: a.ID, Consumption: Consumption(u.Consumption),
		Notes: u.Notes, ReceivedAt: s.now(), Status: Pending}
	prev, err := s.Store.DeliveryByClientID(ctx, d.ClientID)
	switch {
	case err == nil:
		r.Delivery, err = sameReporter(prev, d)
		return r, err
	case !errors.Is(err, fault.ErrNotFound):
		return r, err
	}
	if err := s.readUpload(ctx, &d, u, today); err != nil {
		return r, err
	}
	stored, created, err := s.Store.CreateDelivery(ctx, d)
	if err != nil {
		return r, err
	}
	if !created { // another upload with this id got there first
		stored, err = sameReporter(stored, d)
	}
	r.Delivery, r.Created = stored, created
	return r, err
}

// sameReporter returns prev, the report stored under d's client id, for a
// retry of d: the same actor at the same facility. A client id is one
// phone's key; another cadre who guessed it gets fault.ErrConflict, not
// the report.
func sameReporter(prev, d Delivery) (Delivery, error) {
	if prev.Facility != d.Facility || prev.CadreID != d.CadreID {
		return Delivery{}, fmt.Errorf("client id %q of another reporter: %w", d.ClientID, fault.ErrConflict)
	}
	return prev, nil
}

// readUpload fills d from the rest of the upload, checks it against its
// enrolment on today, and stores its photo.
func (s *Service) readUpload(ctx context.Context, d *Delivery, u Upload, today time.Time) error {
	var err error
	if d.EnrolmentID, err = strconv.ParseInt(u.EnrolmentID, 10, 64); err != nil {
		return fault.Invalid("enrolment_id", "Pilih sasaran.")
	}
	if d.DeliveredOn, err = ParseDate("date", u.Date); err != nil {
		return err
	}
	if d.DeliveredOn.IsZero() {
		d.DeliveredOn = today
	}
	if err := json.Unmarshal([]byte(u.Items), &d.Items); err != nil {
		return fault.Invalid("items", "Daftar bahan pangan tidak valid.")
	}
	e, err := s.Store.Enrolment(ctx, d.Facility, d.EnrolmentID)
	if err != nil {
		return err
	}
	if err := d.Validate(e, today); err != nil {
		return err
	}
	if u.Photo == nil {
		return fault.Invalid("photo", "Foto wajib dilampirkan.")
	}
	file, err := u.Photo()
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(file, photo.MaxBytes+1))
	file.Close()
	if err != nil {
		return err
	}
	p, err := photo.Process(raw)
	if err != nil {
		return err
	}
	if p.Meta, err = PhoneMeta(p.Meta, u.TakenAt, u.Lat, u.Lon); err != nil {
		return err
	}
	if err := s.Photos.Put(ctx, p); err != nil {
		return err
	}
	d.Photo = PhotoRef{Hash: p.Hash, Bytes: len(p.JPEG), Meta: p.Meta}
	return nil
}

// Deliveries returns a facility's reports of the period (default: the
// facility's month so far), newest first, with status only those (""
// all), and the facility's time zone. A cadre gets only their own. A
// *fault.Error for a period at fault; fault.ErrNotFound for an unknown
// facility.
func (s *Service) Deliveries(ctx context.Context, a Actor, facility string, status Status, p Period) ([]Delivery, *time.Location, error) {
	f, today, err := s.Facility(ctx, facility)
	if err != nil {
		return nil, nil, err
	}
	if p, err = resolve(p, today, 0); err != nil {
		return nil, nil, err
	}
	var cadre int64
	if a.Cadre {
		cadre = a.ID
	}
	ds, err := s.Store.Deliveries(ctx, facility, cadre, status, p.From, p.To)
	return ds, f.Location, err
}

// Photo opens the served photo of a report of a facility; the caller
// closes it. fault.ErrNotFound for an unknown report or photo, and for a
// cadre's request for another cadre's report.
func (s *Service) Photo(ctx context.Context, a Actor, facility string, id int64) (io.ReadCloser, error) {
	hash, err := s.photoHash(ctx, a, facility, id)
	if err != nil {
		return nil, err
	}
	return s.Photos.Open(ctx, hash)
}

// PhotoURL returns a short-lived link to the photo of a report of a
// facility, after the same checks as Photo, or "" (and no check) when
// photos are served through the service (PhotoLinks nil).
func (s *Service) PhotoURL(ctx context.Context, a Actor, facility string, id int64) (string, error) {
	if s.PhotoLinks == nil {
		return "", nil
	}
	hash, err := s.photoHash(ctx, a, facility, id)
	if err != nil {
		return "", err
	}
	return s.PhotoLinks.PhotoURL(ctx, hash)
}

// photoHash returns the hash of the photo of a report the actor may see.
func (s *Service) photoHash(ctx context.Context, a Actor, facility string, id int64) (string, error) {
	d, err := s.Store.Delivery(ctx, facility, id)
	if err != nil {
		return "", err
	}
	if a.Cadre && d.CadreID != a.ID {
		return "", fmt.Errorf("delivery %d of another cadre: %w", id, fault.ErrNotFound)
	}
	return d.Photo.Hash, nil
}

// Review records the actor's verdict (Verified, or Rejected with a note)
// on a pending report of a facility, and returns it with the facility's
// time zone. A *fault.Error for a verdict or note at fault;
// fault.ErrConflict when it was reviewed already; fault.ErrNotFound for an
// unknown facility or report.
func (s *Service) Review(ctx context.Context, a Actor, facility string, id int64, verdict Status, note string) (Delivery, *time.Location, error) {
	f, _, err := s.Facility(ctx, facility)
	if err != nil {
		return Delivery{}, nil, err
	}
	d, err := s.Store.ReviewDelivery(ctx, facility, id, verdict, strings.TrimSpace(note), a.ID, s.now())
	return d, f.Location, err
}
