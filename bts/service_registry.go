package bts

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/fault"
)

// The district's geography, and the registry of children and pregnant
// women with their measurements.

// listLimit is how many children or pregnant women a search returns.
const listLimit = 200

// SaveKecamatan adds a kecamatan or renames it (by code), and returns it
// with its id. A *fault.Error when the name is empty.
func (s *Service) SaveKecamatan(ctx context.Context, k Kecamatan) (Kecamatan, error) {
	if strings.TrimSpace(k.Name) == "" {
		return k, fault.Invalid("name", "Isi nama kecamatan.")
	}
	var err error
	k.ID, err = s.Store.SaveKecamatan(ctx, k)
	return k, err
}

// SaveDesa adds a desa or changes it (by code), and returns it with its
// id. A *fault.Error when the name is empty; fault.ErrNotFound for an
// unknown kecamatan or facility.
func (s *Service) SaveDesa(ctx context.Context, d Desa) (Desa, error) {
	if strings.TrimSpace(d.Name) == "" {
		return d, fault.Invalid("name", "Isi nama desa.")
	}
	var err error
	d.ID, err = s.Store.SaveDesa(ctx, d)
	return d, err
}

// AddPosyandu adds a posyandu to its desa (or finds it by name), and
// returns it with its id. A *fault.Error when the name is empty.
func (s *Service) AddPosyandu(ctx context.Context, p Posyandu) (Posyandu, error) {
	if strings.TrimSpace(p.Name) == "" {
		return p, fault.Invalid("name", "Isi nama posyandu.")
	}
	var err error
	p.ID, err = s.Store.SavePosyandu(ctx, p)
	return p, err
}

// SetFacility places a facility in a kecamatan and sets the method its
// children's ages are read by ("daily" or "monthly"; "" is daily). A
// *fault.Error for another method; fault.ErrNotFound for an unknown
// facility or kecamatan.
func (s *Service) SetFacility(ctx context.Context, facility, kecamatan, method string) (anthro.Method, error) {
	m, err := anthro.ParseMethod(method)
	if err != nil {
		return m, err
	}
	return m, s.Store.SetBTSFacility(ctx, facility, kecamatan, m)
}

// Area is a desa with its posyandu.
type Area struct {
	Desa     Desa
	Posyandu []Posyandu
}

// Areas returns the desa of a facility's working area, by name, each with
// its posyandu.
func (s *Service) Areas(ctx context.Context, facility string) ([]Area, error) {
	ds, ps, err := s.Store.Desas(ctx, facility)
	if err != nil {
		return nil, err
	}
	out := make([]Area, 0, len(ds))
	idx := map[string]int{}
	for _, d := range ds {
		idx[d.Code] = len(out)
		out = append(out, Area{Desa: d, Posyandu: []Posyandu{}})
	}
	for _, p := range ps {
		if i, ok := idx[p.Desa]; ok {
			out[i].Posyandu = append(out[i].Posyandu, p)
		}
	}
	return out, nil
}

// RegisterChild registers a child at c.Facility (its name trimmed) after
// checking it on the facility's today. A *fault.Error for a field at fault, or for a NIK
// registered already (naming the Puskesmas when it is another, since a
// search finds only the facility's own children); fault.ErrNotFound for
// an unknown facility.
func (s *Service) RegisterChild(ctx context.Context, c Child) (Child, error) {
	c.Name = strings.TrimSpace(c.Name)
	_, today, err := s.Facility(ctx, c.Facility)
	if err != nil {
		return c, err
	}
	if err := c.Validate(today); err != nil {
		return c, err
	}
	out, err := s.Store.CreateChild(ctx, c)
	if errors.Is(err, fault.ErrConflict) { // the only unique key of a child is its NIK
		return c, s.nikTaken(ctx, c.Facility, c.NIK)
	}
	return out, err
}

// nikTaken is the answer to registering a child's NIK registered already:
// where, and what to do.
func (s *Service) nikTaken(ctx context.Context, facility, nik string) error {
	msg := "NIK anak ini sudah terdaftar. Cari anak dengan NIK ini."
	if code, name, err := s.Store.ChildFacilityByNIK(ctx, nik); err == nil && code != facility {
		msg = "NIK anak ini sudah terdaftar di " + name + ". Pengukuran dan intervensinya dicatat di sana; hubungi Puskesmas itu bila anak pindah."
	}
	return fault.Conflict("nik", msg)
}

// Children returns up to 200 children of a facility, by name, whose name
// contains q or whose NIK starts with it (all when q is empty).
func (s *Service) Children(ctx context.Context, facility, q string) ([]Child, error) {
	return s.Store.Children(ctx, facility, strings.TrimSpace(q), listLimit)
}

// ChildRecord is a child with its measurements, oldest first, and the
// enrolment its latest measurement suggests (nil: none).
type ChildRecord struct {
	Child        Child
	Measurements []Measurement
	Suggestion   *Suggestion
}

// ChildRecord returns a child of a facility with its measurements, and a
// suggestion as of the facility's today. fault.ErrNotFound for an unknown
// facility or a child not registered there.
func (s *Service) ChildRecord(ctx context.Context, facility string, id int64) (ChildRecord, error) {
	var r ChildRecord
	_, today, err := s.Facility(ctx, facility)
	if err != nil {
		return r, err
	}
	if r.Child, err = s.Store.Child(ctx, facility, id); err != nil {
		return r, err
	}
	if r.Measurements, err = s.Store.Measurements(ctx, id); err != nil {
		return r, err
	}
	if n := len(r.Measurements); n > 0 {
		if sg, ok := SuggestChild(r.Child, r.Measurements[n-1], today); ok {
			r.Suggestion = &sg
		}
	}
	return r, nil
}

// Measure records a measurement of a child of a facility, with the z-scores
// of the facility's method. A zero MeasuredOn is the facility's today, an
// empty Place the Puskesmas, and an empty MeasuredBy the actor. A
// *fault.Error for a field at fault (see NewMeasurement) or a ticket of
// another facility; fault.ErrNotFound for an unknown facility or child.
func (s *Service) Measure(ctx context.Context, a Actor, facility string, childID int64, in MeasurementInput) (Measurement, error) {
	f, today, err := s.Facility(ctx, facility)
	if err != nil {
		return Measurement{}, err
	}
	if in.MeasuredOn.IsZero() {
		in.MeasuredOn = today
	}
	if in.Place == "" {
		in.Place = AtPuskesmas
	}
	if in.MeasuredBy == "" {
		in.MeasuredBy = a.Username
	}
	child, err := s.Store.Child(ctx, facility, childID)
	if err != nil {
		return Measurement{}, err
	}
	m, err := NewMeasurement(child, in, f.Method, today)
	if err != nil {
		return m, err
	}
	m.Facility = facility
	return s.Store.AddMeasurement(ctx, m)
}

// PregnancyRecord is a pregnancy as of its facility's today: the completed
// weeks of gestation, and the bumil-risti suggestion (nil: none).
type PregnancyRecord struct {
	Pregnancy  Pregnancy
	Weeks      int
	Suggestion *Suggestion
}

func pregnancyRecord(p Pregnancy, today time.Time) PregnancyRecord {
	r := PregnancyRecord{Pregnancy: p, Weeks: p.GestationalWeeks(today)}
	if sg, ok := SuggestPregnancy(p, today); ok {
		r.Suggestion = &sg
	}
	return r
}

// RegisterPregnancy registers a pregnant woman at p.Facility (her name
// trimmed) after checking the pregnancy on the facility's today. The same
// pregnancy registered twice would count twice in reports: it is refused
// with a *fault.Error (field "nik", naming the Puskesmas when it is
// another). A *fault.Error for a field at fault; fault.ErrNotFound for an
// unknown facility.
func (s *Service) RegisterPregnancy(ctx context.Context, p Pregnancy) (PregnancyRecord, error) {
	p.Name = strings.TrimSpace(p.Name)
	_, today, err := s.Facility(ctx, p.Facility)
	if err != nil {
		return PregnancyRecord{}, err
	}
	if err := p.Validate(today); err != nil {
		return PregnancyRecord{}, err
	}
	out, err := s.Store.CreatePregnancy(ctx, p, today)
	if taken := (*PregnancyTakenError)(nil); errors.As(err, &taken) {
		msg := "Kehamilan ini sudah terdaftar (NIK sama, HPHT berdekatan). Cari dengan NIK ini."
		if taken.Facility != p.Facility {
			msg = "Kehamilan ini sudah terdaftar di " + taken.Name + " (NIK sama, HPHT berdekatan); pencatatan dan intervensinya ada di sana."
		}
		return PregnancyRecord{}, fault.Conflict("nik", msg)
	}
	if err != nil {
		return PregnancyRecord{}, err
	}
	return pregnancyRecord(out, today), nil
}

// Pregnancies returns up to 200 pregnant women of a facility, by name,
// whose name contains q or whose NIK starts with it (all when q is empty).
// fault.ErrNotFound for an unknown facility.
func (s *Service) Pregnancies(ctx context.Context, facility, q string) ([]PregnancyRecord, error) {
	_, today, err := s.Facility(ctx, facility)
	if err != nil {
		return nil, err
	}
	ps, err := s.Store.Pregnancies(ctx, facility, strings.TrimSpace(q), listLimit)
	if err != nil {
		return nil, err
	}
	out := make([]PregnancyRecord, 0, len(ps))
	for _, p := range ps {
		out = append(out, pregnancyRecord(p, today))
	}
	return out, nil
}

// PregnancyRecord returns a pregnancy registered at a facility.
// fault.ErrNotFound for an unknown facility or pregnancy.
func (s *Service) PregnancyRecord(ctx context.Context, facility string, id int64) (PregnancyRecord, error) {
	_, today, err := s.Facility(ctx, facility)
	if err != nil {
		return PregnancyRecord{}, err
	}
	p, err := s.Store.Pregnancy(ctx, facility, id)
	if err != nil {
		return PregnancyRecord{}, err
	}
	return pregnancyRecord(p, today), nil
}
