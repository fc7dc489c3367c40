package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/ratelimit"
	"github.com/redis/go-redis/v9"
)

func TestLimit(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	slots := &testenv.SlotCheck{} // the script must run on Redis Cluster too
	rdb.AddHook(slots)
	defer slots.Check(t)
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	// Two limiters on one Redis stand for two service instances.
	a, b := ratelimit.New(rdb, "t:", clock), ratelimit.New(rdb, "t:", clock)
	ctx := context.Background()
	lim := ratelimit.PerMinute(6) // one every 10 s, bursts of 6

	for i := range 6 {
		l := a
		if i%2 == 1 {
			l = b
		}
		if ok, _, err := l.Allow(ctx, "addr:1.2.3.4", lim); err != nil || !ok {
			t.Fatalf("event %d: allowed %v, err %v; want allowed", i+1, ok, err)
		}
	}
	ok, retry, err := b.Allow(ctx, "addr:1.2.3.4", lim)
	if err != nil || ok || retry != 10*time.Second {
		t.Fatalf("7th event: allowed %v retry %v err %v; want refused, retry after 10s", ok, retry, err)
	}
	if ok, _, _ := a.Allow(ctx, "addr:5.6.7.8", lim); !ok {
		t.Error("another key is limited too")
	}
	if ok, _, _ := a.Peek(ctx, "addr:1.2.3.4", lim); ok {
		t.Error("peek allows while the limit is reached")
	}
	now = now.Add(10 * time.Second)
	if ok, _, _ := a.Peek(ctx, "addr:1.2.3.4", lim); !ok {
		t.Error("peek refuses after the interval passed")
	}
	if ok, _, _ := a.Allow(ctx, "addr:1.2.3.4", lim); !ok {
		t.Error("refused after the interval passed")
	}
	if ok, _, _ := a.Allow(ctx, "addr:1.2.3.4", lim); ok {
		t.Error("a second event within the same interval is allowed")
	}
	if ok, _, _ := a.Allow(ctx, "x", ratelimit.Limit{}); !ok {
		t.Error("a zero limit refuses")
	}
}
