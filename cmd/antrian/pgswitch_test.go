package main

import (
	"testing"
	"time"

	"github.com/antrian/antrian/internal/testenv"
)

// pgPairPort is the primary's port of the Postgres pair the test starts;
// its replica listens on the next one.
const pgPairPort = 7150

// With DATABASE_URL naming a primary and its streaming replica
// (target_session_attrs=read-write), the service keeps booking after the
// primary crashes and the replica is promoted, without a restart, and
// loses no acknowledged booking.
func TestPostgresPrimarySwitch(t *testing.T) {
	pair := testenv.NewPostgresPair(t, pgPairPort)
	e := &env{t: t, dbURL: pair.URL("antrian"), clock: &clock{}, logs: &syncBuffer{}}
	app := e.start()
	e.seed(app)
	pub, staff := publicClients(t, app)[0], staffClients(t, app)[0]
	var booked []ticket
	book := func() int {
		st, tk := pub.book("UMUM", nil)
		if st == 201 {
			booked = append(booked, tk)
		}
		return st
	}
	for i := range 20 {
		if st := book(); st != 201 {
			t.Fatalf("booking %d before the switch: status %d", i, st)
		}
	}
	pair.CrashPrimary()
	pair.Promote()
	failed := 0
	for deadline := time.Now().Add(30 * time.Second); book() != 201; failed++ {
		if time.Now().After(deadline) {
			t.Fatalf("no booking succeeded within 30 s of the promotion (%d failed)", failed)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d bookings failed before the service reached the new primary", failed)
	for i := range 20 {
		if st := book(); st != 201 {
			t.Errorf("booking %d after the switch: status %d", i, st)
		}
	}
	checkNumbers(t, booked, len(booked))
	if n := dbCount(t, app, `SELECT count(*) FROM tickets`); n != len(booked) {
		t.Errorf("the new primary holds %d tickets, %d were acknowledged", n, len(booked))
	}
	if st, tk := staff.callNext("UMUM", "Ruang 1"); st != 200 || tk.Number != 1 {
		t.Errorf("call after the switch: status %d, number %d, want 200 and 1", st, tk.Number)
	}
}
