package queue

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

func mkEntries(keys ...int64) []Entry {
	out := make([]Entry, len(keys))
	for i, k := range keys {
		out[i] = Entry{ID: fmt.Sprintf("t%d", k), Key: k}
	}
	return out
}

func ids(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func TestPolicyOrder(t *testing.T) {
	min := int64(60_000)
	tests := []struct {
		name         string
		p            Policy
		normal, prio []Entry
		since        int
		now          int64
		want         []string
	}{
		{"ratio 2: priority after two normal calls", Policy{Mode: Ratio, Every: 2},
			mkEntries(1, 2, 3, 5, 7), mkEntries(4, 6), 0, 10,
			[]string{"t1", "t2", "t4", "t3", "t5", "t6", "t7"}},
		{"ratio: a priority ticket never waits behind a later arrival", Policy{Mode: Ratio, Every: 5},
			mkEntries(2, 3), mkEntries(1), 0, 10, []string{"t1", "t2", "t3"}},
		{"ratio: the counter carries over", Policy{Mode: Ratio, Every: 2},
			mkEntries(1, 2), mkEntries(3), 2, 10, []string{"t3", "t1", "t2"}},
		{"strict: priority first", Policy{Mode: Strict, MaxWait: 1800},
			mkEntries(1, 2), mkEntries(3, 4), 0, 10, []string{"t3", "t4", "t1", "t2"}},
		{"strict: aging lets an overdue normal ticket through", Policy{Mode: Strict, MaxWait: 1800},
			mkEntries(0, 40*min), mkEntries(31*min, 32*min), 0, 31 * min, []string{"t0", "t1860000", "t1920000", "t2400000"}},
		{"fifo keeps arrival order", Policy{Mode: FIFO},
			mkEntries(1, 2, 3), nil, 0, 10, []string{"t1", "t2", "t3"}},
		{"empty", DefaultPolicy(), nil, nil, 0, 0, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ids(tc.p.Order(tc.normal, tc.prio, tc.since, tc.now))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// The Redis script and Policy.Order are two writings of one rule: random
// queues must be called in exactly the order Order predicts.
func TestLiveNextMatchesOrder(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	live := NewLive(rdb, "test:")
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	policies := []Policy{{Mode: Ratio, Every: 1}, {Mode: Ratio, Every: 2}, {Mode: Ratio, Every: 3},
		{Mode: Strict, MaxWait: 600}, {Mode: Strict}, {Mode: FIFO}}
	for round := range 60 {
		p := policies[round%len(policies)]
		unit := fmt.Sprintf("U%d", round)
		var waiting []LaneEntry
		var normal, prio []Entry
		for i := range 5 + rng.IntN(30) {
			pr := PriorityNone
			if rng.IntN(3) == 0 {
				pr = PriorityLansia
			}
			e := Entry{ID: fmt.Sprintf("t%03d", i), Key: now.Add(-time.Duration(rng.IntN(3600)) * time.Second).UnixMilli()}
			lane := p.Lane(pr)
			waiting = append(waiting, LaneEntry{Entry: e, Lane: lane})
			if lane == LanePriority {
				prio = append(prio, e)
			} else {
				normal = append(normal, e)
			}
		}
		sortByKey := func(es []Entry) {
			slices.SortFunc(es, func(a, b Entry) int {
				if a.Key != b.Key {
					return int(a.Key - b.Key)
				}
				if a.ID < b.ID {
					return -1
				}
				return 1
			})
		}
		sortByKey(normal)
		sortByKey(prio)
		since := rng.IntN(3)
		if _, err := live.Rebuild(ctx, "f", unit, "2026-11-27", waiting, since, now); err != nil {
			t.Fatal(err)
		}
		want := ids(p.Order(normal, prio, since, now.UnixMilli()))
		var got []string
		for {
			id, err := live.Next(ctx, "f", unit, "2026-11-27", p, now)
			if err != nil {
				t.Fatal(err)
			}
			if id == "" {
				break
			}
			got = append(got, id)
		}
		if !slices.Equal(got, want) {
			t.Errorf("round %d (%+v): Redis called %v, Order predicted %v", round, p, got, want)
		}
	}
}

// A lost index (flushed Redis) is reported, and a rebuild only lands once.
func TestLiveLostAndRebuild(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	live := NewLive(rdb, "test:")
	ctx := context.Background()
	now := time.Now()
	if err := live.Add(ctx, "f", "U", "2026-11-27", Entry{ID: "a", Key: 1}, LaneNormal, now); err != errLost {
		t.Fatalf("add to a missing index: %v, want errLost", err)
	}
	if wrote, err := live.Rebuild(ctx, "f", "U", "2026-11-27", []LaneEntry{{Entry{ID: "a", Key: 1}, LaneNormal}}, 0, now); !wrote || err != nil {
		t.Fatalf("first rebuild: %v %v", wrote, err)
	}
	if wrote, _ := live.Rebuild(ctx, "f", "U", "2026-11-27", nil, 0, now); wrote {
		t.Error("a second rebuild overwrote a present index")
	}
	ls, err := live.Read(ctx, "f", "U", "2026-11-27")
	if err != nil || ls.Count() != 1 {
		t.Errorf("read after rebuild: %v %v", ls, err)
	}
	// AddPlace adds and answers with the ticket's place, as Order would
	// after Add.
	ahead, err := live.AddPlace(ctx, "f", "U", "2026-11-27", Entry{ID: "b", Key: 2}, LanePriority, DefaultPolicy(), now)
	if err != nil || ahead != 1 {
		t.Fatalf("AddPlace of a priority ticket keyed after a normal one: %d ahead, %v; want 1", ahead, err)
	}
	ls, err = live.Read(ctx, "f", "U", "2026-11-27")
	if err != nil || !slices.Equal(ls.Priority, []Entry{{ID: "b", Key: 2}}) || !slices.Equal(ls.Normal, []Entry{{ID: "a", Key: 1}}) {
		t.Errorf("lanes after AddPlace: %+v, %v", ls, err)
	}
	mr.FlushAll()
	if _, err := live.Read(ctx, "f", "U", "2026-11-27"); err != errLost {
		t.Errorf("read after flush: %v, want errLost", err)
	}
	if _, err := live.AddPlace(ctx, "f", "U", "2026-11-27", Entry{ID: "c", Key: 3}, LaneNormal, DefaultPolicy(), now); err != errLost {
		t.Errorf("AddPlace after flush: %v, want errLost", err)
	}
}

func TestTransitions(t *testing.T) {
	all := []Status{Waiting, Called, Serving, Done, Skipped, Cancelled, Transferred}
	allowed := map[Action][]Status{
		ActionCall: {Waiting}, ActionRecall: {Called}, ActionStart: {Called}, ActionFinish: {Called, Serving},
		ActionSkip: {Called}, ActionRequeue: {Skipped}, ActionCancel: {Waiting, Called, Skipped},
		ActionPatientDrop: {Waiting}, ActionTransfer: {Called, Serving},
	}
	for a, from := range allowed {
		for _, s := range all {
			if got := Allowed(a, s); got != slices.Contains(from, s) {
				t.Errorf("Allowed(%s, %s) = %v", a, s, got)
			}
		}
	}
	if FormatCode("B", 13) != "B-013" || FormatCode("A", 1234) != "A-1234" {
		t.Errorf("FormatCode: %s %s", FormatCode("B", 13), FormatCode("A", 1234))
	}
}

// BenchmarkOrder orders a unit of 300 waiting tickets (a busy Poli Umum
// morning), a fifth of them in priority groups, as every queue listing and
// position estimate does.
func BenchmarkOrder(b *testing.B) {
	var normal, prio []Entry
	for i := range 300 {
		e := Entry{ID: fmt.Sprintf("t%03d", i), Key: int64(i) * 1000}
		if i%5 == 0 {
			prio = append(prio, e)
		} else {
			normal = append(normal, e)
		}
	}
	p := DefaultPolicy()
	for b.Loop() {
		if got := p.Order(normal, prio, 1, 400_000); len(got) != 300 {
			b.Fatal(len(got))
		}
	}
}
