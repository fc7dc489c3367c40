package queue

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/antrian/antrian/fault"
)

// closedHorizon bounds how far ahead the next open day is looked for.
const closedHorizon = 62

var (
	hariNames  = [...]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}
	bulanNames = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
		"September", "Oktober", "November", "Desember"}
)

// IndonesianDate writes a day as people read it: "Senin, 28 Desember 2026".
func IndonesianDate(d time.Time) string {
	return fmt.Sprintf("%s, %d %s %d", hariNames[d.Weekday()], d.Day(), bulanNames[d.Month()-1], d.Year())
}

// ClosedDay is a date a facility does not serve: a national holiday, a
// collective leave day, a staff training. Reason is what patients are told.
type ClosedDay struct {
	Date   string `json:"date"` // yyyy-mm-dd
	Reason string `json:"reason"`
}

// Closed reports why unit u does not serve on day d (midnight in the
// facility's location), or "" when it does.
func (f Facility) Closed(u Unit, d time.Time) string {
	if r, ok := f.ClosedDays[d.Format(time.DateOnly)]; ok {
		if r == "" {
			return "Puskesmas libur pada " + IndonesianDate(d)
		}
		return "Puskesmas libur pada " + IndonesianDate(d) + " (" + r + ")"
	}
	if !u.OpenOn(d) {
		return fmt.Sprintf("Unit %s tidak buka pada hari %s", u.Name, hariNames[d.Weekday()])
	}
	return ""
}

// BookableToday reports whether unit u still takes tickets for today at
// now: the day is not closed for it and its closing time has not passed.
// Booking applies the same rules (Service.Book), with their reasons.
func (f Facility) BookableToday(u Unit, now time.Time) bool {
	d, err := time.ParseInLocation(time.DateOnly, f.Today(now), f.Location)
	return err == nil && f.Closed(u, d) == "" && !pastClosing(u, d, now)
}

// pastClosing reports whether now is after u's closing time on day d
// (midnight in the facility's zone): the end of the day's last session when
// u has sessions. A unit open all day never closes.
func pastClosing(u Unit, d, now time.Time) bool {
	opens, closes, ok := u.hoursOn(d.Weekday())
	return ok && opens != closes && now.After(d.Add(time.Duration(closes)*time.Minute))
}

// NextOpen returns the first day on or after from (midnight in the
// facility's location) on which u serves, within closedHorizon days.
func (f Facility) NextOpen(u Unit, from time.Time) (time.Time, bool) {
	for i := range closedHorizon {
		d := from.AddDate(0, 0, i)
		if f.Closed(u, d) == "" {
			return d, true
		}
	}
	return time.Time{}, false
}

// closedError builds the refusal for day d with the next day to come.
func (f Facility) closedError(u Unit, d time.Time, reason string, searchFrom time.Time) error {
	e := &ClosedError{Unit: u.Code, Date: d.Format(time.DateOnly), Reason: reason}
	if next, ok := f.NextOpen(u, searchFrom); ok {
		e.NextOpen = next.Format(time.DateOnly)
	}
	return e
}

// maxClosedDays bounds one import (a few years of holidays).
const maxClosedDays = 1000

// ValidateClosedDay checks one closed day as an admin enters it: a real
// date and a short reason without markup.
func ValidateClosedDay(d ClosedDay) (ClosedDay, error) {
	d.Date = strings.TrimSpace(d.Date)
	d.Reason = strings.TrimSpace(d.Reason)
	if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
		return d, fault.Invalid("date", "Tanggal harus berformat yyyy-mm-dd.")
	}
	if !utf8.ValidString(d.Reason) || utf8.RuneCountInString(d.Reason) > 200 || strings.ContainsAny(d.Reason, "<>\x00") {
		return d, fault.Invalid("reason", "Keterangan maksimal 200 huruf dan tanpa tanda < >.")
	}
	return d, nil
}

// ParseClosedDays reads a holiday list as CSV: one day a line, "date,reason"
// (yyyy-mm-dd or dd/mm/yyyy, the reason optional), a header line allowed,
// separated by commas or semicolons (a spreadsheet saved with the
// Indonesian locale writes semicolons). A bad line refuses the whole file
// and names its line, so nothing is half imported.
func ParseClosedDays(r io.Reader) ([]ClosedDay, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(512)
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	if bytes.Count(head, []byte(";")) > bytes.Count(head, []byte(",")) {
		cr.Comma = ';'
	}
	var out []ClosedDay
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fault.Invalid("file", fmt.Sprintf("Baris %d: berkas CSV tidak terbaca.", line))
		}
		if len(rec) == 0 || (len(rec) == 1 && strings.TrimSpace(rec[0]) == "") {
			continue
		}
		date := strings.TrimSpace(strings.TrimPrefix(rec[0], "\ufeff"))
		if t, err := time.Parse("02/01/2006", date); err == nil {
			date = t.Format(time.DateOnly)
		}
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			if line == 1 && len(out) == 0 {
				continue // a header: "tanggal,keterangan"
			}
			return nil, fault.Invalid("file", fmt.Sprintf("Baris %d: tanggal %q harus berformat yyyy-mm-dd atau dd/mm/yyyy.", line, date))
		}
		d := ClosedDay{Date: date}
		if len(rec) > 1 {
			d.Reason = strings.Join(rec[1:], ", ")
		}
		if d, err = ValidateClosedDay(d); err != nil {
			return nil, fault.Invalid("file", fmt.Sprintf("Baris %d: %s", line, err.(*fault.Error).Message))
		}
		if len(out) == maxClosedDays {
			return nil, fault.Invalid("file", fmt.Sprintf("Paling banyak %d hari dalam satu berkas.", maxClosedDays))
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, fault.Invalid("file", "Berkas tidak berisi tanggal.")
	}
	return out, nil
}

// windowLength is the span of an expected service window: short enough to
// plan a morning around, long enough to absorb a slow patient or two.
const windowLength = 30 * time.Minute

// Window is a span of local time in which a booked patient is expected to
// be served.
type Window struct {
	Start, End time.Time
}

// IsZero reports whether there is no window.
func (w Window) IsZero() bool { return w.Start.IsZero() }

// windowFor returns the window of a ticket of unit u on date (yyyy-mm-dd)
// expected after wait from opening: the half hour it falls in, kept inside
// the unit's hours. A unit with sessions counts the wait through the day's
// sessions only (see sessionWindow).
func (f Facility) windowFor(u Unit, date string, wait time.Duration) Window {
	d, err := time.ParseInLocation(time.DateOnly, date, f.Location)
	if err != nil {
		return Window{}
	}
	if len(u.Sessions) > 0 {
		day := u.SessionsOn(d.Weekday())
		if len(day) == 0 {
			return Window{}
		}
		return sessionWindow(day, d, wait)
	}
	if u.Opens == u.Closes {
		return Window{}
	}
	return spanWindow(d.Add(time.Duration(u.Opens)*time.Minute), d.Add(time.Duration(u.Closes)*time.Minute), wait)
}

// spanWindow is the half hour in which a wait from opens falls, kept
// inside the span from opens to closes.
func spanWindow(opens, closes time.Time, wait time.Duration) Window {
	start := opens.Add(wait.Truncate(windowLength))
	if last := closes.Add(-windowLength); start.After(last) {
		start = last
		if start.Before(opens) {
			start = opens
		}
	}
	end := start.Add(windowLength)
	if end.After(closes) {
		end = closes
	}
	return Window{Start: start, End: end}
}

// bookedWindow is the window given to a booked patient of a check-in unit
// when she books ticket number of date, with waiting walk-ins in line and
// per between two calls: for a later day, after the bookings before hers
// from opening; for today, after the line that is there now, counted from
// the service time already gone by, and never before the numbers ahead of
// hers (booked patients who have not come yet are not in the waiting
// count, but will be served before her).
func (f Facility) bookedWindow(u Unit, date, today string, now time.Time, number, waiting int, per time.Duration) Window {
	ahead := time.Duration(max(number-1, 0)) * per
	if date != today {
		return f.windowFor(u, date, ahead)
	}
	d, err := time.ParseInLocation(time.DateOnly, date, f.Location)
	if err != nil {
		return Window{}
	}
	return f.windowFor(u, date, max(served(u, d, now)+time.Duration(waiting)*per, ahead))
}

// served is how much of unit u's service time on day d (midnight in the
// facility's location) has gone by at now: the time since opening, or,
// for a unit with sessions, the time inside its sessions only (a break
// does not count), as windowFor counts a wait.
func served(u Unit, d, now time.Time) time.Duration {
	spans := [][2]int{{u.Opens, u.Closes}}
	if len(u.Sessions) > 0 {
		spans = spans[:0]
		for _, s := range u.SessionsOn(d.Weekday()) {
			spans = append(spans, [2]int{s.Start, s.End})
		}
	}
	var total time.Duration
	for _, sp := range spans {
		from, to := d.Add(time.Duration(sp[0])*time.Minute), d.Add(time.Duration(sp[1])*time.Minute)
		if now.After(from) {
			if now.Before(to) {
				to = now
			}
			total += to.Sub(from)
		}
	}
	return max(total, 0)
}
