package bts

import (
	"math"
	"time"
	"unicode/utf8"

	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/fault"
)

// Place is where a measurement was taken.
type Place string

// Places of measurement.
const (
	AtPuskesmas Place = "puskesmas" // during a visit, optionally linked to its queue ticket
	AtPosyandu  Place = "posyandu"
)

// MeasurementInput is what a health worker or cadre records.
type MeasurementInput struct {
	MeasuredOn time.Time // a date
	WeightKg   float64   // 0: not measured
	LenHeiCm   float64   // as measured; 0: not measured
	Measure    anthro.Measure
	LiLACm     float64 // 0: not measured
	HeadCm     float64 // 0: not measured
	Oedema     bool
	MeasuredBy string // who measured (a name or username)
	Place      Place
	// TicketID links a Puskesmas measurement to the queue ticket of that
	// visit; empty when there is none.
	TicketID   string
	PosyanduID int64 // 0: none
}

// Measurement is a stored measurement with everything computed from it.
type Measurement struct {
	ID       int64
	ChildID  int64
	Facility string
	MeasurementInput
	Result anthro.Result
}

// NewMeasurement checks in against the child and computes the result with
// method m, which the child's facility chooses. It returns a *fault.Error
// (fault.ErrInvalid) when a field is wrong: a date before birth or after today,
// nothing measured, absurd values, a ticket at a posyandu.
func NewMeasurement(c Child, in MeasurementInput, m anthro.Method, today time.Time) (Measurement, error) {
	switch {
	case in.MeasuredOn.IsZero() || dateOf(in.MeasuredOn).After(dateOf(today)):
		return Measurement{}, fault.Invalid("measured_on", "Tanggal ukur tidak boleh kosong atau di masa depan.")
	case dateOf(in.MeasuredOn).Before(dateOf(c.BirthDate)):
		return Measurement{}, fault.Invalid("measured_on", "Tanggal ukur sebelum tanggal lahir.")
	case in.WeightKg == 0 && in.LenHeiCm == 0:
		return Measurement{}, fault.Invalid("weight_kg", "Isi berat atau panjang/tinggi badan.")
	case !plausibleAmount(in.WeightKg, 0.2, 60):
		return Measurement{}, fault.Invalid("weight_kg", "Berat badan harus antara 0,2 dan 60 kg.")
	case !plausibleAmount(in.LenHeiCm, 30, 150):
		return Measurement{}, fault.Invalid("lenhei_cm", "Panjang/tinggi badan harus antara 30 dan 150 cm.")
	case !plausibleAmount(in.LiLACm, 5, 40):
		return Measurement{}, fault.Invalid("lila_cm", "LiLA harus antara 5 dan 40 cm.")
	case !plausibleAmount(in.HeadCm, 20, 70):
		return Measurement{}, fault.Invalid("head_cm", "Lingkar kepala harus antara 20 dan 70 cm.")
	case in.Measure < anthro.MeasureUnknown || in.Measure > anthro.MeasureStanding:
		return Measurement{}, fault.Invalid("measure", "Cara ukur harus terlentang (l) atau berdiri (h).")
	case in.Place != AtPuskesmas && in.Place != AtPosyandu:
		return Measurement{}, fault.Invalid("place", "Tempat ukur harus puskesmas atau posyandu.")
	case in.Place == AtPosyandu && in.TicketID != "":
		return Measurement{}, fault.Invalid("ticket_id", "Pengukuran di posyandu tidak punya tiket antrean.")
	case utf8.RuneCountInString(in.MeasuredBy) > 100:
		return Measurement{}, fault.Invalid("measured_by", "Nama pengukur terlalu panjang.")
	}
	r, err := anthro.Compute(anthro.Input{
		Sex:      c.Sex,
		AgeDays:  anthro.AgeDays(c.BirthDate, in.MeasuredOn),
		WeightKg: in.WeightKg,
		LenHeiCm: in.LenHeiCm,
		Measure:  in.Measure,
		Oedema:   in.Oedema,
	}, m)
	if err != nil {
		return Measurement{}, err
	}
	return Measurement{ChildID: c.ID, Facility: c.Facility, MeasurementInput: in, Result: r}, nil
}

// plausibleAmount accepts 0 (not measured) or a finite value in [lo, hi].
func plausibleAmount(v, lo, hi float64) bool {
	return v == 0 || (v >= lo && v <= hi && !math.IsNaN(v))
}
