package queue_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
)

// arrival is a patient who books at a number of minutes after 08:00.
type arrival struct {
	name     string
	priority queue.Priority
	at       int
}

// callAll calls a unit until nobody waits and returns the names called.
func (e *env) callAll(t *testing.T, fac, unit string) []string {
	t.Helper()
	var names []string
	for range 100 {
		tk, found, err := e.svc.CallNext(context.Background(), fac, unit, "1", "staff")
		if err != nil {
			t.Fatalf("call next: %v", err)
		}
		if !found {
			return names
		}
		names = append(names, tk.Name)
	}
	t.Fatal("the unit never emptied")
	return nil
}

func TestCallNext(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	t.Run("each policy's order", func(t *testing.T) {
		n := func(name string, at int) arrival { return arrival{name, queue.PriorityNone, at} }
		p := func(name string, at int) arrival { return arrival{name, queue.PriorityLansia, at} }
		tests := []struct {
			name     string
			policy   queue.Policy
			arrivals []arrival
			callAt   int
			want     []string
		}{
			{"ratio 2: one priority call after every two others", queue.Policy{Mode: queue.Ratio, Every: 2},
				[]arrival{n("n1", 0), n("n2", 1), n("n3", 2), p("p1", 3), n("n4", 4), p("p2", 5)}, 10,
				[]string{"n1", "n2", "p1", "n3", "n4", "p2"}},
			{"ratio 1: alternate", queue.Policy{Mode: queue.Ratio, Every: 1},
				[]arrival{n("n1", 0), n("n2", 1), p("p1", 2), p("p2", 3), n("n3", 4)}, 10,
				[]string{"n1", "p1", "n2", "p2", "n3"}},
			{"ratio: a priority ticket never waits behind a later arrival", queue.Policy{Mode: queue.Ratio, Every: 5},
				[]arrival{p("p1", 0), n("n1", 1), n("n2", 2)}, 10,
				[]string{"p1", "n1", "n2"}},
			{"strict: priority first", queue.Policy{Mode: queue.Strict, MaxWait: 1800},
				[]arrival{n("n1", 0), n("n2", 1), p("p1", 2), p("p2", 3)}, 10,
				[]string{"p1", "p2", "n1", "n2"}},
			{"strict: a normal ticket waiting over max_wait goes first", queue.Policy{Mode: queue.Strict, MaxWait: 1800},
				[]arrival{n("n1", 0), p("p1", 5), p("p2", 6), n("n2", 7)}, 31,
				[]string{"n1", "p1", "p2", "n2"}},
			{"strict: but never before an earlier priority ticket", queue.Policy{Mode: queue.Strict, MaxWait: 1800},
				[]arrival{p("p1", 0), n("n1", 1), p("p2", 2)}, 40,
				[]string{"p1", "n1", "p2"}},
			{"strict without max_wait: priority always first", queue.Policy{Mode: queue.Strict},
				[]arrival{n("n1", 0), p("p1", 5)}, 600,
				[]string{"p1", "n1"}},
			{"fifo: by arrival only", queue.Policy{Mode: queue.FIFO},
				[]arrival{n("n1", 0), p("p1", 1), n("n2", 2), p("p2", 3)}, 10,
				[]string{"n1", "p1", "n2", "p2"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				u := unit("UMUM", "B")
				u.Policy = tc.policy
				fac := e.facility(t, u)
				for _, a := range tc.arrivals {
					e.clock.Set(friday.Add(time.Duration(a.at) * time.Minute))
					e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: a.name, Priority: string(a.priority)})
				}
				e.clock.Set(friday.Add(time.Duration(tc.callAt) * time.Minute))
				if got := e.waitingNames(t, fac, "UMUM"); !slices.Equal(got, tc.want) {
					t.Errorf("Queue predicts %v, want %v", got, tc.want)
				}
				if got := e.callAll(t, fac, "UMUM"); !slices.Equal(got, tc.want) {
					t.Errorf("called %v, want %v", got, tc.want)
				}
			})
		}
	})

	t.Run("a call is committed and published", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		booked := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		e.clock.Advance(5 * time.Minute)
		e.pub.take()
		tk, found, err := e.svc.CallNext(ctx, fac, "UMUM", "Ruang 2", "staff")
		if err != nil || !found {
			t.Fatalf("call next: found %v, %v", found, err)
		}
		got := e.stored(t, booked.ID)
		if got.Status != queue.Called || got.Counter != "Ruang 2" || got.CallCount != 1 || got.CalledAt == nil ||
			!got.CalledAt.Equal(e.clock.Now()) {
			t.Errorf("stored %+v, want called at Ruang 2 once, now", got)
		}
		if tk.ID != booked.ID || tk.Status != queue.Called {
			t.Errorf("got ticket %s %s, want %s called", tk.ID, tk.Status, booked.ID)
		}
		events := e.pub.take()
		if len(events) != 1 || events[0].Kind != "called" || events[0].Current == nil ||
			*events[0].Current != (queue.Call{Code: "B-001", Counter: "Ruang 2"}) || events[0].Waiting != 0 {
			t.Errorf("published %+v, want one called event with B-001 at Ruang 2 current and none waiting", events)
		}
		if e.indexed(t, fac, "UMUM", today, booked.ID) {
			t.Error("the called ticket is still in the live index")
		}
	})

	t.Run("concurrent callers each get a distinct ticket", func(t *testing.T) {
		e.clock.Set(friday)
		u := unit("UMUM", "B")
		u.Policy = queue.DefaultPolicy()
		fac := e.facility(t, u)
		booked := map[string]bool{}
		for i := range 40 {
			pr := ""
			if i%4 == 0 {
				pr = "hamil"
			}
			booked[e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Priority: pr}).ID] = true
		}
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			called = map[string]int{}
			errs   []error
		)
		for c := range 8 {
			wg.Go(func() {
				for {
					tk, found, err := e.svc.CallNext(ctx, fac, "UMUM", fmt.Sprint(c+1), "staff")
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					} else if found {
						called[tk.ID]++
					}
					mu.Unlock()
					if err != nil || !found {
						return
					}
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d calls failed, the first: %v", len(errs), errs[0])
		}
		for id, n := range called {
			if n != 1 || !booked[id] {
				t.Errorf("ticket %s called %d times (booked here: %v)", id, n, booked[id])
			}
		}
		if len(called) != len(booked) {
			t.Errorf("called %d tickets, want all %d", len(called), len(booked))
		}
		var once int
		err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM tickets t JOIN facilities f ON f.id = t.facility_id
			WHERE f.code = $1 AND t.status = 'called' AND t.call_count = 1`, fac).Scan(&once)
		if err != nil {
			t.Fatal(err)
		}
		if once != len(booked) {
			t.Errorf("Postgres holds %d tickets called once, want %d", once, len(booked))
		}
	})

	t.Run("nobody waiting", func(t *testing.T) {
		fac := e.facility(t, unit("UMUM", "B"))
		e.pub.take()
		tk, found, err := e.svc.CallNext(ctx, fac, "UMUM", "1", "staff")
		if err != nil || found || tk.ID != "" {
			t.Errorf("got ticket %q found %v, %v; want none", tk.ID, found, err)
		}
		if got := e.pub.take(); len(got) != 0 {
			t.Errorf("published %v", kinds(got))
		}
	})

	t.Run("an unknown unit", func(t *testing.T) {
		fac := e.facility(t, unit("UMUM", "B"))
		if _, _, err := e.svc.CallNext(ctx, fac, "NOPE", "1", "staff"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("got %v, want fault.ErrNotFound", err)
		}
		if _, _, err := e.svc.CallNext(ctx, "nope", "UMUM", "1", "staff"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("unknown facility: got %v, want fault.ErrNotFound", err)
		}
	})

	t.Run("stale index entries are skipped", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		gone := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: "gone"})
		e.clock.Advance(time.Minute)
		next := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: "next"})
		// A ticket cancelled behind the index's back, and an id Postgres
		// never had, both ahead of the next patient.
		if _, _, err := e.db.Apply(ctx, gone.ID, queue.Change{Action: queue.ActionCancel}, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		ghost := queue.Entry{ID: "ghost", Key: gone.OrderKey - 1}
		if err := e.live.Add(ctx, fac, "UMUM", today, ghost, queue.LaneNormal, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		tk, found, err := e.svc.CallNext(ctx, fac, "UMUM", "1", "staff")
		if err != nil || !found || tk.ID != next.ID {
			t.Fatalf("got %q found %v, %v; want %q", tk.Name, found, err, next.Name)
		}
		if got := e.stored(t, gone.ID); got.Status != queue.Cancelled || got.CallCount != 0 {
			t.Errorf("the cancelled ticket became %s (called %d times)", got.Status, got.CallCount)
		}
		if got := e.lanes(t, fac, "UMUM", today).Count(); got != 0 {
			t.Errorf("the index still holds %d entries, want 0", got)
		}
	})
}
