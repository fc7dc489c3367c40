package queue

import (
	"fmt"
	"time"

	"github.com/antrian/antrian/fault"
)

// Facility is a Puskesmas (or a hospital) served by the deployment.
type Facility struct {
	ID            int64
	Code          string
	Name          string
	Kind          string // "puskesmas" or "rumah_sakit"
	Timezone      string
	BookingWindow int  // days ahead a ticket may be booked for
	ShowNames     bool // public screens may show initials
	Announcement  string
	Location      *time.Location
	// ClosedDays maps the days the facility does not serve (yyyy-mm-dd,
	// from the database's yesterday on, so that today is there in every
	// zone) to their reason.
	ClosedDays map[string]string
}

// Today returns the service date (yyyy-mm-dd) of instant now in the
// facility's time zone.
func (f Facility) Today(now time.Time) string {
	return now.In(f.Location).Format(time.DateOnly)
}

// Unit is a service unit (poli) of a facility.
type Unit struct {
	ID         int64
	FacilityID int64
	Code       string
	Name       string
	Prefix     string
	DailyQuota int
	// Opens and Closes are minutes after local midnight; OpenDays is a bit
	// set of weekdays (bit 0 = Sunday). A unit with Opens == Closes is open all day.
	Opens, Closes int
	OpenDays      int
	Policy        Policy
	// DefaultServiceS is the service time assumed before any is measured.
	DefaultServiceS int
	// CheckIn is the unit's arrival check-in rule (zero: not required).
	CheckIn CheckInRule
	// Sessions are the unit's practice sessions; when there are any, the
	// unit's hours and weekdays are theirs (Opens, Closes and OpenDays are
	// then not used).
	Sessions []Session
}

// OpenAt reports whether the unit takes walk-in calls at instant t (given in
// the facility's location).
func (u Unit) OpenAt(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	if len(u.Sessions) > 0 {
		for _, s := range u.SessionsOn(t.Weekday()) {
			if m >= s.Start && m < s.End {
				return true
			}
		}
		return false
	}
	if u.OpenDays&(1<<uint(t.Weekday())) == 0 {
		return false
	}
	if u.Opens == u.Closes {
		return true
	}
	return m >= u.Opens && m < u.Closes
}

// OpenOn reports whether the unit serves at all on the weekday of date.
func (u Unit) OpenOn(date time.Time) bool {
	if len(u.Sessions) > 0 {
		_, _, ok := u.hoursOn(date.Weekday())
		return ok
	}
	return u.OpenDays&(1<<uint(date.Weekday())) != 0
}

// PolicyMode names how priority groups are ordered against everyone else.
type PolicyMode string

// Policy modes.
const (
	// FIFO ignores priority groups: strictly by arrival.
	FIFO PolicyMode = "fifo"
	// Ratio calls one priority ticket after every Every normal calls, and a
	// priority ticket never waits behind someone who arrived after it.
	Ratio PolicyMode = "ratio"
	// Strict calls priority tickets first, unless the oldest normal ticket
	// has waited longer than MaxWait.
	Strict PolicyMode = "strict"
)

// Policy is a unit's ordering policy.
type Policy struct {
	Mode PolicyMode
	// Every is the number of normal calls between two priority calls (Ratio).
	Every int
	// MaxWait, in seconds, bounds how long a normal ticket can be passed
	// over by priority tickets under Strict; 0 = no bound. (Under Ratio a
	// normal ticket is never passed over by more than one priority call in
	// Every+1.)
	MaxWait int
	// RequeueAhead is how many waiting tickets are put ahead of a skipped
	// ticket that comes back.
	RequeueAhead int
}

// DefaultPolicy is the policy of a new unit: one priority call for every two
// normal calls, nobody passed over for more than 30 minutes, and a late
// patient coming back after three others.
func DefaultPolicy() Policy {
	return Policy{Mode: Ratio, Every: 2, MaxWait: 1800, RequeueAhead: 3}
}

// Validate checks a policy.
func (p Policy) Validate() error {
	switch p.Mode {
	case FIFO, Ratio, Strict:
	default:
		return fault.Invalid("policy.mode", "Mode prioritas harus fifo, ratio atau strict.")
	}
	if p.Every < 1 && p.Mode == Ratio {
		return fault.Invalid("policy.every", "Rasio harus minimal 1.")
	}
	if p.MaxWait < 0 || p.RequeueAhead < 0 {
		return fault.Invalid("policy", "Nilai kebijakan tidak boleh negatif.")
	}
	return nil
}

// Lane tells in which ordering lane a ticket with priority pr waits under p.
func (p Policy) Lane(pr Priority) Lane {
	if pr == PriorityNone || p.Mode == FIFO {
		return LaneNormal
	}
	return LanePriority
}

// Lane is one of the two ordered lines a unit keeps.
type Lane int

// Lanes.
const (
	LaneNormal Lane = iota
	LanePriority
)

func (l Lane) String() string {
	if l == LanePriority {
		return "p"
	}
	return "n"
}

// Entry is a waiting ticket in a lane: its id and ordering key (Unix ms).
type Entry struct {
	ID  string
	Key int64
}

// PickNext decides which lane the next call takes from, given the head of
// each lane (nil when empty), the number of normal calls since the last
// priority call, and the time now (Unix ms). It is the single definition of
// the ordering policy: the Redis script mirrors it and Order simulates it.
func (p Policy) PickNext(normal, prio *Entry, since int, nowMS int64) (Lane, bool) {
	switch {
	case normal == nil && prio == nil:
		return 0, false
	case prio == nil:
		return LaneNormal, true
	case normal == nil:
		return LanePriority, true
	}
	switch p.Mode {
	case Strict:
		overdue := p.MaxWait > 0 && nowMS-normal.Key > int64(p.MaxWait)*1000
		if overdue && normal.Key < prio.Key {
			return LaneNormal, true
		}
		return LanePriority, true
	default: // Ratio
		if prio.Key <= normal.Key || since >= p.Every {
			return LanePriority, true
		}
		return LaneNormal, true
	}
}

// Order returns the waiting tickets of a unit in the order they will be
// called, given both lanes sorted by key and the current count of normal
// calls since the last priority call. It assumes no new arrivals and that
// calls happen now.
func (p Policy) Order(normal, prio []Entry, since int, nowMS int64) []Entry {
	out := make([]Entry, 0, len(normal)+len(prio))
	i, j := 0, 0
	for {
		var n, q *Entry
		if i < len(normal) {
			n = &normal[i]
		}
		if j < len(prio) {
			q = &prio[j]
		}
		lane, ok := p.PickNext(n, q, since, nowMS)
		if !ok {
			return out
		}
		if lane == LanePriority {
			out = append(out, *q)
			j++
			since = 0
		} else {
			out = append(out, *n)
			i++
			since++
		}
	}
}

// String describes a policy for people, in Bahasa Indonesia.
func (p Policy) String() string {
	switch p.Mode {
	case FIFO:
		return "urut kedatangan"
	case Strict:
		return fmt.Sprintf("prioritas penuh, maksimal tunggu %d menit", p.MaxWait/60)
	}
	return fmt.Sprintf("1 prioritas setiap %d panggilan", p.Every)
}
