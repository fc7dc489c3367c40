package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
	"github.com/gorilla/websocket"
)

// wsMsg is any message a screen or a patient's phone receives.
type wsMsg struct {
	Type        string  `json:"type"`
	Seq         int64   `json:"seq"`
	Kind        string  `json:"kind"`
	Unit        string  `json:"unit"`
	ServiceDate string  `json:"service_date"`
	Code        string  `json:"code"`
	Counter     string  `json:"counter"`
	Recall      bool    `json:"recall"`
	Waiting     int     `json:"waiting"`
	Current     *wsCall `json:"current"`
	Units       []struct {
		Code    string  `json:"code"`
		Waiting int     `json:"waiting"`
		Current *wsCall `json:"current"`
	} `json:"units"`
	Recent []struct {
		Code string `json:"code"`
	} `json:"recent"`
	Ticket *ticket `json:"ticket"`
}

type wsCall struct {
	Code    string `json:"code"`
	Counter string `json:"counter"`
}

func dialWS(t *testing.T, app *App, path string) *websocket.Conn {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(app.URL(), "http")+path, nil)
	if err != nil {
		st := 0
		if resp != nil {
			st = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", path, err, st)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func readWS(t *testing.T, conn *websocket.Conn) wsMsg {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, raw, err := conn.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m wsMsg
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return m
}

// screen is what a TV shows, kept the way a client keeps it: a snapshot
// replaces everything, events of today change their unit.
type screen struct {
	seq   int64
	units map[string]wsMsg
}

func (s *screen) apply(t *testing.T, m wsMsg) {
	t.Helper()
	switch m.Type {
	case "snapshot":
		s.seq, s.units = m.Seq, map[string]wsMsg{}
		for _, u := range m.Units {
			s.units[u.Code] = wsMsg{Waiting: u.Waiting, Current: u.Current}
		}
		return
	case "queue", "called":
		s.units[m.Unit] = wsMsg{Waiting: m.Waiting, Current: m.Current}
	}
	if m.Seq != s.seq+1 {
		t.Errorf("event seq %d after %d, want %d", m.Seq, s.seq, s.seq+1)
	}
	s.seq = m.Seq
}

// check compares the screen with GET /units.
func (s *screen) check(t *testing.T, c *client) {
	t.Helper()
	var units []struct {
		Code    string  `json:"code"`
		Waiting int     `json:"waiting"`
		Current *wsCall `json:"current"`
	}
	if st := c.do("GET", "/api/v1/facilities/sobo/units", nil, nil, &units); st != 200 {
		t.Fatalf("units: status %d", st)
	}
	for _, u := range units {
		got := s.units[u.Code]
		if got.Waiting != u.Waiting || (got.Current == nil) != (u.Current == nil) ||
			(got.Current != nil && *got.Current != *u.Current) {
			t.Errorf("screen shows %s waiting %d current %v, the API says %d %v", u.Code, got.Waiting, got.Current, u.Waiting, u.Current)
		}
	}
}

// A screen gets a snapshot, then a booking and a call made over HTTP as
// "queue" and "called" with consecutive seq; a booking for another day
// takes a seq without changing today's count. Staff see the screen listed.
func TestDisplayEndToEnd(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b)
			app := e.start()
			e.seed(app)
			pub, staff := publicClients(t, app)[0], staffClients(t, app)[0]
			conn := dialWS(t, app, "/ws/display?facility=sobo&name=tv-ruang-tunggu")
			snap := readWS(t, conn)
			if snap.Type != "snapshot" || len(snap.Units) != 6 {
				t.Fatalf("first message: %+v, want a snapshot of 6 units", snap)
			}
			_, tk := pub.book("UMUM", nil)
			if st, _ := staff.callNext("UMUM", "Ruang 1"); st != 200 {
				t.Fatalf("call: status %d", st)
			}
			tomorrow := time.Now().In(jakarta(t)).AddDate(0, 0, 1).Format(time.DateOnly)
			if st, _ := pub.book("UMUM", map[string]any{"service_date": tomorrow}); st != 201 {
				t.Fatalf("book for tomorrow: status %d", st)
			}
			booked, called, later := readWS(t, conn), readWS(t, conn), readWS(t, conn)
			if booked.Type != "queue" || booked.Seq != snap.Seq+1 || booked.Unit != "UMUM" || booked.Waiting != 1 {
				t.Errorf("after booking: %+v, want queue seq %d UMUM waiting 1", booked, snap.Seq+1)
			}
			if called.Type != "called" || called.Seq != snap.Seq+2 || called.Code != tk.Code || called.Counter != "Ruang 1" ||
				called.Recall || called.Waiting != 0 || called.Current == nil || called.Current.Code != tk.Code {
				t.Errorf("after call: %+v, want called %s at Ruang 1 seq %d", called, tk.Code, snap.Seq+2)
			}
			if later.Type != "noop" || later.Seq != snap.Seq+3 || later.ServiceDate != tomorrow {
				t.Errorf("after booking for tomorrow: %+v, want noop seq %d", later, snap.Seq+3)
			}

			var ds []struct {
				ID     string `json:"id"`
				Online bool   `json:"online"`
			}
			if st := staff.do("GET", "/api/v1/facilities/sobo/displays", nil, nil, &ds); st != 200 || len(ds) != 1 ||
				ds[0].ID != "tv-ruang-tunggu" || !ds[0].Online {
				t.Errorf("displays: %d %+v, want tv-ruang-tunggu online", st, ds)
			}
			if st := pub.do("GET", "/api/v1/facilities/sobo/displays", nil, nil, nil); st != 401 {
				t.Errorf("displays without login: status %d, want 401", st)
			}
			for _, path := range []string{"/ws/display?facility=nowhere", "/ws/display?facility=sobo&units=NOPE", "/ws/display?facility=sobo&since=-1"} {
				_, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(app.URL(), "http")+path, nil)
				if err == nil || resp == nil || resp.StatusCode == http.StatusSwitchingProtocols {
					t.Errorf("%s: upgraded, want refused", path)
				}
			}
		})
	}
}

func jakarta(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// A call made through instance A reaches a screen connected to instance B,
// and A lists B's screen.
func TestDisplayAcrossInstances(t *testing.T) {
	e := newEnv(t, backend{name: "redis", redis: testenv.Redis(t, false)})
	a := e.start()
	e.seed(a)
	b := e.start()
	conn := dialWS(t, b, "/ws/display?facility=sobo&units=GIGI&name=tv-gigi")
	snap := readWS(t, conn)
	staffA := staffClients(t, a)[0]
	_, tk := publicClients(t, a)[0].book("GIGI", nil)
	if st, _ := staffA.callNext("GIGI", "Ruang Gigi"); st != 200 {
		t.Fatalf("call on A: status %d", st)
	}
	booked, called := readWS(t, conn), readWS(t, conn)
	if booked.Seq != snap.Seq+1 || called.Type != "called" || called.Seq != snap.Seq+2 || called.Code != tk.Code {
		t.Errorf("on B: %+v then %+v, want queue then called %s with seq %d, %d", booked, called, tk.Code, snap.Seq+1, snap.Seq+2)
	}
	var ds []struct {
		ID     string   `json:"id"`
		Units  []string `json:"units"`
		Online bool     `json:"online"`
	}
	if st := staffA.do("GET", "/api/v1/facilities/sobo/displays", nil, nil, &ds); st != 200 || len(ds) != 1 || ds[0].ID != "tv-gigi" || !ds[0].Online {
		t.Errorf("displays on A: %d %+v, want B's tv-gigi online", st, ds)
	}
}

// A screen that reconnects with since gets what it missed, in order, and
// nothing before; when the server no longer holds those events, a snapshot.
func TestDisplayReconnectSince(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	pub, staff := publicClients(t, app)[0], staffClients(t, app)[0]
	conn := dialWS(t, app, "/ws/display?facility=sobo")
	sc := &screen{}
	sc.apply(t, readWS(t, conn))
	conn.Close()

	pub.book("UMUM", nil)
	pub.book("UMUM", nil)
	_, first := staff.callNext("UMUM", "Ruang 1")

	conn = dialWS(t, app, "/ws/display?facility=sobo&since="+strconv.FormatInt(sc.seq, 10))
	for _, want := range []string{"queue", "queue", "called"} {
		m := readWS(t, conn)
		if m.Type != want {
			t.Fatalf("replay: got %s seq %d, want %s", m.Type, m.Seq, want)
		}
		sc.apply(t, m)
	}
	sc.check(t, pub)
	conn.Close()

	// The history the screen would need is gone (as after a purge).
	if _, err := app.DB.Pool.Exec(context.Background(), `DELETE FROM ticket_events WHERE seq <= $1`, sc.seq-1); err != nil {
		t.Fatal(err)
	}
	conn = dialWS(t, app, "/ws/display?facility=sobo&since="+strconv.FormatInt(sc.seq-2, 10))
	m := readWS(t, conn)
	if m.Type != "snapshot" || m.Seq != sc.seq || len(m.Recent) == 0 || m.Recent[0].Code != first.Code {
		t.Fatalf("since too old: %+v, want a snapshot at seq %d with %s's call", m, sc.seq, first.Code)
	}
	sc.apply(t, m)
	sc.check(t, pub)
}

// A patient's phone sees its place fall as others are called, then its own
// call; a wrong token is refused before the upgrade.
func TestTicketSocket(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	pub, staff := publicClients(t, app)[0], staffClients(t, app)[0]
	pub.book("UMUM", nil)
	pub.book("UMUM", nil)
	_, mine := pub.book("UMUM", nil)

	_, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(app.URL(), "http")+"/ws/tickets/"+mine.ID+"?token=wrong", nil)
	if err == nil || resp == nil || resp.StatusCode != 404 {
		t.Errorf("wrong token: %v, want 404 before the upgrade", err)
	}
	conn := dialWS(t, app, "/ws/tickets/"+mine.ID+"?token="+mine.Token)
	m := readWS(t, conn)
	if m.Type != "ticket" || m.Ticket == nil || m.Ticket.ID != mine.ID || m.Ticket.Position == nil || *m.Ticket.Position != 3 {
		t.Fatalf("first message: %+v, want my ticket at position 3", m)
	}
	if m.Ticket.Token != "" {
		t.Error("the socket shows the token")
	}
	seq := m.Seq
	for _, want := range []int{2, 1} {
		staff.callNext("UMUM", "Ruang 1")
		m := readWS(t, conn)
		if m.Ticket == nil || m.Ticket.Position == nil || *m.Ticket.Position != want || m.Seq <= seq {
			t.Fatalf("after a call: %+v, want position %d", m.Ticket, want)
		}
		seq = m.Seq
	}
	staff.callNext("UMUM", "Ruang 3")
	m = readWS(t, conn)
	if m.Ticket == nil || m.Ticket.Status != "called" || m.Ticket.Counter != "Ruang 3" || m.Ticket.Position != nil {
		t.Fatalf("my call: %+v, want called to Ruang 3", m.Ticket)
	}
}

// A screen whose server restarts is told the server is going away, and
// after reconnecting to the new process it shows what the API shows.
func TestDisplayServerRestart(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	old := e.start()
	e.seed(old)
	conn := dialWS(t, old, "/ws/display?facility=sobo")
	sc := &screen{}
	sc.apply(t, readWS(t, conn))
	publicClients(t, old)[0].book("KIA", nil)
	sc.apply(t, readWS(t, conn))

	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, _, err := conn.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("on shutdown: %v, want close 1001", err)
	}

	app := e.start()
	pub, staff := publicClients(t, app)[0], staffClients(t, app)[0]
	pub.book("KIA", nil)
	staff.callNext("KIA", "Ruang KIA")
	pub.book("LAB", nil)

	conn = dialWS(t, app, "/ws/display?facility=sobo&since="+strconv.FormatInt(sc.seq, 10))
	for range 3 {
		sc.apply(t, readWS(t, conn))
	}
	sc.check(t, pub)
	staff.callNext("KIA", "Ruang KIA")
	sc.apply(t, readWS(t, conn))
	sc.check(t, pub)
}

// A unit added on another instance is usable here at once, though this
// instance still has its facility cached: by a screen that subscribes to
// it and by the SATUSEHAT settings that name it.
func TestUnitAddedElsewhereFoundAtOnce(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	ctx := context.Background()
	f, _, err := app.Queue.Facility(ctx, "sobo") // cached now
	if err != nil {
		t.Fatal(err)
	}
	// Another instance adds a unit: straight to the store, so this one's
	// cache is not told.
	if err := app.DB.SaveUnit(ctx, f.ID, queue.Unit{Code: "GIZI", Name: "Poli Gizi", Prefix: "G", DailyQuota: 100,
		OpenDays: postgres.AllDays, Policy: queue.DefaultPolicy(), DefaultServiceS: 300}); err != nil {
		t.Fatal(err)
	}
	conn := dialWS(t, app, "/ws/display?facility=sobo&units=GIZI")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var snap struct {
		Type  string `json:"type"`
		Units []struct {
			Code string `json:"code"`
		} `json:"units"`
	}
	if err := conn.ReadJSON(&snap); err != nil || snap.Type != "snapshot" || len(snap.Units) != 1 || snap.Units[0].Code != "GIZI" {
		t.Errorf("snapshot for the new unit: %+v %v", snap, err)
	}
	admin := adminClient(t, app, "sobo", "admin-sobo")
	if st, raw := admin.raw("PUT", "/api/v1/facilities/sobo/integrations/satusehat", map[string]any{"enabled": false,
		"environment": "sandbox", "client_id": "c", "client_secret": "s", "organization_id": "ORG",
		"locations": []map[string]string{{"unit": "GIZI", "location_id": "LOC-GIZI", "practitioner": "N1"}}}, nil); st != 204 {
		t.Errorf("SATUSEHAT location for the new unit: %d %s", st, raw)
	}
}
