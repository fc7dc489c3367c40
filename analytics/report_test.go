package analytics

import (
	"math"
	"strings"
	"testing"
	"time"
)

// key is the Text of the tests: a report's words are its message keys.
func key(k string) string { return k }

// cell finds the cell of column col in the row whose first cells are
// labels.
func cell(t *testing.T, tab Table, col string, labels ...string) any {
	t.Helper()
	c := -1
	for i, name := range tab.Columns {
		if name == col {
			c = i
		}
	}
	if c < 0 {
		t.Fatalf("table %s: no column %q in %v", tab.Name, col, tab.Columns)
	}
next:
	for _, row := range tab.Rows {
		for i, l := range labels {
			if row[i] != l {
				continue next
			}
		}
		return row[c]
	}
	t.Fatalf("table %s: no row %v", tab.Name, labels)
	return nil
}

// same reports whether a cell holds want: NaN for "no value".
func same(got any, want float64) bool {
	switch g := got.(type) {
	case int:
		return float64(g) == want
	case float64:
		return g == want || math.IsNaN(g) && math.IsNaN(want)
	}
	return false
}

func day(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, Jakarta) }

// sobo is a hand-checked day and a half at Puskesmas Sobo:
//
//	26 Nov UMUM online 07:50, called 08:00 at R1 by petugas, 08:02-08:12 served   wait 10, service 10
//	       UMUM kiosk  08:05, called 08:35 at R1, 08:36-08:41 served              wait 30, service 5
//	       UMUM online 08:10, called 08:40 at R2, skipped                         wait 30 (no-show)
//	       UMUM desk   09:20, called 09:30 at R1, started 09:31, sent to GIGI     wait 10
//	       GIGI transfer in 09:40, called 10:00 at Ruang Gigi by kepala, 10:00-10:20 served  wait 20, service 20
//	       LAB  online 10:15, cancelled
//	27 Nov UMUM jkn    08:00, waiting
var sobo = []Visit{
	{Unit: "UMUM", Date: "2026-11-26", Channel: "online", Status: "done", Arrived: day(26, 7, 50), Called: ptr(day(26, 8, 0)),
		Started: ptr(day(26, 8, 2)), Finished: ptr(day(26, 8, 12)), Counter: "R1", Staff: "petugas"},
	{Unit: "UMUM", Date: "2026-11-26", Channel: "kiosk", Status: "done", Arrived: day(26, 8, 5), Called: ptr(day(26, 8, 35)),
		Started: ptr(day(26, 8, 36)), Finished: ptr(day(26, 8, 41)), Counter: "R1", Staff: "petugas"},
	{Unit: "UMUM", Date: "2026-11-26", Channel: "online", Status: "skipped", Arrived: day(26, 8, 10), Called: ptr(day(26, 8, 40)),
		Counter: "R2", Staff: "petugas"},
	{Unit: "UMUM", Date: "2026-11-26", Channel: "desk", Status: "transferred", Arrived: day(26, 9, 20), Called: ptr(day(26, 9, 30)),
		Started: ptr(day(26, 9, 31)), Finished: ptr(day(26, 9, 40)), Counter: "R1", Staff: "petugas"},
	{Unit: "GIGI", Date: "2026-11-26", Channel: "desk", Status: "done", TransferIn: true, Arrived: day(26, 9, 40), Called: ptr(day(26, 10, 0)),
		Started: ptr(day(26, 10, 0)), Finished: ptr(day(26, 10, 20)), Counter: "Ruang Gigi", Staff: "kepala"},
	{Unit: "LAB", Date: "2026-11-26", Channel: "online", Status: "cancelled", Arrived: day(26, 10, 15), Finished: ptr(day(26, 10, 20))},
	{Unit: "UMUM", Date: "2026-11-27", Channel: "jkn", Status: "waiting", Arrived: day(27, 8, 0)},
}

func soboReport() *Report {
	f := Facility{Code: "sobo", Name: "Puskesmas Sobo", Location: Jakarta, Units: []Unit{
		{"UMUM", "Poli Umum"}, {"GIGI", "Poli Gigi"}, {"LAB", "Laboratorium"}, {"KIA", "KIA/KB"}}}
	visits := make([]Visit, len(sobo))
	for i, v := range sobo {
		v.Facility = "sobo"
		visits[i] = v
	}
	sends := []SendCount{{"notify", "sent", 8}, {"notify", "dead", 1}, {"notify", "stale", 1}, {"notify", "pending", 2}, {"bpjs", "sent", 3}}
	return FacilityReport(FacilityData{Facility: f, From: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		To: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Visits: visits, Sends: sends}, key)
}

func TestFacilityReport(t *testing.T) {
	r := soboReport()
	if r.Scope != "sobo" || r.From != "2026-11-26" || r.To != "2026-11-27" {
		t.Errorf("report: scope %q, %s to %s", r.Scope, r.From, r.To)
	}
	nan := math.NaN()
	tests := []struct {
		table  string
		labels []string
		col    string
		want   float64
	}{
		{"units", []string{"Poli Umum"}, "rep.tickets", 5},
		{"units", []string{"Poli Umum"}, "online", 2},
		{"units", []string{"Poli Umum"}, "jkn", 1},
		{"units", []string{"Poli Umum"}, "rep.called", 4},
		{"units", []string{"Poli Umum"}, "rep.served", 2},
		{"units", []string{"Poli Umum"}, "rep.noshow_pct", 25},   // 1 skipped of 4 called
		{"units", []string{"Poli Umum"}, "rep.wait_p50", 20},     // 10, 10, 30, 30 min
		{"units", []string{"Poli Umum"}, "rep.wait_p90", 30},     // rank 2.7: 30
		{"units", []string{"Poli Umum"}, "rep.service_p50", 7.5}, // 5 and 10 min
		{"units", []string{"Poli Umum"}, "rep.service_p90", 9.5}, // 5 + 0.9 × 5
		{"units", []string{"Poli Umum"}, "rep.transferred", 1},
		{"units", []string{"Poli Umum"}, "rep.unserved", 1}, // still waiting
		{"units", []string{"Poli Gigi"}, "rep.transfers_in", 1},
		{"units", []string{"Poli Gigi"}, "rep.tickets", 1},
		{"units", []string{"Laboratorium"}, "rep.cancelled", 1},
		{"units", []string{"Laboratorium"}, "rep.noshow_pct", nan}, // nobody called
		{"units", []string{"KIA/KB"}, "rep.tickets", 0},            // listed without tickets
		{"units", []string{"rep.all"}, "rep.tickets", 7},
		{"units", []string{"rep.all"}, "rep.noshow_pct", 20},  // 1 of 5
		{"units", []string{"rep.all"}, "rep.wait_p50", 20},    // 10, 10, 20, 30, 30
		{"units", []string{"rep.all"}, "rep.wait_p90", 30},    // rank 3.6
		{"units", []string{"rep.all"}, "rep.service_p50", 10}, // 5, 10, 20
		{"units", []string{"rep.all"}, "rep.service_p90", 18}, // rank 1.8: 10 + 0.8 × 10
		{"days", []string{"2026-11-26", "Poli Umum"}, "rep.tickets", 4},
		{"days", []string{"2026-11-27", "Poli Umum"}, "rep.tickets", 1},
		{"days", []string{"2026-11-27", "Poli Umum"}, "rep.wait_p50", nan},
		{"hours", []string{"07:00"}, "rep.arrivals", 1},
		{"hours", []string{"08:00"}, "rep.arrivals", 3}, // 08:05, 08:10, and 08:00 the next day
		{"hours", []string{"08:00"}, "rep.wait_p50", 30},
		{"hours", []string{"09:00"}, "rep.arrivals", 2},  // 09:20, and the transfer in at 09:40
		{"hours", []string{"09:00"}, "rep.wait_p90", 19}, // 10 and 20 min: 10 + 0.9 × 10
		{"hours", []string{"10:00"}, "rep.called", 0},
		{"staff", []string{"R1", "petugas"}, "rep.called", 3},
		{"staff", []string{"R1", "petugas"}, "rep.served", 2},
		{"staff", []string{"R1", "petugas"}, "rep.transferred", 1},
		{"staff", []string{"R1", "petugas"}, "rep.service_p50", 7.5},
		{"staff", []string{"R2", "petugas"}, "rep.noshow_pct", 100},
		{"staff", []string{"Ruang Gigi", "kepala"}, "rep.service_p90", 20},
		{"sends", []string{"rep.target.notify"}, "rep.sent", 8},
		{"sends", []string{"rep.target.notify"}, "rep.failed", 1},
		{"sends", []string{"rep.target.notify"}, "rep.success_pct", 80}, // 8 of 10 done; pending ones wait
		{"sends", []string{"rep.target.bpjs"}, "rep.success_pct", 100},
		{"sends", []string{"rep.target.satusehat"}, "rep.success_pct", nan},
	}
	for _, tt := range tests {
		tab, ok := r.Table(tt.table)
		if !ok {
			t.Fatalf("no table %s", tt.table)
		}
		if got := cell(t, tab, tt.col, tt.labels...); !same(got, tt.want) {
			t.Errorf("%s %v %s: got %v, want %v", tt.table, tt.labels, tt.col, got, tt.want)
		}
	}

	staff, _ := r.Table("staff")
	if len(staff.Rows) != 3 {
		t.Errorf("staff rows: got %v, want R1, R2 and Ruang Gigi (tickets never called are left out)", staff.Rows)
	}
	days, _ := r.Table("days")
	if len(days.Rows) != 4 || days.Rows[1][1] != "Poli Gigi" {
		t.Errorf("days rows: got %v, want 26 Nov UMUM, GIGI, LAB, then 27 Nov UMUM, in the units' order", days.Rows)
	}
	var names []string
	for _, tab := range r.Tables {
		names = append(names, tab.Name)
	}
	if got := strings.Join(names, " "); got != "units days hours staff checkin sends" {
		t.Errorf("tables: got %s", got)
	}
	for _, c := range []string{"days", "arrivals", "waits"} {
		if !strings.HasPrefix(r.Charts[c], "<svg") {
			t.Errorf("chart %s: got %.40q", c, r.Charts[c])
		}
	}
	// The heatmaps span the hours with arrivals, a row per unit.
	if h := r.Charts["arrivals"]; !strings.Contains(h, ">07</text>") || !strings.Contains(h, ">10</text>") ||
		strings.Contains(h, ">11</text>") || !strings.Contains(h, ">KIA/KB</text>") {
		t.Errorf("arrivals heatmap: want columns 07 to 10 and a row per unit: %s", h)
	}
}

// A period without tickets still lists every unit and every sender, and
// draws its charts over the usual opening hours.
func TestFacilityReportEmpty(t *testing.T) {
	f := Facility{Code: "x", Name: "X", Location: Jakarta, Units: []Unit{{"UMUM", "Poli Umum"}}}
	d := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	r := FacilityReport(FacilityData{Facility: f, From: d, To: d}, key)
	units, _ := r.Table("units")
	sends, _ := r.Table("sends")
	if len(units.Rows) != 2 || len(sends.Rows) != 3 {
		t.Errorf("units %v, sends %v; want a unit and the total, and three senders", units.Rows, sends.Rows)
	}
	if h := r.Charts["arrivals"]; !strings.Contains(h, ">07</text>") || !strings.Contains(h, ">14</text>") {
		t.Errorf("empty heatmap: want columns 07 to 14")
	}
}

// TestCheckInTable: booked patients of a check-in unit, hand-counted.
func TestCheckInTable(t *testing.T) {
	end1, end2 := day(26, 8, 30), day(26, 9, 0)
	kia := func(status string, end time.Time, in *time.Time) Visit {
		deadline := end.Add(45 * time.Minute) // the unit's grace: 45 minutes
		return Visit{Facility: "sobo", Unit: "KIA", Date: "2026-11-26", Channel: "online", Status: status, Arrived: day(26, 7, 30),
			WindowEnd: &end, CheckedIn: in, NoShowAt: &deadline}
	}
	visits := []Visit{
		kia("done", end1, ptr(day(26, 8, 10))),    // on time
		kia("done", end1, ptr(day(26, 8, 30))),    // on time: the last minute of her window
		kia("waiting", end1, ptr(day(26, 8, 50))), // 20 minutes late
		kia("done", end2, ptr(day(26, 9, 40))),    // 40 minutes late, within the grace
		kia("done", end2, ptr(day(26, 9, 50))),    // after the grace: marked, then rejoined
		kia("no_show", end2, nil),
		kia("cancelled", end2, nil), // cancelled: not expected
		kia("booked", end2, nil),    // still expected: not a no-show yet
		{Facility: "sobo", Unit: "KIA", Date: "2026-11-26", Channel: "kiosk", Status: "done", Arrived: day(26, 8, 0)}, // a walk-in
	}
	tab := checkInTable(visits, []Unit{{"UMUM", "Poli Umum"}, {"KIA", "KIA/KB"}}, key)
	for col, want := range map[string]float64{"rep.ci.booked": 7, "rep.ci.ontime": 2, "rep.ci.late": 2, "rep.ci.noshow": 2,
		"rep.ci.rejoined": 1, "rep.ci.noshow_pct": 33.3 /* 2 of the 6 due, rounded */, "rep.ci.late_mean": 30, "rep.ci.late_max": 40} {
		for _, row := range []string{"KIA/KB", "rep.all"} {
			if got := cell(t, tab, col, row); !same(got, want) {
				t.Errorf("%s, %s: %v, want %v", row, col, got, want)
			}
		}
	}
	if len(tab.Rows) != 2 {
		t.Errorf("rows %v: want KIA/KB and the total only (Poli Umum has no booked patients)", tab.Rows)
	}
}
