package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/antrian/antrian/queue"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// BookResult is what Book returns for one booking of BookTogether.
type BookResult struct {
	Ticket  queue.Ticket
	Events  []queue.Event
	Created bool
	Err     error
}

// BookTogether commits the bookings as one group, as Book does with
// bookings that arrive together, and returns their results in order. The
// group waits for its facilities' locks, as one beside the queue does.
func BookTogether(ctx context.Context, db *DB, nts []queue.NewTicket, now time.Time) []BookResult {
	items := make([]*bookItem, len(nts))
	for i, nt := range nts {
		items[i] = &bookItem{ctx: ctx, nt: nt, now: now, done: make(chan struct{})}
	}
	db.bookGroup(items, true)
	out := make([]BookResult, len(items))
	for i, it := range items {
		<-it.done
		out[i] = BookResult{it.out.t, it.out.events, it.out.created, it.out.err}
		if it.out.err != nil {
			out[i].Err = interpret("book", it.out.err)
		}
	}
	return out
}

// BookInQueue commits the bookings as one group of the queue would: one
// that skips a facility another transaction holds. It returns once the
// group has committed, with a channel per booking that is closed when the
// booking is answered (a skipped facility's, later).
func BookInQueue(ctx context.Context, db *DB, nts []queue.NewTicket, now time.Time) []<-chan struct{} {
	items := make([]*bookItem, len(nts))
	done := make([]<-chan struct{}, len(nts))
	for i, nt := range nts {
		items[i] = &bookItem{ctx: ctx, nt: nt, now: now, done: make(chan struct{})}
		done[i] = items[i].done
	}
	db.bookGroup(items, false)
	return done
}

// OpenTraced is Open with tracer on every connection of the pool, for tests
// that count what is sent to the database.
func OpenTraced(ctx context.Context, url string, tracer pgx.QueryTracer) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &DB{Pool: pool, Now: time.Now, BookWindow: defaultBookWindow}, nil
}

// SeqScansOfReads sends the reads of a group of nts (of one booking: the
// fast path's), decides the group and reads the tickets its replays and
// duplicates answer with, once while the tables are small; then it lets
// grow fill the tables and does the same again on the same connection,
// whose plans are kept. It returns how many sequential scans of each table
// the second time made. Both run in one transaction that is rolled back,
// so that nothing else's counts mix in.
func SeqScansOfReads(ctx context.Context, db *DB, nts []queue.NewTicket, now time.Time, grow func() error) (map[string]int64, error) {
	// A connection of its own: its plans go with it.
	conn, err := pgx.ConnectConfig(ctx, db.Pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `BEGIN`); err != nil { // the reads' BEGIN only warns
		return nil, err
	}
	scans := func() (map[string]int64, error) {
		items := make([]*bookItem, len(nts))
		for i, nt := range nts {
			items[i] = &bookItem{ctx: ctx, nt: nt, now: now, done: make(chan struct{})}
		}
		g := newGroup(items, true)
		read, scan, _ := g.reads()
		br := conn.SendBatch(ctx, read())
		tx := br.Tx()
		if err := scan(br); err != nil {
			return nil, err
		}
		for i := range items {
			g.decide(i)
		}
		if len(g.fetch) == 0 {
			return nil, errors.New("no replay or duplicate to read")
		}
		if err := g.fetchTickets(ctx, tx); err != nil {
			return nil, err
		}
		n := map[string]int64{}
		var table string
		var count int64
		_, err := pgx.ForEachRow(must(conn.Query(ctx, `SELECT relname, seq_scan FROM pg_stat_xact_user_tables`)),
			[]any{&table, &count}, func() error {
				n[table] = count
				return nil
			})
		return n, err
	}
	before, err := scans()
	if err != nil {
		return nil, err
	}
	if err := grow(); err != nil {
		return nil, err
	}
	after, err := scans()
	for table := range after {
		after[table] -= before[table]
	}
	return after, err
}

// ServiceTimeReads runs ServiceTime's query for unit since, on a connection
// of its own in a transaction that is rolled back, and returns how many rows
// of tickets it read (by sequential scan or through an index).
func ServiceTimeReads(ctx context.Context, db *DB, unitID int64, since time.Time) (int64, error) {
	conn, err := pgx.ConnectConfig(ctx, db.Pool.Config().ConnConfig.Copy())
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	var secs float64
	var n, counters int
	if err := tx.QueryRow(ctx, serviceTimeSQL, serviceTimeArgs(unitID, since)...).Scan(&secs, &n, &counters); err != nil {
		return 0, err
	}
	var read int64
	err = tx.QueryRow(ctx, `SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)
		FROM pg_stat_xact_user_tables WHERE relname = 'tickets'`).Scan(&read)
	return read, err
}
