package queue

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
)

func TestClosedAndNextOpen(t *testing.T) {
	wib, _ := time.LoadLocation("Asia/Jakarta")
	f := Facility{Location: wib, ClosedDays: map[string]string{
		"2026-12-24": "Cuti bersama", "2026-12-25": "Hari Raya Natal", "2026-12-26": "",
	}}
	// Monday to Saturday (bit 0 is Sunday).
	u := Unit{Code: "UMUM", Name: "Poli Umum", OpenDays: 0b1111110}
	day := func(s string) time.Time { d, _ := time.ParseInLocation(time.DateOnly, s, wib); return d }
	for _, tc := range []struct {
		date, why, next string
	}{
		{"2026-12-23", "", "2026-12-23"},
		{"2026-12-24", "Puskesmas libur pada Kamis, 24 Desember 2026 (Cuti bersama)", "2026-12-28"},
		{"2026-12-25", "Puskesmas libur pada Jumat, 25 Desember 2026 (Hari Raya Natal)", "2026-12-28"},
		{"2026-12-26", "Puskesmas libur pada Sabtu, 26 Desember 2026", "2026-12-28"},
		{"2026-12-27", "Unit Poli Umum tidak buka pada hari Minggu", "2026-12-28"},
	} {
		if got := f.Closed(u, day(tc.date)); got != tc.why {
			t.Errorf("Closed(%s) = %q, want %q", tc.date, got, tc.why)
		}
		next, ok := f.NextOpen(u, day(tc.date))
		if !ok || next.Format(time.DateOnly) != tc.next {
			t.Errorf("NextOpen(%s) = %s %v, want %s", tc.date, next.Format(time.DateOnly), ok, tc.next)
		}
	}
	never := Unit{Code: "X", Name: "X", OpenDays: 0}
	if _, ok := f.NextOpen(never, day("2026-12-23")); ok {
		t.Error("a unit open on no weekday has a next open day")
	}
}

func TestClosedError(t *testing.T) {
	err := error(&ClosedError{Unit: "UMUM", Date: "2026-12-25", Reason: "Puskesmas libur pada Jumat, 25 Desember 2026 (Hari Raya Natal)", NextOpen: "2026-12-28"})
	if !errors.Is(err, ErrClosed) || !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("%v is not ErrClosed and a conflict", err)
	}
	fe, ok := fault.As(err)
	if !ok || fe.Code != "closed" {
		t.Fatalf("fault.As: %+v %v", fe, ok)
	}
	want := "Puskesmas libur pada Jumat, 25 Desember 2026 (Hari Raya Natal). Hari buka berikutnya: Senin, 28 Desember 2026."
	if fe.Message != want {
		t.Errorf("message %q, want %q", fe.Message, want)
	}
}

func TestBookClosedDay(t *testing.T) {
	wib, _ := time.LoadLocation("Asia/Jakarta")
	now := time.Date(2026, 12, 24, 9, 0, 0, 0, wib) // a Thursday
	f := Facility{Code: "sobo", Location: wib, BookingWindow: 7, ClosedDays: map[string]string{"2026-12-25": "Hari Raya Natal"}}
	u := Unit{Code: "UMUM", Name: "Poli Umum", Prefix: "B", DailyQuota: 100, OpenDays: 0b1111110, Opens: 7 * 60, Closes: 12 * 60}
	s := &Service{}
	for _, tc := range []struct {
		date string
		at   time.Time
		next string // "" when the booking is taken
		why  string
	}{
		{"2026-12-25", now, "2026-12-26", "Hari Raya Natal"},
		{"2026-12-27", now, "2026-12-28", "tidak buka pada hari Minggu"},
		{"2026-12-24", now.Add(4 * time.Hour), "2026-12-26", "sudah ditutup (layanan sampai pukul 12.00)"},
		{"2026-12-26", now, "", ""},
	} {
		_, err := s.newTicket(f, u, BookRequest{ServiceDate: tc.date, Channel: "online"}, tc.at)
		var ce *ClosedError
		if tc.next == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.date, err)
			}
			continue
		}
		if !errors.As(err, &ce) || ce.NextOpen != tc.next || !strings.Contains(ce.Reason, tc.why) {
			t.Errorf("%s at %s: %v, want closed (%s) with next open %s", tc.date, tc.at.Format("15:04"), err, tc.why, tc.next)
		}
	}
}

func TestParseClosedDays(t *testing.T) {
	got, err := ParseClosedDays(strings.NewReader("\ufefftanggal;keterangan\n2027-01-01;Tahun Baru 2027 Masehi\n\n17/08/2027;Hari Kemerdekaan RI\n2027-03-20\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []ClosedDay{{"2027-01-01", "Tahun Baru 2027 Masehi"}, {"2027-08-17", "Hari Kemerdekaan RI"}, {"2027-03-20", ""}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("day %d: %v, want %v", i, got[i], want[i])
		}
	}
	for _, tc := range []struct{ in, msg string }{
		{"2027-01-01,Tahun Baru\n2027-02-30,Salah\n", "Baris 2"},
		{"date,reason\n", "tidak berisi tanggal"},
		{"2027-01-01,<script>\n", "Baris 1: Keterangan"},
		{"tanggal\nbukan tanggal\n", "Baris 2"},
	} {
		_, err := ParseClosedDays(strings.NewReader(tc.in))
		fe, ok := fault.As(err)
		if !ok || fe.Field != "file" || !strings.Contains(fe.Message, tc.msg) {
			t.Errorf("%q: %v, want an invalid file naming %q", tc.in, err, tc.msg)
		}
	}
}

func TestWindowFor(t *testing.T) {
	wib, _ := time.LoadLocation("Asia/Jakarta")
	f := Facility{Location: wib}
	u := Unit{Opens: 7*60 + 30, Closes: 11 * 60}
	for _, tc := range []struct {
		wait       time.Duration
		start, end string
	}{
		{0, "07:30", "08:00"},
		{29 * time.Minute, "07:30", "08:00"},
		{45 * time.Minute, "08:00", "08:30"},
		{3 * time.Hour, "10:30", "11:00"},
		{9 * time.Hour, "10:30", "11:00"}, // past closing: the last half hour
	} {
		w := f.windowFor(u, "2026-12-28", tc.wait)
		if got := w.Start.Format("15:04") + "-" + w.End.Format("15:04"); got != tc.start+"-"+tc.end {
			t.Errorf("wait %v: %s, want %s-%s", tc.wait, got, tc.start, tc.end)
		}
	}
	if w := f.windowFor(Unit{}, "2026-12-28", time.Hour); !w.IsZero() {
		t.Errorf("a unit open all day has a window: %v", w)
	}
}
