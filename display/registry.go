package display

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/redis/go-redis/v9"
)

// Display is a screen as the staff console lists it. A screen that stopped
// answering pings, or whose instance died, shows Online false with the
// time it was last seen, for Keep after that.
type Display struct {
	ID             string     `json:"id"`   // the screen's name, or a random id
	Name           string     `json:"name"` // given with ?name=, may be empty
	Facility       string     `json:"facility"`
	Units          []string   `json:"units"` // empty: every unit
	Instance       string     `json:"instance"`
	ConnectedAt    time.Time  `json:"connected_at"`
	LastSeen       time.Time  `json:"last_seen"`
	DisconnectedAt *time.Time `json:"disconnected_at"`
	Online         bool       `json:"online"`
	// Verified is set for a screen opened by a signed-in browser of the
	// facility's staff or with an admin's API token
	// (DisplayRequest.Verified); anyone may open an unverified one.
	Verified bool `json:"verified"`
}

// The caps of a facility's display list (Options.MaxDisplays and
// MaxUnverified).
const (
	defaultMaxDisplays   = 100
	defaultMaxUnverified = 20
)

// displayEntry is what Redis keeps for one screen.
type displayEntry struct {
	Display
	ConnID string `json:"conn"`
	gone   bool   // disconnected has begun; guarded by Hub.regMu
}

// The registry keeps, under one hash tag per facility:
//
//	<prefix>displays:{<facility>}             ZSET member -> last seen (Unix ms): the list
//	<prefix>displays:{<facility>}:verified    ZSET the same, of the verified screens only
//	<prefix>displays:{<facility>}:unverified  ZSET the same, of the others only
//	<prefix>display:{<facility>}:<member>     the display as JSON, expiring after Keep
//
// A screen's member is its id, with "v/" before it when it is verified, so
// that an unverified screen using a verified one's name gets an entry of
// its own ("/" is in no screen name, nor in a random id). Each kind is
// capped on its own: unverified screens, however many, never push a
// verified one off the list.
func (h *Hub) displayKeys(facility, member string) (set, key string) {
	return h.opt.Prefix + "displays:{" + facility + "}", h.opt.Prefix + "display:{" + facility + "}:" + member
}

// kindSet is the key of the list of one kind of a facility's screens.
func (h *Hub) kindSet(facility string, verified bool) string {
	set, _ := h.displayKeys(facility, "")
	if verified {
		return set + ":verified"
	}
	return set + ":unverified"
}

// member is d's name in the registry.
func (d *displayEntry) member() string {
	if d.Verified {
		return "v/" + d.ID
	}
	return d.ID
}

func newConnID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// connected records a display that just connected.
func (h *Hub) connected(req DisplayRequest) *displayEntry {
	now := h.opt.Now()
	d := &displayEntry{Display: Display{ID: req.Name, Name: req.Name, Facility: req.Facility, Units: req.Units,
		Instance: h.instance, ConnectedAt: now, LastSeen: now, Verified: req.Verified}, ConnID: newConnID()}
	if d.ID == "" {
		d.ID = d.ConnID
	}
	if d.Units == nil {
		d.Units = []string{}
	}
	h.saveDisplay(d, "")
	return d
}

// seen notes a display's pong. It runs on the connection's reader, which
// an idle screen keeps for hours, so it only records the time: the
// flusher writes it to Redis, for every display at once, within SeenFlush.
func (h *Hub) seen(d *displayEntry) {
	now := h.opt.Now()
	h.seenMu.Lock()
	h.seenAt[d] = now
	h.seenMu.Unlock()
}

// runSeenFlusher writes the noted pongs to the registry every SeenFlush
// until ctx ends.
func (h *Hub) runSeenFlusher(ctx context.Context) {
	t := time.NewTicker(h.opt.SeenFlush)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.flushSeen()
		}
	}
}

// saveScript stores a display's entry and lists it, then takes off the
// list the least recently seen screens of its kind beyond the cap, and
// their entries. KEYS: the list, the kind's list, the entry; ARGV: the
// entry as JSON, Keep in ms, last seen in Unix ms, the member, a
// connection id, the cap, the prefix of the entries' keys. With a
// connection id it stores nothing when a newer connection under the same
// member has taken the entry meanwhile. (The entries it deletes share the
// declared keys' hash tag, so they are on the same Redis node.)
const saveScript = `
if ARGV[5] ~= '' then
	local cur = redis.call('GET', KEYS[3])
	if cur and not string.find(cur, '"conn":"' .. ARGV[5] .. '"', 1, true) then return 0 end
end
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
for i = 1, 2 do
	redis.call('ZADD', KEYS[i], ARGV[3], ARGV[4])
	redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[6])
if over > 0 then
	for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do
		redis.call('ZREM', KEYS[1], m)
		redis.call('ZREM', KEYS[2], m)
		redis.call('DEL', ARGV[7] .. m)
	end
end
return 1
`

// queueSave adds to p the script that stores d in the registry; with
// conn, only while d's entry is still that connection's.
func (h *Hub) queueSave(ctx context.Context, p redis.Pipeliner, d *displayEntry, conn string) {
	set, key := h.displayKeys(d.Facility, d.member())
	_, prefix := h.displayKeys(d.Facility, "")
	limit := h.opt.MaxUnverified
	if d.Verified {
		limit = h.opt.MaxDisplays
	}
	raw, _ := json.Marshal(d)
	p.Eval(ctx, saveScript, []string{set, h.kindSet(d.Facility, d.Verified), key},
		raw, h.opt.Keep.Milliseconds(), d.LastSeen.UnixMilli(), d.member(), conn, limit, prefix)
}

func (h *Hub) flushSeen() {
	h.seenMu.Lock()
	batch := h.seenAt
	if len(batch) == 0 {
		h.seenMu.Unlock()
		return
	}
	h.seenAt = map[*displayEntry]time.Time{}
	h.seenMu.Unlock()

	h.regMu.Lock()
	defer h.regMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := h.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for d, at := range batch {
			if d.gone {
				continue
			}
			d.LastSeen = at
			h.queueSave(ctx, p, d, d.ConnID)
		}
		return nil
	})
	if err != nil {
		h.log.Warn("display: registry update failed; trying again", "displays", len(batch), "err", err)
		// Keep the times for the next flush, unless a newer pong came.
		h.seenMu.Lock()
		for d, at := range batch {
			if cur, ok := h.seenAt[d]; !d.gone && (!ok || cur.Before(at)) {
				h.seenAt[d] = at
			}
		}
		h.seenMu.Unlock()
	}
}

// disconnected marks a display gone, unless another connection took its
// name since.
func (h *Hub) disconnected(d *displayEntry) {
	// A flush in progress finishes first (its write of d lands before the
	// one below); a later flush skips d.
	h.regMu.Lock()
	d.gone = true
	h.regMu.Unlock()
	h.seenMu.Lock()
	delete(h.seenAt, d)
	h.seenMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, key := h.displayKeys(d.Facility, d.member())
	raw, err := h.rdb.Get(ctx, key).Bytes()
	if err != nil {
		return
	}
	var cur displayEntry
	if json.Unmarshal(raw, &cur) != nil || cur.ConnID != d.ConnID {
		return
	}
	now := h.opt.Now()
	cur.DisconnectedAt = &now
	h.saveDisplay(&cur, cur.ConnID)
}

// saveDisplay stores d (with conn: as queueSave).
func (h *Hub) saveDisplay(d *displayEntry, conn string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := h.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		h.queueSave(ctx, p, d, conn)
		return nil
	})
	if err != nil {
		h.log.Warn("display: registry update failed", "facility", d.Facility, "display", d.ID, "err", err)
	}
}

// Displays lists the screens of a facility seen within Keep, on any
// instance, most recently seen first. Errors: fault.ErrUnavailable.
func (h *Hub) Displays(ctx context.Context, facility string) ([]Display, error) {
	set, _ := h.displayKeys(facility, "")
	now := h.opt.Now()
	cut := strconv.FormatInt(now.Add(-h.opt.Keep).UnixMilli(), 10)
	_, err := h.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, s := range []string{set, h.kindSet(facility, true), h.kindSet(facility, false)} {
			p.ZRemRangeByScore(ctx, s, "-inf", "("+cut)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list displays: %w: %w", fault.ErrUnavailable, err)
	}
	ids, err := h.rdb.ZRevRange(ctx, set, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("list displays: %w: %w", fault.ErrUnavailable, err)
	}
	out := []Display{}
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, m := range ids {
		_, keys[i] = h.displayKeys(facility, m)
	}
	vals, err := h.rdb.MGet(ctx, keys...).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("list displays: %w: %w", fault.ErrUnavailable, err)
	}
	for _, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue
		}
		var d displayEntry
		if json.Unmarshal([]byte(s), &d) != nil {
			continue
		}
		d.Online = d.DisconnectedAt == nil && now.Sub(d.LastSeen) < h.opt.PongWait+h.opt.WriteWait
		out = append(out, d.Display)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].LastSeen.After(out[j].LastSeen) })
	return out, nil
}
