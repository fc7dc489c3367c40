package main

import (
	"context"
	"testing"

	"github.com/antrian/antrian/queue"
)

// A patient's day: booked, called, served, transferred to the lab where they
// keep their arrival order, skipped there, requeued, and finished; another
// cancels with the token; illegal transitions change nothing.
func TestTicketLifecycle(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	pub := newClient(t, app.URL())
	staff := staffClients(t, app)[0]

	_, a := pub.book("UMUM", map[string]any{"name": "Ani"})
	_, lab1 := pub.book("LAB", nil) // arrives after Ani
	_, b := pub.book("UMUM", map[string]any{"phone": "0812-3456-7890"})

	// The token opens the ticket; cancel with it.
	var got ticket
	if st := pub.do("GET", "/api/v1/tickets/"+b.ID, nil, map[string]string{"X-Ticket-Token": b.Token}, &got); st != 200 || got.Ahead == nil || *got.Ahead != 1 {
		t.Fatalf("ticket with token: status %d ahead %v, want 200 and 1 ahead", st, got.Ahead)
	}
	if got.Token != "" {
		t.Error("the token is shown again after creation")
	}
	if st := pub.do("DELETE", "/api/v1/tickets/"+b.ID, nil, map[string]string{"X-Ticket-Token": b.Token}, &got); st != 200 || got.Status != "cancelled" {
		t.Errorf("cancel by patient: %d %s, want 200 cancelled", st, got.Status)
	}

	st, called := staff.callNext("UMUM", "Ruang 2")
	if st != 200 || called.ID != a.ID || called.Counter != "Ruang 2" {
		t.Fatalf("call next: %d %s at %q, want %s at Ruang 2", st, called.Code, called.Counter, a.Code)
	}
	var ae apiErr
	if st := pub.do("DELETE", "/api/v1/tickets/"+a.ID, nil, map[string]string{"X-Ticket-Token": a.Token}, &ae); st != 409 || ae.Error.Code != "conflict" {
		t.Errorf("patient cancel once called: %d %q, want 409 conflict", st, ae.Error.Code)
	}
	if st := staff.do("POST", "/api/v1/tickets/"+a.ID+"/recall", map[string]string{}, nil, &got); st != 200 || got.Status != "called" {
		t.Errorf("recall: %d %s", st, got.Status)
	}
	if st := staff.do("POST", "/api/v1/tickets/"+a.ID+"/start", map[string]string{}, nil, &got); st != 200 || got.Status != "serving" {
		t.Errorf("start: %d %s", st, got.Status)
	}
	var tr struct {
		From ticket `json:"from"`
		To   ticket `json:"to"`
	}
	if st := staff.do("POST", "/api/v1/tickets/"+a.ID+"/transfer", map[string]string{"unit": "LAB"}, nil, &tr); st != 200 {
		t.Fatalf("transfer: status %d", st)
	}
	if tr.From.Status != "transferred" || tr.To.Status != "waiting" || tr.To.Unit != "LAB" || tr.To.Code != "E-002" {
		t.Errorf("transfer: from %s, to %s %s %s; want transferred, waiting LAB E-002", tr.From.Status, tr.To.Status, tr.To.Unit, tr.To.Code)
	}
	// Ani arrived before lab1, so she is called first in the lab.
	waiting, _ := staff.queue("LAB")
	if len(waiting) != 2 || waiting[0].ID != tr.To.ID || waiting[1].ID != lab1.ID {
		t.Errorf("lab queue: %v, want Ani's transferred ticket before %s", codes(waiting), lab1.Code)
	}
	// The patient's phone follows the transfer with the token it is handed.
	var old struct {
		TransferredTo    string `json:"transferred_to"`
		TransferredToken string `json:"transferred_token"`
		TransferredUnit  string `json:"transferred_to_unit"`
	}
	pub.do("GET", "/api/v1/tickets/"+a.ID, nil, map[string]string{"X-Ticket-Token": a.Token}, &old)
	if old.TransferredTo != tr.To.ID || old.TransferredUnit != "LAB" || old.TransferredToken == "" {
		t.Errorf("old ticket after transfer: %+v", old)
	}
	if st := pub.do("GET", "/api/v1/tickets/"+tr.To.ID, nil, map[string]string{"X-Ticket-Token": old.TransferredToken}, &got); st != 200 || got.Unit != "LAB" {
		t.Errorf("new ticket with the handed token: %d %s", st, got.Unit)
	}
	if st := staff.do("POST", "/api/v1/tickets/"+a.ID+"/finish", map[string]string{}, nil, &ae); st != 409 {
		t.Errorf("finish a transferred ticket: %d, want 409", st)
	}

	// Skipped in the lab, requeued behind the others (only one waits).
	_, c1 := staff.callNext("LAB", "Lab")
	if c1.ID != tr.To.ID {
		t.Fatalf("lab call: got %s, want %s", c1.Code, tr.To.Code)
	}
	staff.do("POST", "/api/v1/tickets/"+c1.ID+"/skip", map[string]string{}, nil, &got)
	if got.Status != "skipped" {
		t.Fatalf("skip: %s", got.Status)
	}
	staff.do("POST", "/api/v1/tickets/"+c1.ID+"/requeue", map[string]string{}, nil, &got)
	if got.Status != "waiting" || got.Position == nil || *got.Position != 2 {
		t.Errorf("requeue: %s at %v, want waiting at position 2 (behind %s)", got.Status, got.Position, lab1.Code)
	}
	_, n1 := staff.callNext("LAB", "Lab")
	_, n2 := staff.callNext("LAB", "Lab")
	if n1.ID != lab1.ID || n2.ID != c1.ID {
		t.Errorf("after requeue: called %s then %s, want %s then %s", n1.Code, n2.Code, lab1.Code, c1.Code)
	}
	staff.do("POST", "/api/v1/tickets/"+n2.ID+"/finish", map[string]string{}, nil, &got)
	if got.Status != "done" {
		t.Errorf("finish: %s", got.Status)
	}
	if st, _ := staff.callNext("LAB", "Lab"); st != 204 {
		t.Errorf("call with nobody waiting: %d, want 204", st)
	}

	// Every change is an event with seq rising by one.
	if n := dbCount(t, app, `SELECT count(*) FROM ticket_events`); n != dbCount(t, app, `SELECT max(seq) FROM ticket_events`) {
		t.Errorf("event seq has gaps: %d events, max seq differs", n)
	}
}

func codes(ts []ticket) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Code
	}
	return out
}

// Priority groups follow the unit's ratio policy: one priority call after
// every two normal calls, and never behind someone who came later.
func TestPriorityOrder(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	pub := newClient(t, app.URL())
	staff := staffClients(t, app)[0]
	for _, pr := range []string{"", "", "", "lansia", "", "hamil", ""} {
		if st, _ := pub.book("KIA", map[string]any{"priority": pr}); st != 201 {
			t.Fatalf("book: %d", st)
		}
	}
	// Arrivals: D-001 D-002 D-003 D-004(p) D-005 D-006(p) D-007.
	// Calls: 001, 002, then priority 004, then 003, 005, then 006, 007.
	expect := []string{"D-001", "D-002", "D-004", "D-003", "D-005", "D-006", "D-007"}
	waiting, _ := staff.queue("KIA")
	if got := codes(waiting); !equal(got, expect) {
		t.Errorf("queue order: %v, want %v", got, expect)
	}
	var calls []string
	for range expect {
		_, tk := staff.callNext("KIA", "KIA 1")
		calls = append(calls, tk.Code)
	}
	if !equal(calls, expect) {
		t.Errorf("call order: %v, want %v", calls, expect)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A unit's daily quota refuses the ticket past it without using up a
// number: raising the quota continues the numbering with no gap.
func TestQuota(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	ctx := context.Background()
	f, units, err := app.DB.Facility(ctx, "sobo")
	if err != nil {
		t.Fatal(err)
	}
	var gigi queue.Unit
	for _, u := range units {
		if u.Code == "GIGI" {
			gigi = u
		}
	}
	gigi.DailyQuota = 2
	if err := app.DB.SaveUnit(ctx, f.ID, gigi); err != nil {
		t.Fatal(err)
	}
	app.Queue.ForgetFacility("sobo")
	pub := newClient(t, app.URL())
	for i := range 2 {
		if st, _ := pub.book("GIGI", nil); st != 201 {
			t.Fatalf("booking %d: %d", i+1, st)
		}
	}
	var ae apiErr
	if st := pub.do("POST", "/api/v1/facilities/sobo/tickets", map[string]any{"unit": "GIGI"}, nil, &ae); st != 409 || ae.Error.Code != "quota_full" {
		t.Errorf("past the quota: %d %q, want 409 quota_full", st, ae.Error.Code)
	}
	gigi.DailyQuota = 3
	if err := app.DB.SaveUnit(ctx, f.ID, gigi); err != nil {
		t.Fatal(err)
	}
	app.Queue.ForgetFacility("sobo")
	if st, tk := pub.book("GIGI", nil); st != 201 || tk.Code != "C-003" {
		t.Errorf("after raising the quota: %d %s, want 201 C-003", st, tk.Code)
	}
	if n := dbCount(t, app, `SELECT count(*) FROM ticket_events WHERE kind = 'booked'`); n != 3 {
		t.Errorf("booked events: %d, want 3 (the refused booking wrote nothing)", n)
	}
}

// A unit added while the facility is cached (here, or by another instance)
// takes tickets at once.
func TestNewUnitIsFoundAtOnce(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	pub := newClient(t, app.URL())
	if st, _ := pub.book("UMUM", nil); st != 201 { // the facility is now cached
		t.Fatalf("book: %d", st)
	}
	ctx := context.Background()
	f, _, err := app.DB.Facility(ctx, "sobo")
	if err != nil {
		t.Fatal(err)
	}
	mtbs := queue.Unit{Code: "MTBS", Name: "MTBS", Prefix: "G", DailyQuota: 50, OpenDays: 0b1111111, Policy: queue.DefaultPolicy(), DefaultServiceS: 300}
	if err := app.DB.SaveUnit(ctx, f.ID, mtbs); err != nil {
		t.Fatal(err)
	}
	if st, tk := pub.book("MTBS", nil); st != 201 || tk.Code != "G-001" {
		t.Errorf("book in the new unit: %d %s, want 201 G-001", st, tk.Code)
	}
}
