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
// Bookings are spread over bookShards by facility, so that the groups of
// one instance never wait for each other's facility locks. A shard runs no
// goroutine of its own while idle: the first booking to arrive leads (it
// commits the shard's groups until its own is done), and hands whatever
// arrived meanwhile to a goroutine that drains the shard and ends. Under
// load the next group forms while the previous one commits, without any
// wait; a booking that arrives alone after a group of several waits at most
// DB.BookWindow for others to join it.
//
// A group of one, which is every booking of a lone client, takes the fast
// path: one-row statements, the fewest of them (book_alone.go), no
// goroutine, and no wait, as the last group had no company either.

const (
	// bookShards is the number of groups of one instance that may commit at
	// once (each on its own connection).
	bookShards = 4
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
}

// bookShard is a queue of bookings waiting for a group.
type bookShard struct {
	mu      sync.Mutex
	pending []*bookItem
	running bool // a leader or drainer is committing this shard's groups
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
	sh := db.shard(nt.FacilityID)
	sh.mu.Lock()
	sh.pending = append(sh.pending, it)
	lead := !sh.running
	sh.running = true
	sh.mu.Unlock()
	if lead {
		// The shard was idle, so this booking heads the first group; later
		// groups are left to a drainer, so that this caller is answered
		// as soon as its own group commits.
		db.bookGroup(db.take(sh))
		db.handOff(sh)
	}
	<-it.done
	if it.out.err != nil {
		return queue.Ticket{}, nil, false, interpret("book", it.out.err)
	}
	return it.out.t, it.out.events, it.out.created, nil
}

func (db *DB) shard(facilityID int64) *bookShard {
	return &db.books[uint64(facilityID)%bookShards]
}

// handOff, called by a leader once its group has committed, starts a
// drainer for the bookings that arrived meanwhile, or marks the shard idle
// when none did (a lone client's every booking), without a goroutine.
func (db *DB) handOff(sh *bookShard) {
	sh.mu.Lock()
	idle := len(sh.pending) == 0
	if idle {
		sh.running = false
	}
	sh.mu.Unlock()
	if !idle {
		go db.drain(sh)
	}
}

// drain commits the shard's groups until none is pending.
func (db *DB) drain(sh *bookShard) {
	for {
		group := db.take(sh)
		if group == nil {
			return
		}
		db.bookGroup(group)
	}
}

// take removes the next group from the shard, or marks the shard idle and
// returns nil when nothing is pending. A lone booking first waits up to
// BookWindow for company, when the last group had some: a single client
// booking one after another never gets any, and does not wait.
func (db *DB) take(sh *bookShard) []*bookItem {
	sh.mu.Lock()
	if len(sh.pending) == 1 && db.BookWindow > 0 && sh.company {
		sh.mu.Unlock()
		time.Sleep(db.BookWindow)
		sh.mu.Lock()
	}
	defer sh.mu.Unlock()
	if len(sh.pending) == 0 {
		sh.running = false
		return nil
	}
	n := min(len(sh.pending), maxGroup)
	sh.company = n > 1
	group := sh.pending[:n:n]
	sh.pending = slices.Clone(sh.pending[n:])
	return group
}

// bookGroup commits a group and answers its bookings. Bookings whose caller
// has gone are answered with their context's error and left out. When the
// group's transaction fails as a whole (a hook's error, a constraint), each
// booking is retried alone, so that one booking's failure is its own.
func (db *DB) bookGroup(group []*bookItem) {
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
	outs, err := db.commitGroup(ctx, live)
	if err != nil && len(live) > 1 {
		for _, it := range live {
			db.bookGroup([]*bookItem{it})
		}
		return
	}
	for i, it := range live {
		if err != nil {
			it.out = bookOutcome{err: err}
		} else {
			it.out = outs[i]
		}
		close(it.done)
	}
}
