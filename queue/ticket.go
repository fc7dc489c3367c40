package queue

import (
	"fmt"
	"slices"
	"time"

	"github.com/antrian/antrian/fault"
)

// Status is where a ticket is in its lifecycle.
type Status string

// Ticket statuses, as in the v1 contract.
const (
	// Booked is a ticket of a unit that requires check-in, taken from afar
	// (online, Mobile JKN, WhatsApp): it holds its number but is not
	// called until its patient checks in on arrival.
	Booked      Status = "booked"
	Waiting     Status = "waiting"
	Called      Status = "called"
	Serving     Status = "serving"
	Done        Status = "done"
	Skipped     Status = "skipped"
	Cancelled   Status = "cancelled"
	Transferred Status = "transferred"
	// NoShow is a booked ticket whose patient did not check in by the end
	// of her window plus the unit's grace.
	NoShow Status = "no_show"
)

// Active reports whether a ticket in status s still holds a place in its unit
// (it counts for the one-active-ticket-per-person rule).
func (s Status) Active() bool {
	switch s {
	case Booked, Waiting, Called, Serving, Skipped:
		return true
	}
	return false
}

// Priority is a vulnerable group served with priority, or "" for none.
type Priority string

// Priority groups.
const (
	PriorityNone        Priority = ""
	PriorityLansia      Priority = "lansia"
	PriorityHamil       Priority = "hamil"
	PriorityDisabilitas Priority = "disabilitas"
	PriorityBalita      Priority = "balita"
)

// ParsePriority validates a priority group name.
func ParsePriority(s string) (Priority, error) {
	switch p := Priority(s); p {
	case PriorityNone, PriorityLansia, PriorityHamil, PriorityDisabilitas, PriorityBalita:
		return p, nil
	}
	return "", fault.Invalid("priority", "Kelompok prioritas tidak dikenal (lansia, hamil, disabilitas, balita).")
}

// Channel is how a ticket was taken.
type Channel string

// Channels.
const (
	ChannelOnline Channel = "online"
	ChannelKiosk  Channel = "kiosk"
	ChannelDesk   Channel = "desk"
	ChannelJKN    Channel = "jkn"
	// ChannelWhatsApp is a ticket taken by writing to the facility's
	// WhatsApp number (package whatsapp).
	ChannelWhatsApp Channel = "whatsapp"
)

// ParseChannel validates a channel name; "" means online.
func ParseChannel(s string) (Channel, error) {
	switch c := Channel(s); c {
	case "":
		return ChannelOnline, nil
	case ChannelOnline, ChannelKiosk, ChannelDesk, ChannelJKN, ChannelWhatsApp:
		return c, nil
	}
	return "", fault.Invalid("channel", "Saluran tidak dikenal (online, kiosk, desk, jkn, whatsapp).")
}

// Ticket is one patient's place in one unit's queue on one service date.
type Ticket struct {
	ID          string
	FacilityID  int64
	Facility    string // facility code
	UnitID      int64
	Unit        string // unit code
	ServiceDate string // yyyy-mm-dd in the facility's time zone
	Number      int
	Code        string
	Status      Status
	Priority    Priority
	Channel     Channel
	Name        string
	Phone       string // normalised 628...
	NIK         string
	BPJS        string
	Notify      bool
	Counter     string
	VisitID     string // shared by every ticket of one visit across transfers
	OrderKey    int64  // ordering score in unit time (Unix ms): arrival, kept across transfers
	IssuedAt    time.Time
	CalledAt    *time.Time
	StartedAt   *time.Time
	FinishedAt  *time.Time
	CallCount   int
	TransferTo  string     // id of the ticket this one was transferred to
	TransferRef string     // unit code of the ticket it was transferred to
	FromUnit    string     // unit code it was transferred from, if any
	CheckedInAt *time.Time // when a patient of a check-in unit arrived

	// Live fields, filled while waiting.
	Position       int
	Ahead          int
	EstimatedWaitS int
	// Window is when a ticket booked for a later day is expected to be
	// served (zero for today's tickets and units open all day). A booked
	// ticket of a check-in unit keeps the window it was given (stored).
	Window Window
}

// FormatCode returns the display code of a ticket: the unit prefix, a dash
// and the number with at least three digits ("B-013").
func FormatCode(prefix string, number int) string {
	return fmt.Sprintf("%s-%03d", prefix, number)
}

// Action is a staff or patient operation on a ticket.
type Action string

// Actions on a ticket.
const (
	ActionCall         Action = "call"
	ActionRecall       Action = "recall"
	ActionStart        Action = "start"
	ActionFinish       Action = "finish"
	ActionSkip         Action = "skip"
	ActionRequeue      Action = "requeue"
	ActionCancel       Action = "cancel"       // by staff
	ActionPatientDrop  Action = "patient_drop" // cancel by the patient with the token
	ActionTransfer     Action = "transfer"
	ActionTransferDest Action = "transfer_in"
	ActionCheckIn      Action = "checkin" // the patient arrived (or rejoins after a no-show)
	ActionNoShow       Action = "no_show" // the window and grace passed without her
)

// transitions lists, for each action, the statuses it may start from and the
// status it leads to.
var transitions = map[Action]struct {
	from []Status
	to   Status
}{
	ActionCall:        {[]Status{Waiting}, Called},
	ActionRecall:      {[]Status{Called}, Called},
	ActionStart:       {[]Status{Called}, Serving},
	ActionFinish:      {[]Status{Called, Serving}, Done},
	ActionSkip:        {[]Status{Called}, Skipped},
	ActionRequeue:     {[]Status{Skipped}, Waiting},
	ActionCancel:      {[]Status{Booked, Waiting, Called, Skipped}, Cancelled},
	ActionPatientDrop: {[]Status{Booked, Waiting}, Cancelled},
	ActionCheckIn:     {[]Status{Booked, NoShow}, Waiting},
	ActionNoShow:      {[]Status{Booked}, NoShow},
	ActionTransfer:    {[]Status{Called, Serving}, Transferred},
}

// Transition returns the statuses action a may be applied from and the
// status it leads to. It returns fault.ErrInvalid for an unknown action.
func Transition(a Action) (from []Status, to Status, err error) {
	t, ok := transitions[a]
	if !ok {
		return nil, "", fmt.Errorf("transition %q: %w", a, fault.ErrInvalid)
	}
	return t.from, t.to, nil
}

// Allowed reports whether action a may be applied to a ticket in status s.
func Allowed(a Action, s Status) bool {
	t, ok := transitions[a]
	return ok && slices.Contains(t.from, s)
}
