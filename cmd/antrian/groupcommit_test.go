package main

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/antrian/antrian/internal/testenv"
)

// Bookings that arrive together share a transaction (group commit); the
// guarantees stay those of one booking at a time. 500 patients book the
// same unit at once through two instances sharing Postgres and Redis, and
// Redis is flushed while they do: every booking is answered, the numbers
// are 1..500 without a gap or a duplicate, the facility's events are
// sequenced without a gap with the exact waiting count, fewer transactions
// than bookings were needed, and the live queue converges to Postgres.
func TestGroupCommitAcrossInstancesWithRedisFlush(t *testing.T) {
	rs := testenv.Redis(t, false)
	e := newEnv(t, backend{name: "redis", redis: rs})
	apps := []*App{e.start()}
	e.seed(apps[0])
	apps = append(apps, e.start())
	pub := publicClients(t, apps...)

	const n = 500
	var (
		mu       sync.Mutex
		booked   []ticket
		answered atomic.Int64 // counts failures too, so the flush never waits forever
		flushed  = make(chan struct{})
		start    = make(chan struct{})
		wg       sync.WaitGroup
	)
	go func() {
		defer close(flushed)
		for answered.Load() < n/4 {
			time.Sleep(time.Millisecond)
		}
		rs.Flush(t) // lose the live queues in the middle of the rush
	}()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			st, tk := pub[i%len(pub)].book("UMUM", nil)
			answered.Add(1)
			if st != 201 {
				t.Errorf("booking %d: status %d", i, st)
				return
			}
			mu.Lock()
			booked = append(booked, tk)
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	<-flushed

	checkNumbers(t, booked, n)
	db := apps[0]
	if got := dbCount(t, db, `SELECT count(*) FROM tickets WHERE status = 'waiting'`); got != n {
		t.Errorf("%d tickets waiting in Postgres, want %d", got, n)
	}
	// Events 1..500, each with the waiting count after its booking.
	if got := dbCount(t, db, `SELECT count(*) FROM ticket_events e JOIN facilities f ON f.id = e.facility_id
		WHERE f.code = 'sobo' AND e.seq BETWEEN 1 AND $1 AND e.waiting = e.seq AND e.kind = 'booked'`, n); got != n {
		t.Errorf("%d events numbered 1..%d with their waiting count, want %d", got, n, n)
	}
	if got := dbCount(t, db, `SELECT event_seq FROM facilities WHERE code = 'sobo'`); got != n {
		t.Errorf("facility event_seq %d, want %d", got, n)
	}
	txs := dbCount(t, db, `SELECT count(DISTINCT xmin::text) FROM tickets`)
	if txs >= n {
		t.Errorf("%d bookings took %d transactions: none were grouped", n, txs)
	}
	t.Logf("%d bookings in %d transactions", n, txs)

	// The live queue, lost in the flush, is rebuilt to Postgres's line, in
	// number order (the reconciler runs every 200 ms here).
	staff := staffClients(t, apps...)
	var waiting []ticket
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		waiting, _ = staff[1].queue("UMUM")
		if len(waiting) == n || time.Now().After(deadline) {
			break
		}
	}
	if len(waiting) != n {
		t.Fatalf("live queue holds %d tickets, Postgres %d", len(waiting), n)
	}
	for i, tk := range waiting {
		if tk.Number != i+1 {
			t.Fatalf("live queue position %d holds %s", i+1, tk.Code)
		}
	}
}
