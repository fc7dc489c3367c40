package queue

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/antrian/antrian/fault"
)

// Session is a unit's practice session on one weekday: the hours the unit
// serves (Mon-Thu 07:30-12:00, Fri 07:30-10:30), optionally with the doctor
// or midwife who practises and a daily capacity. A unit with sessions takes
// its hours and weekdays from them instead of Opens, Closes and OpenDays.
type Session struct {
	Weekday    time.Weekday
	Start, End int    // minutes after local midnight, Start < End
	Staff      string // the doctor's or midwife's name; "" when not named
	KodeDokter int    // the staff's BPJS kodedokter; 0 when none
	// Capacity is how many tickets the session takes a day; 0 sets no
	// limit. A day's capacity is the sum of its sessions' (see Unit.Capacity).
	Capacity int
}

// Hours writes a session's hours as BPJS' jampraktek: "07:30-12:00".
func (s Session) Hours() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", s.Start/60, s.Start%60, s.End/60, s.End%60)
}

// maxSessions bounds a unit's sessions (several a day, every day).
const maxSessions = 50

// Codes of the refusals of ValidateSessions, stable for programs.
const (
	CodeSessionTime     = "session_time"
	CodeSessionOverlap  = "session_overlap"
	CodeSessionCapacity = "session_capacity"
	CodeSessionStaff    = "session_staff"
)

func sessionInvalid(code string, i int, msg string) error {
	return &fault.Error{Kind: fault.ErrInvalid, Code: code, Field: fmt.Sprintf("sessions[%d]", i), Message: msg}
}

// ValidateSessions checks a unit's whole list of sessions as an admin
// enters it and returns it sorted by weekday and start: weekdays 0 (Sunday)
// to 6, start before end within the day, no two sessions of one weekday
// overlapping, a capacity and kodedokter not negative, a short name without
// markup. Errors: fault.ErrInvalid (a *fault.Error with one of the
// CodeSession* codes and the field "sessions[i]" of the input's order).
func ValidateSessions(in []Session) ([]Session, error) {
	if len(in) > maxSessions {
		return nil, sessionInvalid(CodeSessionTime, maxSessions, fmt.Sprintf("Paling banyak %d sesi praktik per unit.", maxSessions))
	}
	type indexed struct {
		Session
		i int
	}
	all := make([]indexed, len(in))
	for i, s := range in {
		s.Staff = strings.TrimSpace(s.Staff)
		switch {
		case s.Weekday < time.Sunday || s.Weekday > time.Saturday:
			return nil, sessionInvalid(CodeSessionTime, i, "Hari harus 0 (Minggu) sampai 6 (Sabtu).")
		case s.Start < 0 || s.End > 24*60 || s.Start >= s.End:
			return nil, sessionInvalid(CodeSessionTime, i, fmt.Sprintf("Sesi hari %s: jam mulai harus sebelum jam selesai.", hariNames[s.Weekday]))
		case s.Capacity < 0:
			return nil, sessionInvalid(CodeSessionCapacity, i, "Kapasitas tidak boleh negatif (0 berarti tanpa batas).")
		case s.KodeDokter < 0:
			return nil, sessionInvalid(CodeSessionStaff, i, "Kode dokter BPJS tidak boleh negatif.")
		case !utf8.ValidString(s.Staff) || utf8.RuneCountInString(s.Staff) > 100 || strings.ContainsAny(s.Staff, "<>\x00"):
			return nil, sessionInvalid(CodeSessionStaff, i, "Nama dokter atau bidan maksimal 100 huruf dan tanpa tanda < >.")
		}
		all[i] = indexed{s, i}
	}
	slices.SortStableFunc(all, func(a, b indexed) int {
		return cmp.Or(cmp.Compare(a.Weekday, b.Weekday), cmp.Compare(a.Start, b.Start))
	})
	out := make([]Session, len(all))
	for k, s := range all {
		if k > 0 && all[k-1].Weekday == s.Weekday && all[k-1].End > s.Start {
			p := all[k-1]
			return nil, sessionInvalid(CodeSessionOverlap, s.i, fmt.Sprintf("Sesi hari %s %s bertumpang tindih dengan sesi %s.",
				hariNames[s.Weekday], clock(s.Start, s.End), clock(p.Start, p.End)))
		}
		out[k] = s.Session
	}
	return out, nil
}

// clock writes a span of minutes as people read it: "07.30–12.00".
func clock(start, end int) string {
	return fmt.Sprintf("%02d.%02d–%02d.%02d", start/60, start%60, end/60, end%60)
}

// SessionsOn returns u's sessions on weekday wd, by start time.
func (u Unit) SessionsOn(wd time.Weekday) []Session {
	var out []Session
	for _, s := range u.Sessions {
		if s.Weekday == wd {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Session) int { return cmp.Compare(a.Start, b.Start) })
	return out
}

// hoursOn returns u's opening and closing minutes on weekday wd: from the
// day's first and last session when u has sessions, else Opens and Closes.
// ok is false when u has sessions but none that day.
func (u Unit) hoursOn(wd time.Weekday) (opens, closes int, ok bool) {
	if len(u.Sessions) == 0 {
		return u.Opens, u.Closes, true
	}
	day := u.SessionsOn(wd)
	if len(day) == 0 {
		return 0, 0, false
	}
	return day[0].Start, day[len(day)-1].End, true
}

// Capacity returns how many tickets u takes on weekday wd by its sessions:
// the sum of the day's sessions' capacities, or 0 (no limit by sessions)
// when it has none or one of them sets no limit.
func (u Unit) Capacity(wd time.Weekday) int {
	n := 0
	for _, s := range u.SessionsOn(wd) {
		if s.Capacity == 0 {
			return 0
		}
		n += s.Capacity
	}
	return n
}

// quotaOn is the most tickets u issues on weekday wd: the smaller of its
// daily quota and its sessions' capacity, 0 when neither limits it.
func (u Unit) quotaOn(wd time.Weekday) int {
	q, c := u.DailyQuota, u.Capacity(wd)
	switch {
	case c == 0:
		return q
	case q == 0:
		return c
	}
	return min(q, c)
}

// PracticeOn returns the session of u on day d that a patient arriving at
// minute at (after local midnight) is served in: the one running then, or
// the next to start, or the day's last. ok is false when u has no session
// that day.
func (u Unit) PracticeOn(d time.Time, at int) (Session, bool) {
	day := u.SessionsOn(d.Weekday())
	if len(day) == 0 {
		return Session{}, false
	}
	for _, s := range day {
		if at < s.End {
			return s, true
		}
	}
	return day[len(day)-1], true
}

// sessionWindow places a wait from the day's opening inside the sessions of
// day d (midnight in the facility's location): the wait runs through the
// sessions' hours only, skipping the breaks between them, and the window is
// the half hour of the session it falls in, kept inside that session.
func sessionWindow(day []Session, d time.Time, wait time.Duration) Window {
	var s Session
	for _, s = range day {
		length := time.Duration(s.End-s.Start) * time.Minute
		if wait < length {
			break
		}
		wait -= length
	}
	return spanWindow(d.Add(time.Duration(s.Start)*time.Minute), d.Add(time.Duration(s.End)*time.Minute), wait)
}

// Text writes a window as patients read it, in local time: "09.00–09.30".
func (w Window) Text() string {
	if w.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d.%02d–%02d.%02d", w.Start.Hour(), w.Start.Minute(), w.End.Hour(), w.End.Minute())
}

// full turns the store's refusal of a full day (err, an ErrQuotaFull) into
// a *FullError with the reason and the next day with room when the day's
// limit is its sessions' capacity; a unit's plain daily quota keeps its
// refusal. The days ahead are judged by the ticket numbers the store keeps
// per unit and day (what it counts against), read after the refusal.
func (s *Service) full(ctx context.Context, f Facility, u Unit, date string, err error) error {
	d, perr := time.ParseInLocation(time.DateOnly, date, f.Location)
	if perr != nil {
		return err
	}
	c := u.Capacity(d.Weekday())
	if c == 0 || (u.DailyQuota > 0 && u.DailyQuota < c) {
		return err
	}
	e := &FullError{Unit: u.Code, Date: date,
		Reason: fmt.Sprintf("Antrean %s pada %s sudah penuh (kapasitas %d pasien)", u.Name, IndonesianDate(d), c)}
	from, to := d.AddDate(0, 0, 1), d.AddDate(0, 0, closedHorizon)
	issued, ierr := s.Store.Issued(ctx, u.ID, from.Format(time.DateOnly), to.Format(time.DateOnly))
	if ierr != nil {
		s.Log.Warn("next day with room unknown", "unit", u.Code, "err", ierr)
		return fmt.Errorf("book %s on %s: %w", u.Code, date, e)
	}
	for day := from; !day.After(to); day = day.AddDate(0, 0, 1) {
		if f.Closed(u, day) != "" {
			continue
		}
		if q := u.quotaOn(day.Weekday()); q == 0 || issued[day.Format(time.DateOnly)] < q {
			e.NextOpen = day.Format(time.DateOnly)
			break
		}
	}
	return fmt.Errorf("book %s on %s: %w", u.Code, date, e)
}
