package main

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// The fan-out baseline runs this binary again as its writing side.
	if len(os.Args) == 3 && (os.Args[1] == fanoutChildArg || os.Args[1] == fanoutReaderArg) {
		os.Exit(fanoutChildMain(os.Args[1], os.Args[2]))
	}
	os.Exit(m.Run())
}

func TestFanoutBaseline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const n, rounds = 40, 3
	fan, err := startFanout(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	defer fan.close()
	for range rounds {
		if err := fan.round(ctx); err != nil {
			t.Fatal(err)
		}
	}
	f := fan.report()
	if f.Sockets != n || f.Rounds != rounds {
		t.Errorf("report for %d sockets, %d rounds; want %d, %d", f.Sockets, f.Rounds, n, rounds)
	}
	if f.ToOne.N != n*rounds || f.ToEvery.N != rounds {
		t.Errorf("%d arrivals in %d rounds; want %d in %d", f.ToOne.N, f.ToEvery.N, n*rounds, rounds)
	}
	if f.ToEvery.Max <= 0 || f.ToEvery.Max < f.ToOne.P50 || f.ToEvery.Max > 10_000 {
		t.Errorf("every socket max %.3f ms, a socket p50 %.3f ms: not a timing of the rounds", f.ToEvery.Max, f.ToOne.P50)
	}
}

func TestFanoutBaselineStopsWithContext(t *testing.T) {
	// A round whose context ends returns the context's error, and the
	// writer process and readers end with close.
	ctx, cancel := context.WithCancel(context.Background())
	fan, err := startFanout(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer fan.close()
	cancel()
	if err := fan.round(ctx); err == nil {
		t.Fatal("a round outlived its context")
	}
}

// A call counts as on every screen when the last screen has it, and only
// then; a call that never gets there is given up after the limit.
func TestCallTally(t *testing.T) {
	ctx := context.Background()
	tally := newCallTally(map[string]int{"a": 3, "b": 3, "c": 1})
	index := newCallIndex()
	a := index.id(callRef{"a", "UMUM", "2026-11-27", "B-001"})
	b := index.id(callRef{"b", "UMUM", "2026-11-27", "B-001"})
	c := index.id(callRef{"c", "UMUM", "2026-11-27", "B-001"})
	if a == b || b == c || index.id(callRef{"a", "UMUM", "2026-11-27", "B-001"}) != a {
		t.Fatalf("ids %d, %d, %d: one call, one id", a, b, c)
	}
	if index.id(callRef{"a", "UMUM", "2026-11-28", "B-001"}) == a {
		t.Fatal("the same code on another day is the same call")
	}
	got := make(chan bool)
	go func() { got <- tally.wait(ctx, a, 5*time.Second) }()
	tally.arrive(a, "a")
	tally.arrive(a, "a")
	select {
	case <-got:
		t.Fatal("call on every screen after 2 of 3")
	case <-time.After(50 * time.Millisecond):
	}
	tally.arrive(a, "a")
	if !<-got {
		t.Error("call not on every screen after 3 of 3")
	}
	if !tally.wait(ctx, a, time.Millisecond) {
		t.Error("a call that reached every screen earlier is not seen as done")
	}
	tally.arrive(b, "b")
	if tally.wait(ctx, b, 20*time.Millisecond) {
		t.Error("call on every screen after 1 of 3")
	}
	// A call is counted against its own facility's screens.
	tally.arrive(c, "c")
	if !tally.wait(ctx, c, 20*time.Millisecond) {
		t.Error("a call of a facility with one screen not done after that screen")
	}
}
