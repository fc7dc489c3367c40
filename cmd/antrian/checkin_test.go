package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/bpjs/bpjstest"
	"github.com/antrian/antrian/queue"
)

// requireCheckIn makes Poli Umum of Puskesmas Sobo require check-in (15
// minutes' grace, a no-show rejoining at the back), after edit (may be
// nil) changes anything else of it, and makes every instance forget the
// facility it cached.
func requireCheckIn(t *testing.T, edit func(*queue.Unit), apps ...*App) {
	t.Helper()
	ctx := context.Background()
	f, units, err := apps[0].DB.Facility(ctx, "sobo")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(units, func(u queue.Unit) bool { return u.Code == "UMUM" })
	if i < 0 {
		t.Fatal("no Poli Umum")
	}
	u := units[i]
	u.CheckIn = queue.CheckInRule{Required: true, GraceMin: 15, NoShow: queue.NoShowBack}
	if edit != nil {
		edit(&u)
	}
	if err := apps[0].DB.SaveUnit(ctx, f.ID, u); err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		a.Queue.ForgetFacility("sobo")
	}
}

// TestNoShowTellsBPJS: a BPJS patient books Poli Umum from afar, where
// check-in is required, and does not come. Once her window and the grace
// have passed (the service's clock is the test's), she is marked no-show,
// BPJS Antrean FKTP hears "tidak hadir" (panggil, status 2), and when she
// comes after all she rejoins at the back of the line.
func TestNoShowTellsBPJS(t *testing.T) {
	fake := bpjstest.New(t, "9999", "s3cret", "user-key")
	e := newEnv(t, backend{name: "embedded"})
	wib := mustZone(t)
	day := time.Now().In(wib).Format(time.DateOnly)
	at := func(h, m int) time.Time {
		d, _ := time.ParseInLocation(time.DateOnly, day, wib)
		return d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	e.clock.Set(at(8, 0))
	app := e.startFast()
	e.seed(app)
	ctx := context.Background()
	admin := adminClient(t, app, "sobo", "admin-sobo")
	configureBPJS(t, admin, fake)
	requireCheckIn(t, func(u *queue.Unit) { u.Opens, u.Closes, u.OpenDays = 7*60+30, 12*60, 0b1111111 }, app)

	pub := newClient(t, app.URL())
	st, tk := pub.book("UMUM", map[string]any{"bpjs": card(1)})
	if st != 201 || tk.Status != "booked" {
		t.Fatalf("booking: %d %+v", st, tk)
	}
	_, walkin := pub.book("UMUM", map[string]any{"channel": "kiosk"})
	eventually(t, "antrean/add", func() bool {
		for _, c := range fake.Calls() {
			if c.Path == "antrean/add" && c.Body["nomorkartu"] == card(1) {
				return true
			}
		}
		return false
	})
	// Her window is 08:00-08:30: at 08:44 she still has a minute of grace.
	e.clock.Set(at(8, 44))
	if n, err := app.Queue.MarkNoShows(ctx); err != nil || n != 0 {
		t.Fatalf("no-shows at 08:44: %d, %v", n, err)
	}
	e.clock.Set(at(8, 46))
	// (The service's own sweep, once a minute, may have marked her first.)
	if n, err := app.Queue.MarkNoShows(ctx); err != nil || n > 1 {
		t.Fatalf("no-shows at 08:46: %d, %v; want at most hers", n, err)
	}
	var got ticket
	pub.do("GET", "/api/v1/tickets/"+tk.ID, nil, map[string]string{"X-Ticket-Token": tk.Token}, &got)
	if got.Status != "no_show" {
		t.Fatalf("her ticket: %+v, want no_show", got)
	}
	eventually(t, "panggil with status 2", func() bool {
		for _, c := range fake.Calls() {
			if c.Path == "antrean/panggil" && c.Body["nomorkartu"] == card(1) && fmt.Sprint(c.Body["status"]) == "2" {
				return true
			}
		}
		return false
	})

	// She comes at 09:00 and checks in at the kiosk: at the back of the line.
	e.clock.Set(at(9, 0))
	_, later := pub.book("UMUM", map[string]any{"channel": "kiosk"})
	e.clock.Set(at(9, 5))
	var in ticket
	if st := pub.do("POST", "/api/v1/facilities/sobo/checkin", map[string]any{"code": app.URL() + "/t/" + tk.ID + "#" + tk.Token,
		"place": app.Queue.PlaceKey("sobo")}, nil, &in); st != 200 || in.Status != "waiting" {
		t.Fatalf("check-in after the no-show: %d %+v", st, in)
	}
	staff := staffClients(t, app)[0]
	waiting, _ := staff.queue("UMUM")
	var order []string
	for _, w := range waiting {
		order = append(order, w.ID)
	}
	if want := []string{walkin.ID, later.ID, tk.ID}; strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("line %v, want the 08:00 walk-in, the 09:00 walk-in, then her", order)
	}
}
