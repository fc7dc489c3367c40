package queue

import (
	"context"
	"fmt"

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

// Positions returns the places of the given tickets in a unit on date,
// keyed by ticket id; a ticket not waiting there is left out. It reads the
// unit's priority lane and the tickets asked for, not the whole line, so
// that one change can be shown to every patient following that unit at the
// cost of one read however long the line.
// Errors: fault.ErrNotFound (facility or unit), fault.ErrUnavailable.
func (s *Service) Positions(ctx context.Context, facility, unit, date string, ids []string) (map[string]Place, error) {
	f, units, err := s.Facility(ctx, facility)
	if err != nil {
		return nil, err
	}
	u, ok := findUnit(units, unit)
	if !ok {
		return nil, fmt.Errorf("positions of unit %s: %w", unit, fault.ErrNotFound)
	}
	if len(ids) == 0 {
		return map[string]Place{}, nil
	}
	now := s.Now()
	ahead, err := s.places(ctx, f, u, date, ids, now)
	if err != nil {
		return nil, err
	}
	per := s.perTicket(ctx, u)
	out := make(map[string]Place, len(ahead))
	for id, i := range ahead {
		out[id] = f.placeOf(u, date, i, per, now)
	}
	return out, nil
}
