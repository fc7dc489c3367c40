package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/queue"
	"github.com/redis/go-redis/v9"
)

// Every script of the live index gets keys of one hash slot, so that it
// runs on Redis Cluster: the slots are checked on the commands the client
// really sends.
func TestLiveScriptsKeepToOneSlot(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	slots := &testenv.SlotCheck{}
	rdb.AddHook(slots)
	live := queue.NewLive(rdb, "antrian:")
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	const f, u, d = "sobo", "UMUM", "2026-12-07"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := live.Rebuild(ctx, f, u, d, []queue.LaneEntry{{Entry: queue.Entry{ID: "a", Key: 1}, Lane: queue.LaneNormal}}, 0, now)
	must(err)
	must(live.Add(ctx, f, u, d, queue.Entry{ID: "b", Key: 2}, queue.LanePriority, now))
	_, err = live.AddPlace(ctx, f, u, d, queue.Entry{ID: "c", Key: 3}, queue.LaneNormal, queue.DefaultPolicy(), now)
	must(err)
	_, err = live.Read(ctx, f, u, d)
	must(err)
	_, err = live.Next(ctx, f, u, d, queue.Policy{Mode: queue.Ratio, Every: 2}, now)
	must(err)
	must(live.Remove(ctx, f, u, d, "c", true))
	must(live.Invalidate(ctx, f, u, d))
	// EVALSHA, and EVAL the first time each script runs.
	if n := slots.Check(t); n < 6 {
		t.Errorf("checked %d scripts, want every one of the 6 the index ran", n)
	}
}
