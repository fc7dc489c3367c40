package display

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/antrian/antrian/queue"
	"github.com/gorilla/websocket"
)

// frame is one message queued for clients. An event's frame is shared by
// every display that gets it, so a frame is never changed once queued.
type frame struct {
	seq   int64 // the event's seq, or the snapshot's; 0 for ticket messages
	snap  bool
	call  bool // a call or recall: goes ahead of board updates for a coalescing display
	board bool // a coalesced board update: its units carry seqs of their own
	data  []byte
	// wire is data as a whole WebSocket text frame (data is its end), for
	// frames written to many sockets: it is made once, not per socket.
	wire []byte
}

// sharedFrame is a frame of data for many clients, with its wire form.
func sharedFrame(fr frame) *frame {
	fr.wire = textFrame(fr.data)
	fr.data = fr.wire[len(fr.wire)-len(fr.data):]
	return &fr
}

// textFrame is p as one final, unmasked WebSocket text frame, as a server
// sends it (RFC 6455, section 5.2).
func textFrame(p []byte) []byte {
	var b []byte
	switch n := len(p); {
	case n < 126:
		b = append(make([]byte, 0, 2+n), 0x81, byte(n))
	case n <= 0xFFFF:
		b = append(make([]byte, 0, 4+n), 0x81, 126, byte(n>>8), byte(n))
	default:
		b = append(make([]byte, 0, 10+n), 0x81, 127)
		for shift := 56; shift >= 0; shift -= 8 {
			b = append(b, byte(uint64(n)>>shift))
		}
	}
	return append(b, p...)
}

// client is one WebSocket connection: a display or a patient's ticket.
//
// A connection has one reader goroutine for its whole life and at most one
// writer at a time. The writer runs only while there is something to send
// (queued messages, a ping, the close frame) and then ends, so an idle
// screen, which is most of them most of the day, keeps one goroutine and one
// stack instead of two. Every write goes through the writer: gorilla allows
// one concurrent writer.
//
// The writer of an event fanned out to many sockets is mostly not a
// goroutine of the socket's own: the fan-out writes the event's frame to
// each idle socket itself, without waiting (see flushNow), and starts a
// writer goroutine only for a socket that does not take the frame at once.
// An event then costs ten thousand screens ten thousand writes, not ten
// thousand goroutines each waiting for a turn on the CPU.
type client struct {
	hub  *Hub
	conn *websocket.Conn
	sock syscall.RawConn // for writes that do not wait; nil: always a writer goroutine
	// rest is the end of a frame the socket took only in part: the writer
	// goroutine writes it before anything else. Owned by the writer role.
	rest    []byte
	display bool
	last    int64           // a display's last seq sent; owned by the writer
	units   map[string]bool // displays: nil = every unit
	// coalesce: a display that takes calls at once and the rest of the
	// board as one coalesced update at most every Options.Coalesce.
	coalesce bool
	unitsKey string // subscriptionKey(units), for coalescing displays

	// Ticket sockets; ticket is owned by the facility's run goroutine.
	ticket *queue.Ticket
	render func(queue.Ticket) any
	watch  unitDay

	mu      sync.Mutex
	queue   []*frame // waiting for the writer; at most Options.SendBuffer
	pingDue bool     // the writer sends a ping before its next frame
	// pongDue: the writer answers the peer's ping (with pongData) before
	// its next frame. The answer is the writer's, not the reader's as in
	// gorilla's default handler: a direct write does not take gorilla's
	// lock, so only the writer may write.
	pongDue  bool
	pongData string
	writing  bool // the writer role is taken (by the setup or a writer goroutine)
	closed   bool // a writer has closed the socket: nothing more is written
	ended    bool // the reader has finished: no writer starts any more

	nextPing atomic.Int64 // when the pinger next pings it, in ns since the hub's epoch; MaxInt64 until set up
	refs     atomic.Int32 // the reader and the setup goroutine; the last one out cleans up
	fac      *facility    // where it was attached, for the clean-up; nil if never
	onEnd    func()       // also called at the clean-up (the display registry)

	once   sync.Once
	kicked chan struct{}
	code   int // close code sent when kicked; 0 = none (the peer is gone)
	reason string
}

// newClient returns a client whose setup goroutine holds the writer role:
// its first messages are written before anything queued after them.
func (h *Hub) newClient(conn *websocket.Conn) *client {
	c := &client{hub: h, conn: conn, sock: socketOf(conn), last: -1, kicked: make(chan struct{}), writing: true}
	c.nextPing.Store(math.MaxInt64)
	c.refs.Store(2)
	return c
}

func (c *client) wants(unit string) bool { return c.units == nil || c.units[unit] }

// offer queues fr and starts a writer if none runs, without ever blocking
// the fan-out. A client with SendBuffer messages already waiting is kicked;
// it will reconnect with since and resync.
func (c *client) offer(fr *frame) bool {
	ok, _ := c.enqueue(fr, false)
	return ok
}

// enqueue queues fr. When no writer runs it starts a writer goroutine, or,
// with now and a socket that takes direct writes, takes the writer role for
// the caller instead: then taken is true and the caller must call flushNow.
// ok is false when the client is gone or was kicked for being too slow.
func (c *client) enqueue(fr *frame, now bool) (ok, taken bool) {
	c.mu.Lock()
	if c.closed || c.ended {
		c.mu.Unlock()
		return false, false
	}
	if len(c.queue) >= c.hub.opt.SendBuffer {
		c.mu.Unlock()
		c.kick(websocket.CloseTryAgainLater, "too slow")
		return false, false
	}
	c.queue = append(c.queue, fr)
	if fr.call && c.coalesce {
		// Calls first: ahead of any board update still waiting. Those
		// carry each unit's seq, so the screen keeps the newest state.
		i := len(c.queue) - 1
		for i > 0 && c.queue[i-1].board {
			c.queue[i] = c.queue[i-1]
			i--
		}
		c.queue[i] = fr
	}
	if now && c.sock != nil && !c.writing && !c.controlDueLocked() {
		// The caller's write counts as a connection goroutine's, like a
		// writer goroutine's: the reader runs (not ended), so the count is
		// above zero.
		c.writing = true
		c.hub.conns.Add(1)
		c.mu.Unlock()
		return true, true
	}
	start := c.takeWriterLocked()
	c.mu.Unlock()
	if start {
		go c.runWriter()
	}
	return true, false
}

// flushNow writes what c has queued from the calling goroutine, as long as
// the socket takes it whole without waiting, then gives up the writer role,
// which the caller took with enqueue. Frames queued together (an event that
// came while the socket waited for its turn in another fan-out) go out in
// one write. What has to wait (a write the socket took only in part, a ping
// or pong, the close frame) is handed with the role to a writer goroutine.
// With a gate, it stops at a board update while calls are being written,
// gives the role up (a call queued meanwhile is then written by its own
// fan-out at once) and reports true: the caller flushes the board later
// with resume.
func (c *client) flushNow(gate *callGate) (deferred bool) {
	var batch [maxBatch]*frame
	var buf *[]byte // for two frames or more, from wireBufs
	defer func() {
		if buf != nil {
			wireBufs.Put(buf)
		}
	}()
	for {
		c.mu.Lock()
		if c.isKicked() || c.controlDueLocked() {
			c.handOverLocked()
			return false
		}
		if len(c.queue) == 0 {
			c.writing = false
			if cap(c.queue) > idleQueue {
				c.queue = nil
			}
			c.mu.Unlock()
			c.hub.conns.Done()
			return false
		}
		held := func() bool { return gate != nil && c.queue[0].board && gate.busy() }
		if held() {
			c.writing = false
			c.mu.Unlock()
			c.hub.conns.Done()
			return true
		}
		n := 0
		for n < maxBatch && len(c.queue) > 0 && (n == 0 || !held()) {
			batch[n] = c.popLocked()
			n++
		}
		c.mu.Unlock()
		var wires [maxBatch][]byte
		frames := 0
		for _, fr := range batch[:n] {
			if c.skip(fr) {
				continue
			}
			wires[frames] = fr.wire
			if fr.wire == nil {
				wires[frames] = textFrame(fr.data)
			}
			frames++
		}
		if frames == 0 {
			continue
		}
		wire := wires[0] // a lone frame is written from its shared bytes
		if frames > 1 {
			if buf == nil {
				buf = wireBufs.Get().(*[]byte)
			}
			*buf = (*buf)[:0]
			for _, w := range wires[:frames] {
				*buf = append(*buf, w...)
			}
			wire = *buf
		}
		written, err := writeNow(c.sock, wire)
		if err != nil {
			c.kick(0, "") // the next turn hands the close over
			continue
		}
		if written < len(wire) {
			c.hub.notTaken.Add(1)
			rest := wire[written:]
			if frames > 1 {
				rest = bytes.Clone(rest) // the buffer goes back to the pool
			}
			c.mu.Lock()
			c.rest = rest
			c.handOverLocked()
			return false
		}
	}
}

// maxBatch is the most frames flushNow writes in one write.
const maxBatch = 8

// wireBufs holds the buffers in which flushNow joins frames for one write.
var wireBufs = sync.Pool{New: func() any { return new([]byte) }}

// resume takes the writer role back for flushNow after a board update was
// deferred, unless the queue is empty (somebody wrote it meanwhile) or
// somebody holds the role (and will write it).
func (c *client) resume() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writing || c.closed || c.ended || len(c.queue) == 0 {
		return false
	}
	// As in enqueue: the reader runs (not ended), so hub.conns is above zero.
	c.writing = true
	c.hub.conns.Add(1)
	return true
}

// controlDueLocked reports whether a ping or a pong waits for the writer.
// c.mu is held.
func (c *client) controlDueLocked() bool { return c.pingDue || c.pongDue }

// handOverLocked gives the writer role, which the caller took with
// enqueue, and its count in hub.conns to a new writer goroutine, and
// unlocks c.mu.
func (c *client) handOverLocked() {
	c.mu.Unlock()
	go c.runWriter()
}

// pong asks the writer to answer the peer's ping, starting one if none
// runs.
func (c *client) pong(data string) {
	c.mu.Lock()
	if c.closed || c.ended {
		c.mu.Unlock()
		return
	}
	c.pongDue, c.pongData = true, data
	start := c.takeWriterLocked()
	c.mu.Unlock()
	if start {
		go c.runWriter()
	}
}

// popLocked takes the first queued frame. c.mu is held.
func (c *client) popLocked() *frame {
	fr := c.queue[0]
	n := copy(c.queue, c.queue[1:])
	c.queue[n] = nil
	c.queue = c.queue[:n]
	return fr
}

// takeWriterLocked takes the writer role for a new writer goroutine when
// the socket still needs one and nobody holds it. c.mu is held.
func (c *client) takeWriterLocked() bool {
	if c.writing || c.closed || c.ended {
		return false
	}
	c.writing = true
	c.hub.conns.Add(1)
	return true
}

// kick ends the connection: the writer sends a close frame with code
// (unless 0) and closes the socket; the reader then finishes.
func (c *client) kick(code int, reason string) {
	c.once.Do(func() {
		c.code, c.reason = code, reason
		close(c.kicked)
	})
	c.mu.Lock()
	start := c.takeWriterLocked()
	c.mu.Unlock()
	if start {
		go c.runWriter()
	}
}

func (c *client) isKicked() bool {
	select {
	case <-c.kicked:
		return true
	default:
		return false
	}
}

// ping asks the writer for a ping, starting one if none runs. A ping takes
// no place in the send buffer.
func (c *client) ping() {
	c.mu.Lock()
	if c.closed || c.ended {
		c.mu.Unlock()
		return
	}
	c.pingDue = true
	start := c.takeWriterLocked()
	c.mu.Unlock()
	if start {
		go c.runWriter()
	}
}

// runWriter is a writer goroutine started for queued work.
func (c *client) runWriter() {
	defer c.hub.conns.Done()
	c.drain()
}

// drain writes a due ping and what is queued, in order, then gives the
// writer role up. A kicked client gets its close frame and its socket closed
// instead. The caller holds the writer role. The end of a frame begun by a
// direct write goes first: nothing else may come between its parts.
func (c *client) drain() {
	if c.rest != nil && !c.isKicked() {
		nc := c.conn.UnderlyingConn()
		nc.SetWriteDeadline(time.Now().Add(c.hub.opt.WriteWait))
		if _, err := nc.Write(c.rest); err != nil {
			c.kick(0, "")
		} else {
			c.rest = nil
		}
	}
	for {
		c.mu.Lock()
		kicked := c.isKicked()
		ping := !kicked && c.pingDue
		pong := !kicked && !ping && c.pongDue
		pongData := c.pongData
		var fr *frame
		switch {
		case kicked:
			c.closed = true
			c.queue = nil
		case ping:
			c.pingDue = false
		case pong:
			c.pongDue, c.pongData = false, ""
		case len(c.queue) > 0:
			fr = c.popLocked()
		default:
			if c.sock != nil {
				// Direct writes never wait; a deadline left from this
				// writer would fail them once it passed.
				c.conn.UnderlyingConn().SetWriteDeadline(time.Time{})
			}
			c.writing = false
			if cap(c.queue) > idleQueue {
				c.queue = nil // a burst's backing array is not kept while idle
			}
		}
		c.mu.Unlock()
		var err error
		switch {
		case kicked:
			// A close frame after part of a frame would not be one.
			if c.code != 0 && c.rest == nil {
				c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(c.code, c.reason),
					time.Now().Add(c.hub.opt.WriteWait))
			}
			c.conn.Close()
			return
		case ping:
			err = c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.hub.opt.WriteWait))
		case pong:
			err = c.conn.WriteControl(websocket.PongMessage, []byte(pongData), time.Now().Add(c.hub.opt.WriteWait))
		case fr != nil:
			err = c.write(fr)
		default:
			return
		}
		if err != nil {
			c.kick(0, "") // closed at the next turn
		}
	}
}

// skip reports whether fr is not to be written, and otherwise notes it as
// sent; the caller holds the writer role. A display skips any event it
// already has (seq at or below what it was last sent), which makes joining
// during live traffic and repeated snapshots harmless. A coalesced board
// update is sent even when a call went ahead of it: its units carry their
// own seqs.
func (c *client) skip(fr *frame) bool {
	if c.display {
		switch {
		case fr.board:
			c.last = max(c.last, fr.seq)
		case fr.snap && fr.seq < c.last || !fr.snap && fr.seq <= c.last:
			return true
		default:
			c.last = fr.seq
		}
	}
	return fr.data == nil
}

// idleQueue is the send queue capacity a client keeps between bursts.
const idleQueue = 16

// readPump reads until the peer goes away, stops answering pings, or the
// writer closes the socket, then closes the connection for good. Clients
// send nothing the server needs; the reads serve pongs and close frames.
func (c *client) readPump(seen func()) {
	defer c.hub.conns.Done()
	defer c.release()
	c.conn.SetReadLimit(1024)
	c.conn.SetReadDeadline(time.Now().Add(c.hub.opt.PongWait))
	c.conn.SetPongHandler(func(string) error {
		c.conn.SetReadDeadline(time.Now().Add(c.hub.opt.PongWait))
		if seen != nil {
			seen()
		}
		return nil
	})
	// Answers go through the writer, like every write (gorilla's default
	// handlers write from here).
	c.conn.SetPingHandler(func(data string) error {
		c.pong(data)
		return nil
	})
	c.conn.SetCloseHandler(func(code int, _ string) error {
		if code == websocket.CloseNoStatusReceived {
			code = websocket.CloseNormalClosure
		}
		// The close is echoed from here, before the socket closes below,
		// when no writer holds the role; the role is then kept for good.
		// A writer busy meanwhile is asked to echo it at its next turn,
		// which it does if that comes before the socket closes.
		c.mu.Lock()
		free := !c.writing && !c.closed
		if free {
			c.writing, c.closed, c.queue = true, true, nil
		}
		c.mu.Unlock()
		if free {
			c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(time.Second))
		} else {
			c.kick(code, "")
		}
		return nil
	})
	for {
		if _, _, err := c.conn.ReadMessage(); err != nil {
			break
		}
	}
	c.mu.Lock()
	c.ended = true
	c.queue = nil
	c.mu.Unlock()
	c.kick(0, "") // a writer still running stops at its next message
	c.conn.Close()
}

// release is called once by the reader and once by the setup goroutine
// when they finish; the second call takes the connection off everything
// that lists it.
func (c *client) release() {
	if c.refs.Add(-1) != 0 {
		return
	}
	if c.onEnd != nil {
		c.onEnd()
	}
	if c.fac != nil {
		c.fac.remove(c)
	}
	c.hub.untrack(c)
}

// pingsFromNow schedules the client's pings, and restarts its pong
// deadline: it counts from when the pings start, however long the first
// messages took.
func (c *client) pingsFromNow() {
	now := time.Now()
	c.conn.SetReadDeadline(now.Add(c.hub.opt.PongWait))
	c.nextPing.Store(int64(now.Sub(c.hub.epoch) + c.hub.pingEvery()))
}

// pingTick is how often the pinger looks for clients due a ping.
func (h *Hub) pingTick() time.Duration { return min(time.Second, h.opt.PingPeriod/4) }

// pingEvery is when a client is next due after a ping: one tick early. The
// pinger takes a client due within half a tick, so pings go out between 1.5
// and 0.5 ticks before PingPeriod is over, and never after it.
func (h *Hub) pingEvery() time.Duration { return h.opt.PingPeriod - h.pingTick() }

// write sends one frame, unless skip says not to.
func (c *client) write(fr *frame) error {
	if c.skip(fr) {
		return nil
	}
	c.conn.SetWriteDeadline(time.Now().Add(c.hub.opt.WriteWait))
	return c.conn.WriteMessage(websocket.TextMessage, fr.data)
}

// writeInitial sends a display's first messages; the caller holds the
// writer role. When they cannot be made it tells the client to try again
// and reports false.
func (c *client) writeInitial(frames []frame, err error) bool {
	if err != nil {
		c.hub.log.Warn("display: initial state unavailable", "err", err)
		c.kick(websocket.CloseTryAgainLater, "try again")
		return false
	}
	for i := range frames {
		if err := c.write(&frames[i]); err != nil {
			c.kick(0, "")
			return false
		}
	}
	return true
}

// runPinger pings every client once each PingPeriod, through its writer,
// until ctx ends. Its schedule is on the monotonic clock (time since the
// hub's epoch), like the pong deadlines, so a step of the wall clock
// neither delays every ping nor sends them all at once.
func (h *Hub) runPinger(ctx context.Context) {
	tick := h.pingTick()
	t := time.NewTicker(tick)
	defer t.Stop()
	var due []*client
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			at := now.Sub(h.epoch)
			h.mu.Lock()
			for c := range h.clients {
				if c.nextPing.Load() <= int64(at+tick/2) {
					c.nextPing.Store(int64(at + h.pingEvery()))
					due = append(due, c)
				}
			}
			h.mu.Unlock()
			for i, c := range due {
				c.ping()
				due[i] = nil
			}
			due = due[:0]
		}
	}
}

// DisplayRequest is a display's subscription: a facility, optionally some
// of its units, and the last seq it processed when reconnecting.
type DisplayRequest struct {
	Facility string
	Units    []string // empty: all
	Since    int64
	HasSince bool
	Name     string // optional stable name of the screen, for the display list
	// Verified is set for a screen opened by someone the facility trusts
	// (a signed-in browser of its staff, an admin's API token); the list
	// shows others as unverified, and they never take a verified one's
	// place (see the registry).
	Verified bool
	// Coalesce asks for calls at once and every other change as one board
	// update a second (type "units"), instead of one message per event. Such
	// a screen always starts with a snapshot, whose recent calls after
	// Since it announces.
	Coalesce bool
}

// ServeDisplay upgrades r to a display socket and serves it until either
// side closes. Before the upgrade it returns fault.ErrUnavailable (wrapping
// ErrClosed when the hub is not running); after it, nil.
func (h *Hub) ServeDisplay(w http.ResponseWriter, r *http.Request, req DisplayRequest) error {
	f, err := h.facility(req.Facility)
	if err != nil {
		return err
	}
	if err := f.waitReady(r.Context()); err != nil {
		return fmt.Errorf("display %s: %w", req.Facility, err)
	}
	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil // the upgrader has answered
	}
	c := h.newClient(conn)
	c.display, c.coalesce = true, req.Coalesce
	if len(req.Units) > 0 {
		c.units = map[string]bool{}
		for _, u := range req.Units {
			c.units[u] = true
		}
	}
	c.unitsKey = subscriptionKey(c.units)
	if !h.track(c) {
		closeGoingAway(conn, h.opt.WriteWait)
		return nil
	}
	// The handler's goroutine returns (its stack grew serving the request);
	// the connection lives on in goroutines of its own.
	go h.serveDisplay(f, c, req)
	return nil
}

// serveDisplay is a display's setup goroutine: it attaches the display,
// starts its reader and writes its first messages, then what was queued
// meanwhile, and ends.
func (h *Hub) serveDisplay(f *facility, c *client, req DisplayRequest) {
	f, err := h.attachDisplay(f, req.Facility, c)
	if err != nil {
		h.conns.Add(-2) // neither the reader nor this goroutine runs on
		h.untrack(c)
		closeGoingAway(c.conn, h.opt.WriteWait)
		return
	}
	defer h.conns.Done()
	defer c.release()
	d := h.connected(req)
	c.fac, c.onEnd = f, func() { h.disconnected(d) }
	go c.readPump(func() { h.seen(d) })
	// The first messages (a snapshot read from Postgres, or a replay) are
	// made and written here: a writer started later begins with a fresh
	// stack instead of keeping what making them grew.
	if c.writeInitial(h.initial(f, c, req)) {
		c.pingsFromNow()
	}
	c.drain()
}

// initial is a display's first messages: the events after since when they
// can all be replayed and the client's state is of today, else a snapshot.
func (h *Hub) initial(f *facility, c *client, req DisplayRequest) ([]frame, error) {
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	now := h.opt.Now()
	fac, _, err := h.queue.Facility(ctx, req.Facility)
	if err != nil {
		return nil, err
	}
	if req.HasSince && !req.Coalesce {
		evs, err := h.store.EventsFrom(ctx, req.Facility, max(req.Since, 1), h.opt.MaxReplay+2)
		if err != nil {
			return nil, err
		}
		if rest, ok := h.replayable(req.Since, evs, fac.Location, now); ok {
			// The first frame only marks since as processed, so that live
			// events up to it are skipped.
			frames := []frame{{seq: req.Since, snap: true}}
			for _, e := range rest {
				if c.wants(e.Unit) {
					frames = append(frames, frame{seq: e.Seq, data: encodeEvent(e, fac.Location)})
				}
			}
			return frames, nil
		}
	}
	fr, err := f.snapshot(ctx, c, fac.Location)
	if err != nil {
		return nil, err
	}
	return []frame{fr}, nil
}

// replayable returns the events after since, given the events from since
// on (from 1 when since is 0), when they are all there, few enough, and the
// client's state is of the facility's current date.
func (h *Hub) replayable(since int64, evs []queue.Event, loc *time.Location, now time.Time) ([]queue.Event, bool) {
	today := func(e queue.Event) bool {
		return e.At.In(loc).Format(time.DateOnly) == now.In(loc).Format(time.DateOnly)
	}
	if since > 0 {
		if len(evs) == 0 || evs[0].Seq != since || !today(evs[0]) {
			return nil, false
		}
		evs = evs[1:]
	} else if len(evs) > 0 && (evs[0].Seq != 1 || !today(evs[0])) {
		return nil, false
	}
	return evs, len(evs) <= h.opt.MaxReplay
}

// ServeTicket upgrades r to a patient's ticket socket for t (whose token the
// caller has checked) and serves it until either side closes. render turns
// a ticket into its JSON object. Errors as ServeDisplay.
func (h *Hub) ServeTicket(w http.ResponseWriter, r *http.Request, t queue.Ticket, render func(queue.Ticket) any) error {
	f, err := h.facility(t.Facility)
	if err != nil {
		return err
	}
	if err := f.waitReady(r.Context()); err != nil {
		return fmt.Errorf("ticket socket %s: %w", t.ID, err)
	}
	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil
	}
	c := h.newClient(conn)
	c.ticket, c.render = &queue.Ticket{ID: t.ID}, render
	c.unitsKey = subscriptionKey(c.units)
	if !h.track(c) {
		closeGoingAway(conn, h.opt.WriteWait)
		return nil
	}
	go h.serveTicket(f, c, t.Facility)
	return nil
}

// serveTicket is a ticket socket's setup goroutine: it starts the reader,
// joins the ticket's facility (which queues the ticket's state), writes
// what is queued and ends.
func (h *Hub) serveTicket(f *facility, c *client, facility string) {
	defer h.conns.Done()
	defer c.release()
	go c.readPump(nil)
	f, err := h.attachWatcher(f, facility, c)
	if err != nil {
		c.kick(websocket.CloseTryAgainLater, "unavailable")
	} else {
		c.fac = f
		c.pingsFromNow()
	}
	c.drain()
}

func closeGoingAway(conn *websocket.Conn, wait time.Duration) {
	conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server restarting"),
		time.Now().Add(wait))
	conn.Close()
}
