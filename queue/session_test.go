package queue

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
)

func TestValidateSessions(t *testing.T) {
	mon := func(start, end int) Session { return Session{Weekday: time.Monday, Start: start, End: end} }
	got, err := ValidateSessions([]Session{
		{Weekday: time.Friday, Start: 450, End: 630, Staff: "  Bidan Rina ", Capacity: 20},
		mon(780, 900), mon(450, 720), mon(720, 780), // touching sessions do not overlap
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Session{mon(450, 720), mon(720, 780), mon(780, 900), {Weekday: time.Friday, Start: 450, End: 630, Staff: "Bidan Rina", Capacity: 20}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("session %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, tc := range []struct {
		name  string
		in    []Session
		code  string
		field string
		msg   string
	}{
		{"end before start", []Session{mon(720, 450)}, CodeSessionTime, "sessions[0]", "jam mulai harus sebelum jam selesai"},
		{"empty session", []Session{mon(450, 450)}, CodeSessionTime, "sessions[0]", "Senin"},
		{"past midnight", []Session{mon(450, 1500)}, CodeSessionTime, "sessions[0]", ""},
		{"no such weekday", []Session{{Weekday: 7, Start: 1, End: 2}}, CodeSessionTime, "sessions[0]", "0 (Minggu) sampai 6 (Sabtu)"},
		{"overlap", []Session{mon(450, 720), {Weekday: time.Tuesday, Start: 450, End: 720}, mon(700, 800)}, CodeSessionOverlap, "sessions[2]",
			"Sesi hari Senin 11.40–13.20 bertumpang tindih dengan sesi 07.30–12.00."},
		{"negative capacity", []Session{{Weekday: time.Monday, Start: 1, End: 2, Capacity: -1}}, CodeSessionCapacity, "sessions[0]", "tidak boleh negatif"},
		{"markup in the name", []Session{{Weekday: time.Monday, Start: 1, End: 2, Staff: "<b>dr</b>"}}, CodeSessionStaff, "sessions[0]", "tanpa tanda"},
		{"negative kodedokter", []Session{{Weekday: time.Monday, Start: 1, End: 2, KodeDokter: -5}}, CodeSessionStaff, "sessions[0]", "Kode dokter"},
	} {
		_, err := ValidateSessions(tc.in)
		fe, ok := fault.As(err)
		if !ok || !errors.Is(err, fault.ErrInvalid) || fe.Code != tc.code || fe.Field != tc.field || !strings.Contains(fe.Message, tc.msg) {
			t.Errorf("%s: %v, want %s on %s saying %q", tc.name, err, tc.code, tc.field, tc.msg)
		}
	}
}

// puskesmasUnit serves Mon-Thu 07:30-12:00, Fri 07:30-10:30 and Sat
// 07:30-11:00; its opening hours and weekdays say otherwise, and are not
// used once it has sessions.
func puskesmasUnit() Unit {
	u := Unit{Code: "KIA", Name: "Poli KIA", Prefix: "C", DailyQuota: 100, OpenDays: 0b1111111, Opens: 0, Closes: 0}
	for wd := time.Monday; wd <= time.Thursday; wd++ {
		u.Sessions = append(u.Sessions, Session{Weekday: wd, Start: 450, End: 720, Staff: "dr. Sari", KodeDokter: 123})
	}
	u.Sessions = append(u.Sessions, Session{Weekday: time.Friday, Start: 450, End: 630, Staff: "Bidan Rina", Capacity: 2},
		Session{Weekday: time.Saturday, Start: 450, End: 660})
	return u
}

func TestSessionHours(t *testing.T) {
	wib, _ := time.LoadLocation("Asia/Jakarta")
	f := Facility{Code: "sobo", Location: wib, BookingWindow: 7}
	u := puskesmasUnit()
	at := func(s string) time.Time { v, _ := time.ParseInLocation("2006-01-02 15:04", s, wib); return v }
	// 2026-12-21 is a Monday.
	for _, tc := range []struct {
		at   string
		open bool
	}{
		{"2026-12-21 07:29", false}, {"2026-12-21 07:30", true}, {"2026-12-21 11:59", true}, {"2026-12-21 12:00", false},
		{"2026-12-25 10:29", true}, {"2026-12-25 10:30", false}, {"2026-12-26 10:45", true}, {"2026-12-27 09:00", false},
	} {
		if got := u.OpenAt(at(tc.at)); got != tc.open {
			t.Errorf("OpenAt(%s) = %v, want %v", tc.at, got, tc.open)
		}
	}
	if got := f.Closed(u, at("2026-12-27 00:00")); got != "Unit Poli KIA tidak buka pada hari Minggu" {
		t.Errorf("Sunday: %q", got)
	}
	if f.BookableToday(u, at("2026-12-25 10:45")) || !f.BookableToday(u, at("2026-12-26 10:45")) {
		t.Error("Friday's session ends at 10:30 and Saturday's at 11:00")
	}
	s := &Service{}
	_, err := s.newTicket(f, u, BookRequest{ServiceDate: "2026-12-25", Channel: "online"}, at("2026-12-25 10:45"))
	var ce *ClosedError
	if !errors.As(err, &ce) || ce.NextOpen != "2026-12-26" || !strings.Contains(ce.Reason, "layanan sampai pukul 10.30") {
		t.Errorf("Friday after its session: %v, want closed until Saturday", err)
	}
	_, err = s.newTicket(f, u, BookRequest{ServiceDate: "2026-12-27", Channel: "online"}, at("2026-12-25 10:45"))
	if !errors.As(err, &ce) || ce.NextOpen != "2026-12-28" {
		t.Errorf("Sunday: %v, want closed until Monday", err)
	}
	nt, err := s.newTicket(f, u, BookRequest{ServiceDate: "2026-12-28", Channel: "online"}, at("2026-12-25 10:45"))
	if err != nil || nt.OrderKey != at("2026-12-28 07:30").UnixMilli() || nt.Quota != 100 {
		t.Errorf("Monday: %v, order key %d and quota %d, want the session's start and the daily quota", err, nt.OrderKey, nt.Quota)
	}
	nt, _ = s.newTicket(f, u, BookRequest{ServiceDate: "2027-01-01", Channel: "online"}, at("2026-12-25 10:45"))
	if nt.Quota != 2 {
		t.Errorf("Friday's quota %d, want its session's capacity 2", nt.Quota)
	}
	if p, ok := u.PracticeOn(at("2026-12-21 00:00"), 0); !ok || p.Hours() != "07:30-12:00" || p.Staff != "dr. Sari" || p.KodeDokter != 123 {
		t.Errorf("Monday's practice: %+v %v", p, ok)
	}
	if _, ok := u.PracticeOn(at("2026-12-27 00:00"), 0); ok {
		t.Error("a practice on Sunday")
	}
}

func TestSessionWindow(t *testing.T) {
	wib, _ := time.LoadLocation("Asia/Jakarta")
	f := Facility{Location: wib}
	// Monday: a morning session and an afternoon one after a break.
	u := Unit{Sessions: []Session{{Weekday: time.Monday, Start: 450, End: 600}, {Weekday: time.Monday, Start: 780, End: 900}}}
	for _, tc := range []struct {
		wait       time.Duration
		start, end string
	}{
		{0, "07:30", "08:00"},
		{100 * time.Minute, "09:00", "09:30"},
		{149 * time.Minute, "09:30", "10:00"}, // the morning's last half hour
		{150 * time.Minute, "13:00", "13:30"}, // the break is skipped
		{200 * time.Minute, "13:30", "14:00"}, // 50 minutes into the afternoon
		{600 * time.Minute, "14:30", "15:00"}, // past the last session: its last half hour
		{139 * time.Minute, "09:30", "10:00"}, // kept inside the session
		{10 * time.Hour, "14:30", "15:00"},
	} {
		w := f.windowFor(u, "2026-12-28", tc.wait)
		if got := w.Start.Format("15:04") + "-" + w.End.Format("15:04"); got != tc.start+"-"+tc.end {
			t.Errorf("wait %v: %s, want %s-%s", tc.wait, got, tc.start, tc.end)
		}
	}
	if w := f.windowFor(u, "2026-12-29", 0); !w.IsZero() {
		t.Errorf("a window on a day without sessions: %v", w)
	}
	if w := f.windowFor(u, "2026-12-28", 100*time.Minute); w.Text() != "09.00–09.30" {
		t.Errorf("Text() = %q", w.Text())
	}
}

func TestFullError(t *testing.T) {
	err := error(&FullError{Unit: "KIA", Date: "2026-12-25", Reason: "Antrean Poli KIA pada Jumat, 25 Desember 2026 sudah penuh (kapasitas 2 pasien)", NextOpen: "2027-01-01"})
	if !errors.Is(err, ErrFull) || !errors.Is(err, ErrQuotaFull) || !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("%v is not ErrFull, ErrQuotaFull and a conflict", err)
	}
	fe, ok := fault.As(err)
	want := "Antrean Poli KIA pada Jumat, 25 Desember 2026 sudah penuh (kapasitas 2 pasien). Hari berikutnya yang masih ada tempat: Jumat, 1 Januari 2027."
	if !ok || fe.Code != "full" || fe.Message != want {
		t.Errorf("fault.As: %+v, want full saying %q", fe, want)
	}
}
