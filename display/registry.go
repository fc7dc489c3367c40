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
}

// displayEntry is what Redis keeps for one screen.
type displayEntry struct {
	Display
	ConnID string `json:"conn"`
	gone   bool   // disconnected has begun; guarded by Hub.regMu
}

// The registry keeps, under one hash tag per facility:
//
//	<prefix>displays:{<facility>}       ZSET display id -> last seen (Unix ms)
//	<prefix>display:{<facility>}:<id>   the display as JSON, expiring after Keep
func (h *Hub) displayKeys(facility, id string) (string, string) {
	return h.opt.Prefix + "displays:{" + facility + "}", h.opt.Prefix + "display:{" + facility + "}:" + id
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
		Instance: h.instance, ConnectedAt: now, LastSeen: now}, ConnID: newConnID()}
	if d.ID == "" {
		d.ID = d.ConnID
	}
	if d.Units == nil {
		d.Units = []string{}
	}
	h.saveDisplay(d)
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

// seenScript stores a display's entry (KEYS: the set and the entry; ARGV:
// the entry as JSON, Keep in ms, last seen in Unix ms, id, connection id)
// unless a newer connection with the same screen name has taken the entry
// meanwhile.
const seenScript = `
local cur = redis.call('GET', KEYS[2])
if cur and not string.find(cur, '"conn":"' .. ARGV[5] .. '"', 1, true) then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`

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
			set, key := h.displayKeys(d.Facility, d.ID)
			raw, _ := json.Marshal(d)
			p.Eval(ctx, seenScript, []string{set, key}, raw, h.opt.Keep.Milliseconds(), d.LastSeen.UnixMilli(), d.ID, d.ConnID)
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
	_, key := h.displayKeys(d.Facility, d.ID)
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
	h.saveDisplay(&cur)
}

func (h *Hub) saveDisplay(d *displayEntry) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := h.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		h.queueSave(ctx, p, d)
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
	if err := h.rdb.ZRemRangeByScore(ctx, set, "-inf", "("+cut).Err(); err != nil {
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
	for i, id := range ids {
		_, keys[i] = h.displayKeys(facility, id)
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

// queueSave adds to p the writes that store d in the registry.
func (h *Hub) queueSave(ctx context.Context, p redis.Pipeliner, d *displayEntry) {
	set, key := h.displayKeys(d.Facility, d.ID)
	raw, _ := json.Marshal(d)
	p.Set(ctx, key, raw, h.opt.Keep)
	p.ZAdd(ctx, set, redis.Z{Score: float64(d.LastSeen.UnixMilli()), Member: d.ID})
	p.PExpire(ctx, set, h.opt.Keep)
}
