package integration

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Outbox row states.
const (
	StatePending = "pending" // waiting for its next attempt, or being sent
	StateSent    = "sent"    // accepted
	StateDead    = "dead"    // failed for good; an admin may retry it
)

// Record is an outbox row as staff and admins see it.
type Record struct {
	ID            int64
	Target        string
	Kind          string
	Facility      string
	Unit          string
	TicketID      string
	Code          string
	State         string
	Attempts      int
	LastError     string
	CreatedAt     time.Time
	NextAttemptAt time.Time
	SentAt        *time.Time
}

const recordColumns = `id, target, kind, facility, unit, ticket_id, code, state, attempts, last_error,
	created_at, next_attempt_at, sent_at`

func scanRecord(r pgx.CollectableRow) (Record, error) {
	var x Record
	err := r.Scan(&x.ID, &x.Target, &x.Kind, &x.Facility, &x.Unit, &x.TicketID, &x.Code, &x.State, &x.Attempts,
		&x.LastError, &x.CreatedAt, &x.NextAttemptAt, &x.SentAt)
	return x, err
}

// TicketRecords lists the calls made or to make about a ticket, oldest first.
func TicketRecords(ctx context.Context, pool *pgxpool.Pool, ticketID string) ([]Record, error) {
	rows, _ := pool.Query(ctx, `SELECT `+recordColumns+` FROM integration_outbox WHERE ticket_id = $1 ORDER BY id`, ticketID)
	recs, err := pgx.CollectRows(rows, scanRecord)
	if err != nil {
		return nil, fmt.Errorf("integration records of %s: %w", ticketID, err)
	}
	return recs, nil
}

// Failed lists up to limit dead rows of a facility, newest first.
func Failed(ctx context.Context, pool *pgxpool.Pool, facility string, limit int) ([]Record, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	rows, _ := pool.Query(ctx, `SELECT `+recordColumns+` FROM integration_outbox WHERE state = 'dead' AND facility = $1
		ORDER BY updated_at DESC, id DESC LIMIT $2`, facility, limit)
	recs, err := pgx.CollectRows(rows, scanRecord)
	if err != nil {
		return nil, fmt.Errorf("integration failures of %s: %w", facility, err)
	}
	return recs, nil
}

// Get returns one row. Errors wrap fault.ErrNotFound.
func Get(ctx context.Context, pool *pgxpool.Pool, id string) (Record, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return Record{}, fmt.Errorf("integration row %q: %w", id, fault.ErrNotFound)
	}
	rows, _ := pool.Query(ctx, `SELECT `+recordColumns+` FROM integration_outbox WHERE id = $1`, n)
	r, err := pgx.CollectExactlyOneRow(rows, scanRecord)
	if errors.Is(err, pgx.ErrNoRows) {
		return Record{}, fmt.Errorf("integration row %d: %w", n, fault.ErrNotFound)
	}
	if err != nil {
		return Record{}, fmt.Errorf("integration row %d: %w", n, err)
	}
	return r, nil
}

// Retry puts a dead row back in the queue with a fresh attempt budget, for
// an admin who fixed the cause. Errors wrap fault.ErrNotFound if id is not dead.
func Retry(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	tag, err := pool.Exec(ctx, `UPDATE integration_outbox SET state = 'pending', attempts = 0, next_attempt_at = now(),
		locked_until = NULL, locked_by = '', updated_at = now() WHERE id = $1 AND state = 'dead'`, id)
	if err != nil {
		return fmt.Errorf("integration retry %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("integration retry %d: %w", id, fault.ErrNotFound)
	}
	return nil
}

var targetName = map[string]string{TargetBPJS: "BPJS", TargetSATUSEHAT: "SATUSEHAT"}

// Summary says, per target, where a ticket's calls stand, in Bahasa
// Indonesia for staff: "BPJS: terkirim", "BPJS: gagal: <reason>",
// "SATUSEHAT: menunggu (percobaan 2: <reason>)". A target with no calls
// is left out.
func Summary(recs []Record) []string {
	var out []string
	for _, target := range []string{TargetBPJS, TargetSATUSEHAT} {
		var dead, pending *Record
		sent := 0
		for i := range recs {
			r := &recs[i]
			if r.Target != target {
				continue
			}
			switch r.State {
			case StateDead:
				dead = r
			case StatePending:
				if pending == nil {
					pending = r
				}
			default:
				sent++
			}
		}
		name := targetName[target]
		switch {
		case dead != nil:
			out = append(out, name+": gagal: "+dead.LastError)
		case pending != nil && pending.LastError != "":
			out = append(out, fmt.Sprintf("%s: menunggu (percobaan %d: %s)", name, pending.Attempts, pending.LastError))
		case pending != nil:
			out = append(out, name+": menunggu")
		case sent > 0:
			out = append(out, name+": terkirim")
		}
	}
	return out
}

// truncate shortens an error for last_error and masks long digit runs
// (card numbers, NIKs, phones) that an answer might echo back.
func truncate(s string) string {
	var b strings.Builder
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			continue
		}
		b.WriteString(mask(s[i-run : i]))
		run = 0
		b.WriteByte(s[i])
	}
	b.WriteString(mask(s[len(s)-run:]))
	out := b.String()
	if len(out) > 500 {
		out = strings.ToValidUTF8(out[:500], "")
	}
	return out
}

func mask(digits string) string {
	if len(digits) >= 10 {
		return "[nomor]"
	}
	return digits
}
