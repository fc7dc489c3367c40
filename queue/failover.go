package queue

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/antrian/antrian/fault"
	"github.com/redis/go-redis/v9"
)

// Generation names the Redis masters that hold the live index now: each
// master's run id and replication id. It changes when a master restarts
// (its run id) and when a replica is promoted in its place, by Sentinel or
// by Redis Cluster (a promoted replica takes a new replication id). Writes
// the old master acknowledged but had not yet passed to its replica are
// lost with it, so a change means the index may miss tickets that
// Postgres holds. Errors: fault.ErrUnavailable.
func (l *Live) Generation(ctx context.Context) (string, error) {
	var (
		mu  sync.Mutex // ForEachMaster asks the masters at once
		ids []string
	)
	one := func(ctx context.Context, c *redis.Client) error {
		info, err := c.Info(ctx, "server", "replication").Result()
		if err != nil {
			return err
		}
		var run, repl string
		for _, line := range strings.Split(info, "\n") {
			line = strings.TrimSpace(line)
			if v, ok := strings.CutPrefix(line, "run_id:"); ok {
				run = v
			} else if v, ok := strings.CutPrefix(line, "master_replid:"); ok {
				repl = v
			}
		}
		mu.Lock()
		ids = append(ids, run+"/"+repl)
		mu.Unlock()
		return nil
	}
	var err error
	switch c := l.rdb.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, one)
	case *redis.Client:
		err = one(ctx, c)
	default:
		return "", nil // an unknown client: no failover detection
	}
	if err != nil {
		return "", fmt.Errorf("live generation: %w: %w", fault.ErrUnavailable, err)
	}
	sort.Strings(ids)
	return strings.Join(ids, ","), nil
}

// checkFailover repairs every unit's index when the Redis masters changed
// since the last check (see Live.Generation). The first check only
// remembers the masters: at start-up the index is warmed by RebuildAll.
func (s *Service) checkFailover(ctx context.Context) {
	gen, err := s.Live.Generation(ctx)
	if err != nil || gen == "" {
		return // Redis is away: the failed writes mark their units dirty
	}
	s.mu.Lock()
	last := s.generation
	s.generation = gen
	s.mu.Unlock()
	if last == "" || last == gen {
		return
	}
	n, err := s.RepairAll(ctx)
	if err != nil {
		s.Log.Warn("redis master changed; repairing the live queues failed, retrying", "err", err)
		s.mu.Lock()
		s.generation = last // try again on the next check
		s.mu.Unlock()
		return
	}
	s.Log.Warn("redis master changed (failover or restart); live queues rebuilt from Postgres", "units", n)
}

// RepairAll rebuilds, from Postgres, the index of every unit of today's
// (see Store.WaitingCounts), even when the index is present. It returns how
// many units it rebuilt. Errors: fault.ErrUnavailable.
func (s *Service) RepairAll(ctx context.Context) (int, error) {
	counts, err := s.Store.WaitingCounts(ctx, s.Now())
	if err != nil {
		return 0, err
	}
	for i, c := range counts {
		if err := s.repair(ctx, c.Facility, c.Unit, c.Date); err != nil {
			return i, err
		}
	}
	return len(counts), nil
}
