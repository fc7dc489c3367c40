// Package ratelimit limits how often something may happen, shared by every
// service instance through Redis, with the generic cell rate algorithm
// (GCRA): each key stores one timestamp, the theoretical arrival time.
package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limit allows Rate events per Period, in bursts of up to Rate.
type Limit struct {
	Rate   int
	Period time.Duration
}

// PerMinute is n events a minute.
func PerMinute(n int) Limit { return Limit{Rate: n, Period: time.Minute} }

// PerDay is n events a day.
func PerDay(n int) Limit { return Limit{Rate: n, Period: 24 * time.Hour} }

// Off reports whether the limit allows everything (Rate 0).
func (l Limit) Off() bool { return l.Rate <= 0 }

// Limiter checks limits in Redis.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

// New returns a limiter storing its keys under prefix.
func New(rdb redis.UniversalClient, prefix string, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{rdb: rdb, prefix: prefix + "rl:", now: now}
}

// gcra: KEYS[1] the key; ARGV now (ms), emission interval (ms), limit
// (ms, = period), cost (0 = only look). Returns {allowed, retry after ms}.
var gcra = redis.NewScript(`
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if tat < now then tat = now end
local new = tat + interval * cost
local allow_at = new - limit
if cost == 0 then allow_at = tat + interval - limit end
if allow_at > now then return {0, allow_at - now} end
if cost > 0 then redis.call('SET', KEYS[1], new, 'PX', math.ceil(new - now) + 1000) end
return {1, 0}
`)

// Allow counts one event for key and reports whether it is within the
// limit, and if not, how long until one more would be.
func (l *Limiter) Allow(ctx context.Context, key string, lim Limit) (bool, time.Duration, error) {
	return l.do(ctx, key, lim, 1)
}

// Peek reports whether one more event would be allowed, counting nothing.
func (l *Limiter) Peek(ctx context.Context, key string, lim Limit) (bool, time.Duration, error) {
	return l.do(ctx, key, lim, 0)
}

func (l *Limiter) do(ctx context.Context, key string, lim Limit, cost int) (bool, time.Duration, error) {
	if lim.Off() {
		return true, 0, nil
	}
	interval := lim.Period.Milliseconds() / int64(lim.Rate)
	res, err := gcra.Run(ctx, l.rdb, []string{l.prefix + "{" + key + "}"}, l.now().UnixMilli(), interval, lim.Period.Milliseconds(), cost).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("rate limit %s: %w", key, err)
	}
	return res[0] == 1, time.Duration(res[1]) * time.Millisecond, nil
}
