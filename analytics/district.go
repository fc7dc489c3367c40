package analytics

import (
	"fmt"
	"math"
	"time"
)

// UnitDay is one unit's rolled-up day: the Summary of its tickets on a
// service date that is over.
type UnitDay struct {
	Facility string // code
	Unit     string // code
	Date     string // yyyy-mm-dd
	Summary
}

// RollUp summarises visits by facility, unit and service date, for the
// days wanted only (facility code -> dates): the rollups of days that are
// over. loc gives each facility's zone. The times come sorted, as stored.
func RollUp(visits []Visit, want map[string]map[string]bool, loc func(facility string) *time.Location) []UnitDay {
	var in []Visit
	for _, v := range visits {
		if want[v.Facility][v.Date] {
			in = append(in, v)
		}
	}
	keys, sums := Group(in, ByFacility|ByUnit|ByDate, loc)
	out := make([]UnitDay, 0, len(keys))
	for _, k := range keys {
		s := sums[k]
		s.Sort()
		out = append(out, UnitDay{Facility: k.Facility, Unit: k.Unit, Date: k.Date, Summary: *s})
	}
	return out
}

// LiveUnit is the live state of one unit with people in it today.
type LiveUnit struct {
	Facility    string
	Waiting     int
	Serving     int        // called or being served
	OldestSince *time.Time // when the longest-waiting ticket joined the line; nil when nobody waits
}

// Stunting is a facility's stunting figure of the month (BTS).
type Stunting struct {
	Percent  float64 // of the children measured; meaningless when none were
	Measured int
}

// DistrictData is what a district report is computed from.
type DistrictData struct {
	Now        time.Time
	Month      time.Time  // its first day, midnight UTC
	Facilities []Facility // in the order the tables list them
	Days       []UnitDay  // the rollups of DistrictDays(Month, Now)
	Recent     []Visit    // the tickets of RecentDays(Now)
	Live       []LiveUnit
	Screens    map[string][2]int   // facility code -> screens {online, known}
	Stunting   map[string]Stunting // facility code -> this month's figure
}

// today is the district's date at now (WIB), as midnight UTC.
func today(now time.Time) time.Time {
	y, m, d := now.In(Jakarta).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// localDate is the date at now in loc, as midnight UTC.
func localDate(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DistrictDays is the span of rollups a district report of month reads at
// now: six months for the trend, and the four weeks before today for
// "usual".
func DistrictDays(month, now time.Time) (from, to time.Time) {
	from, to = month.AddDate(0, -5, 0), month.AddDate(0, 1, -1)
	td := today(now)
	if w := td.AddDate(0, 0, -28); w.Before(from) {
		from = w
	}
	if td.After(to) {
		to = td
	}
	return from, to
}

// RecentDays is the span of service dates that holds every facility's
// today at now, whatever its zone: a facility's today is never rolled up,
// so it is read from its tickets.
func RecentDays(now time.Time) (from, to time.Time) {
	td := today(now)
	return td.AddDate(0, 0, -1), td.AddDate(0, 0, 1)
}

// districtSums are the summaries a district report is made of.
type districtSums struct {
	today, month map[string]*Summary            // by facility code
	days         map[string]*Summary            // the district's, by date of the month
	months       map[string]*Summary            // the district's, by yyyy-mm of the trend
	usual        map[string]map[string]*[24]int // facility -> date -> arrivals by hour
}

func get(m map[string]*Summary, k string) *Summary {
	if m[k] == nil {
		m[k] = &Summary{}
	}
	return m[k]
}

func sumDistrict(d DistrictData) districtSums {
	s := districtSums{today: map[string]*Summary{}, month: map[string]*Summary{}, days: map[string]*Summary{},
		months: map[string]*Summary{}, usual: map[string]map[string]*[24]int{}}
	first, last := date(d.Month), date(d.Month.AddDate(0, 1, -1))
	trendFrom := date(d.Month.AddDate(0, -5, 0))
	inMonth := func(day string) bool { return day >= first && day <= last }
	zones := map[string]*time.Location{}
	for _, f := range d.Facilities {
		zones[f.Code] = f.Location
	}
	for _, v := range d.Recent {
		loc, ok := zones[v.Facility]
		if !ok || v.Date != date(localDate(d.Now, loc)) {
			continue
		}
		get(s.today, v.Facility).Add(v, loc)
		if inMonth(v.Date) {
			get(s.month, v.Facility).Add(v, loc)
			get(s.days, v.Date).Add(v, loc)
		}
	}
	for i := range d.Days {
		u := &d.Days[i]
		if inMonth(u.Date) {
			get(s.month, u.Facility).Merge(&u.Summary)
			get(s.days, u.Date).Merge(&u.Summary)
		}
		if u.Date >= trendFrom && u.Date <= last {
			get(s.months, u.Date[:7]).Merge(&u.Summary)
		}
		if s.usual[u.Facility] == nil {
			s.usual[u.Facility] = map[string]*[24]int{}
		}
		a := s.usual[u.Facility][u.Date]
		if a == nil {
			a = &[24]int{}
			s.usual[u.Facility][u.Date] = a
		}
		for h, n := range u.Arrivals {
			a[h] += n
		}
	}
	if td := date(today(d.Now)); inMonth(td) {
		for _, ts := range s.today {
			get(s.months, td[:7]).Merge(ts)
		}
	}
	return s
}

// liveState is a facility's queues now.
type liveState struct {
	waiting, serving int
	oldest           float64 // seconds the longest-waiting patient has waited
}

func sumLive(units []LiveUnit, now time.Time) map[string]*liveState {
	out := map[string]*liveState{}
	for _, u := range units {
		l := out[u.Facility]
		if l == nil {
			l = &liveState{}
			out[u.Facility] = l
		}
		l.waiting += u.Waiting
		l.serving += u.Serving
		if u.OldestSince != nil {
			l.oldest = max(l.oldest, now.Sub(*u.OldestSince).Seconds())
		}
	}
	return out
}

// DistrictReport computes the district dashboard of d's month: the tables
// live (each facility now, against its usual for the weekday), facilities
// (the month, with stunting) and trend (six months), and the charts waits,
// trend and days.
func DistrictReport(d DistrictData, text Text) *Report {
	sums := sumDistrict(d)
	r := &Report{From: date(d.Month), To: date(d.Month.AddDate(0, 1, -1)), Charts: map[string]string{}}
	live, month := facilityTables(r, d, sums, text)
	r.Tables = []Table{live, month, trendTable(r, d.Month, sums, text)}
	districtDaysChart(r, d.Month, sums, text)
	return r
}

// facilityTables are the live and month tables, a row per facility, and
// the chart of each facility's median wait of the month.
func facilityTables(r *Report, d DistrictData, sums districtSums, text Text) (Table, Table) {
	lives := sumLive(d.Live, d.Now)
	live := Table{Name: "live", Title: text("rep.t.live"), Columns: []string{text("rep.code"), text("rep.facility"),
		text("rep.waiting"), text("rep.serving"), text("rep.longest_wait"), text("rep.screens"), text("rep.today_tickets"),
		text("rep.usual_by_now"), text("rep.usual_day"), text("rep.served_today"), text("rep.wait_p50_today")}}
	month := Table{Name: "facilities", Title: text("rep.t.facilities"), Columns: append(append([]string{text("rep.code"), text("rep.facility")},
		summaryColumns(text)...), text("rep.stunting_pct"), text("rep.children_measured"))}
	var names []string
	var waits []float64
	for _, f := range d.Facilities {
		l := lives[f.Code]
		if l == nil {
			l = &liveState{}
		}
		ts := get(sums.today, f.Code)
		var same [][24]int
		for w := 1; w <= 4; w++ {
			if a := sums.usual[f.Code][date(localDate(d.Now, f.Location).AddDate(0, 0, -7*w))]; a != nil {
				same = append(same, *a)
			}
		}
		usual := UsualFor(same, d.Now.In(f.Location).Hour())
		usualNow, usualDay := math.NaN(), math.NaN()
		if usual.Weeks > 0 {
			usualNow, usualDay = math.Round(usual.ByHour*10)/10, math.Round(usual.Day*10)/10
		}
		sc := d.Screens[f.Code]
		live.Rows = append(live.Rows, []any{f.Code, f.Name, l.waiting, l.serving, minutes(l.oldest),
			fmt.Sprintf("%d/%d", sc[0], sc[1]), ts.Tickets(), usualNow, usualDay, ts.Served, minutes(ts.Wait(50))})
		ms := get(sums.month, f.Code)
		st := d.Stunting[f.Code]
		stPct := math.NaN()
		if st.Measured > 0 {
			stPct = st.Percent
		}
		month.Rows = append(month.Rows, append(append([]any{f.Code, f.Name}, summaryCells(ms)...), stPct, st.Measured))
		names = append(names, f.Name)
		waits = append(waits, minutes(ms.Wait(50)))
	}
	r.Charts["waits"] = HBarChart{Title: text("rep.c.facility_waits"), Labels: names, Values: waits, Unit: text("rep.min")}.SVG()
	return live, month
}

// trendTable is the district's six months up to month, and its chart.
func trendTable(r *Report, month time.Time, sums districtSums, text Text) Table {
	t := Table{Name: "trend", Title: text("rep.t.trend"), Columns: []string{text("rep.month"), text("rep.tickets"),
		text("rep.served"), text("rep.noshow_pct"), text("rep.cancelled"), text("rep.wait_p50"), text("rep.wait_p90"), text("rep.service_p50")}}
	var labels []string
	var served, unserved, waits []float64
	for m := month.AddDate(0, -5, 0); !m.After(month); m = m.AddDate(0, 1, 0) {
		key := m.Format("2006-01")
		ms := get(sums.months, key)
		t.Rows = append(t.Rows, []any{key, ms.Tickets(), ms.Served, percent(ms.Skipped, ms.Called), ms.Cancelled,
			minutes(ms.Wait(50)), minutes(ms.Wait(90)), minutes(ms.Service(50))})
		labels = append(labels, m.Format("01/06"))
		served = append(served, float64(ms.Served))
		unserved = append(unserved, float64(ms.Tickets()-ms.Served))
		waits = append(waits, minutes(ms.Wait(50)))
	}
	r.Charts["trend"] = BarChart{Title: text("rep.c.trend"), Labels: labels,
		Bars: []Series{{Name: text("rep.served"), Values: served}, {Name: text("rep.not_served"), Values: unserved}},
		Line: &Series{Name: text("rep.wait_p50_short"), Values: waits}, Unit: text("rep.min")}.SVG()
	return t
}

// districtDaysChart is the district's tickets per day of the month by
// channel, with the median wait.
func districtDaysChart(r *Report, month time.Time, sums districtSums, text Text) {
	var labels []string
	perChannel := map[string][]float64{}
	var waits []float64
	for day := month; !day.After(month.AddDate(0, 1, -1)); day = day.AddDate(0, 0, 1) {
		ds := get(sums.days, date(day))
		labels = append(labels, day.Format("2"))
		for _, ch := range Channels {
			perChannel[ch] = append(perChannel[ch], float64(ds.Booked[ch]))
		}
		waits = append(waits, minutes(ds.Wait(50)))
	}
	var bars []Series
	for _, ch := range Channels {
		bars = append(bars, Series{Name: text("rep.ch." + ch), Values: perChannel[ch]})
	}
	r.Charts["days"] = BarChart{Title: text("rep.c.district_days"), Labels: labels, Bars: bars,
		Line: &Series{Name: text("rep.wait_p50_short"), Values: waits}, Unit: text("rep.min")}.SVG()
}
