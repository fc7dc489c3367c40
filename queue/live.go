package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/redis/go-redis/v9"
)

// Live is the Redis index of each unit's waiting tickets, per service date.
//
// For one unit and date it keeps, all under one hash tag so that the same
// scripts run on Redis Cluster:
//
//	<prefix>{<facility>:<unit>}:<date>:ep  epoch marker; absent = index lost, rebuild
//	<prefix>{<facility>:<unit>}:<date>:n   normal lane, ZSET id -> order key (Unix ms)
//	<prefix>{<facility>:<unit>}:<date>:p   priority lane, ZSET id -> order key
//	<prefix>{<facility>:<unit>}:<date>:st  HASH since = normal calls since the last priority call
//
// Every script first checks the epoch marker and answers -1 when it is gone
// (Redis restarted empty or was flushed); the caller then rebuilds the unit
// from Postgres and retries. A rebuild only lands when the marker is absent,
// so a slow rebuild from an older snapshot never overwrites a newer one.
type Live struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewLive returns the live index on rdb with every key under prefix.
func NewLive(rdb redis.UniversalClient, prefix string) *Live {
	return &Live{rdb: rdb, prefix: prefix}
}

// errLost reports that the unit's index is gone and must be rebuilt.
var errLost = errors.New("live index lost")

type unitKeys [4]string

func (l *Live) keys(facility, unit, date string) unitKeys {
	base := fmt.Sprintf("%s{%s:%s}:%s:", l.prefix, facility, unit, date)
	return unitKeys{base + "ep", base + "n", base + "p", base + "st"}
}

// ttl keeps a date's keys until two days after it ends.
func ttl(date string, now time.Time) int64 {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return int64(72 * time.Hour / time.Millisecond)
	}
	left := d.Add(72 * time.Hour).Sub(now)
	if left < time.Hour {
		left = time.Hour
	}
	return left.Milliseconds()
}

// placeLua defines the Lua functions that place tickets in Policy.Order
// without reading the normal lane: walk goes through the priority lane in
// order and counts, by key (ZCOUNT), the run of normal tickets called
// before each priority ticket; place then finds one ticket's index in the
// order from its lane and rank. The work grows with the priority lane
// only, not with the line. KEYS are a unit's keys; the policy is ARGV[p],
// ARGV[p+1] and ARGV[p+2]: the mode, the ratio's every, and the strict
// bound (the order key before which a normal ticket is overdue, or empty).
const placeLua = `
local function walk(p)
  local n, strict, every, bound = KEYS[2], ARGV[p] == 'strict', tonumber(ARGV[p + 1]), ARGV[p + 2]
  local since = tonumber(redis.call('HGET', KEYS[4], 'since') or '0')
  local prio = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
  -- before[j + 1]: the normal tickets called before priority ticket j;
  -- at[id]: a priority ticket's index in its lane.
  local before, at, i = {}, {}, 0
  for j = 0, #prio / 2 - 1 do
    local pk, m = prio[2 * j + 2], 0
    if not strict then
      -- Ratio: normal tickets keyed before this priority one, at most
      -- every - since of them in a row.
      m = math.min(redis.call('ZCOUNT', n, '-inf', '(' .. pk) - i, every - since)
    elseif bound ~= '' then
      -- Strict: only normal tickets overdue (keyed before bound) and keyed
      -- before this priority one.
      local lim = pk
      if tonumber(bound) < tonumber(pk) then lim = bound end
      m = redis.call('ZCOUNT', n, '-inf', '(' .. lim) - i
    end
    if m < 0 then m = 0 end
    i = i + m
    before[j + 1] = i
    at[prio[2 * j + 1]] = j
    since = 0
  end
  return before, at
end

-- place is how many tickets are called before ticket id, or -1 when it is
-- not waiting.
local function place(id, before, at)
  local j = at[id]
  if j then return before[j + 1] + j end
  local r = redis.call('ZRANK', KEYS[2], id)
  if not r then return -1 end
  -- A normal ticket goes before the first priority ticket whose run of
  -- normal tickets reaches past it (the runs only grow).
  local lo, hi = 0, #before
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if before[mid + 1] > r then hi = mid else lo = mid + 1 end
  end
  return r + lo
end
`

var addScript = redis.NewScript(placeLua + `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local to, other = KEYS[2], KEYS[3]
if ARGV[3] == 'p' then to, other = KEYS[3], KEYS[2] end
redis.call('ZREM', other, ARGV[1])
redis.call('ZADD', to, ARGV[2], ARGV[1])
redis.call('PEXPIRE', to, ARGV[4])
if ARGV[5] ~= 'place' then return 1 end
if to == KEYS[2] then
  -- A normal ticket keyed at or after every priority ticket (a walk-in's
  -- booking, keyed now) is called after all of them, whatever the policy:
  -- no run of normal tickets before one of them reaches past it. Its place
  -- is its rank plus the priority lane's length, without the walk.
  local last = redis.call('ZRANGE', other, -1, -1, 'WITHSCORES')
  if #last == 0 or tonumber(last[2]) <= tonumber(ARGV[2]) then
    return redis.call('ZRANK', to, ARGV[1]) + redis.call('ZCARD', other)
  end
end
local before, at = walk(6)
return place(ARGV[1], before, at)
`)

// Add puts a waiting ticket in its lane.
func (l *Live) Add(ctx context.Context, facility, unit, date string, e Entry, lane Lane, now time.Time) error {
	k := l.keys(facility, unit, date)
	return l.run(ctx, addScript, k[:], e.ID, e.Key, lane.String(), ttl(date, now), "")
}

// AddPlace puts a waiting ticket in its lane and returns, in the same
// round trip, how many tickets p calls before it (its index in
// Policy.Order): a booking answers with its place in the line. The work
// grows with the priority lane only, not with the line, and not even with
// that for a normal ticket keyed after every priority ticket (a walk-in).
func (l *Live) AddPlace(ctx context.Context, facility, unit, date string, e Entry, lane Lane, p Policy, now time.Time) (int, error) {
	k := l.keys(facility, unit, date)
	ahead, err := addScript.Run(ctx, l.rdb, k[:], e.ID, e.Key, lane.String(), ttl(date, now), "place",
		string(p.Mode), p.Every, strictBound(p, now)).Int()
	if err != nil {
		return 0, fmt.Errorf("live add: %w: %w", fault.ErrUnavailable, err)
	}
	if ahead == -1 {
		return 0, errLost
	}
	return ahead, nil
}

var placesScript = redis.NewScript(placeLua + `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local before, at = walk(1)
local out = {}
for k = 4, #ARGV do out[k - 3] = place(ARGV[k], before, at) end
return out
`)

// Places returns how many tickets p calls before each of the given tickets
// (its index in Policy.Order), for those waiting in the unit on date; a
// ticket not waiting there is left out. It reads the priority lane and the
// tickets asked for, not the line: a change in a long line is shown to the
// patients following it at the cost of the tickets they hold.
func (l *Live) Places(ctx context.Context, facility, unit, date string, ids []string, p Policy, now time.Time) (map[string]int, error) {
	k := l.keys(facility, unit, date)
	args := append(make([]any, 0, 3+len(ids)), string(p.Mode), p.Every, strictBound(p, now))
	for _, id := range ids {
		args = append(args, id)
	}
	res, err := placesScript.Run(ctx, l.rdb, k[:], args...).Result()
	if err != nil {
		return nil, fmt.Errorf("live places: %w: %w", fault.ErrUnavailable, err)
	}
	if v, ok := res.(int64); ok && v == -1 {
		return nil, errLost
	}
	list, ok := res.([]any)
	if !ok || len(list) != len(ids) {
		return nil, fmt.Errorf("live places: %w: unexpected reply", fault.ErrUnavailable)
	}
	out := make(map[string]int, len(ids))
	for i, v := range list {
		if n, ok := v.(int64); ok && n >= 0 {
			out[ids[i]] = int(n)
		}
	}
	return out, nil
}

// strictBound is the order key before which a normal ticket is overdue
// under a strict policy with a longest wait, as the scripts take it ("" for
// none).
func strictBound(p Policy, now time.Time) string {
	if p.Mode == Strict && p.MaxWait > 0 {
		return strconv.FormatInt(now.UnixMilli()-int64(p.MaxWait)*1000, 10)
	}
	return ""
}

var takeScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local n = redis.call('ZREM', KEYS[2], ARGV[1])
local p = redis.call('ZREM', KEYS[3], ARGV[1])
if ARGV[2] == 'call' then
  if p == 1 then
    redis.call('HSET', KEYS[4], 'since', 0)
  elseif n == 1 then
    redis.call('HINCRBY', KEYS[4], 'since', 1)
  end
end
return 1
`)

// Remove takes a ticket out of the index. When called is true the removal
// is a call out of order, and it counts for the priority ratio.
func (l *Live) Remove(ctx context.Context, facility, unit, date, id string, called bool) error {
	k := l.keys(facility, unit, date)
	how := "drop"
	if called {
		how = "call"
	}
	return l.run(ctx, takeScript, k[:], id, how)
}

var nextScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local n = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local p = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
local since = tonumber(redis.call('HGET', KEYS[4], 'since') or '0')
local lane
if #n == 0 and #p == 0 then return 0 end
if #p == 0 then
  lane = 'n'
elseif #n == 0 then
  lane = 'p'
else
  local nk, pk = tonumber(n[2]), tonumber(p[2])
  if ARGV[1] == 'strict' then
    local maxw = tonumber(ARGV[3])
    if maxw > 0 and tonumber(ARGV[4]) - nk > maxw and nk < pk then lane = 'n' else lane = 'p' end
  else
    if pk <= nk or since >= tonumber(ARGV[2]) then lane = 'p' else lane = 'n' end
  end
end
if lane == 'p' then
  redis.call('ZREM', KEYS[3], p[1])
  redis.call('HSET', KEYS[4], 'since', 0)
  return p[1]
end
redis.call('ZREM', KEYS[2], n[1])
redis.call('HSET', KEYS[4], 'since', since + 1)
return n[1]
`)

// Next removes and returns the id of the ticket the policy calls next, or ""
// when nobody is waiting. It mirrors Policy.PickNext.
func (l *Live) Next(ctx context.Context, facility, unit, date string, p Policy, now time.Time) (string, error) {
	k := l.keys(facility, unit, date)
	res, err := nextScript.Run(ctx, l.rdb, k[:], string(p.Mode), p.Every, p.MaxWait*1000, now.UnixMilli()).Result()
	if err != nil {
		return "", fmt.Errorf("live next: %w: %w", fault.ErrUnavailable, err)
	}
	switch v := res.(type) {
	case int64:
		if v == -1 {
			return "", errLost
		}
		return "", nil
	case string:
		return v, nil
	}
	return "", fmt.Errorf("live next: unexpected reply %v", res)
}

var readScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return {redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES'), redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES'), redis.call('HGET', KEYS[4], 'since') or '0'}
`)

// Lanes is a consistent read of one unit's index.
type Lanes struct {
	Normal, Priority []Entry
	Since            int
}

// Count is the number of waiting tickets.
func (ls Lanes) Count() int { return len(ls.Normal) + len(ls.Priority) }

// Read returns both lanes of a unit, in order, and the ratio counter.
func (l *Live) Read(ctx context.Context, facility, unit, date string) (Lanes, error) {
	k := l.keys(facility, unit, date)
	res, err := readScript.Run(ctx, l.rdb, k[:]).Result()
	if err != nil {
		return Lanes{}, fmt.Errorf("live read: %w: %w", fault.ErrUnavailable, err)
	}
	return lanesOf(res)
}

// lanesOf decodes the reply of readScript.
func lanesOf(res any) (Lanes, error) {
	if v, ok := res.(int64); ok && v == -1 {
		return Lanes{}, errLost
	}
	parts, ok := res.([]any)
	if !ok || len(parts) != 3 {
		return Lanes{}, fmt.Errorf("live read: unexpected reply")
	}
	var ls Lanes
	ls.Normal = entries(parts[0])
	ls.Priority = entries(parts[1])
	s, _ := parts[2].(string)
	ls.Since, _ = strconv.Atoi(s)
	return ls, nil
}

func entries(v any) []Entry {
	flat, _ := v.([]any)
	out := make([]Entry, 0, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		id, _ := flat[i].(string)
		sc, _ := flat[i+1].(string)
		f, _ := strconv.ParseFloat(sc, 64)
		out = append(out, Entry{ID: id, Key: int64(f)})
	}
	return out
}

var rebuildScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
for i = 5, #ARGV, 3 do
  if ARGV[i + 2] == 'p' then
    redis.call('ZADD', KEYS[3], ARGV[i + 1], ARGV[i])
  else
    redis.call('ZADD', KEYS[2], ARGV[i + 1], ARGV[i])
  end
end
redis.call('HSET', KEYS[4], 'since', ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
redis.call('PEXPIRE', KEYS[4], ARGV[3])
return 1
`)

// LaneEntry is an entry with its lane, as loaded from Postgres for a rebuild.
type LaneEntry struct {
	Entry
	Lane Lane
}

// Rebuild replaces a unit's index with the given waiting tickets and ratio
// counter, unless the index is present; it reports whether it wrote.
func (l *Live) Rebuild(ctx context.Context, facility, unit, date string, waiting []LaneEntry, since int, now time.Time) (bool, error) {
	k := l.keys(facility, unit, date)
	epoch := make([]byte, 8)
	rand.Read(epoch)
	args := make([]any, 0, 4+3*len(waiting))
	args = append(args, hex.EncodeToString(epoch), since, ttl(date, now), "")
	for _, w := range waiting {
		args = append(args, w.ID, w.Key, w.Lane.String())
	}
	n, err := rebuildScript.Run(ctx, l.rdb, k[:], args...).Int()
	if err != nil {
		return false, fmt.Errorf("live rebuild: %w: %w", fault.ErrUnavailable, err)
	}
	return n == 1, nil
}

func (l *Live) run(ctx context.Context, s *redis.Script, keys []string, args ...any) error {
	n, err := s.Run(ctx, l.rdb, keys, args...).Int()
	if err != nil {
		return fmt.Errorf("live: %w: %w", fault.ErrUnavailable, err)
	}
	if n == -1 {
		return errLost
	}
	return nil
}

// Present reports whether a unit's index for date is there (its epoch
// marker exists).
func (l *Live) Present(ctx context.Context, facility, unit, date string) (bool, error) {
	k := l.keys(facility, unit, date)
	n, err := l.rdb.Exists(ctx, k[0]).Result()
	if err != nil {
		return false, fmt.Errorf("live present: %w: %w", fault.ErrUnavailable, err)
	}
	return n == 1, nil
}

// Invalidate drops a unit's epoch marker, so that the next operation on it
// rebuilds it from Postgres. Writers in flight then fail with a lost index,
// rebuild, and retry their own write, so nothing committed is left out.
func (l *Live) Invalidate(ctx context.Context, facility, unit, date string) error {
	k := l.keys(facility, unit, date)
	if err := l.rdb.Del(ctx, k[0]).Err(); err != nil {
		return fmt.Errorf("live invalidate: %w: %w", fault.ErrUnavailable, err)
	}
	return nil
}

// Ping checks that Redis answers.
func (l *Live) Ping(ctx context.Context) error { return l.rdb.Ping(ctx).Err() }
