package main

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// The fan-out baseline runs this binary again as its writing side.
	if len(os.Args) == 3 && os.Args[1] == fanoutChildArg {
		os.Exit(fanoutChildMain(os.Args[2]))
	}
	os.Exit(m.Run())
}

func TestFanoutBaseline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const n, rounds = 40, 3
	f, err := fanoutBaseline(ctx, n, rounds, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
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
	// More rounds than the context allows: the baseline returns the
	// context's error, and its writer process and readers end with it.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := fanoutBaseline(ctx, 5, 1000, 50*time.Millisecond); err == nil {
		t.Fatal("baseline outlived its context")
	}
}
