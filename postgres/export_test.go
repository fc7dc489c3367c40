package postgres

import (
	"context"
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
// bookings that arrive together, and returns their results in order.
func BookTogether(ctx context.Context, db *DB, nts []queue.NewTicket, now time.Time) []BookResult {
	items := make([]*bookItem, len(nts))
	for i, nt := range nts {
		items[i] = &bookItem{ctx: ctx, nt: nt, now: now, done: make(chan struct{})}
	}
	db.bookGroup(items)
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
