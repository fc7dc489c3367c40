package analytics

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		values []int32
		p      float64
		want   float64
	}{
		{[]int32{1, 2, 3, 4}, 50, 2.5},
		{[]int32{1, 2, 3, 4, 5}, 50, 3},
		{[]int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9.1},
		{[]int32{60, 120, 300}, 90, 264}, // rank 1.8: 120 + 0.8 × 180
		{[]int32{42}, 90, 42},
		{[]int32{1, 9}, 0, 1},
		{[]int32{1, 9}, 100, 9},
	}
	for _, tt := range tests {
		if got := Percentile(tt.values, tt.p); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Percentile(%v, %v): got %v, want %v", tt.values, tt.p, got, tt.want)
		}
	}
	if got := Percentile([]int32{}, 50); !math.IsNaN(got) {
		t.Errorf("Percentile of nothing: got %v, want NaN", got)
	}
}

func at(h, m int) time.Time      { return time.Date(2026, 11, 27, h, m, 0, 0, Jakarta) }
func ptr(t time.Time) *time.Time { return &t }

func TestSummary(t *testing.T) {
	visits := []Visit{
		// served: waited 10 min, served 5 min
		{Unit: "UMUM", Channel: "online", Status: "done", Arrived: at(7, 50), Called: ptr(at(8, 0)), Started: ptr(at(8, 1)), Finished: ptr(at(8, 6)), Counter: "R1", Staff: "a"},
		// served: waited 30 min, finished without a start (no service time)
		{Unit: "UMUM", Channel: "kiosk", Status: "done", Arrived: at(8, 10), Called: ptr(at(8, 40)), Finished: ptr(at(8, 45)), Counter: "R1", Staff: "a"},
		// no-show: waited 20 min
		{Unit: "UMUM", Channel: "kiosk", Status: "skipped", Arrived: at(8, 20), Called: ptr(at(8, 40)), Counter: "R2", Staff: "b"},
		{Unit: "UMUM", Channel: "online", Status: "cancelled", Arrived: at(9, 0)},
		{Unit: "UMUM", Channel: "desk", Status: "waiting", Arrived: at(13, 5)},
		{Unit: "GIGI", Channel: "online", Status: "waiting", TransferIn: true, Arrived: at(8, 45)},
	}
	keys, g := Group(visits, ByUnit, nil)
	if len(keys) != 2 || keys[0].Unit != "GIGI" || keys[1].Unit != "UMUM" {
		t.Fatalf("keys: got %v", keys)
	}
	s := g[keys[1]]
	if s.Tickets() != 5 || s.Booked["kiosk"] != 2 || s.Booked["online"] != 2 || s.Booked["desk"] != 1 {
		t.Errorf("tickets: got %d %v", s.Tickets(), s.Booked)
	}
	if s.Called != 3 || s.Served != 2 || s.Skipped != 1 || s.Cancelled != 1 || s.Unserved != 1 {
		t.Errorf("counts: got %+v", s)
	}
	if got := s.NoShowRate(); math.Abs(got-1.0/3) > 1e-9 {
		t.Errorf("no-show rate: got %v, want 1/3", got)
	}
	if got := s.Wait(50); got != 1200 {
		t.Errorf("median wait: got %v s, want 1200 (10, 20, 30 min)", got)
	}
	if got := s.Wait(90); got != 1680 {
		t.Errorf("p90 wait: got %v s, want 1680 (20 + 0.8 × 10 min)", got)
	}
	if got := s.Service(50); got != 300 {
		t.Errorf("median service: got %v, want 300", got)
	}
	if s.Arrivals[7] != 1 || s.Arrivals[8] != 2 || s.Arrivals[9] != 1 || s.Arrivals[13] != 1 {
		t.Errorf("arrivals by hour: got %v", s.Arrivals)
	}
	if gi := g[keys[0]]; gi.TransfersIn != 1 || gi.Tickets() != 1 {
		t.Errorf("GIGI: got %+v", gi)
	}

	keys, g = Group(visits, ByCounter|ByStaff, nil)
	if len(keys) != 3 || keys[0].Counter != "" || keys[1] != (Key{Counter: "R1", Staff: "a", Hour: -1}) {
		t.Fatalf("counter keys: got %v", keys)
	}
	if r1 := g[keys[1]]; r1.Called != 2 || r1.Served != 2 {
		t.Errorf("R1: got %+v", r1)
	}

	// Merging summaries equals summarising everything at once.
	var all Summary
	for _, k := range keys {
		all.Merge(g[k])
	}
	if all.Tickets() != 6 || all.Wait(50) != 1200 {
		t.Errorf("merged: %d tickets, median %v", all.Tickets(), all.Wait(50))
	}
}

func TestHoursInFacilityZone(t *testing.T) {
	// 01:30 UTC is 08:30 WIB and 09:30 WITA.
	v := Visit{Facility: "x", Channel: "online", Status: "waiting", Arrived: time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC)}
	_, g := Group([]Visit{v}, ByHour, nil)
	if _, ok := g[Key{Hour: 8}]; !ok {
		t.Errorf("WIB hour: got %v", g)
	}
	wita := time.FixedZone("WITA", 8*3600)
	_, g = Group([]Visit{v}, ByHour, func(string) *time.Location { return wita })
	if _, ok := g[Key{Hour: 9}]; !ok {
		t.Errorf("WITA hour: got %v", g)
	}
}

func TestUsual(t *testing.T) {
	var a, b [24]int
	a[8], a[9], a[10] = 10, 20, 30
	b[8], b[9], b[10] = 20, 20, 10
	u := UsualFor([][24]int{a, b}, 10)
	if u.Weeks != 2 || u.Day != 55 || u.ByHour != 35 {
		t.Errorf("usual: got %+v, want 2 weeks, 55 a day, 35 before 10:00", u)
	}
}

func TestCharts(t *testing.T) {
	bar := BarChart{Title: "Tiket <harian>", Labels: []string{"1", "2"}, Bars: []Series{{Name: "online", Values: []float64{3, 4}}},
		Line: &Series{Name: "median", Values: []float64{5, math.NaN()}}, Unit: "menit"}.SVG()
	heat := Heatmap{Title: "Jam", Rows: []string{"UMUM"}, Cols: []string{"07", "08"}, Values: [][]float64{{0, 12}}}.SVG()
	hbar := HBarChart{Title: "Tunggu", Labels: []string{"Sobo"}, Values: []float64{math.NaN()}}.SVG()
	for name, svg := range map[string]string{"bar": bar, "heatmap": heat, "hbar": hbar} {
		if !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(svg, "</svg>") || !strings.Contains(svg, "<title>") {
			t.Errorf("%s: not a titled SVG: %.80s", name, svg)
		}
		if strings.Contains(svg, "style=") || strings.Contains(svg, "<script") {
			t.Errorf("%s: inline style or script, refused by the pages' CSP", name)
		}
	}
	if !strings.Contains(bar, "Tiket &lt;harian&gt;") {
		t.Error("bar chart title is not escaped")
	}
	if !strings.Contains(heat, ">12</text>") {
		t.Error("heatmap cell is not labelled with its number")
	}
}

func TestExport(t *testing.T) {
	tab := Table{Name: "units", Title: "Per unit", Columns: []string{"unit", "tickets", "p50"},
		Rows: [][]any{{"UMUM", 12, 90.5}, {"=HYPERLINK(\"x\")", 0, math.NaN()}, {"-5", -5, -5.5}}}
	var csv bytes.Buffer
	if err := tab.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	want := "unit,tickets,p50\nUMUM,12,90.5\n\"'=HYPERLINK(\"\"x\"\")\",0,\n-5,-5,-5.5\n"
	if csv.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", csv.String(), want)
	}
	var x bytes.Buffer
	if err := WriteXLSX(&x, tab, Table{Name: "days", Columns: []string{"date"}}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "1-units" {
		t.Errorf("sheets: got %v", got)
	}
	if v, _ := f.GetCellValue("1-units", "B2"); v != "12" {
		t.Errorf("B2: got %q, want 12", v)
	}
	if v, _ := f.GetCellFormula("1-units", "A3"); v != "" {
		t.Errorf("a text cell became a formula: %q", v)
	}
}
