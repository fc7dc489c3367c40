package notify_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/antrian/antrian/notify"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/postgres"
)

const secret = "rahasia"

func TestMain(m *testing.M) {
	// pgx pools close their health check goroutine lazily.
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/jackc/pgx/v5/pgxpool.(*Pool).backgroundHealthCheck"))
}

// fastOptions keep tests quick: short polls and backoffs.
func fastOptions() outbox.Options {
	return outbox.Options{
		PollInterval: 5 * time.Millisecond,
		BaseBackoff:  40 * time.Millisecond,
		MaxBackoff:   200 * time.Millisecond,
		SendTimeout:  2 * time.Second,
		MaxAttempts:  5,
	}
}

// enqueue enqueues m in a committed transaction.
func enqueue(t *testing.T, db *postgres.DB, m notify.Message) {
	t.Helper()
	ctx := context.Background()
	if err := db.WithTx(ctx, func(tx *postgres.Tx) error { return notify.Enqueue(ctx, tx, m) }); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
}

func msg(ticket string, kind notify.Kind) notify.Message {
	return notify.Message{Kind: kind, TicketID: ticket, Facility: "sobo", Unit: "UMUM", Code: "B-013",
		To: "0812-3456-7890", Text: "Antrian B-013 " + kind, OptIn: true}
}

// states counts the outbox's rows by state.
func states(t *testing.T, db *postgres.DB) map[string]int {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT state, count(*) FROM notify_outbox GROUP BY state`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		out[s] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
