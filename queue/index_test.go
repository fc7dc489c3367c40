package queue_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/antrian/antrian/queue"
)

// entryIDs lists the ids of a unit's lanes, normal lane first.
func entryIDs(ls queue.Lanes) []string {
	var out []string
	for _, x := range slices.Concat(ls.Normal, ls.Priority) {
		out = append(out, x.ID)
	}
	return out
}

// The live index in Redis is derived from Postgres: losing it loses
// nothing, and a unit that drifted from Postgres is repaired.
func TestLiveIndex(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	t.Run("after Redis is flushed the next booking rebuilds the unit", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		for _, name := range []string{"a", "b", "c"} {
			e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: name})
			e.clock.Advance(time.Minute)
		}
		if tk, _, err := e.svc.CallNext(ctx, fac, "UMUM", "1", "staff"); err != nil || tk.Name != "a" {
			t.Fatalf("call next: %q, %v", tk.Name, err)
		}
		e.redis.FlushAll()
		tk := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: "d"})
		if tk.Number != 4 || tk.Position != 3 {
			t.Errorf("got number %d position %d, want 4 and 3 (behind b and c)", tk.Number, tk.Position)
		}
		if got := e.waitingNames(t, fac, "UMUM"); !slices.Equal(got, []string{"b", "c", "d"}) {
			t.Errorf("got line %v, want [b c d]", got)
		}
		if tk, _, err := e.svc.CallNext(ctx, fac, "UMUM", "1", "staff"); err != nil || tk.Name != "b" {
			t.Errorf("call next: got %q, %v; want b", tk.Name, err)
		}
	})

	t.Run("after Redis is flushed the next call rebuilds the unit", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		for _, name := range []string{"a", "b"} {
			e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: name})
			e.clock.Advance(time.Minute)
		}
		if _, _, err := e.svc.CallNext(ctx, fac, "UMUM", "1", "staff"); err != nil {
			t.Fatal(err)
		}
		e.redis.FlushAll()
		if got := e.callAll(t, fac, "UMUM"); !slices.Equal(got, []string{"b"}) {
			t.Errorf("called %v, want [b]: nobody lost, nobody called twice", got)
		}
	})

	t.Run("a rebuild keeps the ratio count", func(t *testing.T) {
		e.clock.Set(friday)
		u := unit("UMUM", "B")
		u.Policy = queue.Policy{Mode: queue.Ratio, Every: 2}
		fac := e.facility(t, u)
		for _, a := range []arrival{{"n1", "", 0}, {"n2", "", 1}, {"n3", "", 2}, {"p1", "balita", 3}} {
			e.clock.Set(friday.Add(time.Duration(a.at) * time.Minute))
			e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: a.name, Priority: string(a.priority)})
		}
		for range 2 {
			if _, _, err := e.svc.CallNext(ctx, fac, "UMUM", "1", "staff"); err != nil {
				t.Fatal(err)
			}
		}
		e.redis.FlushAll()
		if got := e.callAll(t, fac, "UMUM"); !slices.Equal(got, []string{"p1", "n3"}) {
			t.Errorf("called %v, want [p1 n3]: two normal calls were made before the flush", got)
		}
	})

	t.Run("after Redis is flushed a ticket's place is read again", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		tk := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		e.redis.FlushAll()
		got, err := e.svc.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Position != 2 || got.Ahead != 1 {
			t.Errorf("got position %d ahead %d, want 2 and 1", got.Position, got.Ahead)
		}
	})

	t.Run("RebuildAll restores every unit Redis lost", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"), unit("GIGI", "C"))
		var umum, gigi []string
		for range 3 {
			umum = append(umum, e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"}).ID)
			e.clock.Advance(time.Minute)
		}
		gigi = append(gigi, e.book(t, queue.BookRequest{Facility: fac, Unit: "GIGI", Priority: "lansia"}).ID)
		e.book(t, queue.BookRequest{Facility: fac, Unit: "GIGI", ServiceDate: tomorrow}) // not today's
		e.redis.FlushAll()

		var units int
		if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM units`).Scan(&units); err != nil {
			t.Fatal(err)
		}
		n, err := e.svc.RebuildAll(ctx)
		if err != nil || n != units {
			t.Fatalf("rebuilt %d units, %v; want every unit of the database (%d)", n, err, units)
		}
		if got := entryIDs(e.lanes(t, fac, "UMUM", today)); !slices.Equal(got, umum) {
			t.Errorf("UMUM holds %v, want %v", got, umum)
		}
		if got := e.lanes(t, fac, "GIGI", today); !slices.Equal(entryIDs(got), gigi) {
			t.Errorf("GIGI holds %v, want %v", entryIDs(got), gigi)
		}
		if n, err := e.svc.RebuildAll(ctx); err != nil || n != 0 {
			t.Errorf("a second RebuildAll rebuilt %d units, %v; want 0", n, err)
		}
	})

	t.Run("Reconcile repairs a unit that disagrees twice", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"), unit("GIGI", "C"))
		var want []string
		for range 3 {
			want = append(want, e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"}).ID)
			e.clock.Advance(time.Minute)
		}
		e.book(t, queue.BookRequest{Facility: fac, Unit: "GIGI"})
		// UMUM loses a waiting ticket and gains one Postgres never had.
		if err := e.live.Remove(ctx, fac, "UMUM", today, want[1], false); err != nil {
			t.Fatal(err)
		}
		if err := e.live.Add(ctx, fac, "UMUM", today, queue.Entry{ID: "ghost", Key: 1}, queue.LaneNormal, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.live.Add(ctx, fac, "UMUM", today, queue.Entry{ID: "ghost2", Key: 2}, queue.LaneNormal, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		suspects := map[string]bool{}
		if n, err := e.svc.Reconcile(ctx, suspects); err != nil || n != 0 {
			t.Fatalf("first pass repaired %d, %v; want 0 (one disagreement can be a write in flight)", n, err)
		}
		key := fac + "/UMUM/" + today
		if len(suspects) != 1 || !suspects[key] {
			t.Errorf("got suspects %v, want only %s", suspects, key)
		}
		if got := e.lanes(t, fac, "UMUM", today).Count(); got != 4 {
			t.Errorf("after one pass UMUM holds %d entries, want the 4 it drifted to", got)
		}
		if n, err := e.svc.Reconcile(ctx, suspects); err != nil || n != 1 {
			t.Fatalf("second pass repaired %d, %v; want 1", n, err)
		}
		if got := entryIDs(e.lanes(t, fac, "UMUM", today)); !slices.Equal(got, want) {
			t.Errorf("UMUM holds %v, want %v", got, want)
		}
		if len(suspects) != 0 {
			t.Errorf("got suspects %v after the repair, want none", suspects)
		}
		if n, err := e.svc.Reconcile(ctx, suspects); err != nil || n != 0 || len(suspects) != 0 {
			t.Errorf("a pass over units in step repaired %d, suspects %v, %v; want nothing", n, suspects, err)
		}
	})

	t.Run("Reconcile leaves a lost unit to its next operation", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		e.redis.FlushAll()
		suspects := map[string]bool{}
		for range 2 {
			if n, err := e.svc.Reconcile(ctx, suspects); err != nil || n != 0 {
				t.Fatalf("repaired %d, %v; want 0", n, err)
			}
		}
		if len(suspects) != 0 {
			t.Errorf("got suspects %v, want none", suspects)
		}
		if got := e.waitingNames(t, fac, "UMUM"); len(got) != 1 {
			t.Errorf("got %d waiting, want 1", len(got))
		}
	})
}

// rebuildBeforeApply is a store whose Apply first has the unit's index
// rebuilt from Postgres, as the reconciler's repair would do at that moment:
// after CallNext took the ticket from the index and before the call
// commits, so Postgres still has the ticket waiting.
type rebuildBeforeApply struct {
	queue.Store
	t         *testing.T
	e         *env
	fac, unit string
}

func (s *rebuildBeforeApply) Apply(ctx context.Context, id string, c queue.Change, now time.Time) (queue.Ticket, []queue.Event, error) {
	_, units, err := s.e.db.Facility(ctx, s.fac)
	if err != nil {
		s.t.Fatal(err)
	}
	u := units[slices.IndexFunc(units, func(u queue.Unit) bool { return u.Code == s.unit })]
	waiting, since, err := s.e.db.LiveState(ctx, u.ID, c.Date, u.Policy)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.e.live.Invalidate(ctx, s.fac, s.unit, c.Date); err != nil {
		s.t.Fatal(err)
	}
	if ok, err := s.e.live.Rebuild(ctx, s.fac, s.unit, c.Date, waiting, since, now); err != nil || !ok {
		s.t.Fatalf("rebuild: %v, %v", ok, err)
	}
	return s.Store.Apply(ctx, id, c, now)
}

// A rebuild of the index that read Postgres while a call was on its way
// (taken from the index, not yet committed) must not leave the called
// ticket in the line: phones would count it ahead of them for the rest of
// the day.
func TestCallNextRacingRebuild(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.clock.Set(friday)
	fac := e.facility(t, unit("UMUM", "B"))
	a := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: "a"})
	e.clock.Advance(time.Minute)
	b := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: "b"})
	svc := e.service()
	svc.Store = &rebuildBeforeApply{Store: e.db, t: t, e: e, fac: fac, unit: "UMUM"}
	tk, found, err := svc.CallNext(ctx, fac, "UMUM", "1", "staff")
	if err != nil || !found || tk.ID != a.ID {
		t.Fatalf("call next: %s %v %v, want a", tk.Name, found, err)
	}
	if got := entryIDs(e.lanes(t, fac, "UMUM", a.ServiceDate)); !slices.Equal(got, []string{b.ID}) {
		t.Errorf("index after the call: %v, want only b (%s)", got, b.ID)
	}
	if got, err := e.svc.Ticket(ctx, b.ID); err != nil || got.Position != 1 {
		t.Errorf("b's place: %d (%v), want 1", got.Position, err)
	}
}
