package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Outbox row states.
const (
	StatePending = "pending" // waiting for its next attempt, or being sent
	StateSent    = "sent"    // accepted by the provider
	StateDead    = "dead"    // failed for good; listed by DeadLetters
	StateStale   = "stale"   // dropped unsent because it was too old to be useful
)

// Enqueue adds m to the outbox inside the caller's transaction, so the message
// exists if and only if the queue change that caused it commits.
//
// It does nothing (and returns nil) when the patient did not opt in (m.OptIn
// false; on the push channel: the ticket has no push subscription), and when a
// message with the same dedupe key was already enqueued: booked, near and
// cancelled are sent once per ticket and channel; called and skipped, which can
// repeat, once per m.Event (every time if m.Event is empty).
// It returns an error wrapping fault.ErrInvalid for an unknown kind or channel, a
// missing ticket id or text, or a phone number that is not Indonesian, and the
// database error otherwise.
func Enqueue(ctx context.Context, tx pgx.Tx, m Message) error {
	if !validKind(m.Kind) {
		return fmt.Errorf("notify enqueue: kind %q: %w", m.Kind, fault.ErrInvalid)
	}
	if !validChannel(m.Channel) {
		return fmt.Errorf("notify enqueue: channel %q: %w", m.Channel, fault.ErrInvalid)
	}
	if m.TicketID == "" || m.Text == "" {
		return fmt.Errorf("notify enqueue: ticket id and text are required: %w", fault.ErrInvalid)
	}
	if m.Channel == ChannelPush {
		m.To = ""
		var subscribed bool
		err := tx.QueryRow(ctx,
			`SELECT EXISTS (SELECT 1 FROM notify_push_subscriptions WHERE ticket_id = $1)`,
			m.TicketID).Scan(&subscribed)
		if err != nil {
			return fmt.Errorf("notify enqueue: check push subscription: %w", err)
		}
		if !subscribed {
			return nil
		}
	} else {
		if !m.OptIn {
			return nil
		}
		to, err := queue.NormalizePhone(m.To)
		if err != nil {
			return fmt.Errorf("notify enqueue %s: %w", m.Kind, err)
		}
		m.To = "+" + to // E.164
	}
	var createdAt *time.Time
	if !m.CreatedAt.IsZero() {
		createdAt = &m.CreatedAt
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO notify_outbox
			(dedupe_key, kind, channel, ticket_id, facility, unit, code, recipient, body, created_at, next_attempt_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, now()), COALESCE($10, now()), now())
		ON CONFLICT (dedupe_key) DO NOTHING`,
		m.dedupeKey(), m.Kind, m.Channel, m.TicketID, m.Facility, m.Unit, m.Code, m.To, m.Text, createdAt)
	if err != nil {
		return fmt.Errorf("notify enqueue %s: %w", m.Kind, err)
	}
	return nil
}

// Record is an outbox row as admins see it.
type Record struct {
	ID            string
	Message       Message // To is E.164; OptIn and Event are not stored
	State         string  // pending, sent, dead or stale
	Attempts      int
	LastError     string // the provider's last answer or the transport error
	NextAttemptAt time.Time
	SentAt        *time.Time
	UpdatedAt     time.Time
}

const recordColumns = `id::text, kind, channel, ticket_id, facility, unit, code, recipient, body,
	created_at, state, attempts, last_error, next_attempt_at, sent_at, updated_at`

func scanRecord(row pgx.CollectableRow) (Record, error) {
	var r Record
	err := row.Scan(&r.ID, &r.Message.Kind, &r.Message.Channel, &r.Message.TicketID,
		&r.Message.Facility, &r.Message.Unit, &r.Message.Code, &r.Message.To, &r.Message.Text,
		&r.Message.CreatedAt, &r.State, &r.Attempts, &r.LastError, &r.NextAttemptAt, &r.SentAt, &r.UpdatedAt)
	return r, err
}

// DeadLetters lists up to limit messages of facility that failed for good,
// most recent first, for the admin page. It returns the database error, if any.
func DeadLetters(ctx context.Context, pool *pgxpool.Pool, facility string, limit int) ([]Record, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := pool.Query(ctx, `SELECT `+recordColumns+` FROM notify_outbox
		WHERE state = 'dead' AND facility = $1 ORDER BY updated_at DESC, seq DESC LIMIT $2`, facility, limit)
	if err != nil {
		return nil, fmt.Errorf("notify dead letters: %w", err)
	}
	recs, err := pgx.CollectRows(rows, scanRecord)
	if err != nil {
		return nil, fmt.Errorf("notify dead letters: %w", err)
	}
	return recs, nil
}

// Get returns one outbox row. It returns an error wrapping fault.ErrNotFound if
// there is no row with that id (or the id is not a UUID).
func Get(ctx context.Context, pool *pgxpool.Pool, id string) (Record, error) {
	rows, err := pool.Query(ctx, `SELECT `+recordColumns+` FROM notify_outbox WHERE id = $1`, id)
	if err != nil {
		return Record{}, fmt.Errorf("notify get %s: %w", id, translate(err))
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanRecord)
	if err != nil {
		return Record{}, fmt.Errorf("notify get %s: %w", id, translate(err))
	}
	return r, nil
}

// Retry puts a dead letter back in the queue with a fresh attempt budget, for
// an admin who fixed the cause (a gateway token, a quota). Its age still
// counts from the original event, so a message that is stale by now is
// dropped rather than sent late. It returns an error wrapping fault.ErrNotFound if
// id is not a dead letter.
func Retry(ctx context.Context, pool *pgxpool.Pool, id string) error {
	tag, err := pool.Exec(ctx, `UPDATE notify_outbox
		SET state = 'pending', attempts = 0, next_attempt_at = created_at,
		    locked_until = NULL, locked_by = '', updated_at = now()
		WHERE id = $1 AND state = 'dead'`, id)
	if err != nil {
		return fmt.Errorf("notify retry %s: %w", id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("notify retry %s: %w", id, fault.ErrNotFound)
	}
	return nil
}

// translate maps driver errors to this package's errors at the storage edge.
func translate(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fault.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "22P02" { // invalid_text_representation: not a UUID
		return fault.ErrNotFound
	}
	return err
}
