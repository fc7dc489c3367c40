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
	"github.com/jackc/pgx/v5"
)

// QueueHook turns committed queue events into outbox messages inside the
// same transaction (postgres.DB.Hook), so a message exists exactly when the
// change that causes it does:
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

// Event is a postgres.EventHook.
func (h *QueueHook) Event(ctx context.Context, tx pgx.Tx, e queue.Event, t queue.Ticket, actor string) error {
	kind, ok := eventKinds[e.Kind]
	if ok && !(kind == KindCancelled && actor == "patient") {
		if err := h.send(ctx, tx, kind, e, t, 0); err != nil {
			return err
		}
	}
	return h.near(ctx, tx, e, t)
}

type unitInfo struct {
	facilityName, unitName string
	policy                 queue.Policy
	loc                    *time.Location
}

func (h *QueueHook) unit(ctx context.Context, tx pgx.Tx, unitID int64) (unitInfo, error) {
	var u unitInfo
	var tz string
	err := tx.QueryRow(ctx, `SELECT f.name, f.timezone, u.name, u.policy_mode, u.policy_every, u.policy_max_wait
		FROM units u JOIN facilities f ON f.id = u.facility_id WHERE u.id = $1`, unitID).
		Scan(&u.facilityName, &tz, &u.unitName, &u.policy.Mode, &u.policy.Every, &u.policy.MaxWait)
	if err != nil {
		return u, err
	}
	if u.loc, err = time.LoadLocation(tz); err != nil {
		u.loc = time.UTC
	}
	return u, nil
}

// send renders and enqueues one kind of message about ticket t on the phone
// channel and on web push.
func (h *QueueHook) send(ctx context.Context, tx pgx.Tx, kind Kind, e queue.Event, t queue.Ticket, ahead int) error {
	var channels []string
	if h.PhoneChannel != "" && t.Notify && t.Phone != "" {
		channels = append(channels, h.PhoneChannel)
	}
	if kind != KindBooked { // a ticket being booked has no push subscription yet
		var subscribed bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM notify_push_subscriptions WHERE ticket_id = $1)`, t.ID).Scan(&subscribed); err != nil {
			return fmt.Errorf("notify %s: %w", kind, err)
		}
		if subscribed {
			channels = append(channels, ChannelPush)
		}
	}
	if len(channels) == 0 {
		return nil // nobody to tell: no work inside the queue's transaction
	}
	u, err := h.unit(ctx, tx, t.UnitID)
	if err != nil {
		return fmt.Errorf("notify %s: %w", kind, err)
	}
	data := TemplateData{Code: t.Code, UnitName: u.unitName, FacilityName: u.facilityName,
		Date: IndonesianDate(t.ServiceDate), Counter: t.Counter, Ahead: ahead}
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
func (h *QueueHook) near(ctx context.Context, tx pgx.Tx, e queue.Event, t queue.Ticket) error {
	if e.Kind != "called" && e.Kind != "cancelled" {
		return nil // only a call or a cancellation brings anyone closer to the front
	}
	n, err := NearAhead(ctx, tx, t.Facility, t.Unit)
	if err != nil {
		return err
	}
	u, err := h.unit(ctx, tx, t.UnitID)
	if err != nil {
		return err
	}
	// The first n+1 places are drawn from the heads of the two lanes, so
	// n+1 tickets of each lane are all that is read, however long the line.
	const cols = `SELECT id, order_key, priority, notify OR EXISTS (SELECT 1 FROM notify_push_subscriptions s WHERE s.ticket_id = tickets.id)
		FROM tickets WHERE unit_id = $1 AND service_date = $2 AND status = 'waiting'`
	sql := `(` + cols + ` AND priority = '' ORDER BY order_key, id LIMIT $3) UNION ALL (` + cols + ` AND priority <> '' ORDER BY order_key, id LIMIT $3)`
	if u.policy.Mode == queue.FIFO {
		sql = cols + ` ORDER BY order_key, id LIMIT $3`
	}
	rows, _ := tx.Query(ctx, sql, t.UnitID, t.ServiceDate, n+1)
	type row struct {
		id      string
		key     int64
		pr      queue.Priority
		listens bool
	}
	heads, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.id, &x.key, &x.pr, &x.listens)
		return x, err
	})
	if err != nil {
		return err
	}
	listens := map[string]bool{}
	var normal, prio []queue.Entry
	for _, w := range heads {
		if w.listens {
			listens[w.id] = true
		}
		if u.policy.Lane(w.pr) == queue.LanePriority {
			prio = append(prio, queue.Entry{ID: w.id, Key: w.key})
		} else {
			normal = append(normal, queue.Entry{ID: w.id, Key: w.key})
		}
	}
	if len(listens) == 0 {
		return nil // nobody near the front asked to be told
	}
	sortEntries(normal)
	sortEntries(prio)
	since := 0
	if u.policy.Mode != queue.FIFO {
		rows, _ = tx.Query(ctx, `SELECT priority FROM tickets WHERE unit_id = $1 AND service_date = $2
			AND called_at IS NOT NULL ORDER BY called_at DESC LIMIT 200`, t.UnitID, t.ServiceDate)
		called, err := pgx.CollectRows(rows, pgx.RowTo[queue.Priority])
		if err != nil {
			return err
		}
		for _, p := range called {
			if u.policy.Lane(p) == queue.LanePriority {
				break
			}
			since++
		}
	}
	order := u.policy.Order(normal, prio, since, e.At.UnixMilli())
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
	rows, _ = tx.Query(ctx, `SELECT ticket_id FROM notify_outbox WHERE ticket_id = ANY($1) AND kind = 'near'`, due)
	told, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for ahead, entry := range order {
		if ahead > n || !slices.Contains(due, entry.ID) || slices.Contains(told, entry.ID) {
			continue
		}
		var tk queue.Ticket
		err := tx.QueryRow(ctx, `SELECT t.id, f.code, t.unit_id, u.code, t.service_date::text, t.code, t.phone, t.notify
			FROM tickets t JOIN units u ON u.id = t.unit_id JOIN facilities f ON f.id = t.facility_id WHERE t.id = $1`, entry.ID).
			Scan(&tk.ID, &tk.Facility, &tk.UnitID, &tk.Unit, &tk.ServiceDate, &tk.Code, &tk.Phone, &tk.Notify)
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

var (
	hari  = [...]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}
	bulan = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
		"September", "Oktober", "November", "Desember"}
)

// IndonesianDate writes a yyyy-mm-dd date as patients read it: "Jumat, 27 November 2026".
func IndonesianDate(date string) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return fmt.Sprintf("%s, %d %s %d", hari[d.Weekday()], d.Day(), bulan[d.Month()-1], d.Year())
}
