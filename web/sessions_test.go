package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
)

// TestSessions: an admin sets a unit's practice sessions through the API
// (validated, whole list replaced); the unit then serves only on their
// weekdays and hours, a full session refuses the day with the next day
// with room, and the window falls inside the day's session. Clearing the
// sessions brings the unit's own hours back. Another facility's admin may
// not touch them.
func TestSessions(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("lain", "admin-lain", account.Admin)
	e.user("sobo", "admin-sobo", account.Admin)
	e.user("lain", "petugas-lain", account.Staff)
	admin, other, staff, anon := e.caller("10.0.0.1"), e.caller("10.0.0.2"), e.caller("10.0.0.4"), e.caller("10.0.0.3")
	if admin.login("admin-lain", "rahasia123") != http.StatusOK || other.login("admin-sobo", "rahasia123") != http.StatusOK ||
		staff.login("petugas-lain", "rahasia123") != http.StatusOK {
		t.Fatal("login")
	}
	wib, _ := time.LoadLocation("Asia/Jakarta")
	today, _ := time.ParseInLocation(time.DateOnly, time.Now().In(wib).Format(time.DateOnly), wib)
	day := func(n int) time.Time { return today.AddDate(0, 0, n) }
	date := func(n int) string { return day(n).Format(time.DateOnly) }
	wd := func(n int) int { return int(day(n).Weekday()) }
	base := "/api/v1/facilities/lain/units/UMUM/sessions"

	// Tomorrow: a morning with the midwife for two patients; the day after:
	// nothing; the day after that: an afternoon without limit.
	sessions := []sessionJSON{
		{Weekday: wd(3), Start: "13:00", End: "15:00"},
		{Weekday: wd(1), Start: "08:00", End: "10:00", Staff: "Bidan Rina", KodeDokter: 456, Capacity: 2},
	}
	rec := admin.do("PUT", base, sessions)
	var saved []sessionJSON
	decodeBody(t, rec, &saved)
	if rec.Code != http.StatusOK || len(saved) != 2 || saved[0].Weekday > saved[1].Weekday {
		t.Fatalf("put: %d %s, want both sessions by weekday", rec.Code, rec.Body)
	}
	var listed []sessionJSON
	decodeBody(t, admin.do("GET", base, nil), &listed)
	if len(listed) != 2 {
		t.Fatalf("listed %v", listed)
	}
	var settings struct {
		Units []unitSettingsJSON `json:"units"`
	}
	decodeBody(t, admin.do("GET", "/api/v1/facilities/lain/settings", nil), &settings)
	if len(settings.Units) != 1 || settings.Units[0].Sessions != 2 {
		t.Errorf("settings' units %+v, want UMUM with its 2 sessions", settings.Units)
	}
	for _, s := range listed {
		if s.Weekday == wd(1) && (s != sessions[1]) || s.Weekday == wd(3) && s != sessions[0] {
			t.Errorf("listed %+v, want what was put", s)
		}
	}

	for _, tc := range []struct {
		name   string
		caller *caller
		path   string
		body   any
		status int
		code   string
	}{
		{"another facility's admin", other, base, sessions, http.StatusForbidden, "forbidden"},
		{"staff", staff, base, sessions, http.StatusForbidden, "forbidden"},
		{"nobody", anon, base, sessions, http.StatusUnauthorized, "unauthenticated"},
		{"an unknown unit", admin, "/api/v1/facilities/lain/units/GIGI/sessions", sessions, http.StatusNotFound, "not_found"},
		{"overlap", admin, base, []sessionJSON{{Weekday: 1, Start: "07:30", End: "12:00"}, {Weekday: 1, Start: "11:00", End: "13:00"}}, http.StatusBadRequest, "session_overlap"},
		{"start after end", admin, base, []sessionJSON{{Weekday: 1, Start: "12:00", End: "07:30"}}, http.StatusBadRequest, "session_time"},
		{"not hh:mm", admin, base, []sessionJSON{{Weekday: 1, Start: "7.30", End: "12:00"}}, http.StatusBadRequest, "session_time"},
		{"negative capacity", admin, base, []sessionJSON{{Weekday: 1, Start: "07:30", End: "12:00", Capacity: -1}}, http.StatusBadRequest, "session_capacity"},
	} {
		rec := tc.caller.do("PUT", tc.path, tc.body)
		if rec.Code != tc.status || errorCode(rec) != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, rec.Code, rec.Body, tc.status, tc.code)
		}
	}
	if rec := other.do("GET", base, nil); rec.Code != http.StatusForbidden {
		t.Errorf("another facility's admin reads: %d", rec.Code)
	}
	decodeBody(t, admin.do("GET", base, nil), &listed)
	if len(listed) != 2 {
		t.Fatalf("a refused list changed the stored one: %v", listed)
	}

	type refusal struct {
		Error    apiError `json:"error"`
		NextOpen string   `json:"next_open"`
	}
	book := func(n int) (*httptest.ResponseRecorder, ticketJSON, refusal) {
		rec := anon.do("POST", "/api/v1/facilities/lain/tickets", map[string]string{"unit": "UMUM", "service_date": date(n)})
		var tk ticketJSON
		var r refusal
		if rec.Code == http.StatusCreated {
			decodeBody(t, rec, &tk)
		} else {
			decodeBody(t, rec, &r)
		}
		return rec, tk, r
	}
	at := func(n int, hm string) time.Time {
		v, _ := time.ParseInLocation(time.DateOnly+" 15:04", date(n)+" "+hm, wib)
		return v
	}
	for i := 1; i <= 2; i++ {
		rec, tk, _ := book(1)
		if rec.Code != http.StatusCreated || tk.WindowStart == nil || tk.WindowStart.Before(at(1, "08:00")) || tk.WindowEnd.After(at(1, "10:00")) {
			t.Fatalf("booking %d for tomorrow: %d %s, want a window inside 08:00-10:00", i, rec.Code, rec.Body)
		}
		if i == 1 && !tk.WindowStart.Equal(at(1, "08:00")) {
			t.Errorf("the first ticket's window starts %v, want the session's start", tk.WindowStart)
		}
	}
	rec, _, r := book(1)
	if rec.Code != http.StatusConflict || r.Error.Code != "full" || r.NextOpen != date(3) ||
		!strings.Contains(r.Error.Message, "sudah penuh (kapasitas 2 pasien)") || !strings.Contains(r.Error.Message, "Hari berikutnya yang masih ada tempat") {
		t.Fatalf("a third booking for tomorrow: %d %s, want 409 full with next_open %s", rec.Code, rec.Body, date(3))
	}
	rec, _, r = book(2)
	if rec.Code != http.StatusConflict || r.Error.Code != "closed" || r.NextOpen != date(3) || !strings.Contains(r.Error.Message, "tidak buka pada hari") {
		t.Fatalf("a day without sessions: %d %s, want 409 closed with next_open %s", rec.Code, rec.Body, date(3))
	}
	if rec, tk, _ := book(3); rec.Code != http.StatusCreated || tk.WindowStart == nil || !tk.WindowStart.Equal(at(3, "13:00")) || !tk.WindowEnd.Equal(at(3, "13:30")) {
		t.Fatalf("the afternoon session: %d %s, want a window 13:00-13:30", rec.Code, rec.Body)
	}

	// Without sessions the unit is open every day again, and the day
	// without sessions books.
	if rec := admin.do("PUT", base, []sessionJSON{}); rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Fatalf("clear: %d %s", rec.Code, rec.Body)
	}
	if rec, _, _ := book(2); rec.Code != http.StatusCreated {
		t.Fatalf("after clearing the sessions: %d %s", rec.Code, rec.Body)
	}
}
