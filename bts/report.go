package bts

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/fault"
)

// Observation is one measurement of one child, with the names of the areas
// it is reported under. Reports are computed from lists of observations.
type Observation struct {
	Child         Child
	Measurement   Measurement
	KecamatanName string
	FacilityName  string
}

// Level is the area level a prevalence report is grouped by.
type Level string

// Levels, from the smallest area.
const (
	LevelDesa      Level = "desa"
	LevelFacility  Level = "puskesmas"
	LevelKecamatan Level = "kecamatan"
	LevelDistrict  Level = "kabupaten"
)

// ParseLevel parses a Level; it returns a *fault.Error for field "by".
func ParseLevel(s string) (Level, error) {
	switch l := Level(s); l {
	case LevelDesa, LevelFacility, LevelKecamatan, LevelDistrict:
		return l, nil
	case "":
		return LevelDistrict, nil
	}
	return "", fault.Invalid("by", "Tingkat harus desa, puskesmas, kecamatan atau kabupaten.")
}

// Indicator is a nutrition problem counted in prevalence.
type Indicator string

// Indicators. Stunting is length/height-for-age below -2 (moderate: pendek,
// severe: sangat pendek); wasting is weight-for-length/height below -2;
// underweight is weight-for-age below -2. Severe is below -3.
const (
	Stunting    Indicator = "stunting"
	Wasting     Indicator = "wasting"
	Underweight Indicator = "underweight"
)

// Indicators lists the indicators in report order.
var Indicators = []Indicator{Stunting, Wasting, Underweight}

// ParseIndicator parses an Indicator; it returns a *fault.Error.
func ParseIndicator(s string) (Indicator, error) {
	switch i := Indicator(s); i {
	case Stunting, Wasting, Underweight:
		return i, nil
	}
	return "", fault.Invalid("indicator", "Indikator harus stunting, wasting atau underweight.")
}

// AgeGroup is a band of completed months.
type AgeGroup struct {
	Label    string
	From, To int // completed months, both included
}

// AgeGroups are the bands of the Dinas Kesehatan's reports.
var AgeGroups = []AgeGroup{
	{"0-5", 0, 5}, {"6-11", 6, 11}, {"12-23", 12, 23},
	{"24-35", 24, 35}, {"36-47", 36, 47}, {"48-59", 48, 59},
}

func ageGroup(months int) int {
	for i, g := range AgeGroups {
		if months >= g.From && months <= g.To {
			return i
		}
	}
	return -1
}

// Rate counts one indicator in one group of children.
type Rate struct {
	Denominator int     `json:"denominator"` // children with a valid value
	Cases       int     `json:"cases"`       // below -2 (Moderate + Severe)
	Moderate    int     `json:"moderate"`    // -3 <= z < -2
	Severe      int     `json:"severe"`      // z < -3
	Percent     float64 `json:"percent"`     // Cases / Denominator × 100, to 1 decimal
}

func (r *Rate) add(c class) {
	r.Denominator++
	switch c {
	case classModerate:
		r.Moderate++
		r.Cases++
	case classSevere:
		r.Severe++
		r.Cases++
	}
	r.Percent = math.Round(float64(r.Cases)/float64(r.Denominator)*1000) / 10
}

// Counts are the three indicators for one group of children.
type Counts struct {
	Stunting    Rate `json:"stunting"`
	Wasting     Rate `json:"wasting"`
	Underweight Rate `json:"underweight"`
}

func (c *Counts) rate(i Indicator) *Rate {
	switch i {
	case Wasting:
		return &c.Wasting
	case Underweight:
		return &c.Underweight
	}
	return &c.Stunting
}

// PrevalenceRow is the prevalence in one area, overall, by sex and by age
// group (Ages follows AgeGroups).
type PrevalenceRow struct {
	Level  Level    `json:"level"`
	Code   string   `json:"code"`
	Name   string   `json:"name"`
	All    Counts   `json:"all"`
	Male   Counts   `json:"male"`
	Female Counts   `json:"female"`
	Ages   []Counts `json:"ages"`
}

type class int

const (
	classNone     class = iota // valid, not a case
	classModerate              // -3 <= z < -2
	classSevere                // z < -3
)

// classify returns whether m counts for indicator i and how. A value
// counts when its z-score is valid and not flagged implausible; a child
// with oedema counts as below -3 SD for wasting and underweight (as WHO
// Anthro does), when aged under 60 months.
func classify(m Measurement, i Indicator) (class, bool) {
	r := m.Result
	var s anthro.Score
	var flagged bool
	switch i {
	case Stunting:
		s, flagged = r.ZLen, r.FLen
	case Wasting:
		s, flagged = r.ZWFL, r.FWFL
	case Underweight:
		s, flagged = r.ZWei, r.FWei
	}
	if i != Stunting && m.Oedema && r.AgeDays <= anthro.MaxAgeDays {
		return classSevere, true
	}
	if !s.Valid || flagged || r.AgeMonths > 59 {
		return 0, false
	}
	switch z := s.Rounded(); {
	case z < -3:
		return classSevere, true
	case z < -2:
		return classModerate, true
	}
	return classNone, true
}

// latestValid returns, per child, the latest observation (by date, then
// id) that counts for indicator i.
func latestValid(obs []Observation, i Indicator) map[int64]Observation {
	out := map[int64]Observation{}
	for _, o := range obs {
		if _, ok := classify(o.Measurement, i); !ok {
			continue
		}
		prev, seen := out[o.Child.ID]
		if !seen || later(o.Measurement, prev.Measurement) {
			out[o.Child.ID] = o
		}
	}
	return out
}

func later(a, b Measurement) bool {
	if !a.MeasuredOn.Equal(b.MeasuredOn) {
		return a.MeasuredOn.After(b.MeasuredOn)
	}
	return a.ID > b.ID
}

// area returns the code and name of the area of o at level l.
func area(o Observation, l Level) (string, string) {
	switch l {
	case LevelDesa:
		return o.Child.Address.Desa, o.Child.Address.DesaName
	case LevelFacility:
		return o.Child.Facility, o.FacilityName
	case LevelKecamatan:
		return o.Child.Address.Kecamatan, o.KecamatanName
	}
	return "", "Kabupaten"
}

// Prevalence computes stunting, wasting and underweight prevalence per area
// of level l from the observations of a period. For each indicator each
// child counts once, by its latest measurement in obs that has a valid,
// plausible value for that indicator (so the three indicators may use
// different measurements of a child); the age group is the child's age at
// that measurement. Rows are sorted by name.
func Prevalence(obs []Observation, l Level) []PrevalenceRow {
	rows := map[string]*PrevalenceRow{}
	for _, ind := range Indicators {
		for _, o := range latestValid(obs, ind) {
			code, name := area(o, l)
			row := rows[code]
			if row == nil {
				row = &PrevalenceRow{Level: l, Code: code, Name: name, Ages: make([]Counts, len(AgeGroups))}
				rows[code] = row
			}
			c, _ := classify(o.Measurement, ind)
			row.All.rate(ind).add(c)
			if o.Child.Sex == anthro.Male {
				row.Male.rate(ind).add(c)
			} else {
				row.Female.rate(ind).add(c)
			}
			if g := ageGroup(o.Measurement.Result.AgeMonths); g >= 0 {
				row.Ages[g].rate(ind).add(c)
			}
		}
	}
	out := make([]PrevalenceRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b PrevalenceRow) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Code, b.Code))
	})
	return out
}

// TrendPoint is the district-wide (or scope-wide) prevalence of one month.
type TrendPoint struct {
	Month  string `json:"month"` // yyyy-mm
	Counts Counts `json:"counts"`
}

// Trend computes the prevalence of each calendar month from the month of
// from to the month of to, over all of obs, each month from its own
// measurements.
func Trend(obs []Observation, from, to time.Time) []TrendPoint {
	byMonth := map[string][]Observation{}
	for _, o := range obs {
		m := o.Measurement.MeasuredOn.Format("2006-01")
		byMonth[m] = append(byMonth[m], o)
	}
	var out []TrendPoint
	start := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	for m := start; !m.After(to); m = m.AddDate(0, 1, 0) {
		p := TrendPoint{Month: m.Format("2006-01")}
		if rows := Prevalence(byMonth[p.Month], LevelDistrict); len(rows) == 1 {
			p.Counts = rows[0].All
		}
		out = append(out, p)
	}
	return out
}

// Cases returns, for indicator i, the observations that make a child a
// case: its latest valid measurement, when that is below -2. They are
// sorted by kecamatan, desa and name.
func Cases(obs []Observation, i Indicator) []Observation {
	var out []Observation
	for _, o := range latestValid(obs, i) {
		if c, _ := classify(o.Measurement, i); c != classNone {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b Observation) int {
		return cmp.Or(cmp.Compare(a.KecamatanName, b.KecamatanName),
			cmp.Compare(a.Child.Address.DesaName, b.Child.Address.DesaName),
			cmp.Compare(a.Child.Name, b.Child.Name), cmp.Compare(a.Child.ID, b.Child.ID))
	})
	return out
}
