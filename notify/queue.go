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
	ThresholdReader
	// Ticket returns a ticket as the transaction sees it.
	Ticket(ctx context.Context, id string) (queue.Ticket, error)
	// Unit returns a unit with its name and policy, and its facility with
	// its name and time zone.
	Unit(ctx context.Context, unitID int64) (queue.Facility, queue.Unit, error)
	// WaitingHeads returns the first n waiting tickets of each lane of a
	// unit's day under policy p, and which of them asked to be told.
	WaitingHeads(ctx context.Context, unitID int64, date string, n int, p queue.Policy) ([]queue.LaneEntry, map[string]bool, error)
	// CallsSincePriority counts a unit's calls of the day since its last
	// priority-lane call.
	CallsSincePriority(ctx context.Context, unitID int64, date string, p queue.Policy) (int, error)
	// NearSent returns those of the tickets that already have a near message.
	NearSent(ctx context.Context, ticketIDs []string) ([]string, error)
}

// QueueHook turns committed queue events into outbox messages inside the
// same transaction (a postgres.EventHook), so a message exists exactly when
// the change that causes it does:
//
//	booked                      -> booked
//	called, recalled            -> called (once per event)
//	skipped                     -> skipped (once per event)
//	cancelled by the facility   -> cancelled (not when the patient cancelled)
//	a call or cancellation      -> near, once per ticket, to each other ticket
//	                               that now has NearAhead or fewer people ahead
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
	kind, ok := eventKinds[e.Kind]
	if ok && !(kind == KindCancelled && actor == "patient") {
		if err := h.send(ctx, tx, kind, e, t, 0); err != nil {
			return err
		}
	}
	return h.near(ctx, tx, e, t)
}

// send renders and enqueues one kind of message about ticket t on the phone
// channel and on web push.
func (h *QueueHook) send(ctx context.Context, tx Tx, kind Kind, e queue.Event, t queue.Ticket, ahead int) error {
	var channels []string
	// A ticket booked by WhatsApp is confirmed in the conversation's own
	// reply, which says more; the booked message would repeat it.
	byChat := kind == KindBooked && t.Channel == queue.ChannelWhatsApp
	if h.PhoneChannel != "" && t.Notify && t.Phone != "" && !byChat {
		channels = append(channels, h.PhoneChannel)
	}
	if kind != KindBooked { // a ticket being booked has no push subscription yet
		subscribed, err := tx.PushSubscribed(ctx, t.ID)
		if err != nil {
			return fmt.Errorf("notify %s: %w", kind, err)
		}
		if subscribed {
			channels = append(channels, ChannelPush)
		}
	}
	if len(channels) == 0 {
		return nil // nobody to tell: no work inside the queue's transaction
	}
	f, u, err := tx.Unit(ctx, t.UnitID)
	if err != nil {
		return fmt.Errorf("notify %s: %w", kind, err)
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
// have NearAhead or fewer people ahead, once per ticket.
func (h *QueueHook) near(ctx context.Context, tx Tx, e queue.Event, t queue.Ticket) error {
	if e.Kind != "called" && e.Kind != "cancelled" {
		return nil // only a call or a cancellation brings anyone closer to the front
	}
	n, err := NearAhead(ctx, tx, t.Facility, t.Unit)
	if err != nil {
		return err
	}
	_, u, err := tx.Unit(ctx, t.UnitID)
	if err != nil {
		return err
	}
	// The first n+1 places are drawn from the heads of the two lanes, so
	// n+1 tickets of each lane are all that is read, however long the line.
	heads, listens, err := tx.WaitingHeads(ctx, t.UnitID, t.ServiceDate, n+1, u.Policy)
	if err != nil {
		return err
	}
	if len(listens) == 0 {
		return nil // nobody near the front asked to be told
	}
	var normal, prio []queue.Entry
	for _, w := range heads {
		if w.Lane == queue.LanePriority {
			prio = append(prio, queue.Entry{ID: w.ID, Key: w.Key})
		} else {
			normal = append(normal, queue.Entry{ID: w.ID, Key: w.Key})
		}
	}
	sortEntries(normal)
	sortEntries(prio)
	since := 0
	if u.Policy.Mode != queue.FIFO {
		if since, err = tx.CallsSincePriority(ctx, t.UnitID, t.ServiceDate, u.Policy); err != nil {
			return err
		}
	}
	order := u.Policy.Order(normal, prio, since, e.At.UnixMilli())
	var due []string
	for ahead, entry := range order {
		if ahead > n {
			break
		}
		if listens[entry.ID] && entry.ID != e.TicketID {
			due = append(due, entry.ID)
		}
	}
	if len(due) == 0 {
		return nil
	}
	told, err := tx.NearSent(ctx, due)
	if err != nil {
		return err
	}
	for ahead, entry := range order {
		if ahead > n || !slices.Contains(due, entry.ID) || slices.Contains(told, entry.ID) {
			continue
		}
		tk, err := tx.Ticket(ctx, entry.ID)
		if err != nil {
			return err
		}
		if err := h.send(ctx, tx, KindNear, e, tk, ahead); err != nil {
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
