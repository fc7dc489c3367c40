package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// webhookSink is a local HTTP server standing in for a messaging gateway.
type webhookSink struct {
	mu   sync.Mutex
	got  []map[string]string
	keys []string
	bad  []string
}

func (w *webhookSink) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m := hmac.New(sha256.New, []byte("rahasia-webhook"))
	m.Write(body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	var msg map[string]string
	json.Unmarshal(body, &msg)
	w.mu.Lock()
	defer w.mu.Unlock()
	if r.Header.Get("X-Antrian-Signature") != want {
		w.bad = append(w.bad, "signature of "+msg["kind"])
	}
	w.got = append(w.got, msg)
	w.keys = append(w.keys, r.Header.Get("Idempotency-Key"))
	rw.WriteHeader(http.StatusOK)
}

// messages returns a copy of what the sink received.
func (w *webhookSink) messages() []map[string]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]map[string]string(nil), w.got...)
}

func (w *webhookSink) kinds() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, m := range w.got {
		out = append(out, m["kind"])
	}
	return out
}

// webhookApp starts a seeded service whose patient messages go, signed, to
// a webhook sink; the sink's server stops with the test.
func webhookApp(t *testing.T) (*webhookSink, *env, *App) {
	t.Helper()
	sink := &webhookSink{}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)
	e := newEnv(t, backend{name: "embedded"})
	e.vars = map[string]string{"ANTRIAN_WEBHOOK_URL": srv.URL, "ANTRIAN_WEBHOOK_SECRET": "rahasia-webhook",
		"ANTRIAN_PUBLIC_URL": "https://antrian.example.id"}
	app := e.start()
	e.seed(app)
	return sink, e, app
}

// A patient who consented gets booked, near and called messages, in order,
// signed, on the webhook; one who did not gets nothing.
func TestNotifyWebhook(t *testing.T) {
	sink, e, app := webhookApp(t)
	pub := newClient(t, app.URL())
	staff := staffClients(t, app)[0]

	_, first := pub.book("UMUM", map[string]any{"phone": "081111111111"}) // no consent
	st, b := pub.book("UMUM", map[string]any{"phone": "0812-3456-7890", "notify": true})
	if st != 201 {
		t.Fatalf("book: %d", st)
	}
	if _, c := staff.callNext("UMUM", "Ruang 2"); c.ID != first.ID {
		t.Fatalf("called %s, want %s", c.Code, first.Code)
	}
	if _, c := staff.callNext("UMUM", "Ruang 2"); c.ID != b.ID {
		t.Fatalf("called %s, want %s", c.Code, b.Code)
	}
	want := []string{"booked", "near", "called"}
	deadline := time.Now().Add(10 * time.Second)
	for len(sink.kinds()) < len(want) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // nothing more may arrive
	if got := sink.kinds(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("messages: %v, want %v", got, want)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.bad) > 0 {
		t.Errorf("bad signatures: %v", sink.bad)
	}
	for i, m := range sink.got {
		if m["to"] != "+6281234567890" || m["ticket_id"] != b.ID || m["code"] != b.Code || m["facility"] != "sobo" || m["unit"] != "UMUM" {
			t.Errorf("message %d: %v", i, m)
		}
		if m["id"] == "" || sink.keys[i] != m["id"] {
			t.Errorf("message %d: Idempotency-Key %q, id %q", i, sink.keys[i], m["id"])
		}
	}
	if !strings.Contains(sink.got[0]["text"], "https://antrian.example.id/t/"+b.ID+"#") {
		t.Errorf("booked text has no tracking link: %q", sink.got[0]["text"])
	}
	if !strings.Contains(sink.got[2]["text"], "Ruang 2") {
		t.Errorf("called text does not name the room: %q", sink.got[2]["text"])
	}
	if strings.Contains(e.logs.String(), "81234567890") {
		t.Error("a phone number reached the logs")
	}
}

// A patient who books a later day is told in the booked message when she
// is expected to be served: the window her ticket shows, inside the unit's
// practice session.
func TestNotifyBookedWindow(t *testing.T) {
	sink, _, app := webhookApp(t)
	admin := adminClient(t, app, "sobo", "admin-sobo")
	var sessions []map[string]any
	for wd := range 7 {
		sessions = append(sessions, map[string]any{"weekday": wd, "start": "08:00", "end": "12:00"})
	}
	if st := admin.do("PUT", "/api/v1/facilities/sobo/units/UMUM/sessions", sessions, nil, nil); st != 200 {
		t.Fatalf("sessions: %d", st)
	}
	pub := newClient(t, app.URL())
	tomorrow := time.Now().In(mustZone(t)).AddDate(0, 0, 1).Format(time.DateOnly)
	var b struct {
		ID          string    `json:"id"`
		WindowStart time.Time `json:"window_start"`
	}
	if st := pub.do("POST", "/api/v1/facilities/sobo/tickets", map[string]any{"unit": "UMUM", "service_date": tomorrow,
		"phone": "0812-3456-7890", "notify": true}, nil, &b); st != 201 {
		t.Fatalf("book: %d", st)
	}
	if got := b.WindowStart.In(mustZone(t)).Format("15:04"); got != "08:00" {
		t.Errorf("window starts %s, want 08:00", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(sink.kinds()) < 1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	got := sink.messages()
	if len(got) != 1 || got[0]["ticket_id"] != b.ID || got[0]["kind"] != "booked" {
		t.Fatalf("messages: %v", got)
	}
	if text := got[0]["text"]; !strings.Contains(text, "Perkiraan dilayani pukul 08.00–08.30") || strings.Contains(text, "check-in") {
		t.Errorf("booked text: %q, want the window and no check-in", text)
	}

	// A unit that requires check-in: the message also says how.
	requireCheckIn(t, nil, app)
	var c struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if st := pub.do("POST", "/api/v1/facilities/sobo/tickets", map[string]any{"unit": "UMUM", "service_date": tomorrow,
		"phone": "0813-3456-7890", "notify": true}, nil, &c); st != 201 || c.Status != "booked" {
		t.Fatalf("book with check-in: %d %+v", st, c)
	}
	for len(sink.kinds()) < 2 && time.Now().Before(deadline.Add(10*time.Second)) {
		time.Sleep(50 * time.Millisecond)
	}
	got = sink.messages()
	if len(got) != 2 || got[1]["ticket_id"] != c.ID {
		t.Fatalf("messages: %v", got)
	}
	if text := got[1]["text"]; !strings.Contains(text, "Perkiraan dilayani pukul 08.00–08.30") || !strings.Contains(text, "lakukan check-in") {
		t.Errorf("booked text with check-in: %q", text)
	}
}
