package notify

import (
	"context"
	"fmt"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/queue"
)

// Enqueuer is the queue transaction a message is enqueued in (a
// *postgres.Tx): the outbox row commits or rolls back with it.
type Enqueuer interface {
	// PushSubscribed reports whether a ticket has a web push subscription.
	PushSubscribed(ctx context.Context, ticketID string) (bool, error)
	// EnqueueNotification adds a row to the outbox, or nothing when a row
	// with the same Dedupe key exists.
	EnqueueNotification(ctx context.Context, m outbox.Message) error
}

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
func Enqueue(ctx context.Context, tx Enqueuer, m Message) error {
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
		subscribed, err := tx.PushSubscribed(ctx, m.TicketID)
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
	err := tx.EnqueueNotification(ctx, outbox.Message{Channel: m.Channel, Kind: m.Kind, Facility: m.Facility,
		Unit: m.Unit, TicketID: m.TicketID, Code: m.Code, To: m.To, Text: m.Text, Dedupe: m.dedupeKey(),
		CreatedAt: m.CreatedAt})
	if err != nil {
		return fmt.Errorf("notify enqueue %s: %w", m.Kind, err)
	}
	return nil
}
