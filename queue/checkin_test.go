package queue_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
)

// checkInUnit is a unit open 07:30-12:00 every day, ten minutes a patient,
// whose patients who book from afar check in on arrival.
func checkInUnit(code, prefix string, rule queue.NoShowRule) queue.Unit {
	u := unit(code, prefix)
	u.Opens, u.Closes, u.DefaultServiceS = 450, 720, 600
	u.CheckIn = queue.CheckInRule{Required: true, GraceMin: 15, NoShow: rule}
	return u
}

func at(date string, hour, minute int) time.Time {
	d, _ := time.ParseInLocation(time.DateOnly, date, jakarta)
	return d.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
}

func TestCheckIn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	fac := e.facility(t, checkInUnit("KIA", "D", queue.NoShowBack), checkInUnit("GIGI", "C", queue.NoShowRefuse))
	book := func(name, channel, date string) queue.Ticket {
		return e.book(t, queue.BookRequest{Facility: fac, Unit: "KIA", Name: name, Channel: channel, ServiceDate: date})
	}

	// Friday 08:00: five patients book Saturday from their phones. Each
	// is booked, out of the line, with the window of the bookings before
	// her (ten minutes each) from the 07:30 opening.
	var booked []queue.Ticket
	for _, name := range []string{"b1", "b2", "b3", "b4", "b5"} {
		booked = append(booked, book(name, "online", tomorrow))
	}
	wantWindows := [][2]time.Time{
		{at(tomorrow, 7, 30), at(tomorrow, 8, 0)}, {at(tomorrow, 7, 30), at(tomorrow, 8, 0)}, {at(tomorrow, 7, 30), at(tomorrow, 8, 0)},
		{at(tomorrow, 8, 0), at(tomorrow, 8, 30)}, {at(tomorrow, 8, 0), at(tomorrow, 8, 30)},
	}
	for i, tk := range booked {
		st := e.stored(t, tk.ID)
		if tk.Status != queue.Booked || st.Status != queue.Booked {
			t.Fatalf("%s: status %s (stored %s), want booked", tk.Name, tk.Status, st.Status)
		}
		if !st.Window.Start.Equal(wantWindows[i][0]) || !st.Window.End.Equal(wantWindows[i][1]) || !tk.Window.Start.Equal(wantWindows[i][0]) {
			t.Errorf("%s: window %v-%v (answered %v), want %v-%v", tk.Name, st.Window.Start, st.Window.End, tk.Window.Start,
				wantWindows[i][0], wantWindows[i][1])
		}
		// Nothing for Saturday is in Redis: no line was made for it.
		if ls, err := e.live.Read(ctx, fac, "KIA", tomorrow); err == nil && slices.ContainsFunc(ls.Normal, func(x queue.Entry) bool { return x.ID == tk.ID }) {
			t.Errorf("%s is in the line before checking in", tk.Name)
		}
	}
	// A kiosk ticket is taken on the premises: it waits at once.
	if k := book("kiosk", "kiosk", ""); k.Status != queue.Waiting || !e.indexed(t, fac, "KIA", today, k.ID) {
		t.Fatalf("kiosk ticket: status %s, indexed %v; want waiting in the line", k.Status, e.indexed(t, fac, "KIA", today, k.ID))
	}
	// The same phone cannot book twice while booked.
	_, _, _, err := e.svc.Book(ctx, queue.BookRequest{Facility: fac, Unit: "KIA", Phone: "081234567890", ServiceDate: tomorrow})
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, err = e.svc.Book(ctx, queue.BookRequest{Facility: fac, Unit: "KIA", Phone: "081234567890", ServiceDate: tomorrow})
	if !errors.Is(err, queue.ErrDuplicate) {
		t.Fatalf("second booking of a booked phone: %v, want duplicate", err)
	}
	// Saturday's ticket cannot be checked in on Friday.
	if _, err := e.svc.CheckIn(ctx, booked[0].ID, "kiosk"); !errors.Is(err, queue.ErrNotToday) {
		t.Fatalf("check in a day early: %v, want not_today", err)
	}

	// Saturday. Walk-ins A (07:45) and B (07:55) come before b4's window
	// (08:00-08:30); b4 checks in early, at 07:50, and C walks in at 08:05.
	// Fair order: A and B were there before her window began, C came
	// after: A, B, b4, C. b1 checks in at 07:20, before opening: she is
	// placed at her window's start, 07:30, ahead of everyone.
	e.clock.Set(at(tomorrow, 7, 20))
	if _, err := e.svc.CheckIn(ctx, booked[0].ID, "kiosk"); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(at(tomorrow, 7, 45))
	book("A", "kiosk", "")
	e.clock.Set(at(tomorrow, 7, 50))
	b4, err := e.svc.CheckIn(ctx, booked[3].ID, "desk")
	if err != nil {
		t.Fatal(err)
	}
	if b4.Status != queue.Waiting || b4.CheckedInAt == nil || !b4.CheckedInAt.Equal(at(tomorrow, 7, 50)) || b4.Position != 3 {
		t.Fatalf("b4 after check-in: %s, checked in %v, position %d; want waiting at 07:50, third (after b1 and A)", b4.Status, b4.CheckedInAt, b4.Position)
	}
	e.pub.take()
	again, err := e.svc.CheckIn(ctx, booked[3].ID, "desk")
	if err != nil || again.Status != queue.Waiting || len(e.pub.take()) != 0 {
		t.Fatalf("second check-in: %v, %s; want the same ticket and no event", err, again.Status)
	}
	e.clock.Set(at(tomorrow, 7, 55))
	book("B", "kiosk", "")
	e.clock.Set(at(tomorrow, 8, 5))
	book("C", "kiosk", "")
	if got, want := e.waitingNames(t, fac, "KIA"), []string{"b1", "A", "B", "b4", "C"}; !slices.Equal(got, want) {
		t.Fatalf("line %v, want %v", got, want)
	}
	if ex, err := e.svc.Expected(ctx, fac, "KIA"); err != nil || len(ex) != 4 {
		t.Fatalf("expected: %d tickets (%v), want b2, b3, b5 and the phone's", len(ex), err)
	}

	// The line is rebuilt from Postgres (Redis lost): the booked stay out.
	e.redis.FlushAll()
	if got, want := e.waitingNames(t, fac, "KIA"), []string{"b1", "A", "B", "b4", "C"}; !slices.Equal(got, want) {
		t.Fatalf("line after a rebuild %v, want %v", got, want)
	}

	// 08:14: b2 and b3's windows ended at 08:00, grace 15 minutes: not yet.
	e.clock.Set(at(tomorrow, 8, 14))
	if n, err := e.svc.MarkNoShows(ctx); err != nil || n != 0 {
		t.Fatalf("no-shows at 08:14: %d, %v; want none", n, err)
	}
	// b3 comes late, at 08:14, after her window: she joins as a walk-in.
	if _, err := e.svc.CheckIn(ctx, booked[2].ID, "patient"); err != nil {
		t.Fatal(err)
	}
	e.pub.take()
	e.clock.Set(at(tomorrow, 8, 16))
	if n, err := e.svc.MarkNoShows(ctx); err != nil || n != 1 {
		t.Fatalf("no-shows at 08:16: %d, %v; want b2", n, err)
	}
	if st := e.stored(t, booked[1].ID); st.Status != queue.NoShow {
		t.Fatalf("b2: %s, want no_show", st.Status)
	}
	if got := kinds(e.pub.take()); !slices.Equal(got, []string{"no_show"}) {
		t.Errorf("published %v, want [no_show]", got)
	}
	// A second instance marking at the same time marks nothing again.
	if n, err := e.service().MarkNoShows(ctx); err != nil || n != 0 {
		t.Fatalf("marking again: %d, %v", n, err)
	}
	// b2 comes at 08:20: the unit's rule puts her at the back.
	e.clock.Set(at(tomorrow, 8, 20))
	if _, err := e.svc.CheckIn(ctx, booked[1].ID, "kiosk"); err != nil {
		t.Fatal(err)
	}
	if got, want := e.waitingNames(t, fac, "KIA"), []string{"b1", "A", "B", "b4", "C", "b3", "b2"}; !slices.Equal(got, want) {
		t.Fatalf("line %v, want %v", got, want)
	}
	// Nobody booked is ever called before checking in.
	var called []string
	for {
		tk, ok, err := e.svc.CallNext(ctx, fac, "KIA", "Ruang KIA", "bidan")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		called = append(called, tk.Name)
		if _, err := e.svc.Act(ctx, tk.ID, queue.Change{Action: queue.ActionFinish}); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"b1", "A", "B", "b4", "C", "b3", "b2"}; !slices.Equal(called, want) {
		t.Fatalf("called %v, want %v", called, want)
	}
	// b5 and the phone's ticket are still booked; a patient may cancel hers.
	if _, err := e.svc.CancelByPatient(ctx, booked[4].ID, e.svc.Token(booked[4].ID)); err != nil {
		t.Fatalf("cancel a booked ticket: %v", err)
	}

	// Under the "refuse" rule a no-show's ticket is spent.
	e.clock.Set(at(tomorrow, 9, 0))
	g := e.book(t, queue.BookRequest{Facility: fac, Unit: "GIGI", Name: "g", Channel: "online"})
	if g.Status != queue.Booked || g.Window.IsZero() {
		t.Fatalf("today's booking: %s, window %v", g.Status, g.Window)
	}
	e.clock.Set(g.Window.End.Add(16 * time.Minute))
	if _, err := e.svc.MarkNoShows(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.CheckIn(ctx, g.ID, "kiosk")
	if fe, ok := fault.As(err); !errors.Is(err, queue.ErrNoShowRefused) || !ok || fe.Code != "no_show" {
		t.Fatalf("check in a refused no-show: %v, want no_show", err)
	}
	// A check-in decided on "booked" is refused by the store once the
	// sweep has marked her (the rule for no-shows must decide instead).
	if _, _, err := e.db.Apply(ctx, g.ID, queue.Change{Action: queue.ActionCheckIn, From: queue.Booked, OrderKey: 1}, e.clock.Now()); !errors.Is(err, queue.ErrTransition) {
		t.Fatalf("a check-in decided on booked, applied to a no-show: %v, want a refused transition", err)
	}
}

func TestArrivalKey(t *testing.T) {
	w := queue.Window{Start: at(today, 9, 0), End: at(today, 9, 30)}
	for _, c := range []struct {
		now  time.Time
		want time.Time
	}{
		{at(today, 8, 10), at(today, 9, 0)},  // early: at her window's start
		{at(today, 9, 10), at(today, 9, 0)},  // in her window: not overtaken by who came after 09:00
		{at(today, 9, 30), at(today, 9, 0)},  // the last moment of it
		{at(today, 9, 31), at(today, 9, 31)}, // late: a walk-in
	} {
		if got := queue.ArrivalKey(w, c.now, 0); got != c.want.UnixMilli() {
			t.Errorf("arriving %s: key %s, want %s", c.now.Format("15:04"), time.UnixMilli(got).In(jakarta).Format("15:04"), c.want.Format("15:04"))
		}
	}
	if got := queue.ArrivalKey(queue.Window{}, at(today, 8, 0), 7); got != at(today, 8, 0).UnixMilli() {
		t.Errorf("no window: %d", got)
	}
	if a, b := queue.ArrivalKey(w, at(today, 9, 5), 3), queue.ArrivalKey(w, at(today, 8, 0), 12); a >= b {
		t.Errorf("number 3 keyed %d, number 12 %d: one window keeps the numbers' order, whoever checks in first", a, b)
	}
}

func TestParseCheckInCode(t *testing.T) {
	for in, want := range map[string]queue.CheckInCode{
		"https://antrian.example.id/t/abc234#tok_en-1": {ID: "abc234", Token: "tok_en-1"},
		" http://127.0.0.1:8080/t/x#y\n":               {ID: "x", Token: "y"},
		"B-014":                                        {Code: "B-014"},
		"b14":                                          {Code: "B-014"},
		"D 0007":                                       {Code: "D-007"},
		"C-1234":                                       {Code: "C-1234"},
	} {
		got, err := queue.ParseCheckInCode(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "https://example.com/other", "https://x/t/abc", "14", "B-", "B-0", "hello world", "B-1234567"} {
		if _, err := queue.ParseCheckInCode(in); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("%q: %v, want invalid", in, err)
		}
	}
}

// TestBookedWindowsToday: patients who book today's check-in unit before
// it opens are spread over the windows by their numbers (ten minutes a
// patient), and those of one window are called in the order of their
// numbers whoever checks in first; after a break between practice sessions
// the window counts only the time inside the sessions.
func TestBookedWindowsToday(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	kia := checkInUnit("KIA", "D", queue.NoShowBack)
	fac := e.facility(t, kia, checkInUnit("GIGI", "C", queue.NoShowBack))
	var sessions []queue.Session
	for wd := range 7 {
		sessions = append(sessions,
			queue.Session{Weekday: time.Weekday(wd), Start: 450, End: 720}, queue.Session{Weekday: time.Weekday(wd), Start: 780, End: 960})
	}
	if err := e.db.SaveUnitSessions(ctx, fac, "GIGI", sessions); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(at(today, 6, 0))
	var booked []queue.Ticket
	for _, name := range []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8"} {
		booked = append(booked, e.book(t, queue.BookRequest{Facility: fac, Unit: "KIA", Name: name, Channel: "online"}))
	}
	for i, tk := range booked {
		want := at(today, 7, 30).Add(time.Duration(i/3) * 30 * time.Minute)
		if tk.Status != queue.Booked || !tk.Window.Start.Equal(want) {
			t.Errorf("%s: %s, window from %s; want booked from %s", tk.Name, tk.Status, tk.Window.Start.Format("15:04"), want.Format("15:04"))
		}
	}
	// p3, p1, p2 (the first window) check in in that order, early.
	e.clock.Set(at(today, 7, 10))
	for _, i := range []int{2, 0, 1} {
		if _, err := e.svc.CheckIn(ctx, booked[i].ID, "kiosk"); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := e.waitingNames(t, fac, "KIA"), []string{"p1", "p2", "p3"}; !slices.Equal(got, want) {
		t.Errorf("line %v, want %v: one window in the order of its numbers", got, want)
	}
	// After the break: 14:00 into an empty line is the 14:00 window, since
	// 4 h 30 of the morning session and 1 h of the afternoon's are gone.
	e.clock.Set(at(today, 14, 0))
	g := e.book(t, queue.BookRequest{Facility: fac, Unit: "GIGI", Name: "g", Channel: "online"})
	if want := at(today, 14, 0); !g.Window.Start.Equal(want) {
		t.Errorf("after the break: window from %s, want %s", g.Window.Start.Format("15:04"), want.Format("15:04"))
	}
}

// TestTicketByCodeSharedPrefix: two units with one prefix both issue A-001;
// a typed code names one ticket only with its unit.
func TestTicketByCodeSharedPrefix(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	fac := e.facility(t, unit("POLI1", "A"), unit("POLI2", "A"))
	e.book(t, queue.BookRequest{Facility: fac, Unit: "POLI1", Channel: "kiosk"})
	two := e.book(t, queue.BookRequest{Facility: fac, Unit: "POLI2", Channel: "kiosk"})
	if _, err := e.db.TicketByCode(ctx, fac, "", today, "A-001"); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("A-001 of two units without a unit: %v, want a conflict", err)
	}
	if got, err := e.db.TicketByCode(ctx, fac, "POLI2", today, "A-001"); err != nil || got.ID != two.ID {
		t.Fatalf("A-001 of POLI2: %v %v", got.ID, err)
	}
	if _, err := e.db.TicketByCode(ctx, fac, "POLI2", today, "A-002"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("A-002: %v, want not found", err)
	}
}

// TestNoShowSweep: in Jayapura (WIT, UTC+9) a booking without a window (a
// unit open all day) is marked at its day's end in the facility's zone, not
// the server's; the kept waiting count follows check-in and no-show; a unit
// that stops requiring check-in marks nobody, and its desk still sees who
// booked.
func TestNoShowSweep(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	wit := mustLocation("Asia/Jayapura")
	if _, err := e.db.CreateFacility(ctx, queue.Facility{Code: "jayapura", Name: "Puskesmas Jayapura", Timezone: "Asia/Jayapura"}); err != nil {
		t.Fatal(err)
	}
	f, _, err := e.db.Facility(ctx, "jayapura")
	if err != nil {
		t.Fatal(err)
	}
	allDay := unit("UMUM", "B")
	allDay.CheckIn = queue.CheckInRule{Required: true, GraceMin: 15, NoShow: queue.NoShowBack}
	if err := e.db.SaveUnit(ctx, f.ID, allDay); err != nil {
		t.Fatal(err)
	}
	waiting := func() int {
		var n int
		if err := e.db.Pool.QueryRow(ctx, `SELECT coalesce(sum(n.waiting), 0) FROM ticket_numbers n JOIN units u ON u.id = n.unit_id
			WHERE u.facility_id = $1`, f.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	e.clock.Set(time.Date(2026, 11, 27, 20, 0, 0, 0, wit))
	a := e.book(t, queue.BookRequest{Facility: "jayapura", Unit: "UMUM", Name: "a", Channel: "online"})
	b := e.book(t, queue.BookRequest{Facility: "jayapura", Unit: "UMUM", Name: "b", Channel: "online"})
	if !a.Window.IsZero() || waiting() != 0 {
		t.Fatalf("a unit open all day: window %v, waiting %d; want none and 0", a.Window, waiting())
	}
	if _, err := e.svc.CheckIn(ctx, a.ID, "kiosk"); err != nil {
		t.Fatal(err)
	}
	if waiting() != 1 {
		t.Fatalf("waiting count %d after a check-in, want 1", waiting())
	}
	// 23:59 WIT is 14:59 UTC, the same UTC day: b is not overdue yet.
	e.clock.Set(time.Date(2026, 11, 27, 23, 59, 0, 0, wit))
	if n, err := e.svc.MarkNoShows(ctx); err != nil || n != 0 {
		t.Fatalf("at 23:59 WIT: %d, %v; want none", n, err)
	}
	e.clock.Set(time.Date(2026, 11, 28, 0, 1, 0, 0, wit))
	e.pub.take()
	if n, err := e.svc.MarkNoShows(ctx); err != nil || n != 1 {
		t.Fatalf("at 00:01 WIT: %d, %v; want b", n, err)
	}
	if ev := e.pub.take(); len(ev) != 1 || ev[0].Kind != "no_show" || ev[0].TicketID != b.ID || ev[0].Waiting != 1 {
		t.Fatalf("events %+v, want b's no_show with 1 waiting", ev)
	}
	if waiting() != 1 {
		t.Fatalf("waiting count %d after a no-show, want 1 (a)", waiting())
	}

	// d booked the 29th, which the Puskesmas then closed: nobody marks
	// her a no-show for a day it did not open.
	e.clock.Set(time.Date(2026, 11, 28, 9, 0, 0, 0, wit))
	d := e.book(t, queue.BookRequest{Facility: "jayapura", Unit: "UMUM", Name: "d", Channel: "online", ServiceDate: "2026-11-29"})
	if err := e.db.AddClosedDays(ctx, "jayapura", []queue.ClosedDay{{Date: "2026-11-29", Reason: "Pelatihan"}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2026, 11, 30, 0, 30, 0, 0, wit))
	if n, err := e.svc.MarkNoShows(ctx); err != nil || n != 0 {
		t.Fatalf("after a closed day: %d marked, %v; want none", n, err)
	}
	if st := e.stored(t, d.ID); st.Status != queue.Booked {
		t.Fatalf("d on a closed day: %s, want still booked", st.Status)
	}
	e.clock.Set(time.Date(2026, 11, 28, 9, 0, 0, 0, wit))

	// The unit stops requiring check-in with c booked: nobody marks her,
	// and the desk sees her to check her in.
	c := e.book(t, queue.BookRequest{Facility: "jayapura", Unit: "UMUM", Name: "c", Channel: "online"})
	allDay.CheckIn = queue.CheckInRule{GraceMin: 15, NoShow: queue.NoShowBack}
	if err := e.db.SaveUnit(ctx, f.ID, allDay); err != nil {
		t.Fatal(err)
	}
	e.svc.ForgetFacility("jayapura")
	e.clock.Set(time.Date(2026, 11, 29, 1, 0, 0, 0, wit))
	if n, err := e.svc.MarkNoShows(ctx); err != nil || n != 0 {
		t.Fatalf("after check-in was turned off: %d marked, %v", n, err)
	}
	e.clock.Set(time.Date(2026, 11, 28, 9, 0, 0, 0, wit))
	ex, err := e.svc.Expected(ctx, "jayapura", "UMUM")
	if err != nil || !slices.ContainsFunc(ex, func(x queue.Ticket) bool { return x.ID == c.ID }) {
		t.Fatalf("expected after check-in was turned off: %v, %v; want c listed", ex, err)
	}
}
