package bts

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/fault"
)

// TargetType is the kind of target of the daily protein intervention.
type TargetType string

// Target types, in the order of BTS priorities.
const (
	Baduta     TargetType = "baduta"      // stunted child under 2 (treatment priority 1)
	Balita     TargetType = "balita"      // stunted child under 5 (treatment priority 2)
	BumilRisti TargetType = "bumil_risti" // high-risk pregnant woman (prevention priority 1)
)

// Defaults of a new enrolment.
const (
	// DefaultDays is how long an enrolment lasts unless set: a year.
	DefaultDays = 365
	// DefaultAllowanceRp is the daily allowance per target (Rp 15,000).
	DefaultAllowanceRp = 15000
)

// Enrolment is one target's place in the intervention.
type Enrolment struct {
	ID          int64
	Facility    string
	Target      TargetType
	ChildID     int64 // set for baduta and balita
	PregnancyID int64 // set for bumil risti
	TargetName  string
	Desa        string // desa code of the target's address
	Reason      string
	Start, End  time.Time // dates, both included
	AllowanceRp int
	CadreID     int64 // 0: not assigned yet
	Cadre       string
	Supplier    string
	ExitReason  string
	ExitedOn    time.Time // zero: still enrolled
}

// Normalize fills the defaults: End = Start + DefaultDays - 1 and the
// default allowance. It returns a *fault.Error when a field is wrong.
func (e *Enrolment) Normalize() error {
	if e.End.IsZero() && !e.Start.IsZero() {
		e.End = dateOf(e.Start).AddDate(0, 0, DefaultDays-1)
	}
	if e.AllowanceRp == 0 {
		e.AllowanceRp = DefaultAllowanceRp
	}
	switch {
	case e.Target != Baduta && e.Target != Balita && e.Target != BumilRisti:
		return fault.Invalid("target_type", "Jenis sasaran harus baduta, balita atau bumil_risti.")
	case (e.Target == BumilRisti) != (e.PregnancyID != 0) || (e.Target != BumilRisti) != (e.ChildID != 0):
		return fault.Invalid("target_type", "Baduta/balita untuk anak, bumil_risti untuk ibu hamil.")
	case e.Start.IsZero():
		return fault.Invalid("start", "Isi tanggal mulai.")
	case dateOf(e.End).Before(dateOf(e.Start)):
		return fault.Invalid("end", "Tanggal selesai sebelum tanggal mulai.")
	case anthro.AgeDays(e.Start, e.End) > 2*366:
		return fault.Invalid("end", "Intervensi paling lama dua tahun.")
	case e.AllowanceRp < 0 || e.AllowanceRp > 1_000_000:
		return fault.Invalid("allowance_rp", "Uang harian tidak masuk akal.")
	case utf8.RuneCountInString(e.Supplier) > 100 || utf8.RuneCountInString(e.Reason) > 300:
		return fault.Invalid("supplier", "Isian terlalu panjang.")
	}
	return nil
}

// Exit ends the enrolment early: the target recovered, moved away, died,
// or the family declined. on is the first day without deliveries, from the
// start to today (or the start, for an enrolment that has not started);
// zero means today, or the start if later. It returns a *fault.Error when
// reason is empty or too long or on is out of that range, and fault.ErrConflict
// when the target has already left.
func (e Enrolment) Exit(on time.Time, reason string, today time.Time) (Enrolment, error) {
	reason = strings.TrimSpace(reason)
	latest := today
	if dateOf(e.Start).After(dateOf(today)) {
		latest = e.Start // leaving before the start: never active
	}
	if on.IsZero() {
		on = latest
	}
	switch {
	case !e.ExitedOn.IsZero():
		return e, fmt.Errorf("enrolment %d left on %s: %w", e.ID, e.ExitedOn.Format(time.DateOnly), fault.ErrConflict)
	case reason == "":
		return e, fault.Invalid("exit_reason", "Isi alasan keluar (mis. sudah tidak stunting, pindah).")
	case utf8.RuneCountInString(reason) > 300:
		return e, fault.Invalid("exit_reason", "Alasan keluar paling panjang 300 huruf.")
	case dateOf(on).Before(dateOf(e.Start)):
		return e, fault.Invalid("exited_on", "Tanggal keluar sebelum tanggal mulai.")
	case dateOf(on).After(dateOf(latest)):
		return e, fault.Invalid("exited_on", "Tanggal keluar tidak boleh setelah hari ini.")
	}
	e.ExitedOn, e.ExitReason = dateOf(on), reason
	return e, nil
}

// ActiveOn reports whether the target is to receive a delivery on day.
func (e Enrolment) ActiveOn(day time.Time) bool {
	d := dateOf(day)
	if d.Before(dateOf(e.Start)) || d.After(dateOf(e.End)) {
		return false
	}
	return e.ExitedOn.IsZero() || d.Before(dateOf(e.ExitedOn))
}

// Suggestion is an eligibility suggestion for a target type.
type Suggestion struct {
	Target TargetType
	Reason string
}

// SuggestChild suggests a target type for a child from its latest
// measurement (ok false when none fits): a stunted child (valid, plausible
// length/height-for-age z below -2) under 24 months today is baduta, under
// 60 months balita. The nutritionist decides; this only suggests.
func SuggestChild(c Child, latest Measurement, today time.Time) (Suggestion, bool) {
	if !latest.Result.Stunted() {
		return Suggestion{}, false
	}
	months := int(float64(anthro.AgeDays(c.BirthDate, today)) / anthro.DaysPerMonth)
	reason := "TB/U " + latest.Result.ZLen.String() + " (" + string(latest.Result.TBU) + ") pada " +
		latest.MeasuredOn.Format(time.DateOnly)
	switch {
	case months < 24:
		return Suggestion{Baduta, reason}, true
	case months < 60:
		return Suggestion{Balita, reason}, true
	}
	return Suggestion{}, false
}

// SuggestPregnancy suggests bumil risti when the pregnancy meets a
// high-risk criterion (see Pregnancy.RiskReasons).
func SuggestPregnancy(p Pregnancy, today time.Time) (Suggestion, bool) {
	r := p.RiskReasons(today)
	if len(r) == 0 {
		return Suggestion{}, false
	}
	reason := r[0]
	for _, x := range r[1:] {
		reason += ", " + x
	}
	return Suggestion{BumilRisti, reason}, true
}
