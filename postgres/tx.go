package postgres

import (
	"context"

	"github.com/antrian/antrian/queue"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// dbtx is the pool or a transaction, for queries that run on either.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Tx is a transaction as the code running inside it sees it: the queue's
// event hooks, and callers of WithTx. What a hook writes through it commits
// or rolls back with the queue change that ran the hook, which is the
// guarantee of the transactional outboxes. A Tx must not be kept after the
// function that received it returns.
type Tx struct {
	tx pgx.Tx
}

// WithTx runs fn in a transaction, committing when fn returns nil and
// rolling back otherwise. It returns fn's error, or the database's
// (interpreted as the fault kinds) when it cannot begin or commit.
func (db *DB) WithTx(ctx context.Context, fn func(*Tx) error) error {
	var fnErr error
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		fnErr = fn(&Tx{tx: tx})
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	return interpret("transaction", err)
}

// EventHook is called inside a queue transaction for each event, before
// commit, with the ticket as it is after the change. For a booking it runs
// before the new ticket's rows are written (they go with the commit), so a
// hook writes what it needs but does not read those rows back; for other
// changes, after the event row is written. An error rolls the whole change
// back. The outboxes use it so that a message or call commits together
// with the change that causes it.
type EventHook func(ctx context.Context, tx *Tx, e queue.Event, t queue.Ticket, actor string) error

// Ticket returns a ticket by id as this transaction sees it.
// fault.ErrNotFound if there is none.
func (tx *Tx) Ticket(ctx context.Context, id string) (queue.Ticket, error) {
	t, err := getTicket(ctx, tx.tx, id, false)
	return t, interpret("ticket "+id, err)
}
