package display

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/antrian/antrian/queue"
	"github.com/gorilla/websocket"
)

// frame is one message queued for clients. An event's frame is shared by
// every display that gets it, so a frame is never changed once queued.
type frame struct {
	seq  int64 // the event's seq, or the snapshot's; 0 for ticket messages
	snap bool
	data []byte
}

// client is one WebSocket connection: a display or a patient's ticket.
type client struct {
	hub     *Hub
	conn    *websocket.Conn
	send    chan *frame
	display bool
	last    int64           // a display's last seq sent; owned by whoever writes
	units   map[string]bool // displays: nil = every unit

	// Ticket sockets; ticket is owned by the facility's run goroutine.
	ticket *queue.Ticket
	render func(queue.Ticket) any
	watch  unitDay

	once   sync.Once
	kicked chan struct{}
	code   int // close code sent when kicked; 0 = none (the peer is gone)
	reason string
}

func (h *Hub) newClient(conn *websocket.Conn) *client {
	return &client{hub: h, conn: conn, send: make(chan *frame, h.opt.SendBuffer), last: -1, kicked: make(chan struct{})}
}

func (c *client) wants(unit string) bool { return c.units == nil || c.units[unit] }

// offer queues fr without ever blocking the fan-out. A client whose buffer
// is full is kicked; it will reconnect with since and resync.
func (c *client) offer(fr *frame) bool {
	select {
	case c.send <- fr:
		return true
	default:
		c.kick(websocket.CloseTryAgainLater, "too slow")
		return false
	}
}

// kick ends the connection: the writer sends a close frame with code
// (unless 0) and closes the socket.
func (c *client) kick(code int, reason string) {
	c.once.Do(func() {
		c.code, c.reason = code, reason
		close(c.kicked)
	})
}

// readPump reads until the peer goes away or stops answering pings. Clients
// send nothing the server needs; the reads serve pongs and close frames.
func (c *client) readPump(seen func()) {
	defer c.hub.conns.Done()
	defer c.kick(0, "")
	c.conn.SetReadLimit(1024)
	c.conn.SetReadDeadline(time.Now().Add(c.hub.opt.PongWait))
	c.conn.SetPongHandler(func(string) error {
		c.conn.SetReadDeadline(time.Now().Add(c.hub.opt.PongWait))
		if seen != nil {
			seen()
		}
		return nil
	})
	for {
		if _, _, err := c.conn.ReadMessage(); err != nil {
			return
		}
	}
}

// write sends one frame. A display skips any event it already has (seq at
// or below what it was last sent), which makes joining during live traffic
// and repeated snapshots harmless.
func (c *client) write(fr *frame) error {
	if c.display {
		if fr.snap && fr.seq < c.last || !fr.snap && fr.seq <= c.last {
			return nil
		}
		c.last = fr.seq
	}
	if fr.data == nil {
		return nil
	}
	c.conn.SetWriteDeadline(time.Now().Add(c.hub.opt.WriteWait))
	return c.conn.WriteMessage(websocket.TextMessage, fr.data)
}

// writeInitial sends a display's first messages, before its writer starts.
// When they cannot be made it tells the client to try again and reports
// false.
func (c *client) writeInitial(frames []frame, err error) bool {
	if err != nil {
		c.hub.log.Warn("display: initial state unavailable", "err", err)
		c.conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "try again"), time.Now().Add(c.hub.opt.WriteWait))
		return false
	}
	for i := range frames {
		if err := c.write(&frames[i]); err != nil {
			return false
		}
	}
	return true
}

// writePump is the connection's only writer from the moment it starts:
// queued frames, pings, and the close frame. It closes the connection when
// it returns.
func (c *client) writePump() {
	defer c.conn.Close()
	opt := c.hub.opt
	// The pings start now, however long the first messages took: the
	// read deadline, set when the reader started, counts from here too.
	c.conn.SetReadDeadline(time.Now().Add(opt.PongWait))
	ping := time.NewTicker(opt.PingPeriod)
	defer ping.Stop()
	for {
		select {
		case fr := <-c.send:
			if err := c.write(fr); err != nil {
				return
			}
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(opt.WriteWait)); err != nil {
				return
			}
		case <-c.kicked:
			if c.code != 0 {
				c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(c.code, c.reason),
					time.Now().Add(opt.WriteWait))
			}
			return
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
}

// ServeDisplay upgrades r to a display socket and serves it until either
// side closes. Before the upgrade it returns queue.ErrUnavailable (wrapping
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
	c.display = true
	if len(req.Units) > 0 {
		c.units = map[string]bool{}
		for _, u := range req.Units {
			c.units[u] = true
		}
	}
	if !h.track(c) {
		closeGoingAway(conn, h.opt.WriteWait)
		return nil
	}
	// The handler's goroutine returns (its stack grew serving the request);
	// the connection lives on in two small goroutines of its own.
	go h.serveDisplay(f, c, req)
	return nil
}

func (h *Hub) serveDisplay(f *facility, c *client, req DisplayRequest) {
	f, err := h.attachDisplay(f, req.Facility, c)
	if err != nil {
		h.conns.Add(-2) // neither the reader nor the writer starts
		h.untrack(c)
		closeGoingAway(c.conn, h.opt.WriteWait)
		return
	}
	d := h.connected(req)
	go c.readPump(func() { h.seen(d) })
	// The first messages (a snapshot read from Postgres, or a replay) are
	// made and written here, before the writer starts: the writer is a
	// fresh goroutine whose stack stays small for the hours a screen sits
	// idle, instead of keeping what reading and writing them grew.
	ok := c.writeInitial(h.initial(f, c, req))
	go func() {
		defer h.conns.Done()
		defer h.untrack(c)
		defer f.remove(c)
		defer h.disconnected(d)
		if ok {
			c.writePump()
		} else {
			c.conn.Close()
		}
		c.kick(0, "")
	}()
}

// initial is a display's first messages: the events after since when they
// can all be replayed and the client's state is of today, else a snapshot.
func (h *Hub) initial(f *facility, c *client, req DisplayRequest) ([]frame, error) {
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	now := h.opt.Now()
	if req.HasSince {
		evs, err := h.store.EventsFrom(ctx, req.Facility, max(req.Since, 1), h.opt.MaxReplay+2)
		if err != nil {
			return nil, err
		}
		fac, _, err := h.queue.Facility(ctx, req.Facility)
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
	b, err := h.store.Board(ctx, req.Facility, now, h.opt.Recent)
	if err != nil {
		return nil, err
	}
	return []frame{{seq: b.Seq, snap: true, data: encodeSnapshot(b, c.units)}}, nil
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
	if !h.track(c) {
		closeGoingAway(conn, h.opt.WriteWait)
		return nil
	}
	go h.serveTicket(f, c, t.Facility)
	return nil
}

func (h *Hub) serveTicket(f *facility, c *client, facility string) {
	defer h.conns.Done()
	defer h.untrack(c)
	go c.readPump(nil)
	f, err := h.attachWatcher(f, facility, c)
	if err != nil {
		c.kick(websocket.CloseTryAgainLater, "unavailable")
		c.writePump()
		return
	}
	defer f.remove(c)
	c.writePump()
	c.kick(0, "")
}

func closeGoingAway(conn *websocket.Conn, wait time.Duration) {
	conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server restarting"),
		time.Now().Add(wait))
	conn.Close()
}
