package postgres

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/antrian/antrian/queue"
)

// Group commit. Bookings that arrive together in one instance are committed
// in one transaction: one BEGIN, one lock per facility (taken in id order,
// the same in every transaction), one statement per table for all of them
// and one COMMIT, instead of all of that per booking. Each booking is still
// decided on its own, in arrival order, exactly as if the group's bookings
// had run one after another (see decide); a booking refused (quota reached,
// a duplicate, an idempotency key reused) refuses only itself. Every caller
// is answered after the group's COMMIT has returned, so a booking is durable
// before its client hears of it.
//
// An instance's bookings wait in one queue, whatever their facility: a
// group holds bookings of as many facilities as arrived together and locks
// them in id order. The queue runs no goroutine of its own while idle: the
// first booking to arrive leads (it commits the first group), and hands
// whatever arrived meanwhile to a goroutine that drains the queue and
// ends. Under load the next group forms while the previous one commits,
// without any wait; a booking that arrives alone after a group of several
// waits at most DB.BookWindow for others to join it. One queue, not one per
// few facilities: the groups are as large as the load makes them, which is
// what saves PostgreSQL its work (with four queues by facility, PostgreSQL
// spent about twice the CPU per booking for 32 clients across a district,
// BENCHMARKS.md), and an instance's groups never wait for each other's
// locks. Nor, when it spans several facilities, for anyone else's: a
// facility whose row another transaction holds is skipped, and its
// bookings wait for it in a group of their own beside the queue
// (bookGroup). A group of one facility's bookings waits for its lock.
//
// A group of one, which is every booking of a lone client, takes the fast
// path: one-row statements, the fewest of them (book_alone.go), no
// goroutine, and no wait, as the last group had no company either.

const (
	// maxGroup bounds a group, and so the statements' arrays and the time
	// the group's facility locks are held.
	maxGroup = 64
	// groupTimeout bounds a group's transaction; it does not depend on any
	// one caller's context, since it serves several.
	groupTimeout = 15 * time.Second
	// defaultBookWindow is DB.BookWindow as Open sets it.
	defaultBookWindow = time.Millisecond
)

// idempotencyTTL is how long an Idempotency-Key is remembered.
const idempotencyTTL = 48 * time.Hour

// bookItem is one booking waiting for, or inside, a group.
type bookItem struct {
	ctx  context.Context
	nt   queue.NewTicket
	now  time.Time
	done chan struct{} // closed once the outcome is set
	out  bookOutcome
}

// bookOutcome is what Book returns for one booking.
type bookOutcome struct {
	t       queue.Ticket
	events  []queue.Event
	created bool
	err     error
	later   bool // its facility was locked: it goes in a group that waits
}

// bookQueue is the instance's bookings waiting for a group.
type bookQueue struct {
	mu      sync.Mutex
	pending []*bookItem
	running bool // a leader or drainer is committing the queue's groups
	company bool // the last group had more than one booking
}

// Book stores a new ticket with the next number of its unit and day, unless
// the idempotency key names an earlier one (created=false) or the person
// already holds an active ticket (*queue.DuplicateError), and returns once
// it has committed (with the other bookings of its group).
//
// Every write to ticket_numbers happens under its facility's row lock, so
// the number read under the lock is still the last one when the group
// writes; tickets' UNIQUE (unit_id, service_date, number) would refuse a
// duplicate if that ever stopped being true.
func (db *DB) Book(ctx context.Context, nt queue.NewTicket, now time.Time) (queue.Ticket, []queue.Event, bool, error) {
	it := &bookItem{ctx: ctx, nt: nt, now: now, done: make(chan struct{})}
	q := &db.books
	q.mu.Lock()
	q.pending = append(q.pending, it)
	lead := !q.running
	q.running = true
	q.mu.Unlock()
	if lead {
		// The queue was idle, so this booking heads the first group; later
		// groups are left to a drainer, so that this caller is answered
		// as soon as its own group commits.
		db.bookGroup(db.take(q), false)
		db.handOff(q)
	}
	<-it.done
	if it.out.err != nil {
		return queue.Ticket{}, nil, false, interpret("book", it.out.err)
	}
	return it.out.t, it.out.events, it.out.created, nil
}

// handOff, called by a leader once its group has committed, starts a
// drainer for the bookings that arrived meanwhile, or marks the queue idle
// when none did (a lone client's every booking), without a goroutine.
func (db *DB) handOff(q *bookQueue) {
	q.mu.Lock()
	idle := len(q.pending) == 0
	if idle {
		q.running = false
	}
	q.mu.Unlock()
	if !idle {
		go db.drain(q)
	}
}

// drain commits the queue's groups until none is pending.
func (db *DB) drain(q *bookQueue) {
	for {
		group := db.take(q)
		if group == nil {
			return
		}
		db.bookGroup(group, false)
	}
}

// take removes the next group from the queue, or marks the queue idle and
// returns nil when nothing is pending. A lone booking first waits up to
// BookWindow for company, when the last group had some: a single client
// booking one after another never gets any, and does not wait.
func (db *DB) take(q *bookQueue) []*bookItem {
	q.mu.Lock()
	if len(q.pending) == 1 && db.BookWindow > 0 && q.company {
		q.mu.Unlock()
		time.Sleep(db.BookWindow)
		q.mu.Lock()
	}
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		q.running = false
		return nil
	}
	n := min(len(q.pending), maxGroup)
	q.company = n > 1
	group := q.pending[:n:n]
	q.pending = slices.Clone(q.pending[n:])
	return group
}

// bookGroup commits a group and answers its bookings. Bookings whose caller
// has gone are answered with their context's error and left out. When the
// group's transaction fails as a whole (a hook's error, a constraint), each
// booking is retried alone, so that one booking's failure is its own.
//
// Unless wait is set, a group of several facilities' bookings does not
// wait for a facility's lock (newGroup). The bookings of a facility that
// another transaction holds (a staff action, a long admin change, another
// instance's group) are left out and committed at once by a group of their
// own beside the queue, which waits for the locks while the queue goes on:
// a busy facility holds up its own bookings only, not every facility's in
// the instance.
func (db *DB) bookGroup(group []*bookItem, wait bool) {
	live := group[:0:0]
	for _, it := range group {
		if err := it.ctx.Err(); err != nil {
			it.out = bookOutcome{err: err}
			close(it.done)
			continue
		}
		live = append(live, it)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	outs, err := db.commitGroup(ctx, live, wait)
	if err != nil && len(live) > 1 {
		for _, it := range live {
			db.bookGroup([]*bookItem{it}, wait)
		}
		return
	}
	var later []*bookItem
	for i, it := range live {
		switch {
		case err != nil:
			it.out = bookOutcome{err: err}
		case outs[i].later:
			later = append(later, it)
			continue
		default:
			it.out = outs[i]
		}
		close(it.done)
	}
	if len(later) > 0 {
		go db.bookGroup(later, true)
	}
}
