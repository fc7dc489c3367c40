package display

import (
	"context"
	"sync"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/gorilla/websocket"
)

// facility is the sequencer and fan-out of one facility on this instance.
// Its run goroutine owns the event order: it alone delivers, so clients see
// events in seq order with no gap and no repeat.
type facility struct {
	hub   *Hub
	code  string
	inbox chan queue.Event
	poke  chan struct{}
	join  chan *client
	ready chan struct{} // closed once next is known
	// work feeds the watcher loop: patients' sockets joining, and events
	// whose unit has patients watching. Positions are computed there, off
	// the sequencer, so screens never wait for them.
	work chan watchJob

	loc   *time.Location // owned by run
	today string         // owned by run
	// board is what changed on today's board since the last coalesced
	// update: each unit's latest event that was not a call. Owned by run.
	board map[string]queue.Event

	stop chan struct{} // closed when the facility retires

	boards boardCache // shared by connecting displays
	gate   callGate   // calls being written: board updates wait for them

	mu       sync.Mutex
	retired  bool  // no longer the hub's; clients must attach to a new one
	next     int64 // the seq to deliver next; written by run under mu
	displays map[*client]bool
	watchers map[unitDay]map[*client]bool
}

type unitDay struct{ unit, date string }

// watchJob is a patient's socket joining (c), or an event touching the
// line of watched tickets.
type watchJob struct {
	c *client
	e queue.Event
}

func newFacility(h *Hub, code string) *facility {
	return &facility{hub: h, code: code, inbox: make(chan queue.Event, 1024), poke: make(chan struct{}, 1),
		join: make(chan *client, 256), ready: make(chan struct{}), work: make(chan watchJob, 4096), stop: make(chan struct{}),
		displays: map[*client]bool{}, watchers: map[unitDay]map[*client]bool{}, boards: boardCache{lock: make(chan struct{}, 1)},
		board: map[string]queue.Event{}}
}

// offer queues an event for the sequencer. A full inbox drops it: the
// sequencer will read it from Postgres when it sees the gap.
func (f *facility) offer(e queue.Event) {
	select {
	case f.inbox <- e:
	default:
		f.pokeNow()
	}
}

func (f *facility) pokeNow() {
	select {
	case f.poke <- struct{}{}:
	default:
	}
}

// waitReady waits until the sequencer knows where the facility's history
// stands, so that a client registered after it misses nothing.
func (f *facility) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	select {
	case <-f.ready:
		return nil
	case <-ctx.Done():
		return fault.ErrUnavailable
	}
}

func (f *facility) busy() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.displays) > 0 || len(f.watchers) > 0
}

// addDisplay registers a screen; false if the facility retired (the caller
// attaches to the hub's new one).
func (f *facility) addDisplay(c *client) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.retired {
		return false
	}
	f.displays[c] = true
	return true
}

// joinWatcher queues a patient's socket for the watcher loop; false if the
// facility retired or the queue is full (the caller tries again).
func (f *facility) joinWatcher(c *client) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.retired {
		return false
	}
	select {
	case f.join <- c:
		return true
	default:
		return false
	}
}

// retire ends an idle facility: it leaves the hub's map, so the next client
// starts a new one, unless a client arrived meanwhile. It reports whether
// the facility retired.
func (f *facility) retire() bool {
	h := f.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.displays) > 0 || len(f.watchers) > 0 || len(f.join) > 0 || len(f.work) > 0 {
		return false
	}
	f.retired = true
	if h.facilities[f.code] == f {
		delete(h.facilities, f.code)
	}
	close(f.stop)
	return true
}

func (f *facility) remove(c *client) {
	f.mu.Lock()
	delete(f.displays, c)
	if w := f.watchers[c.watch]; w != nil {
		delete(w, c)
		if len(w) == 0 {
			delete(f.watchers, c.watch)
		}
	}
	f.mu.Unlock()
}

func (f *facility) run(ctx context.Context) {
	defer f.hub.loops.Done()
	if !f.init(ctx) {
		return
	}
	close(f.ready)
	f.hub.loops.Add(1)
	go f.watchLoop(ctx)
	poll := time.NewTicker(f.hub.opt.Poll)
	defer poll.Stop()
	pending := map[int64]queue.Event{}
	idleSince := time.Now()
	var gap, flush *time.Timer
	var gapC, flushC <-chan time.Time
	defer func() {
		if gap != nil {
			gap.Stop()
		}
		if flush != nil {
			flush.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-f.inbox:
			f.accept(ctx, e, pending)
		case c := <-f.join:
			select {
			case f.work <- watchJob{c: c}:
			case <-ctx.Done():
				return
			}
		case <-gapC:
			gapC = nil
			f.fill(ctx, pending)
		case <-flushC:
			flushC = nil
			f.flushBoard()
		case <-f.poke:
			f.fill(ctx, pending)
		case <-poll.C:
			if f.busy() {
				f.fill(ctx, pending)
				f.checkDay(ctx, pending)
				idleSince = time.Now()
			} else if time.Since(idleSince) >= f.hub.opt.Retire && f.retire() {
				return // no client for a while: its goroutines go, as its clients did
			}
		}
		switch {
		case len(pending) > 0 && gapC == nil:
			gap = time.NewTimer(f.hub.opt.GapWait)
			gapC = gap.C
		case len(pending) == 0 && gapC != nil:
			gap.Stop()
			gapC = nil
		}
		if len(f.board) > 0 && flushC == nil {
			// The first change after a quiet spell waits at most one
			// period; the changes that follow it ride along.
			flush = time.NewTimer(f.hub.opt.Coalesce)
			flushC = flush.C
		}
	}
}

// init learns the facility's time zone and last seq, retrying while
// Postgres is away. It reports false when ctx ended first.
func (f *facility) init(ctx context.Context) bool {
	for {
		fac, _, err := f.hub.queue.Facility(ctx, f.code)
		if err == nil {
			var seq int64
			if seq, err = f.hub.store.EventSeq(ctx, f.code); err == nil {
				f.loc = fac.Location
				f.today = f.hub.opt.Now().In(f.loc).Format(time.DateOnly)
				f.mu.Lock()
				f.next = seq + 1
				f.mu.Unlock()
				return true
			}
		}
		f.hub.log.Warn("display: facility not ready", "facility", f.code, "err", err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(time.Second):
		}
	}
}

// accept delivers e if it is the next event, keeps it if it is early, and
// drops it if it was delivered already.
func (f *facility) accept(ctx context.Context, e queue.Event, pending map[int64]queue.Event) {
	switch {
	case e.Seq < f.next:
		return
	case e.Seq > f.next:
		pending[e.Seq] = e
		return
	}
	f.deliver(ctx, e)
	f.drain(ctx, pending)
}

// drain delivers the kept events that now follow on, and forgets those
// already covered.
func (f *facility) drain(ctx context.Context, pending map[int64]queue.Event) {
	for {
		n, ok := pending[f.next]
		if !ok {
			break
		}
		delete(pending, n.Seq)
		f.deliver(ctx, n)
	}
	for seq := range pending {
		if seq < f.next {
			delete(pending, seq)
		}
	}
}

// fill reads from Postgres every event from next on. When more are missing
// than MaxReplay, every client gets a fresh state instead.
func (f *facility) fill(ctx context.Context, pending map[int64]queue.Event) {
	max := f.hub.opt.MaxReplay
	evs, err := f.hub.store.EventsFrom(ctx, f.code, f.next, max+1)
	if err != nil {
		f.hub.log.Warn("display: refill from postgres failed", "facility", f.code, "err", err)
		return
	}
	if len(evs) > max {
		f.resnapshot(ctx, pending)
		return
	}
	for _, e := range evs {
		f.accept(ctx, e, pending)
	}
}

// deliver sends e to every display of its unit (the same bytes to all),
// and a new ticket state to every patient watching its unit whose ticket
// or place changed.
func (f *facility) deliver(ctx context.Context, e queue.Event) {
	call := isCall(e)
	// A check-in is shown by its code on the screens (the patient looks for
	// it), so it is not folded into a board update either.
	direct := call || e.Kind == "checked_in"
	fr := sharedFrame(frame{seq: e.Seq, call: call, data: encodeEvent(e, f.loc)}) // shared: never changed
	var now []*client
	f.mu.Lock()
	f.next = e.Seq + 1
	coalescing := false
	for c := range f.displays {
		if !c.wants(e.Unit) {
			continue
		}
		if c.coalesce && !direct {
			coalescing = true
			continue
		}
		ok, taken := c.enqueue(fr, true)
		if !ok {
			delete(f.displays, c)
		} else if taken {
			now = append(now, c)
		}
	}
	switch {
	case direct && e.At.In(f.loc).Format(time.DateOnly) == e.ServiceDate:
		// The event carries its unit's state: an older change is moot.
		delete(f.board, e.Unit)
	case coalescing && !direct && e.At.In(f.loc).Format(time.DateOnly) == e.ServiceDate:
		f.board[e.Unit] = e
	}
	watched := len(f.watchers[unitDay{e.Unit, e.ServiceDate}]) > 0
	f.mu.Unlock()
	f.hub.flushAll(now, fanoutGoroutines(), &f.gate, call)
	if watched {
		select {
		case f.work <- watchJob{e: e}:
		default:
			// The watcher loop is far behind; phones catch up at the next
			// event of their unit (and poll while their socket is quiet).
			f.hub.log.Warn("display: watcher updates behind; one dropped", "facility", f.code, "unit", e.Unit)
		}
	}
}

// flushBoard sends every coalescing display the latest state of the units
// of its subscription that changed since the last update, in one message:
// a booking rush costs a screen one message a period, not one per booking.
// Displays with the same subscription share one encoding.
func (f *facility) flushBoard() {
	if len(f.board) == 0 {
		return
	}
	changed := make([]queue.Event, 0, len(f.board))
	for _, e := range f.board {
		changed = append(changed, e)
	}
	clear(f.board)
	frames := map[string]*frame{}
	var to []boardTo
	f.mu.Lock()
	for c := range f.displays {
		if !c.coalesce {
			continue
		}
		fr, ok := frames[c.unitsKey]
		if !ok {
			fr = boardFrame(changed, c.units)
			frames[c.unitsKey] = fr
		}
		if fr != nil {
			to = append(to, boardTo{c, fr})
		}
	}
	f.mu.Unlock()
	f.hub.writeBoards(to, &f.gate)
}

// watchLoop keeps patients' sockets up to date. It takes what is queued at
// once and computes each touched unit's places once for the whole batch.
func (f *facility) watchLoop(ctx context.Context) {
	defer f.hub.loops.Done()
	for {
		var first watchJob
		select {
		case <-ctx.Done():
			return
		case <-f.stop:
			return
		case first = <-f.work:
		}
		batch := []watchJob{first}
	more:
		for len(batch) < 512 {
			select {
			case j := <-f.work:
				batch = append(batch, j)
			default:
				break more
			}
		}
		last := map[unitDay]queue.Event{}
		own := map[string]bool{}
		var order []unitDay
		for _, j := range batch {
			if j.c != nil {
				f.addWatcher(ctx, j.c)
				continue
			}
			k := unitDay{j.e.Unit, j.e.ServiceDate}
			if _, ok := last[k]; !ok {
				order = append(order, k)
			}
			last[k] = j.e
			own[j.e.TicketID] = true
		}
		for _, k := range order {
			f.mu.Lock()
			ws := make([]*client, 0, len(f.watchers[k]))
			for c := range f.watchers[k] {
				ws = append(ws, c)
			}
			f.mu.Unlock()
			if len(ws) > 0 {
				f.updateWatchers(ctx, last[k], own, ws)
			}
		}
	}
}

// updateWatchers sends the watchers of e's unit their ticket's new state
// where it changed; tickets in own changed themselves and are read again,
// with their place. The places of the other waiting tickets watched are
// read together, not the whole line.
func (f *facility) updateWatchers(ctx context.Context, e queue.Event, own map[string]bool, ws []*client) {
	ids := make([]string, 0, len(ws))
	for _, c := range ws {
		if id := c.ticket.ID; !own[id] && c.ticket.Status == queue.Waiting {
			ids = append(ids, id)
		}
	}
	var places map[string]queue.Place
	if len(ids) > 0 {
		var err error
		if places, err = f.hub.queue.Positions(ctx, f.code, e.Unit, e.ServiceDate, ids); err != nil {
			f.hub.log.Warn("display: positions unavailable", "facility", f.code, "unit", e.Unit, "err", err)
		}
	}
	for _, c := range ws {
		t := *c.ticket
		if own[t.ID] {
			nt, err := f.hub.queue.Ticket(ctx, t.ID)
			if err != nil {
				f.hub.log.Warn("display: ticket unavailable", "ticket", t.ID, "err", err)
				continue
			}
			t = nt
		} else {
			p, ok := places[t.ID]
			if !ok || (p.Position == t.Position && p.Ahead == t.Ahead && p.EstimatedWaitS == t.EstimatedWaitS) {
				continue // not waiting, no places read, or the same place
			}
			t.Position, t.Ahead, t.EstimatedWaitS, t.Window = p.Position, p.Ahead, p.EstimatedWaitS, p.Window
		}
		c.ticket = &t
		c.offer(&frame{data: encodeTicket(e.Seq, c.render(t))})
	}
}

// addWatcher registers a patient's socket and sends its ticket's state as
// of now: every later event is delivered after this, so none is missed.
func (f *facility) addWatcher(ctx context.Context, c *client) {
	t, err := f.hub.queue.Ticket(ctx, c.ticket.ID)
	if err != nil {
		c.kick(websocket.CloseTryAgainLater, "ticket unavailable")
		return
	}
	c.ticket = &t
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-c.kicked:
		return // it left before it joined
	default:
	}
	c.watch = unitDay{t.Unit, t.ServiceDate}
	if f.watchers[c.watch] == nil {
		f.watchers[c.watch] = map[*client]bool{}
	}
	f.watchers[c.watch][c] = true
	c.offer(&frame{data: encodeTicket(f.next-1, c.render(t))})
}

// resnapshot replaces every client's state with the present one, when the
// events in between cannot be replayed or the day changed.
func (f *facility) resnapshot(ctx context.Context, pending map[int64]queue.Event) {
	b, err := f.hub.store.Board(ctx, f.code, f.hub.opt.Now(), f.hub.opt.Recent)
	if err != nil {
		f.hub.log.Warn("display: snapshot failed", "facility", f.code, "err", err)
		return
	}
	f.today = b.Date
	clear(f.board) // the snapshot has it all
	f.mu.Lock()
	if b.Seq >= f.next {
		f.next = b.Seq + 1
	}
	for c := range f.displays {
		if !c.offer(&frame{seq: b.Seq, snap: true, data: encodeSnapshot(b, c.units)}) {
			delete(f.displays, c)
		}
	}
	var ws []*client
	for _, m := range f.watchers {
		for c := range m {
			ws = append(ws, c)
		}
	}
	f.mu.Unlock()
	for _, c := range ws {
		if t, err := f.hub.queue.Ticket(ctx, c.ticket.ID); err == nil {
			c.ticket = &t
			c.offer(&frame{data: encodeTicket(b.Seq, c.render(t))})
		}
	}
	f.drain(ctx, pending)
}

// checkDay gives every screen a fresh state when the facility's date
// changes, so that yesterday's calls do not stay on a screen left on
// overnight.
func (f *facility) checkDay(ctx context.Context, pending map[int64]queue.Event) {
	if fac, _, err := f.hub.queue.Facility(ctx, f.code); err == nil {
		f.loc = fac.Location
	}
	if f.hub.opt.Now().In(f.loc).Format(time.DateOnly) != f.today {
		f.resnapshot(ctx, pending)
	}
}

// boardCache is the facility's board as last read for a connecting display,
// so that a reconnect storm (an instance restarting, a network blip, every
// screen of a district coming back at once) reads the board once per event
// instead of once per screen. Its lock is held across a read: displays
// connecting meanwhile wait for that read (as long as their context
// allows) instead of making their own.
type boardCache struct {
	lock chan struct{} // a one-slot semaphore; made by newFacility
	b    queue.Board
	all  []byte    // b encoded for a display of every unit
	at   time.Time // when b was read; zero: nothing cached
}

// boardTTL bounds how long a cached board serves: what no event changes (a
// facility's or unit's name) shows on a new screen at most this late.
const boardTTL = 5 * time.Second

// snapshot is the snapshot frame for display c, attached to f before the
// call: a cached board serves when it covers every event delivered when the
// call began (all that c may not have queued: those after are in its
// queue), it is of today (in loc) and younger than boardTTL; else the board
// is read from the store. A display that waited for another's read takes
// that board when it covers its events.
func (f *facility) snapshot(ctx context.Context, c *client, loc *time.Location) (frame, error) {
	f.mu.Lock()
	need := f.next - 1
	f.mu.Unlock()
	bc := &f.boards
	select {
	case bc.lock <- struct{}{}:
	case <-ctx.Done():
		return frame{}, ctx.Err()
	}
	defer func() { <-bc.lock }()
	now := f.hub.opt.Now()
	if bc.at.IsZero() || bc.b.Seq < need || time.Since(bc.at) >= boardTTL || bc.b.Date != now.In(loc).Format(time.DateOnly) {
		b, err := f.hub.store.Board(ctx, f.code, now, f.hub.opt.Recent)
		if err != nil {
			return frame{}, err
		}
		bc.b, bc.all, bc.at = b, encodeSnapshot(b, nil), time.Now()
	}
	data := bc.all
	if c.units != nil {
		data = encodeSnapshot(bc.b, c.units)
	}
	return frame{seq: bc.b.Seq, snap: true, data: data}, nil
}
