package queue_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/queue"
	"github.com/redis/go-redis/v9"
)

// The place AddPlace answers a booking with is counted in Redis without
// reading the line; Policy.Order is the rule. For random lines (ties of
// keys across and within lanes, overdue and fresh tickets, any count of
// calls since the last priority one) under every policy, a ticket added
// anywhere in its lane must get exactly Order's index of it, and Places
// must give every waiting ticket its index and leave others out: in
// miniredis (the unit tests' Redis) and in a real redis-server.
func TestLivePlacesMatchOrder(t *testing.T) {
	mr := miniredis.RunT(t)
	t.Run("miniredis", func(t *testing.T) { checkAddPlace(t, mr.Addr()) })
	t.Run("redis-server", func(t *testing.T) { checkAddPlace(t, testenv.Redis(t, false).Addr) })
}

func checkAddPlace(t *testing.T, addr string) {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	live := queue.NewLive(rdb, "test:")
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	const date = "2026-12-07"
	rng := rand.New(rand.NewPCG(7, 16))
	policies := []queue.Policy{{Mode: queue.Ratio, Every: 1}, {Mode: queue.Ratio, Every: 2}, {Mode: queue.Ratio, Every: 4},
		{Mode: queue.Strict, MaxWait: 600}, {Mode: queue.Strict, MaxWait: 1800}, {Mode: queue.Strict}, {Mode: queue.FIFO}}
	for round := range 400 {
		p := policies[round%len(policies)]
		unit := fmt.Sprintf("U%d", round)
		var all []queue.LaneEntry
		for i := range rng.IntN(40) + 1 {
			lane := queue.LaneNormal
			// A FIFO unit may still hold priority tickets from before its
			// policy changed.
			if rng.IntN(3) == 0 {
				lane = queue.LanePriority
			}
			// Minutes, so that keys tie within and across lanes.
			key := now.Add(-time.Duration(rng.IntN(60)) * time.Minute).UnixMilli()
			all = append(all, queue.LaneEntry{Entry: queue.Entry{ID: fmt.Sprintf("t%03d", i), Key: key}, Lane: lane})
		}
		x := all[rng.IntN(len(all))]
		if round%4 == 0 {
			// Keyed with the latest of the others or after them, as a
			// walk-in's booking is: a normal one's place needs no walk.
			i := slices.IndexFunc(all, func(e queue.LaneEntry) bool { return e == x })
			latest := slices.MaxFunc(all, func(a, b queue.LaneEntry) int { return int(a.Key - b.Key) }).Key
			all[i].Key = latest + int64(rng.IntN(2))*60_000
			x = all[i]
		}
		var rest []queue.LaneEntry
		var normal, prio []queue.Entry
		for _, e := range all {
			if e != x {
				rest = append(rest, e)
			}
			if e.Lane == queue.LanePriority {
				prio = append(prio, e.Entry)
			} else {
				normal = append(normal, e.Entry)
			}
		}
		byKey := func(a, b queue.Entry) int {
			if a.Key != b.Key {
				return int(a.Key - b.Key)
			}
			if a.ID < b.ID {
				return -1
			}
			return 1
		}
		slices.SortFunc(normal, byKey)
		slices.SortFunc(prio, byKey)
		since := rng.IntN(6)
		if _, err := live.Rebuild(ctx, "f", unit, date, rest, since, now); err != nil {
			t.Fatal(err)
		}
		got, err := live.AddPlace(ctx, "f", unit, date, x.Entry, x.Lane, p, now)
		if err != nil {
			t.Fatal(err)
		}
		order := p.Order(normal, prio, since, now.UnixMilli())
		want := slices.IndexFunc(order, func(e queue.Entry) bool { return e.ID == x.ID })
		if got != want {
			t.Errorf("round %d (%+v, since %d): %s in lane %d got %d ahead, Order puts %d before it\nnormal %v\npriority %v",
				round, p, since, x.ID, x.Lane, got, want, normal, prio)
		}
		// Every ticket's place at once, with one that is not waiting.
		ids := []string{"gone"}
		for _, e := range all {
			ids = append(ids, e.ID)
		}
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		places, err := live.Places(ctx, "f", unit, date, ids, p, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(places) != len(order) {
			t.Errorf("round %d: %d places for %d waiting tickets", round, len(places), len(order))
		}
		for i, e := range order {
			if got, ok := places[e.ID]; !ok || got != i {
				t.Errorf("round %d (%+v, since %d): Places puts %d (%t) before %s, Order %d\nnormal %v\npriority %v",
					round, p, since, got, ok, e.ID, i, normal, prio)
			}
		}
	}
}
