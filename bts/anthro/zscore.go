package anthro

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/antrian/antrian/fault"
)

// Sex is the child's sex as the WHO tables code it.
type Sex int

// The two sexes of the WHO tables. The zero value is not a valid Sex.
const (
	Male   Sex = 1 // laki-laki
	Female Sex = 2 // perempuan
)

// Measure is how the length/height was measured.
type Measure int

// Ways of measuring. MeasureUnknown (the zero value) means the position was
// not recorded: the value is then taken to be a recumbent length below 731
// days and a standing height from 731 days, and is not adjusted (as in WHO
// Anthro).
const (
	MeasureUnknown  Measure = iota
	MeasureLying            // recumbent length
	MeasureStanding         // standing height
)

// Method is the way age is turned into a row of the WHO tables.
type Method int

// Methods. MethodDaily (the zero value and the default) is WHO Anthro's:
// exact age in days and the daily tables. MethodMonthly is Permenkes
// 2/2020's: age in completed months and WHO's monthly tables. They differ
// most for young infants; every stored result carries its method.
//
// With MethodMonthly, z-scores use the L, M and S columns of the monthly
// tables (the rounded SD columns are not used, also not for the restricted
// application beyond ±3 SD). Weight-for-length/height interpolates L, M and
// S linearly between the 0.5 cm rows, as the daily method does between its
// 0.1 cm rows; the monthly table agrees with the daily one on every 0.5 cm
// row. BMI-for-age has no monthly table here; it interpolates the daily
// BMI table at completed months × 30.4375 days.
const (
	MethodDaily Method = iota
	MethodMonthly
)

// String returns "daily" or "monthly".
func (m Method) String() string {
	switch m {
	case MethodDaily:
		return "daily"
	case MethodMonthly:
		return "monthly"
	}
	return "Method(" + strconv.Itoa(int(m)) + ")"
}

// Limits of the WHO Child Growth Standards as applied here.
const (
	// MaxAgeDays is the oldest age with z-scores: ages below 60 months
	// (1826.25 days), so day 1826 is computed and day 1827 is not.
	MaxAgeDays = 1826
	// HeightFromDays is the first age at which height (standing) rather
	// than length (lying) is the reference measure.
	HeightFromDays = 731
	// NineMonthsDays is the first age in days that is not "under 9
	// months": 9 × 30.4375 = 273.94, so days 0-273 are under 9 months
	// (the same boundary as 9 completed months).
	NineMonthsDays = 274
	// DaysPerMonth converts days to months.
	DaysPerMonth = 30.4375
	// lenHeiAdjustCm is added to a standing height below 731 days and
	// taken from a lying length from 731 days.
	lenHeiAdjustCm = 0.7
)

// Input is one measurement of one child.
//
// WeightKg and LenHeiCm use 0 for "not measured". A negative, NaN or
// infinite value is invalid.
type Input struct {
	Sex      Sex
	AgeDays  int     // exact age in days on the measurement date, see AgeDays
	WeightKg float64 // kg; 0 = not measured
	LenHeiCm float64 // cm as measured; 0 = not measured
	Measure  Measure
	Oedema   bool // bilateral pitting oedema: no weight-based z-scores
}

// Score is an optional z-score. Z is unrounded; reports and categories use
// Rounded.
type Score struct {
	Z     float64
	Valid bool // false: not computable (missing value, out of range, oedema)
}

// Rounded returns Z rounded to 2 decimals, halves away from zero, with
// negative zero folded to zero. It is 0 when the score is not valid.
func (s Score) Rounded() float64 {
	if !s.Valid {
		return 0
	}
	return round2(s.Z)
}

// String formats the rounded score with exactly 2 decimals ("-2.00", "3.37"),
// or returns "" when the score is not valid.
func (s Score) String() string {
	if !s.Valid {
		return ""
	}
	return strconv.FormatFloat(s.Rounded(), 'f', 2, 64)
}

// Round2 rounds z to 2 decimals as every z-score is shown, classified and
// flagged: halves away from zero, negative zero folded to zero.
func Round2(z float64) float64 { return round2(z) }

func round2(z float64) float64 {
	if math.Abs(z) >= 1<<52 {
		return z // a whole number already, and z*100 could overflow to ±Inf
	}
	r := math.Round(z*100) / 100
	if r == 0 {
		return 0 // no "-0.00"
	}
	return r
}

// Result is everything computed from one Input.
//
// A flag marks a value that is kept but is implausible: exclude it from
// prevalence and ask for a re-measurement. Flags use the rounded z, as WHO
// Anthro does, and are false when their score is not valid.
type Result struct {
	Method    Method
	AgeDays   int
	AgeMonths int // completed months, floor(AgeDays / 30.4375)

	// AdjustedLenHei is the length (below 731 days) or height (from 731
	// days) after the 0.7 cm adjustment, in cm; 0 when not measured.
	AdjustedLenHei float64
	// BMI is weight / (AdjustedLenHei in m)², kg/m²; 0 when either is
	// missing.
	BMI float64

	ZLen Score // length/height-for-age (PB/U, TB/U)
	ZWei Score // weight-for-age (BB/U)
	ZWFL Score // weight-for-length below 731 days, weight-for-height from 731 (BB/PB, BB/TB)
	ZBMI Score // BMI-for-age (IMT/U)

	FLen bool // |zlen| > 6, or FMeasure
	FWei bool // zwei < -6 or zwei > 5
	FWFL bool // |zwfl| > 5, or FMeasure
	FBMI bool // |zbmi| > 5, or FMeasure
	// FMeasure marks a child under 9 months (under 274 days) measured
	// standing. Every index built on that length is flagged with it. The
	// 0.7 cm is still added, as bts.md says for any standing child under
	// 731 days (WHO Anthro instead treats the position as unknown, a
	// difference of 0.7 cm on a value that is excluded either way).
	FMeasure bool

	// Permenkes 2/2020 categories on the rounded z; empty when the score
	// is not valid, except with oedema, where the child counts as below
	// -3 SD for the three weight-based indices (as in WHO Anthro's
	// prevalence): BBU is BBSangatKurang and BBTB and IMTU are GiziBuruk.
	TBU  Category // PB/U, TB/U
	BBU  Category // BB/U
	BBTB Category // BB/PB, BB/TB
	IMTU Category // IMT/U
}

// Compute returns the WHO z-scores, flags and Permenkes categories of in,
// with age read as method m asks.
//
// Nothing is computed from a missing value: a missing length leaves out
// length-for-age, weight-for-length/height and BMI, a missing weight the
// last three indices. Oedema leaves out every weight-based z-score. A child
// older than MaxAgeDays gets an adjusted length and BMI but no z-scores, and
// weight-for-length/height needs an adjusted length within the table
// (45-110 cm below 731 days, 65-120 cm from 731). None of these is an error.
//
// Compute returns an error wrapping fault.ErrInvalid when in.Sex, in.Measure or m
// is unknown, in.AgeDays is negative, or a weight or length is negative,
// NaN or infinite.
func Compute(in Input, m Method) (Result, error) {
	if err := in.validate(m); err != nil {
		return Result{}, fmt.Errorf("bts: compute z-scores: %w", err)
	}
	t := tables()
	r := Result{
		Method:    m,
		AgeDays:   in.AgeDays,
		AgeMonths: int(float64(in.AgeDays) / DaysPerMonth),
	}
	height := in.AgeDays >= HeightFromDays
	hasLen, hasWei := in.LenHeiCm > 0, in.WeightKg > 0
	if hasLen {
		r.AdjustedLenHei = adjustLenHei(in.LenHeiCm, height, in.Measure)
		r.FMeasure = in.Measure == MeasureStanding && in.AgeDays < NineMonthsDays
	}
	if hasLen && hasWei {
		h := r.AdjustedLenHei / 100
		r.BMI = in.WeightKg / (h * h)
	}
	if in.AgeDays > MaxAgeDays {
		return r, nil
	}
	weiOK := hasWei && !in.Oedema

	// Rows for the age (length/height-for-age, weight-for-age, BMI-for-age)
	// and the weight-for-length/height table.
	var lenRow, weiRow, bmiRow lms
	var wflh *grid
	switch m {
	case MethodDaily:
		lenRow, _ = t.lenDaily.row(in.Sex, in.AgeDays)
		weiRow, _ = t.weiDaily.row(in.Sex, in.AgeDays)
		bmiRow, _ = t.bmiDaily.row(in.Sex, in.AgeDays)
		wflh = &t.wflDaily
		if height {
			wflh = &t.wfhDaily
		}
	case MethodMonthly:
		lenRow, weiRow, bmiRow = t.monthlyRows(in.Sex, r.AgeMonths)
		wflh = &t.wflMonthly
		if height {
			wflh = &t.wfhMonthly
		}
	}

	if hasLen {
		r.ZLen = score(zscore(r.AdjustedLenHei, lenRow))
	}
	if weiOK {
		r.ZWei = score(zscoreRestricted(in.WeightKg, weiRow))
	}
	if weiOK && hasLen {
		if row, ok := wflh.at(in.Sex, r.AdjustedLenHei); ok {
			r.ZWFL = score(zscoreRestricted(in.WeightKg, row))
		}
		r.ZBMI = score(zscoreRestricted(r.BMI, bmiRow))
	}

	r.FLen = r.ZLen.Valid && (math.Abs(r.ZLen.Rounded()) > 6 || r.FMeasure)
	r.FWei = r.ZWei.Valid && (r.ZWei.Rounded() < -6 || r.ZWei.Rounded() > 5)
	r.FWFL = r.ZWFL.Valid && (math.Abs(r.ZWFL.Rounded()) > 5 || r.FMeasure)
	r.FBMI = r.ZBMI.Valid && (math.Abs(r.ZBMI.Rounded()) > 5 || r.FMeasure)

	if r.ZLen.Valid {
		r.TBU = ClassifyTBU(r.ZLen.Z)
	}
	if r.ZWei.Valid {
		r.BBU = ClassifyBBU(r.ZWei.Z)
	}
	if r.ZWFL.Valid {
		r.BBTB = ClassifyBBTB(r.ZWFL.Z)
	}
	if r.ZBMI.Valid {
		r.IMTU = ClassifyBBTB(r.ZBMI.Z)
	}
	if in.Oedema {
		r.BBU, r.BBTB, r.IMTU = BBSangatKurang, GiziBuruk, GiziBuruk
	}
	return r, nil
}

func (in Input) validate(m Method) error {
	switch {
	case in.Sex != Male && in.Sex != Female:
		return fmt.Errorf("sex %d: %w", in.Sex, fault.ErrInvalid)
	case in.AgeDays < 0:
		return fmt.Errorf("age %d days: %w", in.AgeDays, fault.ErrInvalid)
	case in.Measure < MeasureUnknown || in.Measure > MeasureStanding:
		return fmt.Errorf("measure %d: %w", in.Measure, fault.ErrInvalid)
	case m != MethodDaily && m != MethodMonthly:
		return fmt.Errorf("method %d: %w", m, fault.ErrInvalid)
	case !(in.WeightKg >= 0) || math.IsInf(in.WeightKg, 0):
		return fmt.Errorf("weight %v kg: %w", in.WeightKg, fault.ErrInvalid)
	case !(in.LenHeiCm >= 0) || math.IsInf(in.LenHeiCm, 0):
		return fmt.Errorf("length/height %v cm: %w", in.LenHeiCm, fault.ErrInvalid)
	}
	return nil
}

// adjustLenHei applies the 0.7 cm rule: a standing height below 731 days
// becomes a length, a lying length from 731 days becomes a height. The result
// is rounded to 1e-6 cm so that 81.7 - 0.7 is exactly 81.
func adjustLenHei(cm float64, height bool, m Measure) float64 {
	switch {
	case !height && m == MeasureStanding:
		cm += lenHeiAdjustCm
	case height && m == MeasureLying:
		cm -= lenHeiAdjustCm
	}
	if cm > 1e9 {
		return cm // no residue worth removing, and cm*1e6 could overflow
	}
	return math.Round(cm*1e6) / 1e6
}

// monthlyRows returns the length/height-, weight- and BMI-for-age rows for
// completed months (0-59).
//
// Length/height-for-age uses the WHO length table for months 0-23 and the
// height table from month 24 (which is day 731 at the earliest, matching
// the daily switch). WHO publishes no monthly BMI table with this data, so
// BMI-for-age interpolates the daily table at months × 30.4375 days, which
// is how WHO's monthly tables relate to the daily ones (checked for
// weight-for-age: M within 0.0015 kg); from month 24 it is kept on the
// height rows (day 731 or later).
func (t *whoTables) monthlyRows(sex Sex, months int) (length, weight, bmi lms) {
	if months < 24 {
		length, _ = t.lenMonthly.row(sex, months)
	} else {
		length, _ = t.heiMonthly.row(sex, months)
	}
	weight, _ = t.weiMonthly.row(sex, months)
	day := float64(months) * DaysPerMonth
	if months >= 24 {
		day = math.Max(day, HeightFromDays)
	}
	bmi, _ = t.bmiDaily.at(sex, day)
	return length, weight, bmi
}

// score wraps z, which is not valid when absurd input made it infinite or NaN.
func score(z float64) Score {
	return Score{Z: z, Valid: !math.IsNaN(z) && !math.IsInf(z, 0)}
}

// zscore is the LMS z-score ((y/M)^L - 1) / (S L), or ln(y/M)/S when L is 0.
func zscore(y float64, p lms) float64 {
	if p.l == 0 {
		return math.Log(y/p.m) / p.s
	}
	return (math.Pow(y/p.m, p.l) - 1) / (p.s * p.l)
}

// sd is the value at k standard deviations: M (1 + L S k)^(1/L).
func sd(p lms, k float64) float64 {
	if p.l == 0 {
		return p.m * math.Exp(p.s*k)
	}
	return p.m * math.Pow(1+p.l*p.s*k, 1/p.l)
}

// zscoreRestricted is the LMS z-score with WHO's restricted application
// beyond ±3 SD, where the distance is measured in units of the 2-3 SD
// interval of the same side, because the LMS tail is unreliable there.
func zscoreRestricted(y float64, p lms) float64 {
	z := zscore(y, p)
	switch {
	case z > 3:
		sd3, sd2 := sd(p, 3), sd(p, 2)
		return 3 + (y-sd3)/(sd3-sd2)
	case z < -3:
		sd3, sd2 := sd(p, -3), sd(p, -2)
		return -3 + (y-sd3)/(sd2-sd3)
	}
	return z
}

// AgeDays returns the number of calendar days from birth to measured. Each
// time is reduced to its date (year, month, day) in its own location, so the
// time of day and daylight-saving changes do not matter; pass both in the
// facility's time zone. It is negative when measured is before birth.
func AgeDays(birth, measured time.Time) int {
	by, bm, bd := birth.Date()
	my, mm, md := measured.Date()
	b := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC).Unix()
	e := time.Date(my, mm, md, 0, 0, 0, 0, time.UTC).Unix()
	return int((e - b) / 86400)
}

// ParseMethod parses "daily" (or "", the default) or "monthly". It returns
// a *fault.Error (fault.ErrInvalid) for field "method" otherwise.
func ParseMethod(s string) (Method, error) {
	switch s {
	case "daily", "":
		return MethodDaily, nil
	case "monthly":
		return MethodMonthly, nil
	}
	return 0, fault.Invalid("method", "Metode harus daily atau monthly.")
}

// ParseMeasure parses "l" (lying), "h" (standing) or "" (unknown). It
// returns a *fault.Error (fault.ErrInvalid) for field "measure" otherwise.
func ParseMeasure(s string) (Measure, error) {
	switch s {
	case "":
		return MeasureUnknown, nil
	case "l":
		return MeasureLying, nil
	case "h":
		return MeasureStanding, nil
	}
	return 0, fault.Invalid("measure", "Cara ukur harus l (terlentang) atau h (berdiri).")
}

// Code returns "l", "h" or "" for m, the form stored and sent.
func (m Measure) Code() string {
	switch m {
	case MeasureLying:
		return "l"
	case MeasureStanding:
		return "h"
	}
	return ""
}

// Stunted reports whether a result counts as stunted: a valid, plausible
// length/height-for-age z (rounded) below -2.
func (r Result) Stunted() bool { return r.ZLen.Valid && !r.FLen && r.ZLen.Rounded() < -2 }
