package display

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/antrian/antrian/queue"
)

// Message types, the "type" field of every message a client receives.
const (
	TypeSnapshot = "snapshot" // the whole state of the subscribed units at seq
	TypeCalled   = "called"   // a call or recall to announce
	TypeQueue    = "queue"    // a unit's waiting count or current call changed
	TypeNoop     = "noop"     // an event of another service date: only seq advances
	TypeUnits    = "units"    // a coalescing display's board update: the units changed since the last
	TypeTicket   = "ticket"   // one patient's ticket changed
)

// callJSON is a unit's current call.
type callJSON struct {
	Code    string `json:"code"`
	Counter string `json:"counter"`
}

func callOf(c *queue.Call) *callJSON {
	if c == nil {
		return nil
	}
	return &callJSON{Code: c.Code, Counter: c.Counter}
}

// eventJSON is one event as a display receives it. Fields that do not
// apply to a type are left out.
type eventJSON struct {
	Type        string    `json:"type"`
	Seq         int64     `json:"seq"`
	Kind        string    `json:"kind"`
	Unit        string    `json:"unit"`
	ServiceDate string    `json:"service_date"`
	Code        string    `json:"code,omitempty"`
	Counter     *string   `json:"counter,omitempty"`
	Recall      *bool     `json:"recall,omitempty"`
	At          time.Time `json:"at"`
	Waiting     *int      `json:"waiting,omitempty"`
	Current     *callJSON `json:"current"`
}

// isCall reports whether screens announce event e.
func isCall(e queue.Event) bool { return e.Kind == "called" || e.Kind == "recalled" }

// encodeEvent turns a stored event into the message every display of its
// facility receives. A call or recall is always announced, whatever the
// date of its ticket: after midnight a unit still serving yesterday's line
// calls yesterday's tickets, and service_date tells screens whose they are
// (waiting and current then describe that date's line, not today's).
// Other events change what screens show only when they are of the
// facility's date at the time of the event; the rest (a booking for next
// week) still take their seq, as "noop", so that seq never has a gap.
func encodeEvent(e queue.Event, loc *time.Location) []byte {
	m := eventJSON{Seq: e.Seq, Kind: e.Kind, Unit: e.Unit, ServiceDate: e.ServiceDate, At: e.At}
	switch {
	case !isCall(e) && loc != nil && e.At.In(loc).Format(time.DateOnly) != e.ServiceDate:
		m.Type = TypeNoop
		b, _ := json.Marshal(struct {
			Type        string    `json:"type"`
			Seq         int64     `json:"seq"`
			Kind        string    `json:"kind"`
			Unit        string    `json:"unit"`
			ServiceDate string    `json:"service_date"`
			At          time.Time `json:"at"`
		}{m.Type, m.Seq, m.Kind, m.Unit, m.ServiceDate, m.At})
		return b
	case isCall(e):
		recall := e.Kind == "recalled"
		m.Type, m.Code, m.Counter, m.Recall = TypeCalled, e.Code, &e.Counter, &recall
	default:
		m.Type, m.Code = TypeQueue, e.Code
	}
	m.Waiting, m.Current = &e.Waiting, callOf(e.Current)
	b, _ := json.Marshal(m)
	return b
}

// boardUnitJSON is one unit's state in a coalesced board update, with the
// seq of the event that left it so: a screen keeps, per unit, the state of
// the highest seq it has seen (a call may overtake an update).
type boardUnitJSON struct {
	Code    string    `json:"code"`
	Seq     int64     `json:"seq"`
	Waiting int       `json:"waiting"`
	Current *callJSON `json:"current"`
}

// boardFrame is the coalesced update of the units in changed that a
// display subscribed to units (nil: all) shows; nil when none of them.
func boardFrame(changed []queue.Event, units map[string]bool) *frame {
	m := struct {
		Type  string          `json:"type"`
		Seq   int64           `json:"seq"`
		Units []boardUnitJSON `json:"units"`
	}{Type: TypeUnits}
	for _, e := range changed {
		if units == nil || units[e.Unit] {
			m.Units = append(m.Units, boardUnitJSON{Code: e.Unit, Seq: e.Seq, Waiting: e.Waiting, Current: callOf(e.Current)})
			m.Seq = max(m.Seq, e.Seq)
		}
	}
	if len(m.Units) == 0 {
		return nil
	}
	slices.SortFunc(m.Units, func(a, b boardUnitJSON) int { return strings.Compare(a.Code, b.Code) })
	b, _ := json.Marshal(m)
	return sharedFrame(frame{seq: m.Seq, board: true, data: b})
}

// subscriptionKey names a display's set of units, so that displays with the
// same one share an encoding.
func subscriptionKey(units map[string]bool) string {
	if units == nil {
		return "*"
	}
	codes := make([]string, 0, len(units))
	for u := range units {
		codes = append(codes, u)
	}
	slices.Sort(codes)
	return strings.Join(codes, ",")
}

type unitJSON struct {
	Code    string    `json:"code"`
	Name    string    `json:"name"`
	Waiting int       `json:"waiting"`
	Current *callJSON `json:"current"`
}

type recentJSON struct {
	Seq         int64     `json:"seq"`
	Unit        string    `json:"unit"`
	ServiceDate string    `json:"service_date"`
	Code        string    `json:"code"`
	Counter     string    `json:"counter"`
	Recall      bool      `json:"recall"`
	At          time.Time `json:"at"`
}

type snapshotJSON struct {
	Type     string       `json:"type"`
	Seq      int64        `json:"seq"`
	Facility string       `json:"facility"`
	Name     string       `json:"name"`
	Date     string       `json:"date"`
	Units    []unitJSON   `json:"units"`
	Recent   []recentJSON `json:"recent"`
}

// encodeSnapshot renders a board for a client subscribed to units (nil:
// all of them).
func encodeSnapshot(b queue.Board, units map[string]bool) []byte {
	m := snapshotJSON{Type: TypeSnapshot, Seq: b.Seq, Facility: b.Facility, Name: b.Name, Date: b.Date,
		Units: []unitJSON{}, Recent: []recentJSON{}}
	for _, u := range b.Units {
		if units == nil || units[u.Code] {
			m.Units = append(m.Units, unitJSON{Code: u.Code, Name: u.Name, Waiting: u.Waiting, Current: callOf(u.Current)})
		}
	}
	for _, e := range b.Recent {
		if units == nil || units[e.Unit] {
			m.Recent = append(m.Recent, recentJSON{Seq: e.Seq, Unit: e.Unit, ServiceDate: e.ServiceDate, Code: e.Code,
				Counter: e.Counter, Recall: e.Kind == "recalled", At: e.At})
		}
	}
	b2, _ := json.Marshal(m)
	return b2
}

// encodeTicket renders a ticket message; render is the HTTP layer's ticket
// object, so that the socket and GET /api/v1/tickets/{id} agree.
func encodeTicket(seq int64, t any) []byte {
	b, _ := json.Marshal(struct {
		Type   string `json:"type"`
		Seq    int64  `json:"seq"`
		Ticket any    `json:"ticket"`
	}{TypeTicket, seq, t})
	return b
}

// wireEvent is an event as instances pass it to each other through Redis.
// From, the publishing instance, comes first, so that an instance knows its
// own messages by their first bytes (Hub.own); an instance that does not
// know the field ignores it.
type wireEvent struct {
	From        string      `json:"from,omitempty"`
	Seq         int64       `json:"seq"`
	Facility    string      `json:"facility"`
	Unit        string      `json:"unit"`
	ServiceDate string      `json:"service_date"`
	Kind        string      `json:"kind"`
	TicketID    string      `json:"ticket_id"`
	Code        string      `json:"code"`
	Counter     string      `json:"counter"`
	At          time.Time   `json:"at"`
	Waiting     int         `json:"waiting"`
	Current     *queue.Call `json:"current"`
}

func toWire(from string, e queue.Event) wireEvent {
	return wireEvent{from, e.Seq, e.Facility, e.Unit, e.ServiceDate, e.Kind, e.TicketID, e.Code, e.Counter, e.At, e.Waiting, e.Current}
}

func (w wireEvent) event() queue.Event {
	return queue.Event{Seq: w.Seq, Facility: w.Facility, Unit: w.Unit, ServiceDate: w.ServiceDate, Kind: w.Kind,
		TicketID: w.TicketID, Code: w.Code, Counter: w.Counter, At: w.At, Waiting: w.Waiting, Current: w.Current}
}
