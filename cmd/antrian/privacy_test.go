package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A patient's NIK, BPJS number, phone and name go through a whole day (book,
// call, recall, serve, transfer, call, finish) and never appear in the logs,
// in a public response, or in a message pushed to a screen or a phone.
func TestPersonalDataNeverLeaks(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	pub := newClient(t, app.URL())
	staff := staffClients(t, app)[0]

	const nik, bpjs, name = "3510014101900001", "0001234567890", "Siti Rahmawati"
	secrets := []string{nik, bpjs, "81234567890", name, "Rahmawati"}
	leaks := func(where, text string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains %q", where, s)
			}
		}
	}

	display := dialWS(t, app, "/ws/display?facility=sobo")
	var pushed []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			display.SetReadDeadline(time.Now().Add(3 * time.Second))
			_, raw, err := display.ReadMessage()
			if err != nil {
				return
			}
			pushed = append(pushed, string(raw))
		}
	}()

	st, raw := pub.raw("POST", "/api/v1/facilities/sobo/tickets", map[string]any{"unit": "UMUM", "nik": nik, "bpjs": bpjs,
		"phone": "0812-3456-7890", "name": name, "notify": true}, nil)
	if st != 201 {
		t.Fatalf("book: %d %s", st, raw)
	}
	leaks("the booking answer", string(raw))
	_, tk := pub.book("UMUM", nil) // someone else, to move the line
	if st, raw = pub.raw("GET", "/api/v1/tickets/"+tk.ID, nil, map[string]string{"X-Ticket-Token": tk.Token}); st != 200 {
		t.Fatalf("another patient's ticket: %d", st)
	}
	leaks("another patient's ticket", string(raw))

	mine := ticketByCode(t, staff, "UMUM", "B-001")
	tokenConn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(app.URL(), "http")+"/ws/tickets/"+mine.ID+"?token="+app.Queue.Token(mine.ID), nil)
	if err != nil {
		t.Fatalf("ticket socket: %v %v", err, resp)
	}
	defer tokenConn.Close()

	_, called := staff.callNext("UMUM", "Ruang 2")
	for _, action := range []string{"recall", "start"} {
		staff.do("POST", "/api/v1/tickets/"+called.ID+"/"+action, map[string]string{}, nil, nil)
	}
	var tr struct{ To ticket }
	staff.do("POST", "/api/v1/tickets/"+called.ID+"/transfer", map[string]string{"unit": "FARMASI"}, nil, &tr)
	_, c2 := staff.callNext("FARMASI", "Apotek")
	staff.do("POST", "/api/v1/tickets/"+c2.ID+"/finish", map[string]string{}, nil, nil)

	for _, path := range []string{"/api/v1/facilities/sobo", "/api/v1/facilities/sobo/units", "/api/v1/facilities"} {
		_, raw := pub.raw("GET", path, nil, nil)
		leaks("GET "+path, string(raw))
	}
	_, raw = pub.raw("GET", "/api/v1/tickets/"+mine.ID, nil, map[string]string{"X-Ticket-Token": app.Queue.Token(mine.ID)})
	leaks("the patient's own ticket", string(raw))
	for range 4 {
		tokenConn.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, raw, err := tokenConn.ReadMessage()
		if err != nil {
			break
		}
		leaks("the ticket socket", string(raw))
	}
	<-done
	if len(pushed) < 5 {
		t.Errorf("the screen got only %d messages", len(pushed))
	}
	for _, m := range pushed {
		leaks("a screen message", m)
	}
	leaks("the logs", e.logs.String())
}

func ticketByCode(t *testing.T, staff *client, unit, code string) ticket {
	t.Helper()
	waiting, _ := staff.queue(unit)
	for _, w := range waiting {
		if w.Code == code {
			return w
		}
	}
	t.Fatalf("%s not waiting in %s", code, unit)
	return ticket{}
}

// Personal data of tickets older than the retention period is forgotten;
// the tickets and their statistics stay.
func TestRetention(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	e.clock.Set(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	e.vars = map[string]string{"ANTRIAN_RETENTION_DAYS": "90"}
	app := e.start()
	e.seed(app)
	pub := newClient(t, app.URL())
	if st, _ := pub.book("UMUM", map[string]any{"nik": "3510014101900001", "phone": "081234567890", "name": "Siti"}); st != 201 {
		t.Fatal("book")
	}
	app.Close()
	e.clock.Set(time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)) // 92 days later
	app = e.start()
	deadline := time.Now().Add(5 * time.Second)
	for dbCount(t, app, `SELECT count(*) FROM tickets WHERE nik <> '' OR phone <> '' OR name <> ''`) != 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := dbCount(t, app, `SELECT count(*) FROM tickets WHERE nik <> '' OR phone <> '' OR name <> ''`); n != 0 {
		t.Errorf("%d old tickets still hold personal data", n)
	}
	if n := dbCount(t, app, `SELECT count(*) FROM tickets WHERE nik_hash IS NOT NULL`); n != 1 {
		t.Errorf("the ticket or its keyed hash is gone: %d", n)
	}
}
