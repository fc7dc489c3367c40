// Package outbox delivers the rows of a transactional outbox: messages to
// patients (package notify) and calls to the national systems (package
// integration) that were written in the same transaction as the queue
// change that caused them.
//
// One Worker serves any outbox. It claims due rows from a Store (FOR UPDATE
// SKIP LOCKED under a lease, so any number of workers in any number of
// processes may share one outbox), sends each through the Sender registered
// for its channel, and records the outcome: sent; retried later with
// exponential backoff and jitter; dead-lettered at once for a permanent
// failure or after the last attempt; or dropped as stale when it would
// arrive too late to be useful. Rows of one ticket and channel are sent one
// at a time, in order. Delivery is at-least-once: every attempt at a row
// carries the same id, its idempotency key.
package outbox

import (
	"context"
	"errors"
	"time"
)

// ErrPermanent marks a send that retrying cannot fix (a 4xx answer, a
// refusal, a sender that is not configured). Senders wrap it; the worker
// dead-letters the row at once. Any other Send error is retried.
var ErrPermanent = errors.New("permanent failure")

// Permanent returns a sentinel error that reads text and that errors.Is
// matches with ErrPermanent, for a package that names its permanent
// failures in its own words.
func Permanent(text string) error { return permanent(text) }

type permanent string

func (p permanent) Error() string        { return string(p) }
func (p permanent) Is(target error) bool { return target == ErrPermanent }

// Row states.
const (
	StatePending = "pending" // waiting for its next attempt, or being sent
	StateSent    = "sent"    // accepted by the provider
	StateDead    = "dead"    // failed for good; an admin may retry it
	StateStale   = "stale"   // dropped unsent: too old to be useful
)

// Message is what an outbox row says: one message or call about one ticket.
type Message struct {
	// Channel names the Sender that delivers the row: "webhook",
	// "whatsapp", "sms" or "push" for patient messages ("" is the
	// worker's DefaultChannel), "bpjs" or "satusehat" for calls.
	Channel  string
	Kind     string // what happened: booked, near, called...; antrean_add, panggil...
	Facility string // facility code
	Unit     string // unit code
	TicketID string
	Code     string // ticket code, "B-013"
	To       string // patient messages: the recipient, E.164 ("" for web push)
	Text     string // patient messages: the rendered text
	// Payload is the call's own data (integration calls); personal data is
	// never stored here but read from the ticket when sending.
	Payload map[string]any
	// Dedupe makes a second enqueue with the same key a no-op; "" never
	// dedupes.
	Dedupe string
	// CreatedAt is when the event happened; zero means the transaction's
	// time. Staleness and latency are measured from it.
	CreatedAt time.Time
}

// Delivery is a claimed row handed to a Sender.
type Delivery struct {
	Message
	// ID is the row id and the idempotency key: every attempt at this row
	// carries the same ID, so providers can drop duplicates.
	ID string
	// Attempt counts from 1.
	Attempt int
}

// Record is a row as staff and admins see it.
type Record struct {
	Message
	ID            string
	State         string // pending, sent, dead or stale
	Attempts      int
	LastError     string // the provider's last answer or the transport error
	NextAttemptAt time.Time
	SentAt        *time.Time
	UpdatedAt     time.Time
}

// Sender delivers rows of one channel. Send returns nil when the provider
// accepted the row, an error wrapping ErrPermanent when retrying cannot
// help, and any other error when the attempt should be retried. Send must
// honour ctx for cancellation and deadlines.
type Sender interface {
	Send(ctx context.Context, d Delivery) error
}

// Store is the outbox table a Worker serves; package postgres implements
// it for each outbox.
type Store interface {
	// Claim leases up to limit due rows to worker until the lease ends: a
	// row is due when it is pending, its next attempt time has come, no
	// live lease holds it, and no earlier row of its ticket and channel is
	// pending. It counts the attempt.
	Claim(ctx context.Context, worker string, now, leaseEnd time.Time, limit int) ([]Delivery, error)
	// Finish moves a row leased to worker to a final state (sent, dead or
	// stale) with reason as its last error. It reports false, changing
	// nothing, when worker no longer holds the row.
	Finish(ctx context.Context, id, worker, state, reason string, now time.Time) (bool, error)
	// Reschedule releases a row leased to worker for another attempt at
	// next. It reports false, changing nothing, when worker no longer
	// holds the row.
	Reschedule(ctx context.Context, id, worker string, next time.Time, reason string, now time.Time) (bool, error)
}
