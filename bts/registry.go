package bts

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/fault"
)

// Kecamatan is a sub-district. Each has a TPPS team and one or more
// Puskesmas.
type Kecamatan struct {
	ID   int64
	Code string
	Name string
}

// Desa is a village (desa or kelurahan) in one kecamatan and in the working
// area of one Puskesmas (Facility, a facility code).
type Desa struct {
	ID        int64
	Code      string
	Name      string
	Kecamatan string // kecamatan code
	Facility  string // facility code
}

// Posyandu is an integrated health post of a desa.
type Posyandu struct {
	ID   int64
	Desa string // desa code
	Name string
}

// Address places a person by name of area down to the posyandu, and by
// coordinates when they were taken.
type Address struct {
	Kecamatan  string // kecamatan code (derived from the desa)
	Desa       string // desa code
	DesaName   string
	PosyanduID int64 // 0: none
	Posyandu   string
	RT, RW     string
	Street     string
	Lat, Lon   *float64 // WGS84; nil when not taken
}

// Child is a child registered in BTS.
type Child struct {
	ID            int64
	Facility      string // facility code of the Puskesmas responsible
	NIK           string // 16 digits; empty for a newborn without one yet
	Name          string
	Sex           anthro.Sex
	BirthDate     time.Time // a date: only year, month and day count
	BirthWeightKg float64   // 0: unknown
	BirthLengthCm float64   // 0: unknown
	MotherName    string
	MotherNIK     string
	KK            string // family card number, 16 digits or empty
	Address       Address
	PoorBasis     string // why the family counts as poor, e.g. "DTKS"
}

// Validate checks a child's fields on the day today. It returns a
// *fault.Error (fault.ErrInvalid) naming the first field at fault.
func (c Child) Validate(today time.Time) error {
	switch {
	case !validNIK(c.NIK, true):
		return fault.Invalid("nik", "NIK harus 16 angka (boleh kosong untuk bayi baru lahir).")
	case !validName(c.Name):
		return fault.Invalid("name", "Isi nama anak (paling banyak 100 huruf).")
	case c.Sex != anthro.Male && c.Sex != anthro.Female:
		return fault.Invalid("sex", "Jenis kelamin harus L atau P.")
	case c.BirthDate.IsZero() || dateOf(c.BirthDate).After(dateOf(today)):
		return fault.Invalid("birth_date", "Tanggal lahir tidak boleh kosong atau di masa depan.")
	case anthro.AgeDays(c.BirthDate, today) > 7*366:
		return fault.Invalid("birth_date", "Tanggal lahir lebih dari 7 tahun yang lalu; periksa kembali.")
	case !(c.BirthWeightKg >= 0 && c.BirthWeightKg < 8):
		return fault.Invalid("birth_weight_kg", "Berat lahir tidak masuk akal.")
	case !(c.BirthLengthCm >= 0 && c.BirthLengthCm < 70):
		return fault.Invalid("birth_length_cm", "Panjang lahir tidak masuk akal.")
	case utf8.RuneCountInString(c.MotherName) > 100:
		return fault.Invalid("mother_name", "Nama ibu terlalu panjang.")
	case !validNIK(c.MotherNIK, true):
		return fault.Invalid("mother_nik", "NIK ibu harus 16 angka.")
	case !validNIK(c.KK, true):
		return fault.Invalid("kk", "Nomor KK harus 16 angka.")
	}
	return c.Address.validate()
}

func (a Address) validate() error {
	switch {
	case a.Desa == "":
		return fault.Invalid("desa", "Pilih desa/kelurahan.")
	case len(a.RT) > 5 || len(a.RW) > 5:
		return fault.Invalid("rt", "RT/RW terlalu panjang.")
	case utf8.RuneCountInString(a.Street) > 200:
		return fault.Invalid("address", "Alamat terlalu panjang.")
	case (a.Lat == nil) != (a.Lon == nil):
		return fault.Invalid("lat", "Isi lintang dan bujur bersama.")
	case a.Lat != nil && !(*a.Lat >= -90 && *a.Lat <= 90):
		return fault.Invalid("lat", "Lintang harus antara -90 dan 90.")
	case a.Lon != nil && !(*a.Lon >= -180 && *a.Lon <= 180):
		return fault.Invalid("lon", "Bujur harus antara -180 dan 180.")
	}
	return nil
}

// Pregnancy is a pregnant woman registered in BTS.
type Pregnancy struct {
	ID        int64
	Facility  string
	NIK       string
	Name      string
	BirthDate time.Time // zero: unknown
	HPHT      time.Time // first day of the last menstrual period; zero: unknown
	Gravida   int       // 0: unknown
	Parity    int       // births so far
	HeightCm  float64   // 0: not measured
	LiLACm    float64   // mid-upper-arm circumference; 0: not measured
	HbGdL     float64   // haemoglobin; 0: not measured
	Systolic  int       // mmHg; 0: not measured
	Diastolic int
	// Risks are criteria recorded by the midwife that the numbers above do
	// not show, e.g. "riwayat obstetri buruk", "penyakit kronis".
	Risks     []string
	Address   Address
	PoorBasis string
}

// PregnancyTakenError is the answer to registering a pregnancy that is
// registered already: the woman's NIK with an HPHT within
// SamePregnancyDays of a pregnancy still running. It names the facility
// where it is registered, and wraps fault.ErrConflict.
type PregnancyTakenError struct {
	Facility, Name string // code and name
}

func (e *PregnancyTakenError) Error() string {
	return "pregnancy registered at " + e.Facility + ": " + fault.ErrConflict.Error()
}

// Unwrap makes errors.Is(err, fault.ErrConflict) true.
func (e *PregnancyTakenError) Unwrap() error { return fault.ErrConflict }

// MaxGestationDays is the longest a pregnancy is taken to last, counted
// from the HPHT: a pregnancy registered with an older HPHT is refused, and
// one whose HPHT is older is over.
const MaxGestationDays = 300

// SamePregnancyDays is how far apart two HPHTs of one woman may be and
// still be taken for the same pregnancy: a later pregnancy, even after an
// early miscarriage, starts well over this after the one before.
const SamePregnancyDays = 45

// Validate checks a pregnancy's fields. It returns a *fault.Error.
func (p Pregnancy) Validate(today time.Time) error {
	switch {
	case !validNIK(p.NIK, true):
		return fault.Invalid("nik", "NIK harus 16 angka.")
	case !validName(p.Name):
		return fault.Invalid("name", "Isi nama ibu (paling banyak 100 huruf).")
	case !p.HPHT.IsZero() && (dateOf(p.HPHT).After(dateOf(today)) || anthro.AgeDays(p.HPHT, today) > MaxGestationDays):
		return fault.Invalid("hpht", fmt.Sprintf("HPHT harus dalam %d hari terakhir.", MaxGestationDays))
	case !p.BirthDate.IsZero() && (dateOf(p.BirthDate).After(dateOf(today)) || anthro.AgeDays(p.BirthDate, today) < 10*365 || anthro.AgeDays(p.BirthDate, today) > 60*366):
		return fault.Invalid("birth_date", "Tanggal lahir ibu tidak masuk akal (umur 10 sampai 60 tahun).")
	case p.Gravida < 0 || p.Gravida > 25:
		return fault.Invalid("gravida", "Kehamilan ke- tidak masuk akal.")
	case p.Parity < 0 || p.Parity > 20:
		return fault.Invalid("parity", "Paritas tidak masuk akal.")
	case !(p.HeightCm >= 0 && p.HeightCm < 220):
		return fault.Invalid("height_cm", "Tinggi badan tidak masuk akal.")
	case !(p.LiLACm >= 0 && p.LiLACm < 60):
		return fault.Invalid("lila_cm", "LiLA tidak masuk akal.")
	case !(p.HbGdL >= 0 && p.HbGdL < 25):
		return fault.Invalid("hb_g_dl", "Hb tidak masuk akal.")
	case p.Systolic < 0 || p.Systolic > 300 || p.Diastolic < 0 || p.Diastolic > 200:
		return fault.Invalid("systolic", "Tekanan darah tidak masuk akal.")
	case len(p.Risks) > 20:
		return fault.Invalid("risks", "Terlalu banyak kriteria risiko.")
	}
	return p.Address.validate()
}

// GestationalWeeks returns the completed weeks of pregnancy on today from
// the HPHT, or 0 when the HPHT is unknown.
func (p Pregnancy) GestationalWeeks(today time.Time) int {
	if p.HPHT.IsZero() {
		return 0
	}
	return anthro.AgeDays(p.HPHT, today) / 7
}

// RiskReasons returns the high-risk criteria (bumil risti) the pregnancy
// meets on today, in Bahasa Indonesia; none means not high-risk by the
// recorded data. The thresholds are the usual ones of bts.md, to be
// confirmed locally: age under 20 or over 35, parity 4 or more, height
// under 145 cm, KEK (LiLA under 23.5 cm), anaemia (Hb under 11 g/dL),
// hypertension (140/90 or more), and every recorded extra risk.
func (p Pregnancy) RiskReasons(today time.Time) []string {
	var r []string
	if !p.BirthDate.IsZero() {
		years := ageYears(p.BirthDate, today)
		if years < 20 {
			r = append(r, "usia < 20 tahun")
		} else if years > 35 {
			r = append(r, "usia > 35 tahun")
		}
	}
	if p.Parity >= 4 {
		r = append(r, "paritas >= 4")
	}
	if p.HeightCm > 0 && p.HeightCm < 145 {
		r = append(r, "tinggi < 145 cm")
	}
	if p.LiLACm > 0 && p.LiLACm < KEKLiLACm {
		r = append(r, "KEK (LiLA < 23,5 cm)")
	}
	if p.HbGdL > 0 && p.HbGdL < 11 {
		r = append(r, "anemia (Hb < 11 g/dL)")
	}
	if p.Systolic >= 140 || p.Diastolic >= 90 {
		r = append(r, "hipertensi")
	}
	for _, x := range p.Risks {
		if x = strings.TrimSpace(x); x != "" {
			r = append(r, x)
		}
	}
	return r
}

// KEKLiLACm is the LiLA below which a pregnant woman has chronic energy
// deficiency (KEK).
const KEKLiLACm = 23.5

func ageYears(birth, on time.Time) int {
	by, bm, bd := birth.Date()
	y, m, d := on.Date()
	years := y - by
	if m < bm || (m == bm && d < bd) {
		years--
	}
	return years
}

func validNIK(s string, optional bool) bool {
	if s == "" {
		return optional
	}
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validName(s string) bool {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	return n > 0 && n <= 100 && utf8.ValidString(s)
}

// dateOf returns t's date as midnight UTC, the form every date of this
// package is compared in.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Date returns the date (midnight UTC) of instant t in loc: the facility's
// day of an instant.
func Date(t time.Time, loc *time.Location) time.Time { return dateOf(t.In(loc)) }
