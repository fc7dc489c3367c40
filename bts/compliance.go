package bts

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/antrian/antrian/bts/anthro"
)

// TargetCompliance is how one target's deliveries went over a period.
type TargetCompliance struct {
	Enrolment Enrolment
	Planned   int // days the target was enrolled within the period, up to today
	Delivered int // reports not rejected
	Verified  int
	Rejected  int
	Late      int // reported after the day ended
	Percent   float64
	SpentRp   int // total of reports not rejected
	BudgetRp  int // Planned × allowance
	Eaten     map[Consumption]int
}

// GroupCompliance sums targets of one cadre, one desa, or all.
type GroupCompliance struct {
	Code        string
	Name        string
	Targets     int
	TargetsAt80 int // targets with Percent >= 80
	Planned     int
	Delivered   int
	Rejected    int
	Late        int
	Percent     float64
	SpentRp     int
	BudgetRp    int
}

// Compliance is the intervention compliance report.
type Compliance struct {
	Targets []TargetCompliance
	ByCadre []GroupCompliance
	ByDesa  []GroupCompliance
	// ByFacility sums the targets of each facility (Code and Name are its
	// code): the district map's Puskesmas.
	ByFacility []GroupCompliance
	Total      GroupCompliance
	Items      map[ItemKind]float64 // quantities delivered, by kind
}

// ComputeCompliance computes compliance over the days from..to (dates,
// included) as seen on today: days after today are not yet planned. A day
// counts as planned when the target is enrolled on it (Enrolment.ActiveOn),
// and as delivered when it has a report that was not rejected. A report for
// a day that was not planned (the target had left: reports are refused for
// such days, but one can predate a back-dated exit) counts for nothing.
func ComputeCompliance(es []Enrolment, ds []Delivery, from, to, today time.Time, loc *time.Location) Compliance {
	end := dateOf(to)
	if t := dateOf(today); t.Before(end) {
		end = t
	}
	byEnrolment := map[int64][]Delivery{}
	for _, d := range ds {
		byEnrolment[d.EnrolmentID] = append(byEnrolment[d.EnrolmentID], d)
	}
	c := Compliance{Items: map[ItemKind]float64{}}
	cadres, desas, facilities := map[string]*GroupCompliance{}, map[string]*GroupCompliance{}, map[string]*GroupCompliance{}
	for _, e := range es {
		t := TargetCompliance{Enrolment: e, Eaten: map[Consumption]int{}}
		for d := dateOf(from); !d.After(end); d = d.AddDate(0, 0, 1) {
			if e.ActiveOn(d) {
				t.Planned++
			}
		}
		for _, d := range byEnrolment[e.ID] {
			day := dateOf(d.DeliveredOn)
			if day.Before(dateOf(from)) || day.After(end) || !e.ActiveOn(day) {
				continue
			}
			if d.Status == Rejected {
				t.Rejected++
				continue
			}
			t.Delivered++
			if d.Status == Verified {
				t.Verified++
			}
			if d.Late(loc) {
				t.Late++
			}
			t.SpentRp += d.TotalRp
			t.Eaten[d.Consumption]++
			for _, it := range d.Items {
				c.Items[it.Kind] += it.Qty
			}
		}
		t.BudgetRp = t.Planned * e.AllowanceRp
		t.Percent = percent(t.Delivered, t.Planned)
		c.Targets = append(c.Targets, t)
		for _, g := range []*GroupCompliance{
			group(cadres, cmp.Or(e.Cadre, "-"), cmp.Or(e.Cadre, "(belum ada kader)")),
			group(desas, e.Desa, e.Desa),
			group(facilities, e.Facility, e.Facility),
			&c.Total,
		} {
			g.add(t)
		}
	}
	c.Total.Name = "Total"
	c.ByCadre, c.ByDesa, c.ByFacility = sorted(cadres), sorted(desas), sorted(facilities)
	slices.SortFunc(c.Targets, func(a, b TargetCompliance) int {
		return cmp.Or(cmp.Compare(a.Percent, b.Percent), cmp.Compare(a.Enrolment.TargetName, b.Enrolment.TargetName))
	})
	return c
}

func group(m map[string]*GroupCompliance, code, name string) *GroupCompliance {
	g := m[code]
	if g == nil {
		g = &GroupCompliance{Code: code, Name: name}
		m[code] = g
	}
	return g
}

func (g *GroupCompliance) add(t TargetCompliance) {
	g.Targets++
	if t.Planned > 0 && t.Percent >= 80 {
		g.TargetsAt80++
	}
	g.Planned += t.Planned
	g.Delivered += t.Delivered
	g.Rejected += t.Rejected
	g.Late += t.Late
	g.SpentRp += t.SpentRp
	g.BudgetRp += t.BudgetRp
	g.Percent = percent(g.Delivered, g.Planned)
}

func sorted(m map[string]*GroupCompliance) []GroupCompliance {
	out := make([]GroupCompliance, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b GroupCompliance) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

func percent(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(d)*1000) / 10
}

// OutcomeRow is one enrolled child's change in length/height-for-age.
type OutcomeRow struct {
	Enrolment      Enrolment
	Baseline       *Measurement // latest valid on or before the start, else the first within 30 days after
	Latest         *Measurement // latest valid after the baseline
	Delta          float64      // Latest - Baseline, rounded z; valid only when both exist
	StuntedAtStart bool
	StuntedNow     bool
}

// Outcome summarises the change in length/height-for-age z since
// enrolment over enrolled children.
type Outcome struct {
	Rows            []OutcomeRow
	Children        int     // enrolled children
	WithChange      int     // with a baseline and a later measurement
	MeanDelta       float64 // mean change, to 2 decimals
	StuntedAtStart  int     // among WithChange
	NoLongerStunted int     // among StuntedAtStart, not stunted at the latest
	Percent         float64 // NoLongerStunted / StuntedAtStart × 100
}

// ComputeOutcome computes the outcome of child enrolments from each child's
// measurements (keyed by child id, any order). Pregnancy enrolments are
// skipped.
func ComputeOutcome(es []Enrolment, ms map[int64][]Measurement) Outcome {
	var o Outcome
	sum := 0.0
	for _, e := range es {
		if e.ChildID == 0 {
			continue
		}
		o.Children++
		row := OutcomeRow{Enrolment: e}
		valid := []Measurement{}
		for _, m := range ms[e.ChildID] {
			if _, ok := classify(m, Stunting); ok {
				valid = append(valid, m)
			}
		}
		slices.SortFunc(valid, func(a, b Measurement) int {
			return cmp.Or(a.MeasuredOn.Compare(b.MeasuredOn), cmp.Compare(a.ID, b.ID))
		})
		start := dateOf(e.Start)
		for i := range valid {
			if !dateOf(valid[i].MeasuredOn).After(start) {
				row.Baseline = &valid[i]
			}
		}
		if row.Baseline == nil {
			for i := range valid {
				if anthro.AgeDays(start, valid[i].MeasuredOn) <= 30 {
					row.Baseline = &valid[i]
				}
				break
			}
		}
		if row.Baseline != nil {
			if last := &valid[len(valid)-1]; last != row.Baseline {
				row.Latest = last
			}
		}
		if row.Baseline != nil && row.Latest != nil {
			row.Delta = anthro.Round2(row.Latest.Result.ZLen.Rounded() - row.Baseline.Result.ZLen.Rounded())
			row.StuntedAtStart = row.Baseline.Result.Stunted()
			row.StuntedNow = row.Latest.Result.Stunted()
			o.WithChange++
			sum += row.Delta
			if row.StuntedAtStart {
				o.StuntedAtStart++
				if !row.StuntedNow {
					o.NoLongerStunted++
				}
			}
		}
		o.Rows = append(o.Rows, row)
	}
	if o.WithChange > 0 {
		o.MeanDelta = anthro.Round2(sum / float64(o.WithChange))
	}
	o.Percent = percent(o.NoLongerStunted, o.StuntedAtStart)
	return o
}
