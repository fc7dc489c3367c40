// Package display pushes the queue to TV screens, staff consoles and
// patients' phones over WebSocket, identically from every instance.
//
// Every committed queue change is a queue.Event with a seq that rises by
// exactly one per facility. The instance that commits a change hands its
// events to Hub.Publish, which feeds them to its own facilities and
// publishes them on one Redis pub/sub channel (from a goroutine of Run's,
// several at once, so that the change does not wait for Redis); every
// instance's Hub.Run receives them. Pub/sub can reorder (several publishers) or lose (a Redis
// blip) messages, so each facility has a sequencer that delivers events in
// seq order only: an early event waits GapWait for the ones before it, then
// the gap is read from Postgres (ticket_events); a facility with clients
// also polls Postgres every Poll for events it never heard of, and a lost
// subscription triggers the same refill. A gap too long to replay is
// replaced by a fresh snapshot to every screen.
//
// Each event is encoded once per facility and the same bytes go to every
// display subscribed to its unit. Every connection has one reader goroutine
// and at most one writer, which runs while there is something to send, and a
// bounded send buffer; a client whose buffer is full is disconnected (code
// 1013, it reconnects and resyncs) rather than slowing the others.
package display

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"
)

// Store is the durable event history the hub resyncs from. The postgres
// package implements it.
type Store interface {
	// Board reads the screens' state of a facility, consistent with its seq.
	Board(ctx context.Context, facility string, now time.Time, recent int) (queue.Board, error)
	// EventsFrom returns at most limit events with seq >= from, in order.
	EventsFrom(ctx context.Context, facility string, from int64, limit int) ([]queue.Event, error)
	// EventSeq returns the seq of the facility's last event.
	EventSeq(ctx context.Context, facility string) (int64, error)
}

// Queue is what the hub needs of the queue service: facilities, tickets and
// their places. *queue.Service implements it.
type Queue interface {
	Facility(ctx context.Context, code string) (queue.Facility, []queue.Unit, error)
	Ticket(ctx context.Context, id string) (queue.Ticket, error)
	Positions(ctx context.Context, facility, unit, date string, ids []string) (map[string]queue.Place, error)
}

// Options tune a Hub. Zero values take the defaults in parentheses.
type Options struct {
	Prefix     string        // Redis key and channel prefix ("antrian:")
	PongWait   time.Duration // a client silent this long (no pong) is dropped (60s)
	PingPeriod time.Duration // how often clients are pinged; less than PongWait (54s)
	WriteWait  time.Duration // the longest one write may take (10s)
	SendBuffer int           // messages queued per client before it is dropped as too slow (256)
	GapWait    time.Duration // how long an early event waits for the ones before it (25ms)
	Poll       time.Duration // how often a facility with clients checks Postgres for missed events (3s)
	Retire     time.Duration // a facility without clients this long stops its goroutines (10s)
	MaxReplay  int           // the most events replayed to a reconnecting client or refilled at once (1000)
	Recent     int           // recent calls in a snapshot (10)
	Coalesce   time.Duration // how often a coalescing display gets its board update, at most (1s)
	Keep       time.Duration // how long a disconnected display stays listed (24h)
	// MaxDisplays and MaxUnverified bound the verified and the unverified
	// screens listed per facility (100 and 20); past them, the least
	// recently seen of the same kind leaves the list.
	MaxDisplays   int
	MaxUnverified int
	SeenFlush     time.Duration // how often displays' last-seen times are written to Redis (1s; at most PongWait/4)
	// Origins are the browser origins (scheme://host[:port]) allowed besides
	// the server's own. Clients that send no Origin (TV apps, kiosks,
	// native code) are always allowed: the sockets carry no cookie
	// authority, so a foreign page gains nothing it could not fetch itself.
	Origins []string
	// Sharded passes events with sharded pub/sub (SPUBLISH, SSUBSCRIBE),
	// for Redis Cluster: a message then travels only within the shard that
	// owns the channel, instead of to every node of the cluster.
	Sharded bool
	Now     func() time.Time
	Log     *slog.Logger
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.PongWait, 60*time.Second)
	def(&o.PingPeriod, o.PongWait*9/10)
	def(&o.WriteWait, 10*time.Second)
	def(&o.GapWait, 25*time.Millisecond)
	def(&o.Poll, 3*time.Second)
	def(&o.Retire, 10*time.Second)
	def(&o.Keep, 24*time.Hour)
	def(&o.SeenFlush, time.Second)
	def(&o.Coalesce, time.Second)
	// A screen is online while seen within PongWait+WriteWait and pinged
	// every PingPeriod; a slower flush would show live screens offline.
	o.SeenFlush = min(o.SeenFlush, o.PongWait/4)
	if o.Prefix == "" {
		o.Prefix = "antrian:"
	}
	// Queued frames are pointers to frames every client shares, so a
	// full queue costs 2 KiB. It is deep enough that a burst of events
	// while the CPU is busy does not drop healthy screens (each would
	// reconnect and read a snapshot, adding to the load); a socket that
	// stops taking data fails its 10 s write deadline anyway.
	if o.SendBuffer <= 0 {
		o.SendBuffer = 256
	}
	if o.MaxReplay <= 0 {
		o.MaxReplay = 1000
	}
	if o.Recent <= 0 {
		o.Recent = 10
	}
	if o.MaxDisplays <= 0 {
		o.MaxDisplays = defaultMaxDisplays
	}
	if o.MaxUnverified <= 0 {
		o.MaxUnverified = defaultMaxUnverified
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// Hub fans queue events out to WebSocket clients. It implements
// queue.Publisher. Run must be running for clients to connect.
type Hub struct {
	opt      Options
	rdb      redis.UniversalClient
	store    Store
	queue    Queue
	log      *slog.Logger
	instance string
	ownWire  string    // how this instance's messages through Redis begin (own)
	epoch    time.Time // the pinger's schedule counts from here, on the monotonic clock
	upgrader websocket.Upgrader

	mu         sync.Mutex
	ctx        context.Context // Run's; nil before Run
	closing    bool
	facilities map[string]*facility
	clients    map[*client]bool
	loops      sync.WaitGroup // facility goroutines
	conns      sync.WaitGroup // connection goroutines

	// notTaken counts the frames a fan-out handed to a writer goroutine
	// because the socket did not take them whole at once.
	notTaken atomic.Int64

	// outbox carries encoded events to the publisher goroutine while Run
	// runs (not closing), so that a change does not wait for Redis.
	outbox chan []byte

	// seenAt holds the pongs of displays not yet written to the registry;
	// regMu is held by a flush and orders it before disconnected.
	seenMu sync.Mutex
	seenAt map[*displayEntry]time.Time
	regMu  sync.Mutex
}

// outboxSize bounds the events waiting to be published; when it is full,
// Publish publishes itself, which slows the changes instead of losing events.
const outboxSize = 1024

// ErrClosed reports that the hub is not running (not started yet, or
// shutting down).
var ErrClosed = errors.New("display hub not running")

// NewHub returns a hub that passes events through rdb and resyncs from
// store.
func NewHub(rdb redis.UniversalClient, store Store, q Queue, opt Options) *Hub {
	opt.defaults()
	b := make([]byte, 6)
	rand.Read(b)
	h := &Hub{opt: opt, rdb: rdb, store: store, queue: q, log: opt.Log, instance: hex.EncodeToString(b), epoch: time.Now(),
		facilities: map[string]*facility{}, clients: map[*client]bool{}, outbox: make(chan []byte, outboxSize),
		seenAt: map[*displayEntry]time.Time{}}
	h.ownWire = `[{"from":"` + h.instance + `",`
	// Thousands of mostly idle screens: write buffers come from a shared
	// pool instead of sitting in every connection, and clients only send
	// pongs, so their read buffer is small.
	h.upgrader = websocket.Upgrader{ReadBufferSize: 512, WriteBufferSize: 4096, WriteBufferPool: &sync.Pool{},
		CheckOrigin: h.checkOrigin}
	return h
}

// checkOrigin accepts clients without an Origin header, the server's own
// origin, and the configured Origins.
func (h *Hub) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, o := range h.opt.Origins {
		if strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

func (h *Hub) channel() string { return h.opt.Prefix + "events" }

// Publish hands committed events to this instance's clients and, through
// Redis, to every other instance's. It never fails the change that made the
// events: an event lost here is found again in Postgres by every sequencer.
func (h *Hub) Publish(ctx context.Context, events []queue.Event) {
	wire := make([]wireEvent, len(events))
	for i, e := range events {
		wire[i] = toWire(h.instance, e)
		h.offer(e)
	}
	payload, err := json.Marshal(wire)
	if err != nil {
		h.log.Error("display: encode events", "err", err)
		return
	}
	h.mu.Lock()
	queued := false
	if h.ctx != nil && !h.closing {
		select {
		case h.outbox <- payload:
			queued = true
		default:
		}
	}
	h.mu.Unlock()
	if !queued {
		h.publish(ctx, [][]byte{payload})
	}
}

// publish sends payloads to the other instances in one round trip.
func (h *Hub) publish(ctx context.Context, payloads [][]byte) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_, err := h.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, b := range payloads {
			if h.opt.Sharded {
				p.SPublish(ctx, h.channel(), b)
			} else {
				p.Publish(ctx, h.channel(), b)
			}
		}
		return nil
	})
	if err != nil {
		h.log.Warn("display: publish failed; other instances will read the events from Postgres", "err", err)
	}
}

// runPublisher publishes what Publish queued, everything waiting at once,
// until stop is closed; then it publishes what is left and returns.
func (h *Hub) runPublisher(ctx context.Context, stop <-chan struct{}) {
	batch := make([][]byte, 0, 64)
	for {
		stopping := false
		select {
		case b := <-h.outbox:
			batch = append(batch[:0], b)
		case <-stop:
			batch, stopping = batch[:0], true
		}
	more:
		for len(batch) < cap(batch) {
			select {
			case b := <-h.outbox:
				batch = append(batch, b)
			default:
				break more
			}
		}
		if len(batch) > 0 {
			h.publish(ctx, batch)
		}
		if stopping && len(h.outbox) == 0 {
			return // closing is set: nothing more is queued
		}
	}
}

// A fan-out's writes are shared by a few goroutines (fanoutGoroutines, or
// boardGoroutines), each with at least minChunk sockets, and each lets
// other goroutines run after every yieldEvery sockets.
const (
	minChunk   = 256
	yieldEvery = 32
)

// chunks splits s into at most n parts of at least minChunk each.
func chunks[T any](s []T, n int) [][]T {
	size := max(minChunk, (len(s)+n-1)/n)
	var parts [][]T
	for len(s) > 0 {
		parts = append(parts, s[:min(len(s), size)])
		s = s[len(parts[len(parts)-1]):]
	}
	return parts
}

// yieldAt lets other goroutines run after every yieldEvery sockets of a
// fan-out goroutine (i counts its sockets from 0).
func yieldAt(i int) {
	if i%yieldEvery == yieldEvery-1 {
		runtime.Gosched()
	}
}

// flushAll writes what the clients cs (whose writer roles the caller took
// for it) have queued, from at most n goroutines, and returns at once.
// Calls first: while a call's goroutines (call) are writing, which the
// facility's gate counts, the others write the calls queued but leave board
// updates until the calls are out (at most Options.Coalesce).
func (h *Hub) flushAll(cs []*client, n int, gate *callGate, call bool) {
	for _, chunk := range chunks(cs, n) {
		if call {
			gate.enter()
		}
		h.conns.Add(1)
		go func() {
			defer h.conns.Done()
			var later []*client
			for i, c := range chunk {
				yieldAt(i)
				if c.flushNow(gate) {
					later = append(later, c)
				}
			}
			if call {
				gate.leave()
			}
			if len(later) > 0 {
				gate.wait(h.ctx, h.opt.Coalesce)
				for i, c := range later {
					yieldAt(i)
					if c.resume() {
						c.flushNow(nil)
					}
				}
			}
		}()
	}
}

// boardTo is a board update for one display.
type boardTo struct {
	c  *client
	fr *frame
}

// writeBoards gives each display its board update, from boardGoroutines
// goroutines, and returns at once. Each update is queued only when its
// goroutine comes to the display, and not while a call is being written
// (waiting at most Options.Coalesce in all), so a call tapped meanwhile finds the
// displays not yet reached free for its own goroutines instead of waiting
// for the board's. A display that left meanwhile is skipped; one that
// connected meanwhile started with a snapshot.
func (h *Hub) writeBoards(to []boardTo, gate *callGate) {
	deadline := time.Now().Add(h.opt.Coalesce)
	for _, chunk := range chunks(to, boardGoroutines()) {
		// Counted with the facility goroutines: the caller is one, so the
		// count is above zero (no display here holds one of hub.conns).
		h.loops.Add(1)
		go func() {
			defer h.loops.Done()
			for i, b := range chunk {
				yieldAt(i)
				gate.wait(h.ctx, time.Until(deadline))
				if ok, taken := b.c.enqueue(b.fr, true); ok && taken {
					b.c.flushNow(nil)
				}
			}
		}()
	}
}

// fanoutGoroutines is one goroutine per CPU (GOMAXPROCS). More of them only
// crowd the run queues: with 20 goroutines of 512 sockets the first screen
// had a call p95 120 ms after the tap (p50 9 ms), as the call's own round
// trips to PostgreSQL and Redis waited behind them. One CPU left free (one
// goroutine fewer) answered those round trips sooner (p95 28-44 ms) but
// wrote to 10,000 screens more slowly (p50 153-191 ms against 131-136 ms)
// on two cores: while every CPU runs a runnable goroutine, the Go scheduler
// looks for sockets ready to read only about every 10 ms.
func fanoutGoroutines() int { return runtime.GOMAXPROCS(0) }

// boardGoroutines writes a coalesced board update: one CPU fewer (at least
// one), so that a call tapped meanwhile gets its round trips answered at
// once; a board update, at most one a second, need not be quick.
func boardGoroutines() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// callGate counts the goroutines writing a call to a facility's screens,
// and lets board updates wait until there are none.
type callGate struct {
	mu   sync.Mutex
	n    int
	done chan struct{} // closed when n falls to 0
}

func (g *callGate) enter() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n == 0 {
		g.done = make(chan struct{})
	}
	g.n++
}

func (g *callGate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n--; g.n == 0 {
		close(g.done)
	}
}

func (g *callGate) busy() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n > 0
}

// wait returns when no call is being written, after at most limit, or when
// ctx ends.
func (g *callGate) wait(ctx context.Context, limit time.Duration) {
	g.mu.Lock()
	if g.n == 0 {
		g.mu.Unlock()
		return
	}
	done := g.done
	g.mu.Unlock()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
}

// offer passes an event to its facility's sequencer, if this instance
// follows that facility.
func (h *Hub) offer(e queue.Event) {
	h.mu.Lock()
	f := h.facilities[e.Facility]
	h.mu.Unlock()
	if f != nil {
		f.offer(e)
	}
}

// Run receives every instance's events from Redis until ctx ends, then
// closes every client with 1001 (going away) and waits for all the hub's
// goroutines to end. A lost subscription is resumed, and every facility
// then refills what it missed from Postgres.
func (h *Hub) Run(ctx context.Context) error {
	h.mu.Lock()
	if h.ctx != nil {
		h.mu.Unlock()
		return errors.New("display: hub already running")
	}
	h.ctx = ctx
	h.mu.Unlock()

	stopPublisher := make(chan struct{})
	published := make(chan struct{})
	go func() {
		defer close(published)
		h.runPublisher(ctx, stopPublisher)
	}()
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		h.runSeenFlusher(ctx)
	}()
	pinged := make(chan struct{})
	go func() {
		defer close(pinged)
		h.runPinger(ctx)
	}()

	h.receive(ctx)

	h.mu.Lock()
	h.closing = true // Publish queues nothing more
	for c := range h.clients {
		c.kick(websocket.CloseGoingAway, "server restarting")
	}
	h.mu.Unlock()
	close(stopPublisher)
	<-published
	<-flushed
	<-pinged
	h.conns.Wait()
	h.loops.Wait()
	return nil
}

func (h *Hub) receive(ctx context.Context) {
	var ps *redis.PubSub
	if h.opt.Sharded {
		ps = h.rdb.SSubscribe(ctx, h.channel())
	} else {
		ps = h.rdb.Subscribe(ctx, h.channel())
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		// Receive does not watch ctx while it blocks: closing unblocks it.
		select {
		case <-ctx.Done():
		case <-stop:
		}
		ps.Close()
	}()
	for ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(ctx, h.opt.PongWait)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				ps.Ping(ctx) // a half-open connection shows up as a failed ping
				continue
			}
			h.log.Warn("display: redis subscription lost; resubscribing", "err", err)
			h.pokeAll()
			// Wait until Redis answers again (a ping reconnects and
			// resubscribes), then refill what was published meanwhile:
			// the resumed subscription may not announce itself.
			for ctx.Err() == nil {
				select {
				case <-ctx.Done():
				case <-time.After(500 * time.Millisecond):
				}
				if ps.Ping(ctx) == nil {
					h.log.Info("display: redis subscription resumed")
					h.pokeAll()
					break
				}
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			// Whatever was published before the subscription went live
			// reached no one here: facilities started meanwhile (a screen
			// may connect as the hub starts, or the subscription may come
			// back without an error first) refill it from the store.
			if m.Kind == "subscribe" || m.Kind == "ssubscribe" {
				h.log.Info("display: redis subscription live")
				h.pokeAll()
			}
		case *redis.Message:
			if h.own(m.Payload) {
				continue // Publish offered its events here already
			}
			var events []wireEvent
			if err := json.Unmarshal([]byte(m.Payload), &events); err != nil {
				h.log.Warn("display: bad event message", "err", err)
				continue
			}
			for _, w := range events {
				h.offer(w.event())
			}
		}
	}
}

// own reports whether this instance published payload: its events were
// offered to this instance's sequencers by Publish, and decoding them again
// would only find them there already.
func (h *Hub) own(payload string) bool {
	return strings.HasPrefix(payload, h.ownWire)
}

// pokeAll makes every facility look in Postgres for events it missed.
func (h *Hub) pokeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.facilities {
		f.pokeNow()
	}
}

// facility returns the sequencer of a facility, starting it on first use.
func (h *Hub) facility(code string) (*facility, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx == nil || h.closing {
		return nil, fmt.Errorf("display %s: %w: %w", code, fault.ErrUnavailable, ErrClosed)
	}
	f := h.facilities[code]
	if f == nil {
		f = newFacility(h, code)
		h.facilities[code] = f
		h.loops.Add(1)
		go f.run(h.ctx)
	}
	return f, nil
}

// attachDisplay registers screen c with the running facility of code,
// moving to a new one if f retired in the meantime.
func (h *Hub) attachDisplay(f *facility, code string, c *client) (*facility, error) {
	for !f.addDisplay(c) {
		nf, err := h.facility(code)
		if err != nil {
			return nil, err
		}
		if err := nf.waitReady(h.ctx); err != nil {
			return nil, err
		}
		f = nf
	}
	return f, nil
}

// attachWatcher queues patient socket c at the running facility of code.
func (h *Hub) attachWatcher(f *facility, code string, c *client) (*facility, error) {
	for !f.joinWatcher(c) {
		select {
		case <-c.kicked:
			return f, nil
		case <-time.After(5 * time.Millisecond):
		}
		nf, err := h.facility(code)
		if err != nil {
			return nil, err
		}
		if err := nf.waitReady(h.ctx); err != nil {
			return nil, err
		}
		f = nf
	}
	return f, nil
}

// track registers a connection's reader and setup goroutines, unless the
// hub is closing. Writers (goroutines, and a fan-out writing to the socket
// itself) add themselves while the reader runs.
func (h *Hub) track(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return false
	}
	h.clients[c] = true
	h.conns.Add(2)
	return true
}

func (h *Hub) untrack(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

// clientCount is the number of open connections, for tests.
func (h *Hub) clientCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}
