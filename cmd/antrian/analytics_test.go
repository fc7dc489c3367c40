package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
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
	for _, s := range []string{"Siti", "Budi", "0812", "628"} {
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
