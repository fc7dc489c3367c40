// Package notify tells patients by WhatsApp, SMS, a generic webhook or web push
// when something happens to their queue ticket.
//
// Messages go through a transactional outbox: the queue's hook (QueueHook)
// calls Enqueue inside the transaction that changes a ticket, so the change
// and the message commit together. The outbox's worker (NewWorker, an
// outbox.Worker with this outbox's defaults) claims due rows, sends them
// through the channels of this package (Webhook, HTTPGateway, Push: each an
// outbox.Sender) and records the outcome, retrying with exponential backoff
// and jitter. Delivery is at-least-once; every attempt of one message carries
// the same idempotency key (the outbox row id) so a provider that honours it
// sends the message once.
//
// Nothing is sent for a ticket whose patient did not opt in, and phone numbers
// are never logged: logs name the outbox id and kind only.
package notify

import (
	"time"

	"github.com/antrian/antrian/outbox"
)

// Errors returned by this package, always wrapped with the operation.
var (
	// ErrPermanent marks a delivery failure that retrying cannot fix (a 4xx
	// answer, an invalid number at the gateway). Channels wrap it; it is an
	// outbox.ErrPermanent, so the worker dead-letters the message at once.
	// Any other Send error is retried.
	ErrPermanent = outbox.Permanent("permanent delivery failure")
)

// Kind says which event a message tells the patient about.
type Kind = string

// The kinds of message. They are the "kind" field of the webhook body.
const (
	KindBooked    Kind = "booked"    // a ticket was booked: code, unit, date, tracking link
	KindNear      Kind = "near"      // N people or fewer are ahead of the ticket
	KindCalled    Kind = "called"    // the ticket is called to a room or counter
	KindSkipped   Kind = "skipped"   // the patient was absent when called; how to get back in
	KindCancelled Kind = "cancelled" // the facility cancelled the ticket
	// KindReply is an answer to a patient's own WhatsApp message (package
	// whatsapp); it has no template and is not one of Kinds.
	KindReply Kind = "reply"
)

// Kinds lists every kind, in the order a ticket usually meets them.
var Kinds = []Kind{KindBooked, KindNear, KindCalled, KindSkipped, KindCancelled}

// Channel names, the values of Message.Channel and the keys of the sender map
// given to NewWorker.
const (
	ChannelWebhook  = "webhook"
	ChannelWhatsApp = "whatsapp"
	ChannelSMS      = "sms"
	ChannelPush     = "push"
)

func validKind(k string) bool {
	for _, v := range Kinds {
		if v == k {
			return true
		}
	}
	return false
}

func validChannel(c string) bool {
	switch c {
	case "", ChannelWebhook, ChannelWhatsApp, ChannelSMS, ChannelPush:
		return true
	}
	return false
}

// repeatable reports whether a kind can legitimately happen more than once to
// one ticket: staff may call a ticket again, and a ticket that was skipped and
// put back can be skipped again. Their dedupe key needs an event id.
func repeatable(k Kind) bool { return k == KindCalled || k == KindSkipped }

// Message is one notification to one patient about one ticket.
type Message struct {
	Kind     Kind   // booked, near, called, skipped or cancelled
	TicketID string // the queue's ticket id
	Facility string // facility code, e.g. "sobo"
	Unit     string // unit code, e.g. "UMUM"
	Code     string // ticket code, e.g. "B-013"
	// To is the patient's phone in any Indonesian form ("0812...", "62812...",
	// "+62 812-..."); Enqueue stores it as E.164 "+62...". Empty for web push.
	To string
	// Channel is "webhook", "whatsapp", "sms" or "push"; empty means the
	// deployment's default (outbox.Options.DefaultChannel).
	Channel string
	// Text is the rendered message (see Templates.Render).
	Text string
	// OptIn is the patient's consent to messages for this ticket (the ticket
	// was booked with notify: true). Enqueue does nothing without it, except on
	// the push channel, where a stored push subscription is the consent.
	OptIn bool
	// Event identifies one occurrence of a repeatable kind (called, skipped),
	// such as the queue event id or call count. With it a second Enqueue of the
	// same occurrence is a no-op; without it every Enqueue of those kinds sends.
	Event string
	// CreatedAt is when the event happened; zero means the transaction's time.
	// Staleness (outbox.Options.MaxAge) and latency are measured from it.
	CreatedAt time.Time
}

// dedupeKey is the unique key that makes a repeated Enqueue a no-op: booked,
// near and cancelled happen once per ticket and channel; called and skipped
// only dedupe when the caller names the occurrence ("" never dedupes).
func (m Message) dedupeKey() string {
	switch {
	case !repeatable(m.Kind):
		return m.TicketID + "|" + m.Kind + "|" + m.Channel
	case m.Event != "":
		return m.TicketID + "|" + m.Kind + "|" + m.Channel + "|" + m.Event
	}
	return ""
}
