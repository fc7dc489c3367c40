package web

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/analytics"
	"github.com/xuri/excelize/v2"
)

// reportAnswer is a report as the API gives it.
type reportAnswer struct {
	Scope  string                 `json:"scope"`
	From   string                 `json:"from"`
	To     string                 `json:"to"`
	Tables map[string]tableAnswer `json:"tables"`
}

type tableAnswer struct {
	Name    string   `json:"name"`
	Title   string   `json:"title"`
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

// row is the row whose first cell is label, as column -> value.
func (ta tableAnswer) row(t *testing.T, label string) map[string]any {
	t.Helper()
	for _, r := range ta.Rows {
		if r[0] == label {
			out := map[string]any{}
			for i, c := range ta.Columns {
				out[c] = r[i]
			}
			return out
		}
	}
	t.Fatalf("table %s: no row %q in %v", ta.Name, label, ta.Rows)
	return nil
}

func decodeReport(t *testing.T, body []byte) reportAnswer {
	t.Helper()
	var r reportAnswer
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("report: %v: %s", err, body)
	}
	return r
}

// Who may read which report: the rule of the route table, before any
// handler runs.
func TestReportAccess(t *testing.T) {
	w := newReportWorld(t)
	const (
		sobo     = "/api/v1/facilities/sobo/reports"
		table    = "/api/v1/facilities/sobo/reports/units"
		district = "/api/v1/district/reports"
		dtable   = "/api/v1/district/reports/live"
	)
	tests := []struct {
		user, path string
		want       int
	}{
		{"", sobo, 401}, {"", table, 401}, {"", district, 401}, {"", dtable, 401},
		{"petugas", sobo, 403}, {"petugas", district, 403}, // staff are not admins
		{"kepala", sobo, 200}, {"kepala", table, 200},
		{"kepala", "/api/v1/facilities/pkm001/reports", 403}, // another facility's
		{"kepala", district, 403}, {"kepala", dtable, 403},
		{"kepala001", sobo, 403},
		{"dinas", district, 200}, {"dinas", dtable, 200},
		{"dinas", sobo, 403}, // dinkes reads the district's, not a facility's settings-level report
		{"kabupaten", sobo, 200}, {"kabupaten", "/api/v1/facilities/pkm001/reports/staff", 200},
		{"kabupaten", district, 200},
		{"kabupaten", "/api/v1/facilities/nope/reports?from=bad", 404}, // the facility before the period
	}
	for _, tt := range tests {
		if rec := w.get(t, tt.user, tt.path); rec.Code != tt.want {
			t.Errorf("%q GET %s: got %d, want %d: %s", tt.user, tt.path, rec.Code, tt.want, rec.Body)
		}
	}
}

func TestFacilityReportJSON(t *testing.T) {
	w := newReportWorld(t)
	rec := w.get(t, "kepala", "/api/v1/facilities/sobo/reports?from=2026-11-26&to=2026-11-26&lang=en")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	r := decodeReport(t, rec.Body.Bytes())
	if r.Scope != "sobo" || r.From != "2026-11-26" || r.To != "2026-11-26" || len(r.Tables) != 6 {
		t.Errorf("report: scope %q, %s to %s, %d tables", r.Scope, r.From, r.To, len(r.Tables))
	}
	umum := r.Tables["units"].row(t, "Poli Umum")
	for col, want := range map[string]any{"Tickets": 4.0, "Served": 2.0, "No-show %": 25.0, "Wait median (min)": 20.0,
		"Service p90 (min)": 9.5, "Transferred": 1.0} {
		if umum[col] != want {
			t.Errorf("UMUM %s: got %v, want %v", col, umum[col], want)
		}
	}
	if lab := r.Tables["units"].row(t, "Laboratorium"); lab["No-show %"] != nil || lab["Cancelled"] != 1.0 {
		t.Errorf("LAB: got %v; want no no-show rate (null) and 1 cancelled", lab)
	}
	if r1 := r.Tables["staff"].row(t, "Ruang 1"); r1["Staff"] != "petugas" || r1["Called"] != 3.0 {
		t.Errorf("Ruang 1: got %v", r1)
	}
	if g := r.Tables["staff"].row(t, "Ruang Gigi"); g["Staff"] != "kepala" {
		t.Errorf("Ruang Gigi: got %v, want called by kepala", g)
	}
	if title := r.Tables["units"].Title; title != "By unit" {
		t.Errorf("English title: got %q", title)
	}

	// Without a period: this month up to the facility's today.
	r = decodeReport(t, w.get(t, "kepala", "/api/v1/facilities/sobo/reports").Body.Bytes())
	if r.From != "2026-11-01" || r.To != "2026-11-27" || r.Tables["units"].Title != "Per unit" {
		t.Errorf("default: %s to %s, title %q; want 2026-11-01 to 2026-11-27, in Indonesian", r.From, r.To, r.Tables["units"].Title)
	}
	if all := r.Tables["units"].row(t, "Semua unit"); all["Tiket"] != 10.0 {
		t.Errorf("November's tickets: got %v, want 10", all["Tiket"])
	}
}

func TestDistrictReportJSON(t *testing.T) {
	w := newReportWorld(t)
	r := decodeReport(t, w.get(t, "dinas", "/api/v1/district/reports?month=2026-11&lang=en").Body.Bytes())
	if r.Scope != "" || r.From != "2026-11-01" || r.To != "2026-11-30" || len(r.Tables) != 3 {
		t.Fatalf("district report: scope %q, %s to %s, %d tables", r.Scope, r.From, r.To, len(r.Tables))
	}
	sobo := r.Tables["facilities"].row(t, "sobo")
	// 20 Nov: 2 never called; 26 Nov: the hand-checked day; today: 1 called, 1 waiting.
	for col, want := range map[string]any{"Tickets": 10.0, "Served": 3.0, "Unfinished": 4.0, "Wait median (min)": 15.0,
		"Stunting %": nil, "Children measured": 0.0} {
		if sobo[col] != want {
			t.Errorf("sobo %s: got %v, want %v", col, sobo[col], want)
		}
	}
	live := r.Tables["live"].row(t, "sobo")
	// Friday 20 November is the usual for Friday 27: 1 ticket before 09:00, 2 all day.
	for col, want := range map[string]any{"Waiting": 1.0, "In service": 1.0, "Longest wait (min)": 30.0, "Screens online": "0/0",
		"Tickets today": 2.0, "Usual by this hour": 1.0, "Usual whole day": 2.0} {
		if live[col] != want {
			t.Errorf("live sobo %s: got %v, want %v", col, live[col], want)
		}
	}
	if n := r.Tables["trend"].row(t, "2026-11")["Tickets"]; n != 11.0 {
		t.Errorf("trend November: got %v, want 11 (sobo 10, pkm001 1)", n)
	}
	// The days over were rolled up on the way; a second read agrees.
	again := decodeReport(t, w.get(t, "dinas", "/api/v1/district/reports?month=2026-11&lang=en").Body.Bytes())
	if got := again.Tables["facilities"].row(t, "sobo")["Wait median (min)"]; got != 15.0 {
		t.Errorf("second read: median %v, want 15", got)
	}
	if rec := w.get(t, "dinas", "/api/v1/district/reports?month=11-2026"); rec.Code != 400 || !strings.Contains(rec.Body.String(), "Bulan harus yyyy-mm.") {
		t.Errorf("bad month: %d %s", rec.Code, rec.Body)
	}
}

func TestReportTables(t *testing.T) {
	w := newReportWorld(t)
	const q = "?from=2026-11-26&to=2026-11-26"
	const sobo = "/api/v1/facilities/sobo/reports/"
	t.Run("csv", func(t *testing.T) {
		rec := w.get(t, "kepala", sobo+"units"+q+"&format=csv")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		if d := rec.Header().Get("Content-Disposition"); d != `attachment; filename=antrian-sobo-units-2026-11-26-2026-11-26.csv` {
			t.Errorf("disposition: got %q", d)
		}
		lines := strings.Split(rec.Body.String(), "\n")
		if !strings.HasPrefix(lines[0], "\ufeffUnit,Tiket,online,kiosk,desk,jkn,whatsapp,") || !strings.HasPrefix(lines[2], "Poli Umum,4,2,1,1,0,0,0,4,2,25,") {
			t.Errorf("csv: got %q", lines[:3])
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("cache: got %q, want no-store", rec.Header().Get("Cache-Control"))
		}
	})
	t.Run("xlsx", func(t *testing.T) {
		for path, sheets := range map[string][]string{
			sobo + "all" + q + "&format=xlsx":                        {"1-units", "2-days", "3-hours", "4-staff", "5-checkin", "6-sends"},
			sobo + "staff" + q + "&format=xlsx":                      {"1-staff"},
			"/api/v1/district/reports/all?month=2026-11&format=xlsx": {"1-live", "2-facilities", "3-trend", "4-map-stunting", "5-map-compliance"},
		} {
			user := "kepala"
			if strings.Contains(path, "district") {
				user = "dinas"
			}
			rec := w.get(t, user, path)
			if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Disposition"), ".xlsx") {
				t.Fatalf("%s: status %d, disposition %q", path, rec.Code, rec.Header().Get("Content-Disposition"))
			}
			f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if got := f.GetSheetList(); !slices.Equal(got, sheets) {
				t.Errorf("%s: sheets %v, want %v", path, got, sheets)
			}
		}
	})
	t.Run("json", func(t *testing.T) {
		var one tableAnswer
		if err := json.Unmarshal(w.get(t, "kepala", sobo+"hours"+q).Body.Bytes(), &one); err != nil || one.Name != "hours" {
			t.Errorf("one table: %+v, %v", one, err)
		}
		if r := decodeReport(t, w.get(t, "kepala", sobo+"all"+q).Body.Bytes()); len(r.Tables) != 6 {
			t.Errorf("all as JSON: %d tables, want the whole report", len(r.Tables))
		}
		var live tableAnswer
		json.Unmarshal(w.get(t, "dinas", "/api/v1/district/reports/live?month=2026-11").Body.Bytes(), &live)
		if len(live.Rows) != 2 || live.Rows[0][0] != "pkm001" {
			t.Errorf("district live table: got %v", live.Rows)
		}
	})
	t.Run("refused", func(t *testing.T) {
		for _, tt := range []struct {
			user, path string
			want       int
			message    string
		}{
			{"kepala", sobo + "all" + q + "&format=csv", 400, "CSV memuat satu tabel"},
			{"kepala", sobo + "units" + q + "&format=pdf", 400, "Format harus json, csv atau xlsx."},
			{"kepala", sobo + "nope" + q, 404, "Tidak ditemukan."},
			{"dinas", "/api/v1/district/reports/nope", 404, "Tidak ditemukan."},
			{"kepala", sobo + "units?from=2026-01-01&to=2026-12-31", 400, "Periode paling lama 92 hari."},
			{"kepala", sobo + "units?from=2026-11-27&to=2026-11-20", 400, "Tanggal akhir sebelum tanggal awal."},
			{"kepala", sobo + "units?to=27-11-2026", 400, "Tanggal akhir harus yyyy-mm-dd."},
		} {
			rec := w.get(t, tt.user, tt.path)
			if rec.Code != tt.want || !strings.Contains(rec.Body.String(), tt.message) {
				t.Errorf("%s: got %d %s, want %d %q", tt.path, rec.Code, rec.Body, tt.want, tt.message)
			}
		}
	})
}

func TestReportPages(t *testing.T) {
	w := newReportWorld(t)
	tests := []struct {
		name, user, path string
		want, not        []string
	}{
		{"anonymous facility page", "", "/admin/reports", []string{`id="login"`, "Masuk dengan akun admin"}, []string{`id="table-`}},
		{"anonymous district page", "", "/dinkes?lang=en", []string{`id="login"`, "Sign in with an admin"}, []string{`id="table-`}},
		{"staff", "petugas", "/admin/reports", []string{"Akun ini tidak boleh melihat laporan ini."}, []string{`id="table-`}},
		{"facility admin on the district page", "kepala", "/dinkes", []string{"Akun ini tidak boleh melihat laporan ini."}, []string{`id="table-`}},
		{"facility admin", "kepala", "/admin/reports?from=2026-11-26&to=2026-11-26", []string{
			`id="table-units"`, `id="table-days"`, `id="table-hours"`, `id="table-staff"`, `id="table-sends"`,
			`id="chart-days"`, `id="chart-arrivals"`, `id="chart-waits"`, "<svg", "<th scope=\"row\">Poli Umum</th>",
			`href="/api/v1/facilities/sobo/reports/units?format=csv&amp;from=2026-11-26&amp;to=2026-11-26"`,
			// Every table in one workbook, for the period on the page.
			`href="/api/v1/facilities/sobo/reports/all?format=xlsx&amp;from=2026-11-26&amp;to=2026-11-26"`,
			"Laporan layanan", "Tunggu median (mnt)"}, []string{`id="login"`, `id="r-facility"`}},
		{"facility admin in English", "kepala", "/admin/reports?lang=en", []string{"Service report", "Wait median (min)", `<html lang="en">`}, nil},
		{"district admin: the first facility by name", "kabupaten", "/admin/reports",
			[]string{`id="r-facility"`, `<option value="pkm001" selected>`, "pkm001 · 2026-11-01 – 2026-11-27"}, nil},
		{"district admin picks a facility", "kabupaten", "/admin/reports?facility=sobo",
			[]string{`<option value="sobo" selected>`, "sobo · 2026-11-01 – 2026-11-27"}, nil},
		{"dinkes", "dinas", "/dinkes?month=2026-11", []string{`id="table-live"`, `id="table-facilities"`, `id="table-trend"`,
			`id="chart-trend"`, "Dasbor Dinas Kesehatan", "2026-11 · Diperbarui 27-11-2026 09:00 WIB",
			`href="/api/v1/district/reports/all?format=xlsx&amp;month=2026-11"`}, []string{`id="login"`}},
		// A wrong period is said on the page, which keeps its filters.
		{"facility admin, wrong period", "kepala", "/admin/reports?from=26-11-2026", []string{
			`<p class="card error" role="alert">Tanggal awal harus yyyy-mm-dd.</p>`, `id="r-from"`}, []string{`id="table-`}},
		{"dinkes, wrong month", "dinas", "/dinkes?month=2026-13", []string{
			`<p class="card error" role="alert">Bulan harus yyyy-mm.</p>`, `id="r-month"`}, []string{`id="table-`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := w.get(t, tt.user, tt.path)
			body := rec.Body.String()
			if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-store" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("status %d, cache %q, type %q: %s", rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("Content-Type"), body)
			}
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(body, s) {
					t.Errorf("page shows %q", s)
				}
			}
			if inlineHandler.MatchString(body) || styleAttr.MatchString(body) || strings.Contains(body, "rep.") {
				t.Error("an inline handler, a style attribute or an untranslated message key")
			}
		})
	}
}

// Every word the reports ask for is in the catalogue, in both languages.
func TestReportWordsInCatalogue(t *testing.T) {
	asked := map[string]bool{}
	text := func(key string) string {
		asked[key] = true
		return tr("en", key)
	}
	f := analytics.Facility{Code: "x", Name: "X", Location: analytics.Jakarta, Units: []analytics.Unit{{Code: "UMUM", Name: "Poli Umum"}}}
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	analytics.FacilityReport(analytics.FacilityData{Facility: f, From: day, To: day}, text)
	analytics.DistrictReport(analytics.DistrictData{Now: day, Month: day, Facilities: []analytics.Facility{f}}, text)
	if len(asked) < 50 {
		t.Errorf("only %d words asked for", len(asked))
	}
	for k := range asked {
		if m, ok := messages[k]; !ok || m[0] == "" || m[1] == "" {
			t.Errorf("report word %q is not in the catalogue in both languages", k)
		}
	}
}
