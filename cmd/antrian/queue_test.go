package main

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/antrian/antrian/internal/testenv"
)

// bookMany books n tickets on unit concurrently through the given clients
// (round robin) and returns the acknowledged tickets.
func bookMany(t *testing.T, clients []*client, unit string, n int) []ticket {
	t.Helper()
	var (
		mu  sync.Mutex
		got []ticket
		wg  sync.WaitGroup
	)
	sem := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			st, tk := clients[i%len(clients)].book(unit, nil)
			if st != 201 {
				t.Errorf("booking %d: status %d", i, st)
				return
			}
			mu.Lock()
			got = append(got, tk)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return got
}

// checkNumbers asserts the tickets are numbered exactly 1..n.
func checkNumbers(t *testing.T, got []ticket, n int) {
	t.Helper()
	nums := make([]int, len(got))
	for i, tk := range got {
		nums[i] = tk.Number
	}
	sort.Ints(nums)
	if len(nums) != n {
		t.Fatalf("got %d tickets, want %d", len(nums), n)
	}
	for i, v := range nums {
		if v != i+1 {
			t.Fatalf("numbers: position %d holds %d, want %d (duplicate or gap)", i, v, i+1)
		}
	}
}

// callAll presses "call next" from callers goroutines on clients until
// every caller gets 204, and returns the called tickets.
func callAll(t *testing.T, clients []*client, unit string, callers int) []ticket {
	t.Helper()
	var (
		mu     sync.Mutex
		called []ticket
		wg     sync.WaitGroup
	)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clients[i%len(clients)]
			for {
				st, tk := c.callNext(unit, fmt.Sprintf("Ruang %d", i))
				switch st {
				case 204:
					return
				case 200:
					mu.Lock()
					called = append(called, tk)
					mu.Unlock()
				default:
					t.Errorf("caller %d: status %d", i, st)
					return
				}
			}
		}()
	}
	wg.Wait()
	return called
}

func checkCalledOnce(t *testing.T, booked, called []ticket) {
	t.Helper()
	seen := map[string]int{}
	for _, tk := range called {
		seen[tk.ID]++
		if tk.Status != "called" {
			t.Errorf("called ticket %s has status %s", tk.Code, tk.Status)
		}
	}
	for _, tk := range booked {
		if seen[tk.ID] != 1 {
			t.Errorf("ticket %s called %d times, want exactly 1", tk.Code, seen[tk.ID])
		}
	}
	if len(called) != len(booked) {
		t.Errorf("%d calls for %d tickets", len(called), len(booked))
	}
}

func staffClients(t *testing.T, apps ...*App) []*client {
	var cs []*client
	for _, a := range apps {
		c := newClient(t, a.URL())
		c.login("petugas", "rahasia123")
		cs = append(cs, c)
	}
	return cs
}

func publicClients(t *testing.T, apps ...*App) []*client {
	var cs []*client
	for _, a := range apps {
		cs = append(cs, newClient(t, a.URL()))
	}
	return cs
}

// Invariants 1 and 2 (and 4 with two instances): 500 concurrent bookings are
// numbered 1..500, and 20 concurrent callers call each exactly once.
func TestConcurrentBookAndCall(t *testing.T) {
	for _, b := range backends(t) {
		for _, instances := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/%d-instances", b.name, instances), func(t *testing.T) {
				if b.redis == nil && instances == 2 {
					t.Skip("the embedded Redis is private to one instance")
				}
				e := newEnv(t, b)
				if b.redis != nil {
					b.redis.Flush(t)
				}
				apps := []*App{e.start()}
				e.seed(apps[0])
				for len(apps) < instances {
					apps = append(apps, e.start())
				}
				booked := bookMany(t, publicClients(t, apps...), "UMUM", 500)
				checkNumbers(t, booked, 500)
				called := callAll(t, staffClients(t, apps...), "UMUM", 20)
				checkCalledOnce(t, booked, called)
				if n := dbCount(t, apps[0], `SELECT count(*) FROM tickets WHERE status = 'called' AND call_count = 1`); n != 500 {
					t.Errorf("tickets called once in Postgres: got %d, want 500", n)
				}
			})
		}
	}
}

// Invariant 3 (and 4): Redis flushed and restarted in the middle of
// bookings and calls loses nothing acknowledged, never reuses a number, and
// the live queue is rebuilt to match Postgres.
func TestRedisLossDuringTraffic(t *testing.T) {
	for _, instances := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d-instances", instances), func(t *testing.T) {
			rs := testenv.Redis(t, false)
			e := newEnv(t, backend{name: "redis", redis: rs})
			apps := []*App{e.start()}
			e.seed(apps[0])
			for len(apps) < instances {
				apps = append(apps, e.start())
			}
			pub, staff := publicClients(t, apps...), staffClients(t, apps...)
			tr := underTraffic(pub, staff, func() {
				time.Sleep(300 * time.Millisecond)
				rs.Flush(t) // lose everything, as after FLUSHALL
				time.Sleep(300 * time.Millisecond)
				rs.Stop() // crash: Redis without persistence comes back empty
				time.Sleep(200 * time.Millisecond)
				rs.Start()
				time.Sleep(500 * time.Millisecond)
			})
			checkAfterTraffic(t, apps, staff, tr)
		})
	}
}

// traffic is what bookings and calls got while Redis was disturbed.
type traffic struct {
	booked, called              []ticket
	failedBookings, failedCalls int64
}

// underTraffic books (8 patients) and calls (4 counters) on UMUM through
// the clients, round robin over the instances, while disturb runs; the
// traffic stops when disturb returns.
func underTraffic(pub, staff []*client, disturb func()) traffic {
	var (
		mu             sync.Mutex
		tr             traffic
		stop           atomic.Bool
		wg             sync.WaitGroup
		failedBookings atomic.Int64
		failedCalls    atomic.Int64
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				st, tk := pub[i%len(pub)].book("UMUM", nil)
				if st == 201 {
					mu.Lock()
					tr.booked = append(tr.booked, tk)
					mu.Unlock()
				} else {
					failedBookings.Add(1)
				}
			}
		}()
	}
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				st, tk := staff[i%len(staff)].callNext("UMUM", "Ruang 1")
				switch st {
				case 200:
					mu.Lock()
					tr.called = append(tr.called, tk)
					mu.Unlock()
				case 204:
					time.Sleep(5 * time.Millisecond)
				default:
					failedCalls.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	disturb()
	stop.Store(true)
	wg.Wait()
	tr.failedBookings, tr.failedCalls = failedBookings.Load(), failedCalls.Load()
	return tr
}

// checkAfterTraffic asserts that the traffic lost nothing: every
// acknowledged ticket is in Postgres, numbers are neither reused nor
// skipped, no ticket was called twice, the live queue converges to
// Postgres's waiting set in order, and the rest can be called, each once.
func checkAfterTraffic(t *testing.T, apps []*App, staff []*client, tr traffic) {
	t.Helper()
	booked, called := tr.booked, tr.called
	t.Logf("booked %d, called %d, refused bookings %d, refused calls %d while Redis was down",
		len(booked), len(called), tr.failedBookings, tr.failedCalls)

	// Everything acknowledged is in Postgres, numbered without reuse.
	for _, tk := range booked {
		if n := dbCount(t, apps[0], `SELECT count(*) FROM tickets WHERE id = $1`, tk.ID); n != 1 {
			t.Errorf("acknowledged ticket %s missing from Postgres", tk.Code)
		}
	}
	total := dbCount(t, apps[0], `SELECT count(*) FROM tickets`)
	if got := dbCount(t, apps[0], `SELECT count(DISTINCT number) FROM tickets`); got != total {
		t.Errorf("%d distinct numbers for %d tickets", got, total)
	}
	if got := dbCount(t, apps[0], `SELECT coalesce(max(number), 0) FROM tickets`); got != total {
		t.Errorf("highest number %d for %d tickets: a gap", got, total)
	}
	seen := map[string]bool{}
	for _, tk := range called {
		if seen[tk.ID] {
			t.Errorf("ticket %s called twice", tk.Code)
		}
		seen[tk.ID] = true
	}
	// The live queue converges to Postgres's waiting set, in order:
	// units that missed a write while Redis was down are repaired
	// by the next reconcile (every 200 ms here). The wait allows
	// for a CI machine running every package's race tests at once:
	// it is a test of convergence, not of speed.
	want := dbCount(t, apps[0], `SELECT count(*) FROM tickets WHERE status = 'waiting'`)
	var waiting []ticket
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		waiting, _ = staff[0].queue("UMUM")
		if len(waiting) == want || time.Now().After(deadline) {
			break
		}
	}
	if len(waiting) != want {
		t.Errorf("live queue holds %d tickets, Postgres %d waiting", len(waiting), want)
	}
	for i := 1; i < len(waiting); i++ {
		if waiting[i].Number < waiting[i-1].Number {
			t.Errorf("live order: %s before %s", waiting[i-1].Code, waiting[i].Code)
		}
	}
	// And the rest can be called, each once.
	rest := callAll(t, staff, "UMUM", 4)
	checkCalledOnce(t, waiting, rest)
	if n := dbCount(t, apps[0], `SELECT count(*) FROM tickets WHERE status = 'waiting'`); n != 0 {
		t.Errorf("%d tickets still waiting after calling everyone", n)
	}
	if len(booked) == 0 || len(called) == 0 {
		t.Errorf("no traffic got through (booked %d, called %d)", len(booked), len(called))
	}
}

// Invariant 5: a retried POST with the same Idempotency-Key makes one ticket.
func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	c := newClient(t, app.URL())
	body := map[string]any{"unit": "GIGI", "name": "Siti"}
	hdr := map[string]string{"Idempotency-Key": "kiosk-1-000042"}
	var first, again ticket
	if st := c.do("POST", "/api/v1/facilities/sobo/tickets", body, hdr, &first); st != 201 {
		t.Fatalf("first: status %d", st)
	}
	var wg sync.WaitGroup
	results := make([]ticket, 10)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if st := c.do("POST", "/api/v1/facilities/sobo/tickets", body, hdr, &results[i]); st != 200 {
				t.Errorf("retry %d: status %d, want 200", i, st)
			}
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.ID != first.ID || r.Token != first.Token {
			t.Errorf("retry returned ticket %s, want %s with the same token", r.ID, first.ID)
		}
	}
	var ae apiErr
	if st := c.do("POST", "/api/v1/facilities/sobo/tickets", map[string]any{"unit": "GIGI", "name": "Budi"}, hdr, &ae); st != 409 || ae.Error.Code != "conflict" {
		t.Errorf("same key, other body: got %d %q, want 409 conflict", st, ae.Error.Code)
	}
	if st := c.do("POST", "/api/v1/facilities/sobo/tickets", body, map[string]string{"Idempotency-Key": "kiosk-1-000043"}, &again); st != 201 || again.ID == first.ID {
		t.Errorf("new key: got %d %s, want 201 with a new ticket", st, again.ID)
	}
	if n := dbCount(t, app, `SELECT count(*) FROM tickets`); n != 2 {
		t.Errorf("tickets stored: got %d, want 2", n)
	}
}

// Invariant 7: tickets issued just before and just after midnight WIB get
// their own service dates, and numbering restarts at 1.
func TestDayRollover(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	wib := time.FixedZone("WIB", 7*3600)
	e.clock.Set(time.Date(2026, 11, 27, 23, 59, 59, 0, wib))
	app := e.start()
	e.seed(app)
	c := newClient(t, app.URL())
	_, a := c.book("UMUM", nil)
	_, b := c.book("UMUM", nil)
	e.clock.Set(time.Date(2026, 11, 28, 0, 0, 0, 0, wib)) // 2026-11-27 17:00 UTC
	_, d := c.book("UMUM", nil)
	_, f := c.book("UMUM", nil)
	for _, tc := range []struct {
		got        ticket
		date, code string
	}{{a, "2026-11-27", "B-001"}, {b, "2026-11-27", "B-002"}, {d, "2026-11-28", "B-001"}, {f, "2026-11-28", "B-002"}} {
		if tc.got.ServiceDate != tc.date || tc.got.Code != tc.code {
			t.Errorf("got %s on %s, want %s on %s", tc.got.Code, tc.got.ServiceDate, tc.code, tc.date)
		}
	}
	// Yesterday's tickets are not in today's queue.
	staff := staffClients(t, app)[0]
	waiting, _ := staff.queue("UMUM")
	if len(waiting) != 2 || waiting[0].ID != d.ID {
		t.Errorf("today's queue after midnight: %d tickets, want the 2 of 2026-11-28", len(waiting))
	}
	// A booking for yesterday is refused.
	var ae apiErr
	if st := c.do("POST", "/api/v1/facilities/sobo/tickets", map[string]any{"unit": "UMUM", "service_date": "2026-11-27"}, nil, &ae); st != 400 || ae.Error.Field != "service_date" {
		t.Errorf("booking for yesterday: got %d field %q, want 400 service_date", st, ae.Error.Field)
	}
}
