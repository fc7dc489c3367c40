// Package analytics turns the queue's history into the numbers the
// dashboards show: per unit and day counts, waiting and service times as
// percentiles, arrivals by hour of day, per counter and staff member. It is
// pure: the storage edge hands it one Visit per ticket and it never does
// I/O. It also draws the dashboards' charts as SVG and writes tables as CSV
// and XLSX.
//
// Definitions, used everywhere the numbers appear:
//   - A ticket is counted on its service date, in its unit. A ticket that
//     continues a transfer is a "transfer in", not a booking.
//   - Waiting time runs from the moment the patient joined the line to the
//     call: the issue time, or for a ticket booked ahead for a later day
//     the unit's opening time that day (whichever is later), to the latest
//     call (a patient skipped and requeued waits on until called again).
//   - Service time runs from the start to the finish, for served (done)
//     tickets that were started.
//   - No-show rate is the share of called tickets that ended skipped.
//   - Hours are the hours of the arrival in the facility's time zone.
//   - Percentiles interpolate linearly between the closest ranks (the
//     "inclusive" method of spreadsheets: p50 of 1,2,3,4 is 2.5).
package analytics

import (
	"math"
	"slices"
	"time"
)

// Channels are the ways a ticket is taken, in the order tables show them.
var Channels = []string{"online", "kiosk", "desk", "jkn", "whatsapp"}

// Visit is what the dashboards need of one ticket. It carries no personal
// data: Staff is the account name of the staff member who called it.
type Visit struct {
	Facility   string
	Unit       string
	Date       string // service date, yyyy-mm-dd
	Channel    string
	Status     string // final status
	TransferIn bool   // the continuation of a transfer from another unit
	// Arrived is when the patient joined the line (see the package doc).
	Arrived  time.Time
	Called   *time.Time // the latest call
	Started  *time.Time
	Finished *time.Time
	Counter  string // where it was called to
	Staff    string // who called it; "" when not read
	// WindowEnd is the end of the window a booked patient of a check-in
	// unit was given, CheckedIn when she checked in (nil: never), and
	// NoShowAt when she was due to be marked no-show (the window's end plus
	// the unit's grace).
	WindowEnd, CheckedIn, NoShowAt *time.Time
}

// WaitSeconds is the waiting time, or -1 when the ticket was never called.
func (v Visit) WaitSeconds() int32 {
	if v.Called == nil {
		return -1
	}
	return clampSeconds(v.Called.Sub(v.Arrived))
}

// ServiceSeconds is the service time, or -1 when the ticket was not served
// after a start.
func (v Visit) ServiceSeconds() int32 {
	if v.Status != "done" || v.Started == nil || v.Finished == nil {
		return -1
	}
	return clampSeconds(v.Finished.Sub(*v.Started))
}

func clampSeconds(d time.Duration) int32 {
	s := math.Round(d.Seconds())
	if s < 0 {
		return 0
	}
	if s > math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(s)
}

// Summary is what happened in some set of tickets: one unit's day, a whole
// facility's month, a district's. Summaries add up with Add.
type Summary struct {
	Booked      map[string]int // by channel
	TransfersIn int
	Called      int
	Served      int // done
	Skipped     int // no-shows: ended skipped
	Cancelled   int
	Transferred int // sent on to another unit
	Unserved    int // still waiting, called or serving when counted
	// Arrivals is the number of arrivals by hour of day (facility zone).
	Arrivals [24]int
	// Waits and Services are every measured time in seconds, sorted
	// once Sort or a percentile method has been called.
	Waits    []int32
	Services []int32
	sorted   bool
}

// Tickets is the number of tickets: bookings of every channel and
// transfers in.
func (s *Summary) Tickets() int {
	n := s.TransfersIn
	for _, v := range s.Booked {
		n += v
	}
	return n
}

// NoShowRate is Skipped / Called, as a fraction; 0 when nobody was called.
func (s *Summary) NoShowRate() float64 {
	if s.Called == 0 {
		return 0
	}
	return float64(s.Skipped) / float64(s.Called)
}

// Add counts one ticket. loc is the facility's zone, for the hour.
func (s *Summary) Add(v Visit, loc *time.Location) {
	if s.Booked == nil {
		s.Booked = map[string]int{}
	}
	if v.TransferIn {
		s.TransfersIn++
	} else {
		s.Booked[v.Channel]++
	}
	s.Arrivals[v.Arrived.In(loc).Hour()]++
	if w := v.WaitSeconds(); w >= 0 {
		s.Called++
		s.Waits = append(s.Waits, w)
	}
	if d := v.ServiceSeconds(); d >= 0 {
		s.Services = append(s.Services, d)
	}
	switch v.Status {
	case "done":
		s.Served++
	case "skipped":
		s.Skipped++
	case "cancelled":
		s.Cancelled++
	case "transferred":
		s.Transferred++
	case "booked", "waiting", "called", "serving":
		s.Unserved++
	}
	s.sorted = false
}

// Merge adds another summary's counts and times to s.
func (s *Summary) Merge(o *Summary) {
	if s.Booked == nil {
		s.Booked = map[string]int{}
	}
	for k, v := range o.Booked {
		s.Booked[k] += v
	}
	s.TransfersIn += o.TransfersIn
	s.Called += o.Called
	s.Served += o.Served
	s.Skipped += o.Skipped
	s.Cancelled += o.Cancelled
	s.Transferred += o.Transferred
	s.Unserved += o.Unserved
	for h := range s.Arrivals {
		s.Arrivals[h] += o.Arrivals[h]
	}
	s.Waits = append(s.Waits, o.Waits...)
	s.Services = append(s.Services, o.Services...)
	s.sorted = false
}

// Sort sorts the measured times (percentiles need them sorted).
func (s *Summary) Sort() {
	if !s.sorted {
		slices.Sort(s.Waits)
		slices.Sort(s.Services)
		s.sorted = true
	}
}

// Wait returns the p-th percentile (0..100) of waiting time in seconds;
// NaN when nothing was measured.
func (s *Summary) Wait(p float64) float64 {
	s.Sort()
	return Percentile(s.Waits, p)
}

// Service returns the p-th percentile (0..100) of service time in seconds;
// NaN when nothing was measured.
func (s *Summary) Service(p float64) float64 {
	s.Sort()
	return Percentile(s.Services, p)
}

// Percentile returns the p-th percentile (0..100) of sorted values,
// interpolating linearly between the closest ranks: rank = p/100 × (n-1).
// It returns NaN for no values.
func Percentile[T int32 | int | float64](sorted []T, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	if p <= 0 {
		return float64(sorted[0])
	}
	if p >= 100 {
		return float64(sorted[n-1])
	}
	rank := p / 100 * float64(n-1)
	lo := int(math.Floor(rank))
	hi := lo + 1
	if hi >= n {
		return float64(sorted[lo])
	}
	f := rank - float64(lo)
	return float64(sorted[lo]) + f*(float64(sorted[hi])-float64(sorted[lo]))
}

// Key names one group of tickets in a breakdown.
type Key struct {
	Facility, Unit, Date string
	Hour                 int // -1 when the breakdown is not by hour
	Counter, Staff       string
}

// By names a breakdown: which fields of Key group the tickets.
type By int

// Breakdowns; combine with |.
const (
	ByFacility By = 1 << iota
	ByUnit
	ByDate
	ByHour
	ByCounter
	ByStaff
)

// Group summarises visits by the fields in by. loc gives each facility's
// zone (nil or a missing facility: Asia/Jakarta). The keys come back sorted.
func Group(visits []Visit, by By, loc func(facility string) *time.Location) ([]Key, map[Key]*Summary) {
	out := map[Key]*Summary{}
	for _, v := range visits {
		l := zone(loc, v.Facility)
		k := Key{Hour: -1}
		if by&ByFacility != 0 {
			k.Facility = v.Facility
		}
		if by&ByUnit != 0 {
			k.Unit = v.Unit
		}
		if by&ByDate != 0 {
			k.Date = v.Date
		}
		if by&ByHour != 0 {
			k.Hour = v.Arrived.In(l).Hour()
		}
		if by&ByCounter != 0 {
			k.Counter = v.Counter
		}
		if by&ByStaff != 0 {
			k.Staff = v.Staff
		}
		s := out[k]
		if s == nil {
			s = &Summary{}
			out[k] = s
		}
		s.Add(v, l)
	}
	keys := make([]Key, 0, len(out))
	for k := range out {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	return keys, out
}

func compareKeys(a, b Key) int {
	for _, c := range [][2]string{{a.Facility, b.Facility}, {a.Unit, b.Unit}, {a.Date, b.Date}, {a.Counter, b.Counter}, {a.Staff, b.Staff}} {
		if c[0] != c[1] {
			if c[0] < c[1] {
				return -1
			}
			return 1
		}
	}
	return a.Hour - b.Hour
}

// Jakarta is WIB, the default zone of facilities.
var Jakarta = func() *time.Location {
	l, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		return time.FixedZone("WIB", 7*3600)
	}
	return l
}()

func zone(loc func(string) *time.Location, facility string) *time.Location {
	if loc != nil {
		if l := loc(facility); l != nil {
			return l
		}
	}
	return Jakarta
}

// Usual is the typical count for a weekday: the mean over the same weekday
// of earlier weeks, both for the whole day and up to (not including) the
// hour given, so that a morning can be compared with other mornings.
type Usual struct {
	Weeks  int     // how many earlier days were averaged
	Day    float64 // tickets in a whole day
	ByHour float64 // tickets before the hour
}

// UsualFor averages days (each a day's arrivals by hour) up to hour.
func UsualFor(days [][24]int, hour int) Usual {
	u := Usual{Weeks: len(days)}
	if len(days) == 0 {
		return u
	}
	for _, d := range days {
		for h, n := range d {
			u.Day += float64(n)
			if h < hour {
				u.ByHour += float64(n)
			}
		}
	}
	u.Day /= float64(len(days))
	u.ByHour /= float64(len(days))
	return u
}
