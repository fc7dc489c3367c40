package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"mime"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/analytics"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/postgres"
	"github.com/labstack/echo/v4"
)

// The facility dashboard (/admin/reports) and the district dashboard
// (/dinkes) are server-rendered pages: tables and SVG charts, readable
// without JavaScript and on paper. Every table is also an API answer (JSON)
// and a download (CSV, XLSX) at .../reports/{table}?format=.
//
// Facility numbers are computed from the event history of the period
// (at most maxReportDays). District numbers come from daily rollups of the
// days that are over (postgres.UnitDays) plus today's history, so that a
// month of a whole district stays fast.

// maxReportDays is the longest period of a facility report.
const maxReportDays = 92

// Who may see the reports: a facility's admins theirs (district admins
// any facility's), dinkes and district admins the district's. The pages are
// public, so that they can offer a sign-in, and show a report only to a
// caller the API route's rule allows.
var (
	facilityReports = allow(account.PermAdmin, fromPath)
	districtReports = allow(account.PermDistrict, own)
)

// reportRoutes are the dashboards' routes, for the route table.
func (s *Server) reportRoutes() []route {
	return []route{
		on("GET", "/api/v1/facilities/:facility/reports", s.facilityReportJSON, facilityReports,
			api(tagReport, "Facility dashboard: every table (?from=&to=, at most 92 days)").out("Report")),
		on("GET", "/api/v1/facilities/:facility/reports/:table", s.facilityReportTable, facilityReports,
			api(tagReport, "One table (units, days, hours, staff, sends; all for XLSX) as ?format=json|csv|xlsx").out("ReportTable")),
		on("GET", "/api/v1/district/reports", s.districtReportJSON, districtReports,
			api(tagReport, "District dashboard: every table (?month=yyyy-mm)").out("Report")),
		on("GET", "/api/v1/district/reports/:table", s.districtReportTable, districtReports,
			api(tagReport, "One table (live, facilities, trend; all for XLSX) as ?format=json|csv|xlsx").out("ReportTable")),
		on("GET", "/admin/reports", s.facilityReportPage, public, nil),
		on("GET", "/dinkes", s.districtReportPage, public, nil),
	}
}

// report is a dashboard's content: its tables and charts.
type report struct {
	Scope    string `json:"scope"` // facility code, or "" for the district
	From, To string
	Tables   []analytics.Table
	Charts   map[string]string // name -> SVG
}

func (r *report) table(name string) (analytics.Table, bool) {
	for _, t := range r.Tables {
		if t.Name == name {
			return t, true
		}
	}
	return analytics.Table{}, false
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
func summaryColumns(lang string) []string {
	return []string{rt(lang, "tickets"), "online", "kiosk", "desk", "jkn", rt(lang, "transfers_in"), rt(lang, "called"),
		rt(lang, "served"), rt(lang, "noshow_pct"), rt(lang, "cancelled"), rt(lang, "transferred"), rt(lang, "unserved"),
		rt(lang, "wait_p50"), rt(lang, "wait_p90"), rt(lang, "service_p50"), rt(lang, "service_p90")}
}

func summaryCells(s *analytics.Summary) []any {
	return []any{s.Tickets(), s.Booked["online"], s.Booked["kiosk"], s.Booked["desk"], s.Booked["jkn"], s.TransfersIn,
		s.Called, s.Served, percent(s.Skipped, s.Called), s.Cancelled, s.Transferred, s.Unserved,
		minutes(s.Wait(50)), minutes(s.Wait(90)), minutes(s.Service(50)), minutes(s.Service(90))}
}

// period reads ?from= and ?to= (default: this month up to today).
func reportPeriod(c echo.Context, today time.Time) (time.Time, time.Time, error) {
	from := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	to := today
	var err error
	if v := c.QueryParam("from"); v != "" {
		if from, err = time.Parse(time.DateOnly, v); err != nil {
			return from, to, fault.Invalid("from", "Tanggal awal harus yyyy-mm-dd.")
		}
	}
	if v := c.QueryParam("to"); v != "" {
		if to, err = time.Parse(time.DateOnly, v); err != nil {
			return from, to, fault.Invalid("to", "Tanggal akhir harus yyyy-mm-dd.")
		}
	}
	if to.Before(from) {
		return from, to, fault.Invalid("to", "Tanggal akhir sebelum tanggal awal.")
	}
	if to.Sub(from) > maxReportDays*24*time.Hour {
		return from, to, fault.Invalid("from", fmt.Sprintf("Periode paling lama %d hari.", maxReportDays))
	}
	return from, to, nil
}

func dateOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// facilityReport builds the facility dashboard for one facility.
func (s *Server) facilityReport(c echo.Context, code, lang string) (*report, error) {
	ctx := c.Request().Context()
	fs, err := s.db.AnalyticsFacilities(ctx, code)
	if err != nil {
		return nil, err
	}
	f := fs[0]
	from, to, err := reportPeriod(c, dateOf(s.now(), f.Location))
	if err != nil {
		return nil, err
	}
	visits, err := s.db.Visits(ctx, []int64{f.ID}, dateString(from), dateString(to), true)
	if err != nil {
		return nil, err
	}
	loc := func(string) *time.Location { return f.Location }
	unitName := map[string]string{}
	var unitOrder []string
	for _, u := range f.Units {
		unitName[u.Code] = u.Name
		unitOrder = append(unitOrder, u.Code)
	}
	r := &report{Scope: f.Code, From: dateString(from), To: dateString(to), Charts: map[string]string{}}

	// Per unit, with the facility's total.
	_, byUnit := analytics.Group(visits, analytics.ByUnit, loc)
	units := analytics.Table{Name: "units", Title: rt(lang, "t.units"), Columns: append([]string{rt(lang, "unit")}, summaryColumns(lang)...)}
	var total analytics.Summary
	for _, u := range unitOrder {
		sum := byUnit[analytics.Key{Unit: u, Hour: -1}]
		if sum == nil {
			sum = &analytics.Summary{}
		}
		total.Merge(sum)
		units.Rows = append(units.Rows, append([]any{unitName[u]}, summaryCells(sum)...))
	}
	units.Rows = append(units.Rows, append([]any{rt(lang, "all")}, summaryCells(&total)...))

	// Per unit and day.
	_, byDay := analytics.Group(visits, analytics.ByDate, loc)
	_, byUnitDay := analytics.Group(visits, analytics.ByUnit|analytics.ByDate, loc)
	days := analytics.Table{Name: "days", Title: rt(lang, "t.days"), Columns: append([]string{rt(lang, "date"), rt(lang, "unit")}, summaryColumns(lang)...)}
	var labels []string
	series := map[string][]float64{}
	var medians []float64
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		ds := dateString(d)
		labels = append(labels, d.Format("2/1"))
		sum := byDay[analytics.Key{Date: ds, Hour: -1}]
		if sum == nil {
			sum = &analytics.Summary{}
		}
		for _, ch := range analytics.Channels {
			series[ch] = append(series[ch], float64(sum.Booked[ch]))
		}
		series["transfer"] = append(series["transfer"], float64(sum.TransfersIn))
		medians = append(medians, minutes(sum.Wait(50)))
		for _, u := range unitOrder {
			if us := byUnitDay[analytics.Key{Unit: u, Date: ds, Hour: -1}]; us != nil {
				days.Rows = append(days.Rows, append([]any{ds, unitName[u]}, summaryCells(us)...))
			}
		}
	}
	var bars []analytics.Series
	for _, ch := range append(slices.Clone(analytics.Channels), "transfer") {
		bars = append(bars, analytics.Series{Name: rt(lang, "ch."+ch), Values: series[ch]})
	}
	r.Charts["days"] = analytics.BarChart{Title: rt(lang, "c.days"), Labels: labels, Bars: bars,
		Line: &analytics.Series{Name: rt(lang, "wait_p50_short"), Values: medians}, Unit: rt(lang, "min")}.SVG()

	// By hour of arrival: the facility's total, and a heatmap per unit.
	hours := analytics.Table{Name: "hours", Title: rt(lang, "t.hours"),
		Columns: []string{rt(lang, "hour"), rt(lang, "arrivals"), rt(lang, "called"), rt(lang, "wait_p50"), rt(lang, "wait_p90")}}
	_, byHour := analytics.Group(visits, analytics.ByHour, loc)
	_, byUnitHour := analytics.Group(visits, analytics.ByUnit|analytics.ByHour, loc)
	first, last := 24, -1
	for h := 0; h < 24; h++ {
		if hs := byHour[analytics.Key{Hour: h}]; hs != nil {
			first, last = min(first, h), max(last, h)
			hours.Rows = append(hours.Rows, []any{fmt.Sprintf("%02d:00", h), hs.Tickets(), hs.Called, minutes(hs.Wait(50)), minutes(hs.Wait(90))})
		}
	}
	if last < 0 {
		first, last = 7, 14
	}
	var cols []string
	for h := first; h <= last; h++ {
		cols = append(cols, fmt.Sprintf("%02d", h))
	}
	var rows []string
	var arrivals, waits [][]float64
	for _, u := range unitOrder {
		rows = append(rows, unitName[u])
		var a, w []float64
		for h := first; h <= last; h++ {
			hs := byUnitHour[analytics.Key{Unit: u, Hour: h}]
			if hs == nil {
				a, w = append(a, 0), append(w, math.NaN())
				continue
			}
			a, w = append(a, float64(hs.Tickets())), append(w, math.Round(minutes(hs.Wait(50))))
		}
		arrivals, waits = append(arrivals, a), append(waits, w)
	}
	r.Charts["arrivals"] = analytics.Heatmap{Title: rt(lang, "c.arrivals"), Rows: rows, Cols: cols, Values: arrivals}.SVG()
	r.Charts["waits"] = analytics.Heatmap{Title: rt(lang, "c.waits"), Rows: rows, Cols: cols, Values: waits}.SVG()

	// Per counter and staff member.
	staffKeys, byStaff := analytics.Group(visits, analytics.ByCounter|analytics.ByStaff, loc)
	staff := analytics.Table{Name: "staff", Title: rt(lang, "t.staff"), Columns: []string{rt(lang, "counter"), rt(lang, "staff"),
		rt(lang, "called"), rt(lang, "served"), rt(lang, "noshow_pct"), rt(lang, "transferred"), rt(lang, "service_p50"), rt(lang, "service_p90")}}
	for _, k := range staffKeys {
		if k.Counter == "" && k.Staff == "" {
			continue // never called
		}
		ss := byStaff[k]
		staff.Rows = append(staff.Rows, []any{k.Counter, k.Staff, ss.Called, ss.Served, percent(ss.Skipped, ss.Called),
			ss.Transferred, minutes(ss.Service(50)), minutes(ss.Service(90))})
	}

	// Patient messages and BPJS/SATUSEHAT calls.
	start := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, f.Location)
	end := time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, f.Location)
	counts, err := s.db.SendCounts(ctx, f.Code, start, end)
	if err != nil {
		return nil, err
	}
	sends := analytics.Table{Name: "sends", Title: rt(lang, "t.sends"), Columns: []string{rt(lang, "target"), rt(lang, "sent"),
		rt(lang, "failed"), rt(lang, "stale"), rt(lang, "pending"), rt(lang, "success_pct")}}
	for _, target := range []string{"notify", "bpjs", "satusehat"} {
		n := map[string]int{}
		for _, sc := range counts {
			if sc.Target == target {
				n[sc.State] = sc.Count
			}
		}
		done := n["sent"] + n["dead"] + n["stale"]
		sends.Rows = append(sends.Rows, []any{rt(lang, "target."+target), n["sent"], n["dead"], n["stale"], n["pending"], percent(n["sent"], done)})
	}
	r.Tables = []analytics.Table{units, days, hours, staff, sends}
	return r, nil
}

// districtReport builds the district dashboard for the month of ?month=
// (yyyy-mm, default the current one, in WIB).
func (s *Server) districtReport(c echo.Context, lang string) (*report, error) {
	ctx := c.Request().Context()
	now := s.now()
	today := dateOf(now, analytics.Jakarta)
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	if v := c.QueryParam("month"); v != "" {
		m, err := time.Parse("2006-01", v)
		if err != nil {
			return nil, fault.Invalid("month", "Bulan harus yyyy-mm.")
		}
		month = m
	}
	monthEnd := month.AddDate(0, 1, -1)
	trendFrom := month.AddDate(0, -5, 0)
	fs, err := s.db.AnalyticsFacilities(ctx, "")
	if err != nil {
		return nil, err
	}
	// Rollups: six months for the trend, and four earlier weeks for "usual".
	from, to := trendFrom, monthEnd
	if w := today.AddDate(0, 0, -28); w.Before(from) {
		from = w
	}
	if today.After(to) {
		to = today
	}
	days, err := s.db.UnitDays(ctx, fs, dateString(from), dateString(to), now)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	// Today, from the history (a facility's today is never rolled up).
	todays, err := s.db.Visits(ctx, ids, dateString(today.AddDate(0, 0, -1)), dateString(today.AddDate(0, 0, 1)), false)
	if err != nil {
		return nil, err
	}
	live, err := s.db.LiveUnits(ctx, now)
	if err != nil {
		return nil, err
	}
	obs, err := s.db.Observations(ctx, "", month, monthEnd)
	if err != nil {
		return nil, err
	}
	stunting := map[string]bts.PrevalenceRow{}
	for _, row := range bts.Prevalence(obs, bts.LevelFacility) {
		stunting[row.Code] = row
	}
	screens := s.screens(ctx, fs)

	byCode := map[string]postgres.AnalyticsFacility{}
	for _, f := range fs {
		byCode[f.Code] = f
	}
	todayOf := func(code string) string {
		f, ok := byCode[code]
		if !ok {
			return dateString(today)
		}
		return dateString(dateOf(now, f.Location))
	}
	todaySum := map[string]*analytics.Summary{}
	monthSum := map[string]*analytics.Summary{}
	get := func(m map[string]*analytics.Summary, k string) *analytics.Summary {
		if m[k] == nil {
			m[k] = &analytics.Summary{}
		}
		return m[k]
	}
	inMonth := func(d string) bool { return d >= dateString(month) && d <= dateString(monthEnd) }
	var dayTotals = map[string]*analytics.Summary{}
	for _, v := range todays {
		if v.Date != todayOf(v.Facility) {
			continue
		}
		loc := byCode[v.Facility].Location
		get(todaySum, v.Facility).Add(v, loc)
		if inMonth(v.Date) {
			get(monthSum, v.Facility).Add(v, loc)
			get(dayTotals, v.Date).Add(v, loc)
		}
	}
	codeOf := map[int64]string{}
	for _, f := range fs {
		codeOf[f.ID] = f.Code
	}
	usualDays := map[string]map[string]*[24]int{} // facility -> date -> arrivals
	monthly := map[string]*analytics.Summary{}
	for i := range days {
		d := &days[i]
		code := codeOf[d.FacilityID]
		if inMonth(d.Date) {
			get(monthSum, code).Merge(&d.Summary)
			get(dayTotals, d.Date).Merge(&d.Summary)
		}
		if d.Date >= dateString(trendFrom) && d.Date <= dateString(monthEnd) {
			get(monthly, d.Date[:7]).Merge(&d.Summary)
		}
		if usualDays[code] == nil {
			usualDays[code] = map[string]*[24]int{}
		}
		a := usualDays[code][d.Date]
		if a == nil {
			a = &[24]int{}
			usualDays[code][d.Date] = a
		}
		for h, n := range d.Arrivals {
			a[h] += n
		}
	}
	for _, ts := range todaySum {
		if inMonth(dateString(today)) {
			get(monthly, dateString(today)[:7]).Merge(ts)
		}
	}

	type liveState struct {
		waiting, serving int
		oldest           float64
	}
	lives := map[string]*liveState{}
	for _, u := range live {
		l := lives[u.Facility]
		if l == nil {
			l = &liveState{}
			lives[u.Facility] = l
		}
		l.waiting += u.Waiting
		l.serving += u.Serving
		if u.OldestSince != nil {
			l.oldest = max(l.oldest, now.Sub(*u.OldestSince).Seconds())
		}
	}

	r := &report{From: dateString(month), To: dateString(monthEnd), Charts: map[string]string{}}
	liveT := analytics.Table{Name: "live", Title: rt(lang, "t.live"), Columns: []string{rt(lang, "code"), rt(lang, "facility"),
		rt(lang, "waiting"), rt(lang, "serving"), rt(lang, "longest_wait"), rt(lang, "screens"), rt(lang, "today_tickets"),
		rt(lang, "usual_by_now"), rt(lang, "usual_day"), rt(lang, "served_today"), rt(lang, "wait_p50_today")}}
	monthT := analytics.Table{Name: "facilities", Title: rt(lang, "t.facilities"), Columns: append(append([]string{rt(lang, "code"), rt(lang, "facility")},
		summaryColumns(lang)...), rt(lang, "stunting_pct"), rt(lang, "children_measured"))}
	var names []string
	var waitBars []float64
	for _, f := range fs {
		l := lives[f.Code]
		if l == nil {
			l = &liveState{}
		}
		ts := get(todaySum, f.Code)
		fToday := dateOf(now, f.Location)
		var same [][24]int
		for w := 1; w <= 4; w++ {
			if a := usualDays[f.Code][dateString(fToday.AddDate(0, 0, -7*w))]; a != nil {
				same = append(same, *a)
			}
		}
		usual := analytics.UsualFor(same, now.In(f.Location).Hour())
		usualNow, usualDay := math.NaN(), math.NaN()
		if usual.Weeks > 0 {
			usualNow, usualDay = math.Round(usual.ByHour*10)/10, math.Round(usual.Day*10)/10
		}
		sc := screens[f.Code]
		liveT.Rows = append(liveT.Rows, []any{f.Code, f.Name, l.waiting, l.serving, minutes(l.oldest),
			fmt.Sprintf("%d/%d", sc[0], sc[1]), ts.Tickets(), usualNow, usualDay, ts.Served, minutes(ts.Wait(50))})
		ms := get(monthSum, f.Code)
		st := stunting[f.Code].All.Stunting
		stPct := math.NaN()
		if st.Denominator > 0 {
			stPct = st.Percent
		}
		monthT.Rows = append(monthT.Rows, append(append([]any{f.Code, f.Name}, summaryCells(ms)...), stPct, st.Denominator))
		names = append(names, f.Name)
		waitBars = append(waitBars, minutes(ms.Wait(50)))
	}
	r.Charts["waits"] = analytics.HBarChart{Title: rt(lang, "c.facility_waits"), Labels: names, Values: waitBars, Unit: rt(lang, "min")}.SVG()

	trend := analytics.Table{Name: "trend", Title: rt(lang, "t.trend"), Columns: []string{rt(lang, "month"), rt(lang, "tickets"),
		rt(lang, "served"), rt(lang, "noshow_pct"), rt(lang, "cancelled"), rt(lang, "wait_p50"), rt(lang, "wait_p90"), rt(lang, "service_p50")}}
	var tl []string
	var tTickets, tServed, tWait []float64
	for m := trendFrom; !m.After(month); m = m.AddDate(0, 1, 0) {
		key := m.Format("2006-01")
		ms := get(monthly, key)
		trend.Rows = append(trend.Rows, []any{key, ms.Tickets(), ms.Served, percent(ms.Skipped, ms.Called), ms.Cancelled,
			minutes(ms.Wait(50)), minutes(ms.Wait(90)), minutes(ms.Service(50))})
		tl = append(tl, m.Format("01/06"))
		tTickets = append(tTickets, float64(ms.Served))
		tServed = append(tServed, float64(ms.Tickets()-ms.Served))
		tWait = append(tWait, minutes(ms.Wait(50)))
	}
	r.Charts["trend"] = analytics.BarChart{Title: rt(lang, "c.trend"), Labels: tl,
		Bars: []analytics.Series{{Name: rt(lang, "served"), Values: tTickets}, {Name: rt(lang, "not_served"), Values: tServed}},
		Line: &analytics.Series{Name: rt(lang, "wait_p50_short"), Values: tWait}, Unit: rt(lang, "min")}.SVG()

	var dl []string
	dayBars := map[string][]float64{}
	var dWait []float64
	for d := month; !d.After(monthEnd); d = d.AddDate(0, 0, 1) {
		ds := get(dayTotals, dateString(d))
		dl = append(dl, d.Format("2"))
		for _, ch := range analytics.Channels {
			dayBars[ch] = append(dayBars[ch], float64(ds.Booked[ch]))
		}
		dWait = append(dWait, minutes(ds.Wait(50)))
	}
	var bars []analytics.Series
	for _, ch := range analytics.Channels {
		bars = append(bars, analytics.Series{Name: rt(lang, "ch."+ch), Values: dayBars[ch]})
	}
	r.Charts["days"] = analytics.BarChart{Title: rt(lang, "c.district_days"), Labels: dl, Bars: bars,
		Line: &analytics.Series{Name: rt(lang, "wait_p50_short"), Values: dWait}, Unit: rt(lang, "min")}.SVG()
	r.Tables = []analytics.Table{liveT, monthT, trend}
	return r, nil
}

// screens counts each facility's screens online and known: {online, all}.
// A Redis failure shows as no screens rather than failing the dashboard.
func (s *Server) screens(ctx context.Context, fs []postgres.AnalyticsFacility) map[string][2]int {
	out := make(map[string][2]int, len(fs))
	if s.hub == nil {
		return out
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, f := range fs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ds, err := s.hub.Displays(ctx, f.Code)
			if err != nil {
				return
			}
			n := [2]int{0, len(ds)}
			for _, d := range ds {
				if d.Online {
					n[0]++
				}
			}
			mu.Lock()
			out[f.Code] = n
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// --- API: JSON, CSV and XLSX -------------------------------------------

// reportJSON is a report as JSON: each table as rows of objects would lose
// the column order, so columns and rows are given as the page shows them.
func reportJSON(r *report) map[string]any {
	tables := map[string]any{}
	for _, t := range r.Tables {
		tables[t.Name] = tableJSON(t)
	}
	return map[string]any{"scope": r.Scope, "from": r.From, "to": r.To, "tables": tables}
}

func tableJSON(t analytics.Table) map[string]any {
	rows := make([][]any, len(t.Rows))
	for i, row := range t.Rows {
		rows[i] = make([]any, len(row))
		for j, v := range row {
			if f, ok := v.(float64); ok && math.IsNaN(f) {
				v = nil
			}
			rows[i][j] = v
		}
	}
	return map[string]any{"name": t.Name, "title": t.Title, "columns": t.Columns, "rows": rows}
}

func (s *Server) facilityReportJSON(c echo.Context) error {
	r, err := s.facilityReport(c, c.Param("facility"), s.reportLang(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, reportJSON(r))
}

func (s *Server) facilityReportTable(c echo.Context) error {
	r, err := s.facilityReport(c, c.Param("facility"), s.reportLang(c))
	if err != nil {
		return err
	}
	return sendTable(c, r, "antrian-"+r.Scope)
}

func (s *Server) districtReportJSON(c echo.Context) error {
	r, err := s.districtReport(c, s.reportLang(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, reportJSON(r))
}

func (s *Server) districtReportTable(c echo.Context) error {
	r, err := s.districtReport(c, s.reportLang(c))
	if err != nil {
		return err
	}
	return sendTable(c, r, "antrian-kabupaten")
}

// sendTable answers one table (:table, or "all" for XLSX) in ?format=
// json (default), csv or xlsx, as a download.
func sendTable(c echo.Context, r *report, stem string) error {
	name := c.Param("table")
	tables := r.Tables
	if name != "all" {
		t, ok := r.table(name)
		if !ok {
			return errNotFound
		}
		tables = []analytics.Table{t}
	}
	format := c.QueryParam("format")
	file := stem + "-" + name + "-" + r.From + "-" + r.To
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	var buf bytes.Buffer
	switch format {
	case "", "json":
		if len(tables) != 1 {
			return c.JSON(http.StatusOK, reportJSON(r))
		}
		return c.JSON(http.StatusOK, tableJSON(tables[0]))
	case "csv":
		if len(tables) != 1 {
			return fault.Invalid("format", "CSV memuat satu tabel; pilih tabelnya atau format xlsx.")
		}
		buf.WriteString("\ufeff") // so that spreadsheets read UTF-8
		if err := tables[0].WriteCSV(&buf); err != nil {
			return err
		}
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": file + ".csv"}))
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	case "xlsx":
		if err := analytics.WriteXLSX(&buf, tables...); err != nil {
			return err
		}
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": file + ".xlsx"}))
		return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
	}
	return fault.Invalid("format", "Format harus json, csv atau xlsx.")
}

// --- pages --------------------------------------------------------------

// reportPageData is what the dashboard templates see.
type reportPageData struct {
	pageData
	User     *userJSON
	Forbid   bool
	Error    string
	Scope    string
	Choices  []postgres.AnalyticsFacility // facilities a district account may pick
	From, To string
	Month    string
	Report   *report
	Tables   []tableView
	Charts   map[string]template.HTML
	Export   string // base path of the exports
	Query    string // the period, for export links
	Now      string
}

// tableView is a table as the page renders it.
type tableView struct {
	analytics.Table
	Cells [][]string
	CSV   string
	XLSX  string
}

var reportPages = sync.OnceValue(func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"reports", "dinkes"} {
		base := template.Must(template.New("base.html").Funcs(template.FuncMap{
			"asset": assetURL,
			"t":     func(key string) string { return key },
			"rt":    func(key string) string { return key },
		}).ParseFS(templateFS, "templates/base.html"))
		out[name] = template.Must(base.ParseFS(templateFS, "templates/report-parts.html", "templates/"+name+".html"))
	}
	return out
})

func (s *Server) reportLang(c echo.Context) string {
	if l := c.QueryParam("lang"); l == "en" || l == "id" {
		return l
	}
	if ck, err := c.Cookie("lang"); err == nil && ck.Value == "en" {
		return "en"
	}
	return "id"
}

func (s *Server) renderReport(c echo.Context, name string, p reportPageData) error {
	lang := s.lang(c)
	p.Lang, p.Page = lang, name
	p.Other = "en"
	if lang == "en" {
		p.Other = "id"
	}
	p.Title = rt(lang, "title."+name)
	p.Styles = []string{"app.css", "reports.css"}
	p.Scripts = []string{"reports.js"}
	p.Strings = map[string]string{}
	if p.Report != nil {
		p.Charts = map[string]template.HTML{}
		for k, v := range p.Report.Charts {
			p.Charts[k] = template.HTML(v) // drawn by package analytics, every text escaped
		}
		for _, t := range p.Report.Tables {
			v := tableView{Table: t, CSV: p.Export + "/" + t.Name + "?format=csv&" + p.Query,
				XLSX: p.Export + "/" + t.Name + "?format=xlsx&" + p.Query}
			for _, row := range t.Rows {
				cells := make([]string, len(row))
				for i, x := range row {
					cells[i] = analytics.Cell(x)
					if f, ok := x.(float64); ok {
						cells[i] = analytics.Number(f)
					}
				}
				v.Cells = append(v.Cells, cells)
			}
			p.Tables = append(p.Tables, v)
		}
	}
	tmpl, err := reportPages()[name].Clone()
	if err != nil {
		return err
	}
	tmpl.Funcs(template.FuncMap{"rt": func(key string) string { return rt(lang, key) }})
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "base.html", p); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", lang)
	return writeMaybeGzip(c, "text/html; charset=utf-8", buf.Bytes(), nil)
}

// facilityReportPage is the facility dashboard. A facility's admin sees
// their own; a district admin picks any (?facility=).
func (s *Server) facilityReportPage(c echo.Context) error {
	p := reportPageData{}
	u, ok := currentUser(c)
	if !ok {
		return s.renderReport(c, "reports", p)
	}
	p.User = &userJSON{Username: u.Username, Role: string(u.Role), Facility: u.Facility}
	code := u.Facility
	if code == "" {
		code = c.QueryParam("facility")
		fs, err := s.db.AnalyticsFacilities(c.Request().Context(), "")
		if err != nil {
			return err
		}
		p.Choices = fs
		if code == "" && len(fs) > 0 && facilityReports.allows(u, fs[0].Code, "") {
			code = fs[0].Code
		}
	}
	if !facilityReports.allows(u, code, "") {
		p.Forbid = true
		return s.renderReport(c, "reports", p)
	}
	r, err := s.facilityReport(c, code, s.lang(c))
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
		p.Error = ae.Message
		return s.renderReport(c, "reports", p)
	}
	if err != nil {
		return err
	}
	p.Report, p.Scope, p.From, p.To = r, code, r.From, r.To
	p.Export = "/api/v1/facilities/" + code + "/reports"
	p.Query = "from=" + r.From + "&to=" + r.To
	return s.renderReport(c, "reports", p)
}

// districtReportPage is the district dashboard, for dinkes and district
// admins.
func (s *Server) districtReportPage(c echo.Context) error {
	p := reportPageData{}
	u, ok := currentUser(c)
	if !ok {
		return s.renderReport(c, "dinkes", p)
	}
	p.User = &userJSON{Username: u.Username, Role: string(u.Role), Facility: u.Facility}
	if !districtReports.allows(u, u.Facility, "") {
		p.Forbid = true
		return s.renderReport(c, "dinkes", p)
	}
	r, err := s.districtReport(c, s.lang(c))
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
		p.Error = ae.Message
		return s.renderReport(c, "dinkes", p)
	}
	if err != nil {
		return err
	}
	p.Report, p.From, p.To, p.Month = r, r.From, r.To, r.From[:7]
	p.Export = "/api/v1/district/reports"
	p.Query = "month=" + p.Month
	p.Now = s.now().In(analytics.Jakarta).Format("02-01-2006 15:04") + " WIB"
	return s.renderReport(c, "dinkes", p)
}

// reportText is the dashboards' text: {id, en}.
var reportText = map[string][2]string{
	"title.reports":     {"Laporan layanan", "Service report"},
	"title.dinkes":      {"Dasbor Dinas Kesehatan", "District health office dashboard"},
	"login":             {"Masuk", "Sign in"},
	"login.hint":        {"Masuk dengan akun admin atau Dinas Kesehatan.", "Sign in with an admin or district health office account."},
	"username":          {"Nama pengguna", "Username"},
	"password":          {"Kata sandi", "Password"},
	"logout":            {"Keluar", "Sign out"},
	"forbidden":         {"Akun ini tidak boleh melihat laporan ini.", "This account may not see this report."},
	"show":              {"Tampilkan", "Show"},
	"from":              {"Dari", "From"},
	"to":                {"Sampai", "To"},
	"month":             {"Bulan", "Month"},
	"print":             {"Cetak", "Print"},
	"export":            {"Unduh", "Download"},
	"export.all":        {"Semua tabel (XLSX)", "All tables (XLSX)"},
	"facility":          {"Puskesmas", "Puskesmas"},
	"code":              {"Kode", "Code"},
	"unit":              {"Unit", "Unit"},
	"all":               {"Semua unit", "All units"},
	"date":              {"Tanggal", "Date"},
	"hour":              {"Jam", "Hour"},
	"tickets":           {"Tiket", "Tickets"},
	"transfers_in":      {"Rujukan masuk", "Transfers in"},
	"called":            {"Dipanggil", "Called"},
	"served":            {"Dilayani", "Served"},
	"not_served":        {"Tidak dilayani", "Not served"},
	"noshow_pct":        {"Tidak hadir %", "No-show %"},
	"cancelled":         {"Batal", "Cancelled"},
	"transferred":       {"Dirujuk ke unit lain", "Transferred"},
	"unserved":          {"Belum selesai", "Unfinished"},
	"wait_p50":          {"Tunggu median (mnt)", "Wait median (min)"},
	"wait_p90":          {"Tunggu p90 (mnt)", "Wait p90 (min)"},
	"wait_p50_short":    {"Tunggu median", "Median wait"},
	"service_p50":       {"Layanan median (mnt)", "Service median (min)"},
	"service_p90":       {"Layanan p90 (mnt)", "Service p90 (min)"},
	"arrivals":          {"Kedatangan", "Arrivals"},
	"counter":           {"Loket/ruang", "Counter"},
	"staff":             {"Petugas", "Staff"},
	"target":            {"Tujuan", "Target"},
	"sent":              {"Terkirim", "Sent"},
	"failed":            {"Gagal", "Failed"},
	"stale":             {"Kedaluwarsa", "Stale"},
	"pending":           {"Menunggu", "Pending"},
	"success_pct":       {"Berhasil %", "Success %"},
	"target.notify":     {"Pesan ke pasien", "Patient messages"},
	"target.bpjs":       {"BPJS Antrean", "BPJS queue"},
	"target.satusehat":  {"SATUSEHAT", "SATUSEHAT"},
	"waiting":           {"Menunggu", "Waiting"},
	"serving":           {"Dilayani kini", "In service"},
	"longest_wait":      {"Tunggu terlama (mnt)", "Longest wait (min)"},
	"screens":           {"Layar daring", "Screens online"},
	"today_tickets":     {"Tiket hari ini", "Tickets today"},
	"usual_by_now":      {"Biasanya s.d. jam ini", "Usual by this hour"},
	"usual_day":         {"Biasanya sehari", "Usual whole day"},
	"served_today":      {"Dilayani hari ini", "Served today"},
	"wait_p50_today":    {"Tunggu median hari ini (mnt)", "Median wait today (min)"},
	"stunting_pct":      {"Stunting %", "Stunting %"},
	"children_measured": {"Anak diukur", "Children measured"},
	"min":               {"mnt", "min"},
	"ch.online":         {"Daring", "Online"},
	"ch.kiosk":          {"Anjungan", "Kiosk"},
	"ch.desk":           {"Loket", "Desk"},
	"ch.jkn":            {"Mobile JKN", "Mobile JKN"},
	"ch.transfer":       {"Rujukan masuk", "Transfer in"},
	"t.units":           {"Per unit", "By unit"},
	"t.days":            {"Per unit dan hari", "By unit and day"},
	"t.hours":           {"Per jam kedatangan (WIB)", "By hour of arrival"},
	"t.staff":           {"Per loket dan petugas", "By counter and staff member"},
	"t.sends":           {"Pengiriman pesan dan data", "Messages and data sent"},
	"t.live":            {"Sekarang", "Now"},
	"t.facilities":      {"Bulan ini per Puskesmas, dengan stunting (BTS)", "This month by Puskesmas, with stunting (BTS)"},
	"t.trend":           {"Tren bulanan", "Monthly trend"},
	"c.days":            {"Tiket per hari menurut saluran, dan tunggu median", "Tickets per day by channel, and median wait"},
	"c.arrivals":        {"Kedatangan per unit dan jam", "Arrivals by unit and hour"},
	"c.waits":           {"Tunggu median (menit) per unit dan jam kedatangan", "Median wait (minutes) by unit and hour of arrival"},
	"c.trend":           {"Tiket per bulan, dan tunggu median", "Tickets per month, and median wait"},
	"c.district_days":   {"Tiket per hari di kabupaten, dan tunggu median", "Tickets per day in the district, and median wait"},
	"c.facility_waits":  {"Tunggu median bulan ini per Puskesmas (menit)", "Median wait this month by Puskesmas (minutes)"},
	"defs":              {"Tunggu: dari ambil nomor (atau jam buka, untuk pesan hari sebelumnya) sampai dipanggil. Layanan: dari mulai sampai selesai. Tidak hadir: dilewati dibagi dipanggil. Median dan p90: nilai tengah dan nilai yang tidak dilampaui 90% pasien.", "Wait: from taking a number (or opening time, for bookings made ahead) to the call. Service: from start to finish. No-show: skipped over called. Median and p90: the middle value and the value 90% of patients do not exceed."},
	"updated":           {"Diperbarui", "Updated"},
}

// rt returns a dashboard text in lang.
func rt(lang, key string) string {
	m, ok := reportText[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return m[1]
	}
	return m[0]
}
