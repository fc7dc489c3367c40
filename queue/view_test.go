package queue_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
)

// What patients, screens and the console see of a unit: the waiting line
// in call order, each ticket's place and estimated wait, and the calls in
// progress.
func TestViews(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	t.Run("Queue lists the line in call order with places and waits", func(t *testing.T) {
		e.clock.Set(friday)
		u := unit("UMUM", "B")
		u.Policy = queue.Policy{Mode: queue.Ratio, Every: 2}
		fac := e.facility(t, u)
		for _, a := range []arrival{{"n1", "", 0}, {"n2", "", 1}, {"p1", "lansia", 2}, {"n3", "", 3}, {"n4", "", 4}} {
			e.clock.Set(friday.Add(time.Duration(a.at) * time.Minute))
			e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: a.name, Priority: string(a.priority)})
		}
		first, _, err := e.svc.CallNext(ctx, fac, "UMUM", "Ruang 1", "staff")
		if err != nil {
			t.Fatal(err)
		}
		waiting, current, err := e.svc.Queue(ctx, fac, "UMUM")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"n2", "p1", "n3", "n4"}
		if len(waiting) != len(want) {
			t.Fatalf("got %d waiting, want %d", len(waiting), len(want))
		}
		for i, tk := range waiting {
			if tk.Name != want[i] || tk.Position != i+1 || tk.Ahead != i || tk.EstimatedWaitS != 300*i || tk.Status != queue.Waiting {
				t.Errorf("#%d: got %s position %d ahead %d wait %d s, want %s %d %d %d s",
					i, tk.Name, tk.Position, tk.Ahead, tk.EstimatedWaitS, want[i], i+1, i, 300*i)
			}
		}
		if len(current) != 1 || current[0].ID != first.ID || current[0].Counter != "Ruang 1" {
			t.Errorf("got current %+v, want n1 at Ruang 1", current)
		}
	})

	t.Run("the estimate follows the measured service time", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		for range 4 {
			e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		}
		// Four patients of 4 minutes each, at two counters.
		for i := range 4 {
			tk, _, err := e.svc.CallNext(ctx, fac, "UMUM", []string{"1", "2"}[i%2], "staff")
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(4 * time.Minute)
			if _, err := e.svc.Act(ctx, tk.ID, queue.Change{Action: queue.ActionFinish}); err != nil {
				t.Fatal(err)
			}
		}
		svc := e.service() // one that has not cached the default yet
		for range 3 {
			if _, _, _, err := svc.Book(ctx, queue.BookRequest{Facility: fac, Unit: "UMUM"}); err != nil {
				t.Fatal(err)
			}
		}
		waiting, _, err := svc.Queue(ctx, fac, "UMUM")
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, tk := range waiting {
			got = append(got, tk.EstimatedWaitS)
		}
		if want := []int{0, 120, 240}; !slices.Equal(got, want) {
			t.Errorf("got waits %v s, want %v s (240 s a patient over two counters)", got, want)
		}
	})

	t.Run("Units shows every unit's state", func(t *testing.T) {
		e.clock.Set(friday)
		open := unit("UMUM", "B")
		open.Opens, open.Closes = 7*60, 14*60
		weekend := unit("GIGI", "C")
		weekend.OpenDays = 0b1000001 // Saturday and Sunday
		fac := e.facility(t, open, weekend)
		for range 3 {
			e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		}
		called, _, err := e.svc.CallNext(ctx, fac, "UMUM", "Ruang 1", "staff")
		if err != nil {
			t.Fatal(err)
		}
		f, units, err := e.svc.Units(ctx, fac)
		if err != nil {
			t.Fatal(err)
		}
		if f.Code != fac || len(units) != 2 {
			t.Fatalf("got facility %s with %d units, want %s with 2", f.Code, len(units), fac)
		}
		u, g := units[0], units[1]
		if u.Unit.Code != "UMUM" || !u.Open || u.Waiting != 2 || u.EstimatedWaitS != 600 ||
			u.Current == nil || *u.Current != (queue.Call{Code: called.Code, Counter: "Ruang 1"}) {
			t.Errorf("got UMUM %+v (current %v), want open, 2 waiting, 600 s, %s at Ruang 1", u, u.Current, called.Code)
		}
		if g.Unit.Code != "GIGI" || g.Open || g.Waiting != 0 || g.Current != nil || g.EstimatedWaitS != 0 {
			t.Errorf("got GIGI %+v, want closed and empty", g)
		}
		e.clock.Set(friday.Add(7 * time.Hour)) // 15:00
		if _, units, err := e.svc.Units(ctx, fac); err != nil || units[0].Open {
			t.Errorf("at 15:00 UMUM open: %v, %v; want closed", units[0].Open, err)
		}
	})

	t.Run("Positions gives the places of the tickets asked for in one read", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		var ids, later []string
		for range 3 {
			ids = append(ids, e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"}).ID)
			later = append(later, e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", ServiceDate: tomorrow}).ID)
		}
		if _, _, err := e.svc.CallNext(ctx, fac, "UMUM", "1", "staff"); err != nil {
			t.Fatal(err)
		}
		all := append(slices.Clone(ids), later...)
		places, err := e.svc.Positions(ctx, fac, "UMUM", today, all)
		if err != nil {
			t.Fatal(err)
		}
		// The called ticket and tomorrow's are not waiting today: left out.
		want := map[string]queue.Place{ids[1]: {Position: 1, Ahead: 0}, ids[2]: {Position: 2, Ahead: 1, EstimatedWaitS: 300}}
		if !maps.Equal(places, want) {
			t.Errorf("today: got %v, want %v", places, want)
		}
		// A lost index is rebuilt from Postgres and read again.
		e.redis.FlushAll()
		if places, err := e.svc.Positions(ctx, fac, "UMUM", today, all); err != nil || !maps.Equal(places, want) {
			t.Errorf("today, after Redis lost the index: got %v, %v; want %v", places, err, want)
		}
		if places, err := e.svc.Positions(ctx, fac, "UMUM", today, nil); err != nil || len(places) != 0 {
			t.Errorf("no tickets asked for: got %v, %v; want none", places, err)
		}
		places, err = e.svc.Positions(ctx, fac, "UMUM", today, ids[2:])
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]queue.Place{ids[2]: want[ids[2]]}; !maps.Equal(places, want) {
			t.Errorf("today, one ticket: got %v, want %v", places, want)
		}
		places, err = e.svc.Positions(ctx, fac, "UMUM", tomorrow, all)
		if err != nil {
			t.Fatal(err)
		}
		want = map[string]queue.Place{later[0]: {Position: 1}, later[1]: {Position: 2, Ahead: 1, EstimatedWaitS: 300}, later[2]: {Position: 3, Ahead: 2, EstimatedWaitS: 600}}
		if !maps.Equal(places, want) {
			t.Errorf("tomorrow: got %v, want %v", places, want)
		}
		for _, id := range later {
			tk, err := e.svc.Ticket(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if p := (queue.Place{Position: tk.Position, Ahead: tk.Ahead, EstimatedWaitS: tk.EstimatedWaitS}); p != want[id] {
				t.Errorf("Ticket %s: got place %+v, Positions said %+v", id, p, want[id])
			}
		}
		if _, err := e.svc.Positions(ctx, fac, "NOPE", today, ids); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("unknown unit: got %v, want fault.ErrNotFound", err)
		}
	})

	t.Run("Ticket places only a waiting ticket", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		a := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		b := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		if _, _, err := e.svc.CallNext(ctx, fac, "UMUM", "1", "staff"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			id       string
			position int
		}{{a.ID, 0}, {b.ID, 1}} {
			tk, err := e.svc.Ticket(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if tk.Position != tc.position {
				t.Errorf("%s (%s): got position %d, want %d", tk.Code, tk.Status, tk.Position, tc.position)
			}
		}
		if _, err := e.svc.Ticket(ctx, "nope"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("unknown ticket: got %v, want fault.ErrNotFound", err)
		}
	})

	t.Run("an unknown unit or facility", func(t *testing.T) {
		fac := e.facility(t, unit("UMUM", "B"))
		if _, _, err := e.svc.Queue(ctx, fac, "NOPE"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Queue: got %v, want fault.ErrNotFound", err)
		}
		if _, _, err := e.svc.Units(ctx, "nope"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Units: got %v, want fault.ErrNotFound", err)
		}
	})
}
