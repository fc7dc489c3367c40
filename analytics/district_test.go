package analytics

import (
	"math"
	"strings"
	"testing"
	"time"
)

func utcDate(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestDistrictDays(t *testing.T) {
	thursday := time.Date(2026, 12, 3, 9, 0, 0, 0, Jakarta)
	tests := []struct {
		name     string
		month    time.Time
		now      time.Time
		from, to time.Time
	}{
		{"last month: six months of trend, up to today", utcDate(2026, 11, 1), thursday, utcDate(2026, 6, 1), utcDate(2026, 12, 3)},
		{"this month: to its end", utcDate(2026, 12, 1), thursday, utcDate(2026, 7, 1), utcDate(2026, 12, 31)},
		{"a future month: the four weeks before today too", utcDate(2027, 8, 1), thursday, utcDate(2026, 11, 5), utcDate(2027, 8, 31)},
	}
	for _, tt := range tests {
		from, to := DistrictDays(tt.month, tt.now)
		if !from.Equal(tt.from) || !to.Equal(tt.to) {
			t.Errorf("%s: got %s to %s, want %s to %s", tt.name, date(from), date(to), date(tt.from), date(tt.to))
		}
	}
	// 23:30 UTC on 2 December is 06:30 on 3 December in WIB.
	from, to := RecentDays(time.Date(2026, 12, 2, 23, 30, 0, 0, time.UTC))
	if date(from) != "2026-12-02" || date(to) != "2026-12-04" {
		t.Errorf("RecentDays: got %s to %s, want 2026-12-02 to 2026-12-04 (WIB today and a day either side)", date(from), date(to))
	}
}

func TestRollUp(t *testing.T) {
	visits := []Visit{
		{Facility: "a", Unit: "UMUM", Date: "2026-11-26", Channel: "online", Status: "done", Arrived: day(26, 8, 0), Called: ptr(day(26, 8, 30))},
		{Facility: "a", Unit: "UMUM", Date: "2026-11-26", Channel: "kiosk", Status: "done", Arrived: day(26, 8, 10), Called: ptr(day(26, 8, 20))},
		{Facility: "a", Unit: "GIGI", Date: "2026-11-26", Channel: "desk", Status: "cancelled", Arrived: day(26, 9, 0)},
		{Facility: "a", Unit: "UMUM", Date: "2026-11-25", Channel: "online", Status: "done", Arrived: day(25, 8, 0)}, // stored already
		{Facility: "b", Unit: "UMUM", Date: "2026-11-26", Channel: "online", Status: "skipped", Arrived: day(26, 7, 0), Called: ptr(day(26, 7, 5))},
	}
	want := map[string]map[string]bool{"a": {"2026-11-26": true}, "b": {"2026-11-26": true}}
	got := RollUp(visits, want, nil)
	var keys []string
	for _, d := range got {
		keys = append(keys, d.Facility+"/"+d.Unit+"/"+d.Date)
	}
	if strings.Join(keys, " ") != "a/GIGI/2026-11-26 a/UMUM/2026-11-26 b/UMUM/2026-11-26" {
		t.Fatalf("rollups: got %v", keys)
	}
	umum := got[1]
	if umum.Tickets() != 2 || umum.Served != 2 || umum.Arrivals[8] != 2 {
		t.Errorf("a/UMUM: got %d tickets, %d served, %d arrivals at 08", umum.Tickets(), umum.Served, umum.Arrivals[8])
	}
	if len(umum.Waits) != 2 || umum.Waits[0] != 600 || umum.Waits[1] != 1800 {
		t.Errorf("a/UMUM waits: got %v, want sorted [600 1800]", umum.Waits)
	}
	if got[0].Cancelled != 1 || got[2].Skipped != 1 {
		t.Errorf("a/GIGI cancelled %d, b/UMUM skipped %d; want 1 and 1", got[0].Cancelled, got[2].Skipped)
	}
}

// summary is a hand-made rollup.
func summary(booked map[string]int, called, served, skipped int, waits, services []int32, arrivals map[int]int) Summary {
	s := Summary{Booked: booked, Called: called, Served: served, Skipped: skipped, Waits: waits, Services: services}
	for h, n := range arrivals {
		s.Arrivals[h] = n
	}
	return s
}

// district is two facilities seen on Thursday 3 December 2026 at 09:00 WIB:
//
//	pkm001 30 Nov (Monday)   UMUM 2 kiosk, called after 1 and 2 min, served in 5 and 10 min
//	sobo   15 Oct            UMUM 1 online, waited and served 5 min
//	       26 Nov (Thursday) UMUM 2 online, 1 kiosk, 1 desk: 4 called (waits 10, 10, 30, 30 min),
//	                         2 served (5, 10 min), 1 skipped, 1 transferred; arrivals 07:1, 08:2, 09:1
//	                         GIGI 1 transfer in, waited and served 20 min; arrival 09:1
//	       2 Dec             a ticket of yesterday, among the recent ones
//	       3 Dec (today)     UMUM online 08:00, called 08:30, served; online 08:45, waiting
//
// with one of sobo's two screens online and 1 child in 8 stunted.
func district(month time.Time) DistrictData {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, Jakarta)
	dec := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, Jakarta) }
	umum26 := summary(map[string]int{"online": 2, "kiosk": 1, "desk": 1}, 4, 2, 1, []int32{600, 600, 1800, 1800}, []int32{300, 600}, map[int]int{7: 1, 8: 2, 9: 1})
	umum26.Transferred = 1
	gigi26 := summary(map[string]int{}, 1, 1, 0, []int32{1200}, []int32{1200}, map[int]int{9: 1})
	gigi26.TransfersIn = 1
	return DistrictData{
		Now:   now,
		Month: month,
		Facilities: []Facility{{Code: "pkm001", Name: "Puskesmas 001", Location: Jakarta},
			{Code: "sobo", Name: "Puskesmas Sobo", Location: Jakarta}},
		Days: []UnitDay{
			{"pkm001", "UMUM", "2026-11-30", summary(map[string]int{"kiosk": 2}, 2, 2, 0, []int32{60, 120}, []int32{300, 600}, map[int]int{8: 2})},
			{"sobo", "UMUM", "2026-10-15", summary(map[string]int{"online": 1}, 1, 1, 0, []int32{300}, []int32{300}, map[int]int{8: 1})},
			{"sobo", "UMUM", "2026-11-26", umum26},
			{"sobo", "GIGI", "2026-11-26", gigi26},
		},
		Recent: []Visit{
			{Facility: "sobo", Unit: "UMUM", Date: "2026-12-02", Channel: "online", Status: "done", Arrived: dec(2, 8, 0)},
			{Facility: "sobo", Unit: "UMUM", Date: "2026-12-03", Channel: "online", Status: "done", Arrived: dec(3, 8, 0),
				Called: ptr(dec(3, 8, 30)), Started: ptr(dec(3, 8, 30)), Finished: ptr(dec(3, 8, 40))},
			{Facility: "sobo", Unit: "UMUM", Date: "2026-12-03", Channel: "online", Status: "waiting", Arrived: dec(3, 8, 45)},
		},
		Live:     []LiveUnit{{Facility: "sobo", Waiting: 1, OldestSince: ptr(dec(3, 8, 45))}},
		Screens:  map[string][2]int{"sobo": {1, 2}},
		Stunting: map[string]Stunting{"sobo": {Percent: 12.5, Measured: 8}},
	}
}

func TestDistrictReport(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		month  time.Time
		table  string
		labels []string
		col    string
		want   float64
	}{
		// Now: today's tickets, against the Thursdays before (26 November only).
		{utcDate(2026, 11, 1), "live", []string{"sobo"}, "rep.waiting", 1},
		{utcDate(2026, 11, 1), "live", []string{"sobo"}, "rep.longest_wait", 15},
		{utcDate(2026, 11, 1), "live", []string{"sobo"}, "rep.today_tickets", 2},
		{utcDate(2026, 11, 1), "live", []string{"sobo"}, "rep.served_today", 1},
		{utcDate(2026, 11, 1), "live", []string{"sobo"}, "rep.wait_p50_today", 30},
		{utcDate(2026, 11, 1), "live", []string{"sobo"}, "rep.usual_day", 5},
		{utcDate(2026, 11, 1), "live", []string{"sobo"}, "rep.usual_by_now", 3},  // arrivals before 09:00
		{utcDate(2026, 11, 1), "live", []string{"pkm001"}, "rep.usual_day", nan}, // no Thursday before
		{utcDate(2026, 11, 1), "live", []string{"pkm001"}, "rep.waiting", 0},
		// November, from the rollups.
		{utcDate(2026, 11, 1), "facilities", []string{"sobo"}, "rep.tickets", 5},
		{utcDate(2026, 11, 1), "facilities", []string{"sobo"}, "rep.noshow_pct", 20},
		{utcDate(2026, 11, 1), "facilities", []string{"sobo"}, "rep.wait_p50", 20},    // 10, 10, 20, 30, 30
		{utcDate(2026, 11, 1), "facilities", []string{"sobo"}, "rep.service_p90", 18}, // 5, 10, 20: rank 1.8
		{utcDate(2026, 11, 1), "facilities", []string{"sobo"}, "rep.stunting_pct", 12.5},
		{utcDate(2026, 11, 1), "facilities", []string{"sobo"}, "rep.children_measured", 8},
		{utcDate(2026, 11, 1), "facilities", []string{"pkm001"}, "rep.wait_p50", 1.5},
		{utcDate(2026, 11, 1), "facilities", []string{"pkm001"}, "rep.wait_p90", 1.9}, // 60 + 0.9 × 60 s
		{utcDate(2026, 11, 1), "facilities", []string{"pkm001"}, "rep.stunting_pct", nan},
		{utcDate(2026, 11, 1), "trend", []string{"2026-10"}, "rep.tickets", 1},
		{utcDate(2026, 11, 1), "trend", []string{"2026-11"}, "rep.tickets", 7},
		{utcDate(2026, 11, 1), "trend", []string{"2026-11"}, "rep.noshow_pct", 14.3}, // 1 of 7 called
		{utcDate(2026, 11, 1), "trend", []string{"2026-11"}, "rep.wait_p50", 10},
		{utcDate(2026, 11, 1), "trend", []string{"2026-06"}, "rep.tickets", 0},
		// December: today's tickets count in the month, yesterday's only once rolled up.
		{utcDate(2026, 12, 1), "facilities", []string{"sobo"}, "rep.tickets", 2},
		{utcDate(2026, 12, 1), "facilities", []string{"sobo"}, "rep.unserved", 1},
		{utcDate(2026, 12, 1), "trend", []string{"2026-12"}, "rep.tickets", 2},
		{utcDate(2026, 12, 1), "trend", []string{"2026-11"}, "rep.tickets", 7},
		{utcDate(2026, 12, 1), "facilities", []string{"sobo"}, "rep.stunting_pct", 12.5},
	}
	for _, tt := range tests {
		r := DistrictReport(district(tt.month), key)
		tab, ok := r.Table(tt.table)
		if !ok {
			t.Fatalf("no table %s", tt.table)
		}
		if got := cell(t, tab, tt.col, tt.labels...); !same(got, tt.want) {
			t.Errorf("%s %s %v %s: got %v, want %v", date(tt.month)[:7], tt.table, tt.labels, tt.col, got, tt.want)
		}
	}

	r := DistrictReport(district(utcDate(2026, 11, 1)), key)
	if r.Scope != "" || r.From != "2026-11-01" || r.To != "2026-11-30" {
		t.Errorf("report: scope %q, %s to %s", r.Scope, r.From, r.To)
	}
	live, _ := r.Table("live")
	if got := cell(t, live, "rep.screens", "sobo"); got != "1/2" {
		t.Errorf("sobo screens: got %v, want 1/2", got)
	}
	if live.Rows[0][0] != "pkm001" {
		t.Errorf("live rows: got %v, want the facilities' order", live.Rows)
	}
	trend, _ := r.Table("trend")
	if len(trend.Rows) != 6 {
		t.Errorf("trend: got %d months, want 6", len(trend.Rows))
	}
	for _, c := range []string{"waits", "trend", "days"} {
		if !strings.HasPrefix(r.Charts[c], "<svg") {
			t.Errorf("chart %s: got %.40q", c, r.Charts[c])
		}
	}
}

// A facility's today is its own date: late on 3 December in WIB it is
// already 4 December in WITA.
func TestDistrictTodayInFacilityZone(t *testing.T) {
	wita := time.FixedZone("WITA", 8*3600)
	now := time.Date(2026, 12, 3, 23, 30, 0, 0, Jakarta)
	at := time.Date(2026, 12, 4, 0, 10, 0, 0, wita)
	d := DistrictData{Now: now, Month: utcDate(2026, 12, 1),
		Facilities: []Facility{{Code: "bali", Name: "Bali", Location: wita}, {Code: "sobo", Name: "Sobo", Location: Jakarta}},
		Recent: []Visit{
			{Facility: "bali", Unit: "UMUM", Date: "2026-12-04", Channel: "online", Status: "waiting", Arrived: at},
			{Facility: "bali", Unit: "UMUM", Date: "2026-12-03", Channel: "online", Status: "done", Arrived: at.Add(-time.Hour)},
			{Facility: "sobo", Unit: "UMUM", Date: "2026-12-04", Channel: "online", Status: "waiting", Arrived: at},
		}}
	live, _ := DistrictReport(d, key).Table("live")
	if got := cell(t, live, "rep.today_tickets", "bali"); got != 1 {
		t.Errorf("bali today: got %v, want 1 (its 4 December)", got)
	}
	if got := cell(t, live, "rep.today_tickets", "sobo"); got != 0 {
		t.Errorf("sobo today: got %v, want 0 (a booking for its tomorrow)", got)
	}
}
