package analytics

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// The dashboards are made here, as pure functions of rows the storage edge
// reads: FacilityReport for one facility's period (from its tickets),
// DistrictReport for a month of the whole district (from daily rollups,
// today's tickets and the live state). Their words come through a Text, so
// that the catalogue stays with the pages.

// Report is a dashboard's content: its tables and charts.
type Report struct {
	Scope    string // facility code, or "" for the district
	From, To string // the period, yyyy-mm-dd
	Tables   []Table
	Charts   map[string]string // name -> SVG
	Pictures []Picture         // pictures for the workbook of every table (the district map)
}

// Table returns the report's table called name.
func (r *Report) Table(name string) (Table, bool) {
	for _, t := range r.Tables {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// Text gives a report's words (titles, column headings, chart labels) in the
// reader's language, by message key ("rep.tickets").
type Text func(key string) string

// Facility is a facility as the reports list it.
type Facility struct {
	Code     string
	Name     string
	Location *time.Location
	Units    []Unit // in the order the tables list them
}

// Unit is a unit as the reports list it.
type Unit struct {
	Code string
	Name string
}

// SendCount is how many outbound messages or calls of one target ended in
// one state.
type SendCount struct {
	Target string // "notify" (patient messages), "bpjs", "satusehat"
	State  string // pending, sent, dead, stale
	Count  int
}

// FacilityData is what a facility report is computed from.
type FacilityData struct {
	Facility Facility
	From, To time.Time   // first and last service date, midnight UTC
	Visits   []Visit     // the facility's tickets of those dates, with Staff
	Sends    []SendCount // its messages and calls created on those dates
}

// minutes turns seconds into minutes with one decimal; NaN stays NaN.
func minutes(sec float64) float64 {
	if math.IsNaN(sec) {
		return sec
	}
	return math.Round(sec/6) / 10
}

// percent is a fraction as a percentage with one decimal, NaN when the
// denominator was 0.
func percent(num, den int) float64 {
	if den == 0 {
		return math.NaN()
	}
	return math.Round(float64(num)*1000/float64(den)) / 10
}

// summaryColumns are the columns of a Summary in every table, after the
// row's own label columns.
func summaryColumns(text Text) []string {
	cols := append([]string{text("rep.tickets")}, Channels...)
	return append(cols, text("rep.transfers_in"), text("rep.called"),
		text("rep.served"), text("rep.noshow_pct"), text("rep.cancelled"), text("rep.transferred"), text("rep.unserved"),
		text("rep.wait_p50"), text("rep.wait_p90"), text("rep.service_p50"), text("rep.service_p90"))
}

func summaryCells(s *Summary) []any {
	cells := []any{s.Tickets()}
	for _, ch := range Channels {
		cells = append(cells, s.Booked[ch])
	}
	return append(cells, s.TransfersIn,
		s.Called, s.Served, percent(s.Skipped, s.Called), s.Cancelled, s.Transferred, s.Unserved,
		minutes(s.Wait(50)), minutes(s.Wait(90)), minutes(s.Service(50)), minutes(s.Service(90)))
}

// orEmpty is s, or an empty summary for a group with no tickets.
func orEmpty(s *Summary) *Summary {
	if s == nil {
		return &Summary{}
	}
	return s
}

func date(t time.Time) string { return t.Format(time.DateOnly) }

// FacilityReport computes the facility dashboard of d's period: the tables
// units (with the facility's total), days, hours, staff and sends, and the
// charts days, arrivals and waits.
func FacilityReport(d FacilityData, text Text) *Report {
	f := d.Facility
	loc := func(string) *time.Location { return f.Location }
	r := &Report{Scope: f.Code, From: date(d.From), To: date(d.To), Charts: map[string]string{}}
	units := unitsTable(d.Visits, f.Units, loc, text)
	days := facilityDays(r, d, loc, text)
	hours := facilityHours(r, d.Visits, f.Units, loc, text)
	r.Tables = []Table{units, days, hours, staffTable(d.Visits, loc, text), checkInTable(d.Visits, f.Units, text), sendsTable(d.Sends, text)}
	return r
}

// checkInTable is, per unit, how the patients who booked with a window
// (check-in units) came: on time (checked in by the end of the window),
// late (within the grace after it), or not in time (marked no-show, or
// checked in only after the grace: she rejoined as the unit's rule says),
// and how late the late ones were.
func checkInTable(visits []Visit, units []Unit, text Text) Table {
	t := Table{Name: "checkin", Title: text("rep.t.checkin"), Columns: []string{text("rep.unit"), text("rep.ci.booked"),
		text("rep.ci.ontime"), text("rep.ci.late"), text("rep.ci.noshow"), text("rep.ci.rejoined"), text("rep.ci.noshow_pct"),
		text("rep.ci.late_mean"), text("rep.ci.late_max")}}
	type row struct{ booked, onTime, late, noShow, rejoined, pending, lateSum, lateMax int }
	by := map[string]*row{}
	for _, v := range visits {
		if v.WindowEnd == nil {
			continue
		}
		r := by[v.Unit]
		if r == nil {
			r = &row{}
			by[v.Unit] = r
		}
		switch {
		case v.CheckedIn != nil && !v.CheckedIn.After(*v.WindowEnd):
			r.onTime++
		case v.CheckedIn != nil && (v.NoShowAt == nil || !v.CheckedIn.After(*v.NoShowAt)):
			r.late++
			m := int(v.CheckedIn.Sub(*v.WindowEnd).Minutes())
			r.lateSum += m
			r.lateMax = max(r.lateMax, m)
		case v.CheckedIn != nil:
			r.noShow++
			r.rejoined++
		case v.Status == "no_show":
			r.noShow++
		case v.Status == "cancelled":
			continue // cancelled before her day: not expected
		default:
			r.pending++ // still expected
		}
		r.booked++
	}
	var total row
	add := func(name string, r *row) {
		mean := 0.0
		if r.late > 0 {
			mean = float64(r.lateSum) / float64(r.late)
		}
		t.Rows = append(t.Rows, []any{name, r.booked, r.onTime, r.late, r.noShow, r.rejoined, percent(r.noShow, r.booked-r.pending), mean, r.lateMax})
	}
	for _, u := range units {
		r, ok := by[u.Code]
		if !ok {
			continue
		}
		total.booked, total.onTime, total.late, total.noShow = total.booked+r.booked, total.onTime+r.onTime, total.late+r.late, total.noShow+r.noShow
		total.rejoined, total.pending = total.rejoined+r.rejoined, total.pending+r.pending
		total.lateSum, total.lateMax = total.lateSum+r.lateSum, max(total.lateMax, r.lateMax)
		add(u.Name, r)
	}
	if len(t.Rows) > 0 {
		add(text("rep.all"), &total)
	}
	return t
}

// unitsTable is the period per unit, with the facility's total.
func unitsTable(visits []Visit, units []Unit, loc func(string) *time.Location, text Text) Table {
	_, byUnit := Group(visits, ByUnit, loc)
	t := Table{Name: "units", Title: text("rep.t.units"), Columns: append([]string{text("rep.unit")}, summaryColumns(text)...)}
	var total Summary
	for _, u := range units {
		sum := orEmpty(byUnit[Key{Unit: u.Code, Hour: -1}])
		total.Merge(sum)
		t.Rows = append(t.Rows, append([]any{u.Name}, summaryCells(sum)...))
	}
	t.Rows = append(t.Rows, append([]any{text("rep.all")}, summaryCells(&total)...))
	return t
}

// facilityDays is the table per unit and day, and the chart of tickets per
// day by channel with the median wait.
func facilityDays(r *Report, d FacilityData, loc func(string) *time.Location, text Text) Table {
	_, byDay := Group(d.Visits, ByDate, loc)
	_, byUnitDay := Group(d.Visits, ByUnit|ByDate, loc)
	t := Table{Name: "days", Title: text("rep.t.days"), Columns: append([]string{text("rep.date"), text("rep.unit")}, summaryColumns(text)...)}
	var labels []string
	series := map[string][]float64{}
	var medians []float64
	for day := d.From; !day.After(d.To); day = day.AddDate(0, 0, 1) {
		ds := date(day)
		labels = append(labels, day.Format("2/1"))
		sum := orEmpty(byDay[Key{Date: ds, Hour: -1}])
		for _, ch := range Channels {
			series[ch] = append(series[ch], float64(sum.Booked[ch]))
		}
		series["transfer"] = append(series["transfer"], float64(sum.TransfersIn))
		medians = append(medians, minutes(sum.Wait(50)))
		for _, u := range d.Facility.Units {
			if us := byUnitDay[Key{Unit: u.Code, Date: ds, Hour: -1}]; us != nil {
				t.Rows = append(t.Rows, append([]any{ds, u.Name}, summaryCells(us)...))
			}
		}
	}
	var bars []Series
	for _, ch := range append(slices.Clone(Channels), "transfer") {
		bars = append(bars, Series{Name: text("rep.ch." + ch), Values: series[ch]})
	}
	r.Charts["days"] = BarChart{Title: text("rep.c.days"), Labels: labels, Bars: bars,
		Line: &Series{Name: text("rep.wait_p50_short"), Values: medians}, Unit: text("rep.min")}.SVG()
	return t
}

// facilityHours is the table by hour of arrival, and the heatmaps of
// arrivals and median waits per unit and hour.
func facilityHours(r *Report, visits []Visit, units []Unit, loc func(string) *time.Location, text Text) Table {
	t := Table{Name: "hours", Title: text("rep.t.hours"),
		Columns: []string{text("rep.hour"), text("rep.arrivals"), text("rep.called"), text("rep.wait_p50"), text("rep.wait_p90")}}
	_, byHour := Group(visits, ByHour, loc)
	_, byUnitHour := Group(visits, ByUnit|ByHour, loc)
	first, last := 24, -1
	for h := 0; h < 24; h++ {
		if hs := byHour[Key{Hour: h}]; hs != nil {
			first, last = min(first, h), max(last, h)
			t.Rows = append(t.Rows, []any{fmt.Sprintf("%02d:00", h), hs.Tickets(), hs.Called, minutes(hs.Wait(50)), minutes(hs.Wait(90))})
		}
	}
	if last < 0 {
		first, last = 7, 14
	}
	var cols, rows []string
	for h := first; h <= last; h++ {
		cols = append(cols, fmt.Sprintf("%02d", h))
	}
	var arrivals, waits [][]float64
	for _, u := range units {
		rows = append(rows, u.Name)
		var a, w []float64
		for h := first; h <= last; h++ {
			hs := byUnitHour[Key{Unit: u.Code, Hour: h}]
			if hs == nil {
				a, w = append(a, 0), append(w, math.NaN())
				continue
			}
			a, w = append(a, float64(hs.Tickets())), append(w, math.Round(minutes(hs.Wait(50))))
		}
		arrivals, waits = append(arrivals, a), append(waits, w)
	}
	r.Charts["arrivals"] = Heatmap{Title: text("rep.c.arrivals"), Rows: rows, Cols: cols, Values: arrivals}.SVG()
	r.Charts["waits"] = Heatmap{Title: text("rep.c.waits"), Rows: rows, Cols: cols, Values: waits}.SVG()
	return t
}

// staffTable is the period per counter and staff member.
func staffTable(visits []Visit, loc func(string) *time.Location, text Text) Table {
	keys, byStaff := Group(visits, ByCounter|ByStaff, loc)
	t := Table{Name: "staff", Title: text("rep.t.staff"), Columns: []string{text("rep.counter"), text("rep.staff"),
		text("rep.called"), text("rep.served"), text("rep.noshow_pct"), text("rep.transferred"), text("rep.service_p50"), text("rep.service_p90")}}
	for _, k := range keys {
		if k.Counter == "" && k.Staff == "" {
			continue // never called
		}
		ss := byStaff[k]
		t.Rows = append(t.Rows, []any{k.Counter, k.Staff, ss.Called, ss.Served, percent(ss.Skipped, ss.Called),
			ss.Transferred, minutes(ss.Service(50)), minutes(ss.Service(90))})
	}
	return t
}

// sendsTable is the patient messages and BPJS/SATUSEHAT calls by outcome.
// A message given up on (dead) or too late to send (stale) counts against
// the success rate; pending ones do not count yet.
func sendsTable(counts []SendCount, text Text) Table {
	t := Table{Name: "sends", Title: text("rep.t.sends"), Columns: []string{text("rep.target"), text("rep.sent"),
		text("rep.failed"), text("rep.stale"), text("rep.pending"), text("rep.success_pct")}}
	for _, target := range []string{"notify", "bpjs", "satusehat"} {
		n := map[string]int{}
		for _, sc := range counts {
			if sc.Target == target {
				n[sc.State] = sc.Count
			}
		}
		done := n["sent"] + n["dead"] + n["stale"]
		t.Rows = append(t.Rows, []any{text("rep.target." + target), n["sent"], n["dead"], n["stale"], n["pending"], percent(n["sent"], done)})
	}
	return t
}
