package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/antrian/antrian/fault"
)

// Board is what a facility's screens show at one point of its event
// history: every unit's waiting count and current call on the facility's
// date, and the latest calls of that date. It includes exactly the events
// up to Seq.
type Board struct {
	Facility string
	Name     string
	Date     string // the facility's today, yyyy-mm-dd
	Seq      int64
	Units    []BoardUnit
	Recent   []Event // calls and recalls of Date, newest first
}

// BoardUnit is one unit on a Board.
type BoardUnit struct {
	Code    string
	Name    string
	Waiting int
	Current *Call
}

// Place is a waiting ticket's place in its unit's call order.
type Place struct {
	Position       int
	Ahead          int
	EstimatedWaitS int
	Window         Window // before the ticket's day
}

// Positions returns the place of every ticket waiting in a unit on date,
// keyed by ticket id. It reads the unit's order once, so that one change can
// be shown to every patient watching that unit at the cost of one read.
// Errors: fault.ErrNotFound (facility or unit), fault.ErrUnavailable.
func (s *Service) Positions(ctx context.Context, facility, unit, date string) (map[string]Place, error) {
	f, units, err := s.Facility(ctx, facility)
	if err != nil {
		return nil, err
	}
	u, ok := findUnit(units, unit)
	if !ok {
		return nil, fmt.Errorf("positions of unit %s: %w", unit, fault.ErrNotFound)
	}
	now := s.Now()
	ls, err := s.lanes(ctx, f, u, date, now)
	if err != nil {
		return nil, err
	}
	order := u.Policy.Order(ls.Normal, ls.Priority, ls.Since, now.UnixMilli())
	per := s.perTicket(ctx, u)
	today := date == f.Today(now)
	out := make(map[string]Place, len(order))
	for i, e := range order {
		p := Place{Position: i + 1, Ahead: i, EstimatedWaitS: int((time.Duration(i) * per).Seconds())}
		if !today {
			p.EstimatedWaitS = i * int(per.Seconds()) // as Ticket reports it before the day
			p.Window = f.windowFor(u, date, time.Duration(p.EstimatedWaitS)*time.Second)
		}
		out[e.ID] = p
	}
	return out, nil
}
