package web

import (
	"context"
	"sync"
	"time"

	"github.com/antrian/antrian/analytics"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/postgres"
)

// Reading what the reports are computed from, and turning the stored rows
// into package analytics' own. Facility numbers come from the tickets of
// the period (at most maxReportDays). District numbers come from daily
// rollups of the days that are over plus today's tickets, so that a month
// of a whole district stays fast; the rollups are computed on first read.

// facilityReport is the dashboard of facility code over period p, in lang.
// The facility is looked up first, so an unknown one is not found whatever
// the period says.
func (s *Server) facilityReport(ctx context.Context, code string, p reportDates, lang string) (*analytics.Report, error) {
	fs, err := s.db.Reports().AnalyticsFacilities(ctx, code)
	if err != nil {
		return nil, err
	}
	f := fs[0]
	from, to, err := reportPeriod(p, dateOf(s.now(), f.Location))
	if err != nil {
		return nil, err
	}
	visits, err := s.db.Reports().Visits(ctx, []int64{f.ID}, dateString(from), dateString(to), true)
	if err != nil {
		return nil, err
	}
	start := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, f.Location)
	end := time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, f.Location)
	counts, err := s.db.Reports().SendCounts(ctx, f.Code, start, end)
	if err != nil {
		return nil, err
	}
	d := analytics.FacilityData{Facility: facilityOf(f), From: from, To: to, Visits: visitsOf(visits)}
	for _, sc := range counts {
		d.Sends = append(d.Sends, analytics.SendCount(sc))
	}
	return analytics.FacilityReport(d, reportText(lang)), nil
}

// districtReport is the district dashboard of month (its first day), in
// lang.
func (s *Server) districtReport(ctx context.Context, month time.Time, lang string) (*analytics.Report, error) {
	now := s.now()
	fs, err := s.db.AnalyticsFacilities(ctx, "")
	if err != nil {
		return nil, err
	}
	d := analytics.DistrictData{Now: now, Month: month, Stunting: map[string]analytics.Stunting{}}
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
		d.Facilities = append(d.Facilities, facilityOf(f))
	}
	from, to := analytics.DistrictDays(month, now)
	if d.Days, err = s.unitDays(ctx, fs, dateString(from), dateString(to), now); err != nil {
		return nil, err
	}
	from, to = analytics.RecentDays(now)
	recent, err := s.db.Reports().Visits(ctx, ids, dateString(from), dateString(to), false)
	if err != nil {
		return nil, err
	}
	d.Recent = visitsOf(recent)
	live, err := s.db.LiveUnits(ctx, now)
	if err != nil {
		return nil, err
	}
	for _, u := range live {
		d.Live = append(d.Live, analytics.LiveUnit{Facility: u.Facility, Waiting: u.Waiting, Serving: u.Serving, OldestSince: u.OldestSince})
	}
	obs, err := s.db.Reports().Observations(ctx, "", month, month.AddDate(0, 1, -1))
	if err != nil {
		return nil, err
	}
	for _, row := range bts.Prevalence(obs, bts.LevelFacility) {
		st := row.All.Stunting
		d.Stunting[row.Code] = analytics.Stunting{Percent: st.Percent, Measured: st.Denominator}
	}
	d.Screens = s.screens(ctx, d.Facilities)
	return analytics.DistrictReport(d, reportText(lang)), nil
}

// unitDays returns the rollups of the facilities' days from to to that
// are over at now. The days not rolled up yet are computed first, from
// their tickets, and stored: a day that is over does not change.
func (s *Server) unitDays(ctx context.Context, fs []postgres.AnalyticsFacility, from, to string, now time.Time) ([]analytics.UnitDay, error) {
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	missing, err := s.db.MissingDays(ctx, ids, from, to, now)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		if err := s.rollUp(ctx, fs, missing, now); err != nil {
			return nil, err
		}
	}
	// The rollups just stored are read back from the primary: the
	// replica may not have them yet.
	read := s.db.Reports()
	if len(missing) > 0 {
		read = s.db
	}
	stored, err := read.UnitDays(ctx, ids, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]analytics.UnitDay, len(stored))
	for i, d := range stored {
		out[i] = analytics.UnitDay{Facility: d.Facility, Unit: d.Unit, Date: d.Date, Summary: analytics.Summary{Booked: d.Booked,
			TransfersIn: d.TransfersIn, Called: d.Called, Served: d.Served, Skipped: d.Skipped, Cancelled: d.Cancelled,
			Transferred: d.Transferred, Unserved: d.Unserved, Arrivals: d.Arrivals, Waits: d.Waits, Services: d.Services}}
	}
	return out, nil
}

// rollUp computes and stores the rollups of the missing days, reading the
// tickets of the facilities that miss any.
func (s *Server) rollUp(ctx context.Context, fs []postgres.AnalyticsFacility, missing []postgres.FacilityDay, now time.Time) error {
	want := map[string]map[string]bool{}
	lo, hi := missing[0].Date, missing[0].Date
	for _, d := range missing {
		if want[d.Facility] == nil {
			want[d.Facility] = map[string]bool{}
		}
		want[d.Facility][d.Date] = true
		lo, hi = min(lo, d.Date), max(hi, d.Date)
	}
	var need []int64
	zone := map[string]*time.Location{}
	for _, f := range fs {
		zone[f.Code] = f.Location
		if want[f.Code] != nil {
			need = append(need, f.ID)
		}
	}
	visits, err := s.db.Visits(ctx, need, lo, hi, false)
	if err != nil {
		return err
	}
	var rows []postgres.UnitDay
	for _, d := range analytics.RollUp(visitsOf(visits), want, func(code string) *time.Location { return zone[code] }) {
		rows = append(rows, postgres.UnitDay{Facility: d.Facility, Unit: d.Unit, Date: d.Date, Booked: d.Booked,
			TransfersIn: d.TransfersIn, Called: d.Called, Served: d.Served, Skipped: d.Skipped, Cancelled: d.Cancelled,
			Transferred: d.Transferred, Unserved: d.Unserved, Arrivals: d.Arrivals, Waits: d.Waits, Services: d.Services})
	}
	return s.db.SaveDays(ctx, missing, rows, now)
}

// screens counts each facility's screens online and known: {online, all}.
// A Redis failure shows as no screens rather than failing the dashboard.
func (s *Server) screens(ctx context.Context, fs []analytics.Facility) map[string][2]int {
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

// reportText is the reports' words in lang, from the pages' catalogue.
func reportText(lang string) analytics.Text {
	return func(key string) string { return tr(lang, key) }
}

func facilityOf(f postgres.AnalyticsFacility) analytics.Facility {
	out := analytics.Facility{Code: f.Code, Name: f.Name, Location: f.Location}
	for _, u := range f.Units {
		out.Units = append(out.Units, analytics.Unit{Code: u.Code, Name: u.Name})
	}
	return out
}

// visitsOf converts the stored visits; the two types have the same fields.
func visitsOf(vs []postgres.Visit) []analytics.Visit {
	out := make([]analytics.Visit, len(vs))
	for i, v := range vs {
		out[i] = analytics.Visit(v)
	}
	return out
}

func dateOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
