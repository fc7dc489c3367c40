package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
)

// Tx is the queue transaction a QueueHook runs in (a *postgres.Tx): what it
// reads to decide who to tell, and the outbox it writes to.
type Tx interface {
	Enqueuer
	TemplateReader
	// Ticket returns a ticket as the transaction sees it.
	Ticket(ctx context.Context, id string) (queue.Ticket, error)
	// Unit returns a unit with its name and policy, and its facility with
	// its name and time zone.
	Unit(ctx context.Context, unitID int64) (queue.Facility, queue.Unit, error)
	// Front reads, in one round trip, what a call or cancellation of ticket
	// t tells the patients of its unit (see Front).
	Front(ctx context.Context, t queue.Ticket, q FrontQuery) (Front, error)
}

// FrontQuery says what Front reads besides the line: the threshold of a
// unit without one of its own, and the dedupe keys of a near message on the
// channels the hook sends on, without the ticket id in front (Message's
// dedupe key); PhoneKey is "" when no phone channel is configured.
type FrontQuery struct {
	DefaultNear       int
	PhoneKey, PushKey string
}

// Front is what a call or cancellation of a ticket tells the patients of
// its unit, read inside the change's transaction.
type Front struct {
	// Subscribed: the ticket itself has a web push subscription.
	Subscribed bool
	Facility   queue.Facility
	Unit       queue.Unit
	// NearAhead is the unit's threshold.
	NearAhead int
	// Heads are the first NearAhead+1 waiting tickets of each lane of the
	// unit's day, in no particular order: the first NearAhead+1 places of
	// the line are drawn from them, however long it is.
	Heads []queue.LaneEntry
	// Due are those of Heads that a channel can reach (a configured phone
	// channel and consent, or a push subscription) and that have no near
	// message on that channel yet.
	Due map[string]bool
	// SincePriority counts the unit's calls of the day since its last
	// priority-lane call (0 when the policy is FIFO).
	SincePriority int
}

// QueueHook turns committed queue events into outbox messages inside the
// same transaction (a postgres.EventHook), so a message exists exactly when
// the change that causes it does:
//
//	booked                      -> booked
//	called, recalled            -> called (once per event)
//	skipped                     -> skipped (once per event)
//	cancelled by the facility   -> cancelled (not when the patient cancelled)
//	a call or cancellation      -> near, once per ticket and channel, to each
//	                               other ticket that now has NearAhead or fewer
//	                               people ahead
//
// Messages go to the phone channel (when one is configured and the patient
// consented) and to web push (when the ticket has a subscription).
type QueueHook struct {
	Templates *Templates
	// PhoneChannel is the channel for phone messages ("webhook", "whatsapp",
	// "sms"); empty sends no phone messages.
	PhoneChannel string
	// Link returns the tracking page of a ticket.
	Link func(ticketID string) string
	Log  *slog.Logger
}

var eventKinds = map[string]Kind{
	"booked":    KindBooked,
	"called":    KindCalled,
	"recalled":  KindCalled,
	"skipped":   KindSkipped,
	"cancelled": KindCancelled,
}

// Event enqueues the messages that event e of ticket t causes, through
// the event's transaction tx. It returns the database's errors (the queue
// change then rolls back); a message that cannot be enqueued for the
// patient's data (a phone that is not Indonesian) is logged and skipped.
func (h *QueueHook) Event(ctx context.Context, tx Tx, e queue.Event, t queue.Ticket, actor string) error {
	kind, tell := eventKinds[e.Kind]
	tell = tell && !(kind == KindCancelled && actor == "patient")
	if e.Kind != "called" && e.Kind != "cancelled" {
		// Only a call or a cancellation brings anyone closer to the front.
		if !tell {
			return nil
		}
		return h.send(ctx, tx, kind, e, t, 0, nil)
	}
	fr, err := tx.Front(ctx, t, h.frontQuery())
	if err != nil {
		return fmt.Errorf("notify %s: %w", e.Kind, err)
	}
	if tell {
		if err := h.send(ctx, tx, kind, e, t, 0, &fr); err != nil {
			return err
		}
	}
	return h.near(ctx, tx, e, fr)
}

// frontQuery is what Front reads for this hook's channels.
func (h *QueueHook) frontQuery() FrontQuery {
	q := FrontQuery{DefaultNear: DefaultNearAhead, PushKey: Message{Kind: KindNear, Channel: ChannelPush}.dedupeKey()}
	if h.PhoneChannel != "" {
		q.PhoneKey = Message{Kind: KindNear, Channel: h.PhoneChannel}.dedupeKey()
	}
	return q
}

// send renders and enqueues one kind of message about ticket t on the phone
// channel and on web push. fr, when not nil, is the Front of e's ticket,
// read already: t's unit, and t's push subscription when t is e's ticket.
func (h *QueueHook) send(ctx context.Context, tx Tx, kind Kind, e queue.Event, t queue.Ticket, ahead int, fr *Front) error {
	var channels []string
	// A ticket booked by WhatsApp is confirmed in the conversation's own
	// reply, which says more; the booked message would repeat it.
	byChat := kind == KindBooked && t.Channel == queue.ChannelWhatsApp
	if h.PhoneChannel != "" && t.Notify && t.Phone != "" && !byChat {
		channels = append(channels, h.PhoneChannel)
	}
	if kind != KindBooked { // a ticket being booked has no push subscription yet
		own := fr != nil && t.ID == e.TicketID
		subscribed := own && fr.Subscribed
		if !own {
			var err error
			if subscribed, err = tx.PushSubscribed(ctx, t.ID); err != nil {
				return fmt.Errorf("notify %s: %w", kind, err)
			}
		}
		if subscribed {
			channels = append(channels, ChannelPush)
		}
	}
	if len(channels) == 0 {
		return nil // nobody to tell: no work inside the queue's transaction
	}
	var f queue.Facility
	var u queue.Unit
	if fr != nil {
		f, u = fr.Facility, fr.Unit
	} else {
		var err error
		if f, u, err = tx.Unit(ctx, t.UnitID); err != nil {
			return fmt.Errorf("notify %s: %w", kind, err)
		}
	}
	data := TemplateData{Code: t.Code, UnitName: u.Name, FacilityName: f.Name,
		Date: IndonesianDate(t.ServiceDate), Counter: t.Counter, Ahead: ahead, Window: t.Window.Text(),
		CheckIn: t.Status == queue.Booked}
	if h.Link != nil {
		data.Link = h.Link(t.ID)
	}
	text, enabled, err := h.Templates.RenderIn(ctx, tx, t.Facility, kind, data)
	if err != nil || !enabled {
		return err
	}
	m := Message{Kind: kind, TicketID: t.ID, Facility: t.Facility, Unit: t.Unit, Code: t.Code,
		Text: text, Event: fmt.Sprint(e.Seq), CreatedAt: e.At}
	for _, ch := range channels {
		m.Channel, m.To, m.OptIn = ch, t.Phone, t.Notify
		if err := Enqueue(ctx, tx, m); err != nil {
			if errors.Is(err, fault.ErrInvalid) {
				h.Log.Warn("notification not queued", "ticket", t.ID, "kind", kind, "err", err)
				continue
			}
			return err
		}
	}
	return nil
}

// near sends "your turn is near" to the waiting tickets of e's unit that now
// have NearAhead or fewer people ahead, once per ticket and channel.
func (h *QueueHook) near(ctx context.Context, tx Tx, e queue.Event, fr Front) error {
	if len(fr.Due) == 0 {
		return nil // nobody near the front is left to tell
	}
	var normal, prio []queue.Entry
	for _, w := range fr.Heads {
		if w.Lane == queue.LanePriority {
			prio = append(prio, queue.Entry{ID: w.ID, Key: w.Key})
		} else {
			normal = append(normal, queue.Entry{ID: w.ID, Key: w.Key})
		}
	}
	sortEntries(normal)
	sortEntries(prio)
	order := fr.Unit.Policy.Order(normal, prio, fr.SincePriority, e.At.UnixMilli())
	front := order[:min(len(order), fr.NearAhead+1)]
	var due []int // the places in front of the tickets to tell
	for ahead, entry := range front {
		if fr.Due[entry.ID] && entry.ID != e.TicketID {
			due = append(due, ahead)
		}
	}
	if len(due) == 0 {
		return nil
	}
	// A facility that switched near messages off writes no outbox row, so
	// its due tickets stay due: ask once, not once per ticket.
	if on, err := h.Templates.EnabledIn(ctx, tx, fr.Facility.Code, KindNear); err != nil || !on {
		return err
	}
	for _, ahead := range due {
		tk, err := tx.Ticket(ctx, front[ahead].ID)
		if err != nil {
			return err
		}
		if err := h.send(ctx, tx, KindNear, e, tk, ahead, &fr); err != nil {
			return err
		}
	}
	return nil
}

func sortEntries(es []queue.Entry) {
	slices.SortFunc(es, func(a, b queue.Entry) int {
		if c := cmp.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// IndonesianDate writes a yyyy-mm-dd date as patients read it: "Jumat, 27 November 2026".
func IndonesianDate(date string) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return queue.IndonesianDate(d)
}
