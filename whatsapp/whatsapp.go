// Package whatsapp lets patients queue by writing to the Puskesmas's
// WhatsApp number: the gateways' incoming webhooks (Parse, Handshake) and a
// short conversation in Bahasa Indonesia (Service.Receive) that books
// through queue.Service.Book on channel whatsapp, like every other door.
//
// The conversation's state lives in the Store (Postgres): each message is
// answered inside a transaction that holds its number's conversation
// locked and records the gateway's message id, so any instance may answer,
// one at a time per number, and a message delivered twice is answered once.
// A booking carries the message id as its idempotency key, so a message
// retried after a crash books once. Replies leave through the patient
// messages' outbox (package notify) in the same transaction.
package whatsapp

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/notify"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/queue"
	"github.com/antrian/antrian/ratelimit"
)

// Key names one incoming message: its gateway and id, and the conversation
// (facility and canonical phone) it belongs to.
type Key struct {
	Gateway, MessageID string
	Facility, Phone    string
}

// Outcome is what answering one message changes besides the conversation:
// the reply to enqueue (none when Text is empty).
type Outcome struct {
	Reply outbox.Message
}

// Store keeps the conversations (*postgres.DB implements it).
type Store interface {
	// Converse runs fn with the conversation of k locked (created idle if
	// new), then stores the conversation as fn left it, the consent it
	// records (Stopped: the number's pending messages are dropped and no
	// more are accepted) and the reply, all in one transaction with the
	// message id. It returns answered=false, without calling fn, when the
	// message id was answered before; fn's error rolls everything back.
	Converse(ctx context.Context, k Key, fn func(*Conversation) (Outcome, error)) (answered bool, err error)
	// ActiveTickets returns the ids of the tickets of a phone (its keyed
	// hash) for a service date that are waiting, called or being served,
	// oldest first.
	ActiveTickets(ctx context.Context, phoneHash []byte, date string) ([]string, error)
}

// Service answers patients' WhatsApp messages.
type Service struct {
	Queue   *queue.Service
	Store   Store
	Limiter *ratelimit.Limiter // nil: no flood limit
	Secrets Secrets
	// MaxTickets is how many active tickets one number may hold on a day
	// (0: no limit).
	MaxTickets int
	// PerMinute is how many messages a minute one number may send before the
	// rest are dropped unanswered (0: no limit).
	PerMinute int
	// NameUnits are the unit codes that ask for the patient's name; "*"
	// means every unit.
	NameUnits []string
	// ReplyChannel is the notify channel replies leave by ("whatsapp", or
	// "webhook" for a bridge of the deployment's own).
	ReplyChannel string
	// Link returns the tracking page of a ticket.
	Link func(ticketID string) string
	// Text renders a message of the catalogue with {name} values given as
	// name, value pairs.
	Text func(key string, kv ...string) string
	Now  func() time.Time
	Log  *slog.Logger
	// Concurrency bounds the messages answered at once by this instance
	// (0: 8). Each answer holds one database connection for its
	// conversation's lock and needs another to book, so unbounded answers
	// could take the whole pool and wait on each other.
	Concurrency int

	semOnce sync.Once
	sem     chan struct{}
}

// acquire takes one of the Concurrency slots, or fails when ctx ends.
func (s *Service) acquire(ctx context.Context) (release func(), err error) {
	s.semOnce.Do(func() { s.sem = make(chan struct{}, cmp.Or(s.Concurrency, 8)) })
	select {
	case s.sem <- struct{}{}:
		return func() { <-s.sem }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("whatsapp: wait for a slot: %w: %w", ctx.Err(), fault.ErrUnavailable)
	}
}

// Receive authenticates a webhook request of gateway for facility and
// answers each of its messages. It returns how many messages were answered
// now (a redelivered or flooding message is not). Errors: those of Parse
// (fault.ErrUnauthenticated first, before anything is read or changed),
// fault.ErrNotFound for an unknown facility, and the store's or the
// queue's when an answer could not be committed (the gateway retries).
func (s *Service) Receive(ctx context.Context, gateway, facility string, r Request) (int, error) {
	msgs, err := Parse(gateway, s.Secrets, r)
	if err != nil {
		return 0, err
	}
	if _, _, err := s.Queue.Facility(ctx, facility); err != nil {
		return 0, fmt.Errorf("whatsapp %s: %w", facility, err)
	}
	n := 0
	for _, m := range msgs {
		ok, err := s.receive(ctx, gateway, facility, m)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

func (s *Service) receive(ctx context.Context, gateway, facility string, m Incoming) (bool, error) {
	phone, err := queue.NormalizePhone(m.From)
	if err != nil {
		s.Log.Info("whatsapp message from a number that is not Indonesian ignored", "gateway", gateway, "message", m.ID)
		return false, nil
	}
	person := s.Queue.PersonKey("phone", phone)
	if s.Limiter != nil && s.PerMinute > 0 {
		ok, _, err := s.Limiter.Allow(ctx, "wa-number:"+person, ratelimit.PerMinute(s.PerMinute))
		if err != nil {
			return false, fmt.Errorf("whatsapp flood limit: %w: %w", err, fault.ErrUnavailable)
		}
		if !ok {
			s.Log.Warn("whatsapp number over its message limit; message dropped", "gateway", gateway, "message", m.ID)
			return false, nil
		}
	}
	k := Key{Gateway: gateway, MessageID: m.ID, Facility: facility, Phone: phone}
	release, err := s.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	answered, err := s.Store.Converse(ctx, k, func(c *Conversation) (Outcome, error) {
		text, err := s.answer(ctx, k, c, parse(m.Text))
		if err != nil || text == "" {
			return Outcome{}, err
		}
		return Outcome{Reply: outbox.Message{Channel: s.ReplyChannel, Kind: notify.KindReply, Facility: facility,
			TicketID: "wa:" + person[:24], To: "+" + phone, Text: text,
			Dedupe: "reply|" + gateway + "|" + m.ID, CreatedAt: s.Now()}}, nil
	})
	if err != nil {
		return false, fmt.Errorf("whatsapp answer %s: %w", m.ID, err)
	}
	return answered, nil
}

// answer decides the reply to cmd and moves the conversation on. An empty
// reply sends nothing (a number that wrote STOP and has not asked again).
func (s *Service) answer(ctx context.Context, k Key, c *Conversation, cmd command) (string, error) {
	if c.Stopped && cmd.cmd != CmdQueue {
		return "", nil
	}
	switch cmd.cmd {
	case CmdStop:
		c.reset()
		c.Stopped = true
		return s.Text("wa.stop"), nil
	case CmdQueue:
		c.Stopped = false // writing in again is consent again
		return s.listUnits(ctx, c)
	case CmdStatus:
		return s.status(ctx, k)
	case CmdCancel:
		c.reset()
		return s.cancel(ctx, k, cmd.rest)
	case CmdHelp:
		return s.help(ctx, k.Facility)
	}
	switch {
	case c.State == StateUnit && cmd.choice > 0:
		if cmd.choice > len(c.Units) {
			return s.Text("wa.choice.bad", "n", fmt.Sprint(len(c.Units))), nil
		}
		unit := c.Units[cmd.choice-1]
		if s.asksName(unit) && cmd.rest == "" {
			c.State, c.Unit = StateName, unit
			return s.Text("wa.ask.name", "unit", s.unitName(ctx, k.Facility, unit)), nil
		}
		c.reset()
		return s.bookOrAsk(ctx, k, c, unit, cmd.rest)
	case c.State == StateName && cmd.text != "":
		unit := c.Unit
		c.reset()
		return s.bookOrAsk(ctx, k, c, unit, cmd.text)
	}
	return s.Text("wa.short"), nil
}

func (s *Service) asksName(unit string) bool {
	for _, u := range s.NameUnits {
		if u == "*" || u == unit {
			return true
		}
	}
	return false
}

func (s *Service) help(ctx context.Context, facility string) (string, error) {
	f, _, err := s.Queue.Facility(ctx, facility)
	if err != nil {
		return "", err
	}
	return s.Text("wa.help", "facility", f.Name), nil
}

func (s *Service) unitName(ctx context.Context, facility, code string) string {
	_, units, err := s.Queue.Facility(ctx, facility)
	if err != nil {
		return code
	}
	for _, u := range units {
		if u.Code == code {
			return u.Name
		}
	}
	return code
}

// listUnits lists the units that still take tickets today and awaits a number.
func (s *Service) listUnits(ctx context.Context, c *Conversation) (string, error) {
	f, units, err := s.Queue.Facility(ctx, c.Facility)
	if err != nil {
		return "", err
	}
	now := s.Now().In(f.Location)
	c.reset()
	list := ""
	for _, u := range OpenToday(f, units, now) {
		c.Units = append(c.Units, u.Code)
		list += fmt.Sprintf("%d. %s\n", len(c.Units), u.Name)
	}
	if len(c.Units) == 0 {
		return s.Text("wa.units.none", "facility", f.Name), nil
	}
	c.State = StateUnit
	return s.Text("wa.units", "facility", f.Name, "list", list), nil
}

// OpenToday returns the units of f that take tickets for today at now: by
// the queue's own rules (weekday, closed days, closing time), so the list
// offers only what a booking accepts.
func OpenToday(f queue.Facility, units []queue.Unit, now time.Time) []queue.Unit {
	var out []queue.Unit
	for _, u := range units {
		if f.BookableToday(u, now) {
			out = append(out, u)
		}
	}
	return out
}

// bookOrAsk books, and asks for the name again when the queue refused it
// (too long, or with < >), so the patient need not start over.
func (s *Service) bookOrAsk(ctx context.Context, k Key, c *Conversation, unit, name string) (string, error) {
	reply, err := s.book(ctx, k, unit, name)
	if fe, ok := fault.As(err); ok && fe.Field == "name" {
		c.State, c.Unit = StateName, unit
		return s.Text("wa.name.bad", "reason", fe.Message), nil
	}
	return reply, err
}

// book takes a ticket for today on channel whatsapp, within the number's
// limit, and answers with its code, the people ahead, the wait, the window
// it is expected to be served in (when it has one) and the link.
func (s *Service) book(ctx context.Context, k Key, unit, name string) (string, error) {
	active, err := s.activeIDs(ctx, k)
	if err != nil {
		return "", err
	}
	if s.MaxTickets > 0 && len(active) >= s.MaxTickets {
		return s.Text("wa.limit", "n", fmt.Sprint(s.MaxTickets)), nil
	}
	t, _, _, err := s.Queue.Book(ctx, queue.BookRequest{Facility: k.Facility, Unit: unit, Name: name, Phone: k.Phone,
		Channel: string(queue.ChannelWhatsApp), Notify: true, IdempotencyKey: "whatsapp:" + k.Gateway + ":" + k.MessageID})
	uname := s.unitName(ctx, k.Facility, unit)
	var dup *queue.DuplicateError
	switch {
	case err == nil:
	case errors.As(err, &dup):
		return s.Text("wa.duplicate", "code", dup.Existing.Code, "unit", uname), nil
	case errors.Is(err, queue.ErrQuotaFull):
		return s.Text("wa.quota", "unit", uname), nil
	case errors.Is(err, queue.ErrClosed):
		return s.Text("wa.closed", "unit", uname), nil
	case errors.Is(err, fault.ErrInvalid):
		msg := err.Error()
		if fe, ok := fault.As(err); ok {
			if fe.Field == "name" {
				return "", err // bookOrAsk asks again
			}
			msg = fe.Message
		}
		return s.Text("wa.invalid", "reason", msg), nil
	default:
		return "", err
	}
	f, _, err := s.Queue.Facility(ctx, k.Facility)
	if err != nil {
		return "", err
	}
	window := ""
	if !t.Window.IsZero() {
		window = s.Text("wa.window", "window", t.Window.Text())
	}
	if t.Status == queue.Booked {
		// Not in the line until she checks in: no place to tell yet.
		return s.Text("wa.booked.checkin", "code", t.Code, "unit", uname, "facility", f.Name, "window", window,
			"link", s.Link(t.ID)), nil
	}
	return s.Text("wa.booked", "code", t.Code, "unit", uname, "facility", f.Name, "ahead", fmt.Sprint(t.Ahead),
		"wait", s.wait(t.EstimatedWaitS), "window", window, "link", s.Link(t.ID)), nil
}

func (s *Service) wait(seconds int) string {
	if seconds < 60 {
		return s.Text("wa.wait.soon")
	}
	return s.Text("wa.wait.min", "n", fmt.Sprint((seconds+59)/60))
}

// activeIDs returns the ids of the number's active tickets of today.
func (s *Service) activeIDs(ctx context.Context, k Key) ([]string, error) {
	f, _, err := s.Queue.Facility(ctx, k.Facility)
	if err != nil {
		return nil, err
	}
	hash, err := hex.DecodeString(s.Queue.PersonKey("phone", k.Phone))
	if err != nil {
		return nil, err
	}
	return s.Store.ActiveTickets(ctx, hash, f.Today(s.Now()))
}

// active returns the number's active tickets of today, with their places.
func (s *Service) active(ctx context.Context, k Key) ([]queue.Ticket, error) {
	ids, err := s.activeIDs(ctx, k)
	if err != nil {
		return nil, err
	}
	var out []queue.Ticket
	for _, id := range ids {
		t, err := s.Queue.Ticket(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// status answers where each of the number's tickets of today stands.
func (s *Service) status(ctx context.Context, k Key) (string, error) {
	ts, err := s.active(ctx, k)
	if err != nil || len(ts) == 0 {
		return s.Text("wa.status.none"), err
	}
	out := ""
	for _, t := range ts {
		var state string
		switch t.Status {
		case queue.Waiting:
			state = s.Text("wa.state.waiting", "ahead", fmt.Sprint(t.Ahead), "wait", s.wait(t.EstimatedWaitS))
		case queue.Called:
			state = s.Text("wa.state.called", "counter", t.Counter)
		case queue.Booked:
			state = s.Text("wa.state.booked")
		default:
			state = s.Text("wa.state.serving")
		}
		out += s.Text("wa.status.line", "code", t.Code, "unit", s.unitName(ctx, t.Facility, t.Unit), "state", state) + "\n"
	}
	return out + s.Text("wa.status.link", "link", s.Link(ts[0].ID)), nil
}

// cancel cancels the number's one waiting ticket, or the one whose code
// follows BATAL.
func (s *Service) cancel(ctx context.Context, k Key, code string) (string, error) {
	ts, err := s.active(ctx, k)
	if err != nil {
		return "", err
	}
	var waiting []queue.Ticket
	for _, t := range ts {
		if (t.Status == queue.Waiting || t.Status == queue.Booked) && (code == "" || equalCode(t.Code, code)) {
			waiting = append(waiting, t)
		}
	}
	switch {
	case len(waiting) == 0 && len(ts) > 0:
		return s.Text("wa.cancel.late", "code", ts[0].Code), nil
	case len(waiting) == 0:
		return s.Text("wa.cancel.none"), nil
	case len(waiting) > 1:
		codes := ""
		for i, t := range waiting {
			if i > 0 {
				codes += ", "
			}
			codes += t.Code
		}
		return s.Text("wa.cancel.which", "codes", codes, "code", waiting[0].Code), nil
	}
	t := waiting[0]
	if _, err := s.Queue.CancelByPatient(ctx, t.ID, s.Queue.Token(t.ID)); err != nil {
		if errors.Is(err, queue.ErrTransition) {
			return s.Text("wa.cancel.late", "code", t.Code), nil
		}
		return "", err
	}
	return s.Text("wa.cancelled", "code", t.Code, "unit", s.unitName(ctx, t.Facility, t.Unit)), nil
}

// equalCode compares ticket codes as patients type them ("b13", "B-013").
func equalCode(code, typed string) bool {
	norm := func(s string) string {
		out := []rune{}
		zeros := true
		for _, r := range s {
			switch {
			case r >= 'a' && r <= 'z':
				out = append(out, r-'a'+'A')
			case r >= 'A' && r <= 'Z':
				out = append(out, r)
			case r == '0' && zeros:
			case r >= '0' && r <= '9':
				out = append(out, r)
				zeros = false
			}
		}
		return string(out)
	}
	return norm(code) == norm(typed)
}
