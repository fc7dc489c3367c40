package whatsapp

import (
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/queue"
)

// A unit with practice sessions is offered on WhatsApp by its sessions of
// the day, whatever its own hours say.
func TestOpenTodayBySessions(t *testing.T) {
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	monday10 := time.Date(2026, 11, 30, 10, 0, 0, 0, jkt)
	everyDay := 0b1111111
	session := func(wd time.Weekday, start, end int) []queue.Session {
		return []queue.Session{{Weekday: wd, Start: start * 60, End: end * 60}}
	}
	units := []queue.Unit{
		{Code: "UMUM", OpenDays: everyDay, Sessions: session(time.Monday, 7, 9)},                                  // the session ended
		{Code: "GIGI", OpenDays: everyDay, Sessions: session(time.Tuesday, 7, 12)},                                // no session on Monday
		{Code: "KIA", OpenDays: 0, Sessions: append(session(time.Monday, 7, 9), session(time.Monday, 13, 15)...)}, // an afternoon to come
		{Code: "LAB", Opens: 7 * 60, Closes: 9 * 60, OpenDays: everyDay, Sessions: session(time.Monday, 8, 11)},
	}
	var got []string
	for _, u := range OpenToday(queue.Facility{Location: jkt}, units, monday10) {
		got = append(got, u.Code)
	}
	if want := "KIA LAB"; strings.Join(got, " ") != want {
		t.Errorf("open at Monday 10:00: %v, want %s", got, want)
	}
}
