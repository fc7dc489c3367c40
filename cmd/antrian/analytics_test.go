package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/web"
)

// metricValue finds one sample in a Prometheus text exposition.
func metricValue(t *testing.T, body, series string) float64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` ([0-9.e+-]+)$`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Errorf("metrics: no sample %s", series)
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func TestMetrics(t *testing.T) {
	env := newEnv(t, backend{name: "embedded"})
	env.clock.Set(time.Date(2026, 11, 27, 8, 0, 0, 0, time.FixedZone("WIB", 7*3600)))
	app := env.start()
	env.seed(app)
	patient := newClient(t, app.URL())
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")

	for i, name := range []string{"Siti Aminah", "Budi", "Wati"} {
		// Wati gives Siti's phone: refused as a duplicate, and counted so.
		phone := []string{"081234567890", "081234567891", "081234567890"}[i]
		if st, _ := patient.book("UMUM", map[string]any{"name": name, "phone": phone}); st != 201 && st != 409 {
			t.Fatalf("book: status %d", st)
		}
	}
	env.clock.Set(env.clock.Now().Add(10 * time.Minute))
	if st, _ := staff.callNext("UMUM", "Ruang 1"); st != 200 {
		t.Fatalf("call: status %d", st)
	}
	patient.book("GIGI", map[string]any{"name": "Ani"})
	patient.book("NOPE", nil) // invalid

	st, raw := newClient(t, app.URL()).raw("GET", "/metrics", nil, nil)
	if st != 200 {
		t.Fatalf("GET /metrics: status %d", st)
	}
	body := string(raw)
	for _, s := range []string{"Siti", "Budi", "Wati", "081234567890", "6281234567890"} {
		if strings.Contains(body, s) {
			t.Errorf("metrics contain personal data %q", s)
		}
	}
	// The load tool reads these.
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "go_memstats_heap_alloc_bytes"} {
		if !regexp.MustCompile(`(?m)^` + name + ` `).MatchString(body) {
			t.Errorf("metrics: no %s", name)
		}
	}
	if got := metricValue(t, body, `antrian_queue_waiting{facility="sobo",unit="GIGI"}`); got != 1 {
		t.Errorf("GIGI waiting: got %v, want 1", got)
	}
	if got := metricValue(t, body, `antrian_queue_serving{facility="sobo",unit="UMUM"}`); got != 1 {
		t.Errorf("UMUM serving: got %v, want 1", got)
	}
	// The oldest UMUM ticket was booked at 08:00 and it is 08:10.
	if got := metricValue(t, body, `antrian_queue_oldest_wait_seconds{facility="sobo",unit="UMUM"}`); got != 600 {
		t.Errorf("UMUM oldest wait: got %v s, want 600", got)
	}
	if got := metricValue(t, body, `antrian_tickets_booked_total{channel="online"}`); got != 3 {
		t.Errorf("booked online: got %v, want 3", got)
	}
	if got := metricValue(t, body, `antrian_queue_events_total{kind="called"}`); got != 1 {
		t.Errorf("calls: got %v, want 1", got)
	}
	if got := metricValue(t, body, `antrian_booking_requests_total{door="api",outcome="created"}`); got != 3 {
		t.Errorf("created bookings: got %v, want 3", got)
	}
	if got := metricValue(t, body, `antrian_booking_requests_total{door="api",outcome="duplicate"}`); got != 1 {
		t.Errorf("duplicate bookings: got %v, want 1", got)
	}
	if got := metricValue(t, body, `antrian_booking_requests_total{door="api",outcome="invalid"}`); got < 1 {
		t.Errorf("invalid bookings: got %v, want 1", got)
	}
	metricValue(t, body, `antrian_outbox_pending{outbox="notify"}`)
	metricValue(t, body, `antrian_websocket_clients{socket="display"}`)
	if !strings.Contains(body, `antrian_http_request_duration_seconds_bucket{code="201",method="POST",route="/api/v1/facilities/:facility/tickets",le="0.1"}`) {
		t.Error("no latency histogram by route pattern for bookings")
	}
	if strings.Contains(body, `route="/api/v1/facilities/sobo`) {
		t.Error("a raw URL is used as a label")
	}
}

// reportTable is one table of a report answer.
type reportTable struct {
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

// row finds the row whose first cell is key, as column -> value.
func (rt reportTable) row(t *testing.T, key string) map[string]any {
	t.Helper()
	for _, r := range rt.Rows {
		if len(r) > 0 && r[0] == key {
			out := map[string]any{}
			for i, c := range rt.Columns {
				out[c] = r[i]
			}
			return out
		}
	}
	t.Fatalf("no row %q in %v", key, rt.Rows)
	return nil
}

// seedDay plays a small hand-checked day at Puskesmas Sobo, 26 November
// 2026 (WIB), through the API:
//
//	UMUM  B-001 online 07:50, called 08:00 at Ruang 1, 08:02-08:12 served    wait 10, service 10
//	      B-002 kiosk  08:05, called 08:35 at Ruang 1, 08:36-08:41 served    wait 30, service 5
//	      B-003 online 08:10, called 08:40 at Ruang 2, skipped 08:45          wait 30 (no-show)
//	      B-004 desk   09:20, called 09:30 at Ruang 1, started, sent to GIGI  wait 10
//	GIGI  C-001 transfer in 09:40, called 10:00 by kepala, served 10:00-10:20 wait 20, service 20
//	LAB   E-001 online 10:15, cancelled by the patient 10:20
func seedDay(t *testing.T, env *env, app *App) {
	t.Helper()
	wib := time.FixedZone("WIB", 7*3600)
	at := func(h, m int) { env.clock.Set(time.Date(2026, 11, 26, h, m, 0, 0, wib)) }
	at(7, 0) // before signing in: the login limits run on this clock
	hash, _ := account.HashPassword("rahasia-admin")
	if _, err := app.DB.CreateUser(context.Background(), "sobo", "kepala", account.Admin, hash); err != nil {
		t.Fatal(err)
	}
	patient := newClient(t, app.URL())
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	head := newClient(t, app.URL())
	head.login("kepala", "rahasia-admin")
	act := func(c *client, id, action string, body any) {
		t.Helper()
		if st := c.do("POST", "/api/v1/tickets/"+id+"/"+action, body, nil, nil); st != 200 {
			t.Fatalf("%s %s: status %d", action, id, st)
		}
	}
	book := func(c *client, unit, channel string) ticket {
		t.Helper()
		st, tk := c.book(unit, map[string]any{"channel": channel})
		if st != 201 {
			t.Fatalf("book %s %s: status %d", unit, channel, st)
		}
		return tk
	}
	call := func(counter, want string) ticket {
		t.Helper()
		st, tk := staff.callNext("UMUM", counter)
		if st != 200 || tk.Code != want {
			t.Fatalf("call: status %d, %s, want %s", st, tk.Code, want)
		}
		return tk
	}
	at(7, 50)
	book(patient, "UMUM", "online")
	at(8, 0)
	b1 := call("Ruang 1", "B-001")
	at(8, 2)
	act(staff, b1.ID, "start", nil)
	at(8, 5)
	book(patient, "UMUM", "kiosk")
	at(8, 10)
	book(patient, "UMUM", "online")
	at(8, 12)
	act(staff, b1.ID, "finish", nil)
	at(8, 35)
	b2 := call("Ruang 1", "B-002")
	at(8, 36)
	act(staff, b2.ID, "start", nil)
	at(8, 40)
	b3 := call("Ruang 2", "B-003")
	at(8, 41)
	act(staff, b2.ID, "finish", nil)
	at(8, 45)
	act(staff, b3.ID, "skip", nil)
	at(9, 20)
	book(staff, "UMUM", "desk")
	at(9, 30)
	b4 := call("Ruang 1", "B-004")
	at(9, 31)
	act(staff, b4.ID, "start", nil)
	at(9, 40)
	var moved struct {
		To ticket `json:"to"`
	}
	if st := staff.do("POST", "/api/v1/tickets/"+b4.ID+"/transfer", map[string]string{"unit": "GIGI"}, nil, &moved); st != 200 {
		t.Fatalf("transfer: status %d", st)
	}
	at(10, 0)
	if st := head.do("POST", "/api/v1/tickets/"+moved.To.ID+"/call", map[string]string{"counter": "Ruang Gigi"}, nil, nil); st != 200 {
		t.Fatalf("call C-001: status %d", st)
	}
	act(head, moved.To.ID, "start", nil)
	at(10, 15)
	e1 := book(patient, "LAB", "online")
	at(10, 20)
	act(head, moved.To.ID, "finish", nil)
	if st := patient.do("DELETE", "/api/v1/tickets/"+e1.ID, nil, map[string]string{"X-Ticket-Token": e1.Token}, nil); st != 200 {
		t.Fatalf("cancel: status %d", st)
	}
}

func TestReportsHandChecked(t *testing.T) {
	env := newEnv(t, backend{name: "embedded"})
	app := env.start()
	env.seed(app)
	seedDay(t, env, app)
	head := newClient(t, app.URL())
	head.login("kepala", "rahasia-admin")

	var rep struct {
		Tables map[string]reportTable `json:"tables"`
	}
	if st := head.do("GET", "/api/v1/facilities/sobo/reports?from=2026-11-26&to=2026-11-26&lang=en", nil, nil, &rep); st != 200 {
		t.Fatalf("facility report: status %d", st)
	}
	umum := rep.Tables["units"].row(t, "Poli Umum")
	want := map[string]float64{"Tickets": 4, "online": 2, "kiosk": 1, "desk": 1, "jkn": 0, "Called": 4, "Served": 2,
		"No-show %": 25, "Transferred": 1, "Cancelled": 0,
		// waits 10, 10, 30, 30 min: median 20, p90 at rank 2.7 = 30
		"Wait median (min)": 20, "Wait p90 (min)": 30,
		// services 5 and 10 min: median 7.5, p90 = 5 + 0.9 × 5
		"Service median (min)": 7.5, "Service p90 (min)": 9.5}
	for col, w := range want {
		if got, _ := umum[col].(float64); got != w {
			t.Errorf("UMUM %s: got %v, want %v", col, umum[col], w)
		}
	}
	all := rep.Tables["units"].row(t, "All units")
	for col, w := range map[string]float64{"Tickets": 6, "Transfers in": 1, "Cancelled": 1, "Served": 3,
		// waits 10, 10, 20, 30, 30: median 20, p90 at rank 3.6 = 30
		"Wait median (min)": 20, "Wait p90 (min)": 30, "Service median (min)": 10} {
		if got, _ := all[col].(float64); got != w {
			t.Errorf("all units %s: got %v, want %v", col, all[col], w)
		}
	}
	// Arrivals by hour, in WIB.
	for hour, n := range map[string]float64{"07:00": 1, "08:00": 2, "09:00": 2, "10:00": 1} {
		if got := rep.Tables["hours"].row(t, hour)["Arrivals"]; got != n {
			t.Errorf("arrivals at %s: got %v, want %v", hour, got, n)
		}
	}
	r1 := rep.Tables["staff"].row(t, "Ruang 1")
	if r1["Staff"] != "petugas" || r1["Called"] != 3.0 || r1["Served"] != 2.0 || r1["Transferred"] != 1.0 {
		t.Errorf("Ruang 1: got %v", r1)
	}
	if r2 := rep.Tables["staff"].row(t, "Ruang 2"); r2["No-show %"] != 100.0 {
		t.Errorf("Ruang 2 no-show: got %v", r2["No-show %"])
	}

	t.Run("exports", func(t *testing.T) {
		for _, tc := range []struct{ path, ctype, start string }{
			{"/api/v1/facilities/sobo/reports/units?format=csv&from=2026-11-26&to=2026-11-26", "text/csv; charset=utf-8", "\ufeffUnit,Tiket,online"},
			{"/api/v1/facilities/sobo/reports/all?format=xlsx&from=2026-11-26&to=2026-11-26", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK"},
			{"/api/v1/facilities/sobo/reports/staff?format=xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK"},
		} {
			req, _ := http.NewRequest("GET", app.URL()+tc.path, nil)
			resp, err := head.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype || !strings.HasPrefix(string(body), tc.start) {
				t.Errorf("%s: status %d, type %q, starts %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), body[:min(len(body), 20)])
			}
			if !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("%s: not a download", tc.path)
			}
		}
	})

	t.Run("who may see", func(t *testing.T) {
		staff := newClient(t, app.URL())
		staff.login("petugas", "rahasia123")
		for path, want := range map[string]int{
			"/api/v1/facilities/sobo/reports": 403, // staff are not admins
			"/api/v1/district/reports":        403,
		} {
			if st, _ := staff.raw("GET", path, nil, nil); st != want {
				t.Errorf("staff GET %s: got %d, want %d", path, st, want)
			}
		}
		if st, _ := head.raw("GET", "/api/v1/district/reports", nil, nil); st != 403 {
			t.Errorf("facility admin GET district: got %d, want 403", st)
		}
		if st, _ := newClient(t, app.URL()).raw("GET", "/api/v1/facilities/sobo/reports", nil, nil); st != 401 {
			t.Errorf("anonymous: got %d, want 401", st)
		}
		if st, _ := head.raw("GET", "/api/v1/facilities/sobo/reports?from=2026-01-01&to=2026-12-31", nil, nil); st != 400 {
			t.Errorf("a year: got %d, want 400", st)
		}
		st, page := newClient(t, app.URL()).raw("GET", "/admin/reports", nil, nil)
		if st != 200 || !strings.Contains(string(page), `id="login"`) {
			t.Errorf("anonymous page: status %d, no sign-in form", st)
		}
	})
	t.Run("district, from the rollup of the finished day", func(t *testing.T) {
		hash, _ := account.HashPassword("rahasia-dinas")
		if _, err := app.DB.CreateUser(context.Background(), "", "dinas", account.Dinkes, hash); err != nil {
			t.Fatal(err)
		}
		env.clock.Set(time.Date(2026, 11, 27, 9, 0, 0, 0, time.FixedZone("WIB", 7*3600)))
		dinas := newClient(t, app.URL())
		dinas.login("dinas", "rahasia-dinas")
		if st := dinas.do("GET", "/api/v1/district/reports?month=2026-11&lang=en", nil, nil, &rep); st != 200 {
			t.Fatalf("district report: status %d", st)
		}
		sobo := rep.Tables["facilities"].row(t, "sobo")
		for col, w := range map[string]float64{"Tickets": 6, "Served": 3, "Wait median (min)": 20, "Wait p90 (min)": 30} {
			if got, _ := sobo[col].(float64); got != w {
				t.Errorf("district sobo %s: got %v, want %v", col, sobo[col], w)
			}
		}
		if n := dbCount(t, app, `SELECT count(*) FROM analytics_unit_days WHERE service_date = '2026-11-26'`); n != 3 {
			t.Errorf("rollup rows of 26 November: got %d, want 3 (UMUM, GIGI, LAB)", n)
		}
		// A second read uses the rollup and agrees.
		var again struct {
			Tables map[string]reportTable `json:"tables"`
		}
		dinas.do("GET", "/api/v1/district/reports?month=2026-11&lang=en", nil, nil, &again)
		if got := again.Tables["facilities"].row(t, "sobo")["Wait median (min)"]; got != 20.0 {
			t.Errorf("second read: median %v", got)
		}
		if trend := rep.Tables["trend"].row(t, "2026-11"); trend["Tickets"] != 6.0 {
			t.Errorf("trend November: got %v", trend)
		}
		// Thursday 26 November is the usual for Thursday 3 December, not for Friday.
		env.clock.Set(time.Date(2026, 12, 3, 9, 0, 0, 0, time.FixedZone("WIB", 7*3600)))
		dinas = newClient(t, app.URL()) // the session has expired since
		dinas.login("dinas", "rahasia-dinas")
		dinas.do("GET", "/api/v1/district/reports?lang=en", nil, nil, &rep)
		live := rep.Tables["live"].row(t, "sobo")
		if live["Usual whole day"] != 6.0 || live["Usual by this hour"] != 3.0 {
			t.Errorf("usual for a Thursday at 09:00: got day %v, by now %v; want 6 and 3", live["Usual whole day"], live["Usual by this hour"])
		}
	})

}

// TestOpenAPIMatchesRouter proves that every route of the running service
// under /api, /jkn, /ws (and /healthz, /readyz, /metrics) is in the OpenAPI
// document served at /api/openapi.json, and every documented route exists.
func TestOpenAPIMatchesRouter(t *testing.T) {
	env := newEnv(t, backend{name: "embedded"})
	app := env.start()
	st, raw := newClient(t, app.URL()).raw("GET", "/api/openapi.json", nil, nil)
	if st != 200 {
		t.Fatalf("GET /api/openapi.json: status %d", st)
	}
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	routed := map[string]bool{}
	for _, r := range app.Web.Echo().Routes() {
		if !web.InOpenAPI(r.Path) || r.Method == "echo_route_not_found" || strings.HasSuffix(r.Path, "/*") {
			continue
		}
		key := r.Method + " " + param.ReplaceAllString(r.Path, "{$1}")
		routed[key] = true
		if !documented[key] {
			t.Errorf("route %s is not in the OpenAPI document", key)
		}
	}
	for key := range documented {
		if !routed[key] {
			t.Errorf("documented %s is not a route", key)
		}
	}
	if len(routed) < 80 {
		t.Errorf("only %d routes compared; is Mobile JKN mounted?", len(routed))
	}
}
