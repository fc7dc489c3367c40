package queue

import (
	"errors"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
)

// FuzzNewTicket: whatever a patient sends, validation either builds a
// ticket for a date inside the booking window with valid personal data,
// or refuses it with a field error (or closed); it never panics.
func FuzzNewTicket(f *testing.F) {
	f.Add("", "Siti", "081234567890", "3510014101900001", "0001234567890", "lansia", "online", true)
	f.Add("2026-11-30", "", "", "", "", "", "kiosk", false)
	f.Add("2026-13-40", "<b>", "+1555", "123", "abc", "vip", "tv", true)
	f.Add("2020-01-01", "\xff", "08", "9999999999999999", "", "", "", false)
	loc, _ := time.LoadLocation("Asia/Jakarta")
	s := &Service{Secret: []byte("fuzz-secret"), Now: time.Now}
	fac := Facility{ID: 1, Code: "sobo", BookingWindow: 7, Location: loc}
	unit := Unit{ID: 1, Code: "UMUM", Prefix: "B", DailyQuota: 999, OpenDays: 0b1111111, Policy: DefaultPolicy()}
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, loc)
	f.Fuzz(func(t *testing.T, date, name, phone, nik, bpjs, priority, channel string, notify bool) {
		nt, err := s.newTicket(fac, unit, BookRequest{Facility: "sobo", Unit: "UMUM", ServiceDate: date, Name: name,
			Phone: phone, NIK: nik, BPJS: bpjs, Priority: priority, Channel: channel, Notify: notify}, now)
		if err != nil {
			var fe *fault.Error
			if !errors.As(err, &fe) && !errors.Is(err, ErrClosed) {
				t.Errorf("error %v is neither a field error nor closed", err)
			}
			return
		}
		d, perr := time.ParseInLocation(time.DateOnly, nt.ServiceDate, loc)
		if perr != nil || d.Before(time.Date(2026, 11, 27, 0, 0, 0, 0, loc)) || d.After(time.Date(2026, 12, 4, 0, 0, 0, 0, loc)) {
			t.Errorf("accepted service date %q", nt.ServiceDate)
		}
		if nik != "" && ValidateNIK(nik) != nil || bpjs != "" && ValidateBPJS(bpjs) != nil {
			t.Errorf("accepted NIK %q / BPJS %q", nik, bpjs)
		}
		if notify && nt.Phone == "" {
			t.Error("accepted notify without a phone")
		}
	})
}
