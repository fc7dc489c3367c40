package bts

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/bts/photo"
	"github.com/antrian/antrian/fault"
)

// Service carries out the BTS use cases: it checks what comes in against
// the programme's rules, reads and writes through Store and Photos, and
// reads the time from Now. It decides no permissions: its callers have
// checked who may act on which facility, and pass an Actor for what
// depends on who acts (a cadre sees only their own reports and targets).
//
// Every method returns errors of package fault's kinds: fault.ErrInvalid
// (a *fault.Error naming the field) for wrong input, fault.ErrNotFound for
// an unknown facility or record, fault.ErrConflict for a change that
// contradicts what is stored, and whatever the store returns otherwise.
type Service struct {
	Store Store
	// Reports is the store that reports and exports read from, a read
	// replica where there is one; nil means Store. Nothing is written
	// through it, and no read of a row just written goes through it.
	Reports Store
	Photos  Photos
	// PhotoLinks, when set, makes PhotoURL answer a short-lived link to
	// the photo's store; nil: photos are served through the service.
	PhotoLinks PhotoLinks
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Zone is the district's time zone, which gives district-wide reports
	// their today; nil means Asia/Jakarta (WIB), Banyuwangi's.
	Zone *time.Location
}

// Areas keeps the district's geography and each facility's BTS settings.
type Areas interface {
	// BTSFacility returns fault.ErrNotFound for an unknown facility.
	BTSFacility(ctx context.Context, code string) (Facility, error)
	SaveKecamatan(ctx context.Context, k Kecamatan) (int64, error)
	SaveDesa(ctx context.Context, d Desa) (int64, error)
	SavePosyandu(ctx context.Context, p Posyandu) (int64, error)
	SetBTSFacility(ctx context.Context, facility, kecamatan string, m anthro.Method) error
	Desas(ctx context.Context, facility string) ([]Desa, []Posyandu, error)
}

// Registry keeps children, pregnant women and measurements. A facility
// argument of "" means any facility.
type Registry interface {
	// CreateChild returns fault.ErrConflict when the NIK is registered.
	CreateChild(ctx context.Context, c Child) (Child, error)
	ChildFacilityByNIK(ctx context.Context, nik string) (code, name string, err error)
	Child(ctx context.Context, facility string, id int64) (Child, error)
	Children(ctx context.Context, facility, q string, limit int) ([]Child, error)
	AddMeasurement(ctx context.Context, m Measurement) (Measurement, error)
	Measurements(ctx context.Context, childID int64) ([]Measurement, error)
	// CreatePregnancy returns a *PregnancyTakenError for a pregnancy
	// registered already.
	CreatePregnancy(ctx context.Context, p Pregnancy, today time.Time) (Pregnancy, error)
	Pregnancy(ctx context.Context, facility string, id int64) (Pregnancy, error)
	Pregnancies(ctx context.Context, facility, q string, limit int) ([]Pregnancy, error)
}

// Programme keeps enrolments and delivery reports. A facility argument of
// "" means every facility; a cadreID of 0 every cadre.
type Programme interface {
	CreateEnrolment(ctx context.Context, e Enrolment) (Enrolment, error)
	Enrolment(ctx context.Context, facility string, id int64) (Enrolment, error)
	Enrolments(ctx context.Context, facility string, cadreID int64, from, to time.Time) ([]Enrolment, error)
	ExitEnrolment(ctx context.Context, facility string, id int64, on time.Time, reason string) (Enrolment, error)
	// Cadres returns the usernames of a facility's kader accounts that
	// are not disabled.
	Cadres(ctx context.Context, facility string) ([]string, error)
	DeliveryByClientID(ctx context.Context, clientID string) (Delivery, error)
	Delivery(ctx context.Context, facility string, id int64) (Delivery, error)
	// CreateDelivery stores a report once per client id: created is
	// false, and the stored report returned, when the id is taken.
	CreateDelivery(ctx context.Context, d Delivery) (stored Delivery, created bool, err error)
	Deliveries(ctx context.Context, facility string, cadreID int64, status Status, from, to time.Time) ([]Delivery, error)
	ReviewDelivery(ctx context.Context, facility string, id int64, verdict Status, note string, reviewerID int64, at time.Time) (Delivery, error)
}

// Observations are what the district's reports are computed from.
type Observations interface {
	Observations(ctx context.Context, facility string, from, to time.Time) ([]Observation, error)
	ChildMeasurements(ctx context.Context, childIDs []int64) (map[int64][]Measurement, error)
}

// Store is everything the service keeps: what *postgres.DB provides.
type Store interface {
	Areas
	Registry
	Programme
	Observations
}

// Photos keeps the served images of delivery photos (photo.Store on disk,
// photo.S3Store in a bucket).
type Photos interface {
	Put(ctx context.Context, p photo.Photo) error
	// Open returns fault.ErrNotFound when there is no such photo.
	Open(ctx context.Context, hash string) (io.ReadCloser, error)
}

// PhotoLinks makes short-lived links that let a browser fetch a photo
// straight from where it is kept (photo.S3Store's presigned URLs).
type PhotoLinks interface {
	PhotoURL(ctx context.Context, hash string) (string, error)
}

// Facility is a facility as BTS sees it: its time zone gives it its days,
// and its method how its children's ages are read.
type Facility struct {
	ID            int64
	Code          string
	Name          string
	Location      *time.Location
	Kecamatan     string // code; "" when not set yet
	KecamatanName string
	Method        anthro.Method
}

// Actor is the account a use case is carried out for.
type Actor struct {
	ID       int64
	Username string
	// Cadre limits the actor to their own: the delivery reports they
	// made, and the targets assigned to them or to no one yet.
	Cadre bool
}

// Period is the days a list or a report covers, both included. A zero
// From or To takes the default of the use case.
type Period struct {
	From, To time.Time
}

// MaxPeriod is the longest period a list or a report covers.
const MaxPeriod = 5 * 366 * 24 * time.Hour

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// wib is Banyuwangi's zone, with a fixed +07:00 where the system has no
// zone database.
var wib = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		return time.FixedZone("WIB", 7*3600)
	}
	return loc
})

func (s *Service) zone() *time.Location {
	if s.Zone == nil {
		return wib()
	}
	return s.Zone
}

// Facility returns the facility with code and its current date.
// fault.ErrNotFound when there is no such facility.
func (s *Service) Facility(ctx context.Context, code string) (Facility, time.Time, error) {
	f, err := s.Store.BTSFacility(ctx, code)
	if err != nil {
		return f, time.Time{}, err
	}
	return f, Date(s.now(), f.Location), nil
}

// resolve fills p's defaults on today: To is today, From the first day of
// To's month, months months before. A *fault.Error (field "from") when To
// is before From or the period is longer than MaxPeriod.
func resolve(p Period, today time.Time, months int) (Period, error) {
	if p.To.IsZero() {
		p.To = today
	}
	if p.From.IsZero() {
		p.From = time.Date(p.To.Year(), p.To.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -months, 0)
	}
	if p.To.Before(p.From) || p.To.Sub(p.From) > MaxPeriod {
		return p, fault.Invalid("from", "Periode tidak valid (paling lama 5 tahun).")
	}
	return p, nil
}
