package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/antrian/antrian/internal/testenv"
	"github.com/gorilla/websocket"
)

// tv keeps a screen's state the way web/static/display.js does, and
// records what its voice would say: a snapshot replaces the board and
// announces the calls in its recent list that came after the last seq it
// processed; an event at or below that seq is dropped; a "called" event
// is announced once per seq.
type tv struct {
	t    *testing.T
	conn *websocket.Conn

	mu     sync.Mutex
	seq    int64
	date   string // the board's date, from the last snapshot
	seen   map[int64]bool
	said   []spoken
	snaps  []wsSnap
	err    error
	closed chan struct{}
}

// spoken is one announcement.
type spoken struct {
	Seq    int64
	Unit   string
	Date   string
	Code   string
	Recall bool
}

func (s spoken) key() string { return s.Unit + "/" + s.Date + "/" + s.Code }

// wsSnap is what a screen's snapshot says.
type wsSnap struct {
	Seq    int64  `json:"seq"`
	Date   string `json:"date"`
	Recent []struct {
		Seq         int64  `json:"seq"`
		Unit        string `json:"unit"`
		ServiceDate string `json:"service_date"`
		Code        string `json:"code"`
		Recall      bool   `json:"recall"`
	} `json:"recent"`
}

func openTV(t *testing.T, app *App, since int64) *tv {
	t.Helper()
	path := "/ws/display?facility=sobo"
	if since > 0 {
		path += "&since=" + strconv.FormatInt(since, 10)
	}
	s := &tv{t: t, conn: dialWS(t, app, path), seq: since, seen: map[int64]bool{}, closed: make(chan struct{})}
	go s.read()
	return s
}

func (s *tv) read() {
	defer close(s.closed)
	for {
		_, raw, err := s.conn.ReadMessage()
		if err != nil {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			return
		}
		var m wsMsg
		var snap wsSnap
		if json.Unmarshal(raw, &m) != nil || json.Unmarshal(raw, &snap) != nil {
			s.mu.Lock()
			s.err = fmt.Errorf("undecodable message %s", raw)
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
		switch {
		case m.Type == "snapshot":
			prev := s.seq
			s.seq, s.date = snap.Seq, snap.Date
			s.snaps = append(s.snaps, snap)
			if prev > 0 {
				for i := len(snap.Recent) - 1; i >= 0; i-- {
					if r := snap.Recent[i]; r.Seq > prev {
						s.say(spoken{r.Seq, r.Unit, r.ServiceDate, r.Code, r.Recall})
					}
				}
			}
			for _, r := range snap.Recent {
				s.seen[r.Seq] = true
			}
		case m.Seq <= s.seq:
		default:
			s.seq = m.Seq
			if m.Type == "called" {
				s.say(spoken{m.Seq, m.Unit, m.ServiceDate, m.Code, m.Recall})
			}
		}
		s.mu.Unlock()
	}
}

// say announces a call once per seq; s.mu is held.
func (s *tv) say(c spoken) {
	if s.seen[c.Seq] {
		return
	}
	s.seen[c.Seq] = true
	s.said = append(s.said, c)
}

// waitSeq waits until the screen has processed seq.
func (s *tv) waitSeq(seq int64) {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		got, err := s.seq, s.err
		s.mu.Unlock()
		if got >= seq {
			return
		}
		if err != nil {
			s.t.Fatalf("screen closed at seq %d waiting for %d: %v", got, seq, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatalf("screen never reached seq %d", seq)
}

// waitDate waits until a snapshot of date has been processed.
func (s *tv) waitDate(date string) {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		got := s.date
		s.mu.Unlock()
		if got == date {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatalf("screen never showed the board of %s", date)
}

func (s *tv) close() {
	s.conn.Close()
	<-s.closed
}

// announcements returns what the screen said so far.
func (s *tv) announcements() []spoken {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]spoken(nil), s.said...)
}

// eventSeq is the facility's last event seq, as Postgres has it.
func eventSeq(t *testing.T, app *App) int64 {
	t.Helper()
	var seq int64
	if err := app.DB.Pool.QueryRow(context.Background(), `SELECT event_seq FROM facilities WHERE code = 'sobo'`).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	return seq
}

// Across the facility's midnight, with a screen and a phone open (on the
// other instance when there are two): every call is announced exactly
// once and a recall is the only repeat; yesterday's tickets stay
// yesterday's; today's numbering starts again at 1; a screen that was away
// over midnight comes back to today's board without yesterday's calls;
// nothing is lost. In the facility's own zone: WIB, WITA and WIT.
func TestAcrossMidnight(t *testing.T) {
	for _, tc := range []struct {
		zone      string
		instances int
	}{
		{"Asia/Jakarta", 1},
		{"Asia/Jakarta", 2},
		{"Asia/Makassar", 2},
		{"Asia/Jayapura", 1},
	} {
		t.Run(fmt.Sprintf("%s/%d-instances", tc.zone, tc.instances), func(t *testing.T) {
			loc, err := time.LoadLocation(tc.zone)
			if err != nil {
				t.Fatal(err)
			}
			b := backend{name: "embedded"}
			if tc.instances == 2 {
				b = backend{name: "redis", redis: testenv.Redis(t, false)}
			}
			e := newEnv(t, b)
			e.clock.Set(time.Date(2026, 12, 31, 23, 58, 0, 0, loc))
			apps := []*App{e.start()}
			e.seed(apps[0])
			if _, err := apps[0].DB.Pool.Exec(context.Background(), `UPDATE facilities SET timezone = $1 WHERE code = 'sobo'`, tc.zone); err != nil {
				t.Fatal(err)
			}
			apps[0].Queue.ForgetFacility("sobo")
			if tc.instances == 2 {
				apps = append(apps, e.start())
			}
			front, back := apps[0], apps[len(apps)-1] // staff and patients use front; screens and phones back
			pub, staff := publicClients(t, front)[0], staffClients(t, front)[0]

			screen := openTV(t, back, 0)
			away := openTV(t, back, 0) // a screen that loses its network over midnight
			defer screen.close()

			// The evening: four tickets, two called (one finished), one recalled.
			var evening []ticket
			for range 4 {
				st, tk := pub.book("UMUM", nil)
				if st != 201 {
					t.Fatalf("book before midnight: status %d", st)
				}
				evening = append(evening, tk)
			}
			if _, c := staff.callNext("UMUM", "Ruang 1"); c.ID != evening[0].ID {
				t.Fatalf("first call: %s, want %s", c.Code, evening[0].Code)
			}
			staff.do("POST", "/api/v1/tickets/"+evening[0].ID+"/finish", map[string]string{}, nil, nil)
			if _, c := staff.callNext("UMUM", "Ruang 2"); c.ID != evening[1].ID {
				t.Fatalf("second call: %s, want %s", c.Code, evening[1].Code)
			}
			if st := staff.do("POST", "/api/v1/tickets/"+evening[1].ID+"/recall", map[string]string{}, nil, nil); st != 200 {
				t.Fatalf("recall before midnight: status %d", st)
			}
			phone := dialWS(t, back, "/ws/tickets/"+evening[3].ID+"?token="+evening[3].Token)
			if m := readWS(t, phone); m.Ticket == nil || m.Ticket.ServiceDate != "2026-12-31" || m.Ticket.Status != "waiting" {
				t.Fatalf("phone before midnight: %+v, want yesterday's waiting ticket", m.Ticket)
			}
			last := eventSeq(t, front)
			screen.waitSeq(last)
			away.waitSeq(last)
			awaySeq := last
			away.close()

			// Midnight passes while bookings and calls go on.
			e.clock.Set(time.Date(2027, 1, 1, 0, 0, 1, 0, loc))
			var morning []ticket
			for i := range 3 {
				st, tk := pub.book("UMUM", nil)
				if st != 201 || tk.ServiceDate != "2027-01-01" || tk.Number != i+1 {
					t.Fatalf("booking %d after midnight: status %d, %s number %d on %s; want number %d on 2027-01-01",
						i+1, st, tk.Code, tk.Number, tk.ServiceDate, i+1)
				}
				morning = append(morning, tk)
			}
			screen.waitDate("2027-01-01")
			if _, c := staff.callNext("UMUM", "Ruang 1"); c.ID != morning[0].ID {
				t.Fatalf("first call after midnight: %s of %s, want today's %s", c.Code, c.ServiceDate, morning[0].Code)
			}
			// Yesterday's patient still at the counter is called once more.
			if st := staff.do("POST", "/api/v1/tickets/"+evening[1].ID+"/recall", map[string]string{}, nil, nil); st != 200 {
				t.Fatalf("recall after midnight: status %d", st)
			}
			if _, c := staff.callNext("UMUM", "Ruang 2"); c.ID != morning[1].ID {
				t.Fatalf("second call after midnight: %s of %s, want today's %s", c.Code, c.ServiceDate, morning[1].Code)
			}
			// And one of yesterday's waiting patients is called by name.
			if st := staff.do("POST", "/api/v1/tickets/"+evening[2].ID+"/call", map[string]string{"counter": "Ruang 3"}, nil, nil); st != 200 {
				t.Fatalf("calling yesterday's ticket after midnight: status %d", st)
			}
			// The phone of the last of yesterday's line moves up, still yesterday's.
			for {
				m := readWS(t, phone)
				if m.Ticket == nil || m.Ticket.ServiceDate != "2026-12-31" || m.Ticket.Code != evening[3].Code {
					t.Fatalf("phone after midnight: %+v, want yesterday's %s", m.Ticket, evening[3].Code)
				}
				if m.Ticket.Position != nil && *m.Ticket.Position == 1 {
					break
				}
			}
			last = eventSeq(t, front)
			screen.waitSeq(last)

			// The screen that was away comes back after midnight.
			back2 := openTV(t, back, awaySeq)
			defer back2.close()
			back2.waitSeq(last)

			want := []spoken{
				{Unit: "UMUM", Date: "2026-12-31", Code: evening[0].Code},
				{Unit: "UMUM", Date: "2026-12-31", Code: evening[1].Code},
				{Unit: "UMUM", Date: "2026-12-31", Code: evening[1].Code, Recall: true},
				{Unit: "UMUM", Date: "2027-01-01", Code: morning[0].Code},
				{Unit: "UMUM", Date: "2026-12-31", Code: evening[1].Code, Recall: true},
				{Unit: "UMUM", Date: "2027-01-01", Code: morning[1].Code},
				{Unit: "UMUM", Date: "2026-12-31", Code: evening[2].Code},
			}
			checkSaid(t, "the screen that stayed", screen.announcements(), want)
			// Away over midnight: only what was called while it was away,
			// and of that only what is still fresh on today's board.
			checkSaid(t, "the screen that came back", back2.announcements(), want[3:])

			screen.mu.Lock()
			for _, sn := range screen.snaps[1:] {
				if sn.Date != "2027-01-01" {
					t.Errorf("a snapshot after the first is of %s, want the new day", sn.Date)
				}
			}
			screen.mu.Unlock()

			// The phone of yesterday's waiting ticket still shows it as yesterday's.
			var mine ticket
			if st := pub.do("GET", "/api/v1/tickets/"+evening[3].ID, nil, map[string]string{"X-Ticket-Token": evening[3].Token}, &mine); st != 200 ||
				mine.ServiceDate != "2026-12-31" || mine.Code != evening[3].Code {
				t.Errorf("yesterday's ticket after midnight: %d %+v", st, mine)
			}
			// Nothing lost: every ticket and every event is in Postgres.
			if n := dbCount(t, front, `SELECT count(*) FROM tickets`); n != 7 {
				t.Errorf("%d tickets stored, want 7", n)
			}
			if n := dbCount(t, front, `SELECT count(*) FROM ticket_events WHERE kind IN ('called', 'recalled')`); n != len(want) {
				t.Errorf("%d calls stored, want %d", n, len(want))
			}
		})
	}
}

// checkSaid compares announcements by unit, date, code and recall, in order.
func checkSaid(t *testing.T, who string, got, want []spoken) {
	t.Helper()
	strip := func(ss []spoken) []string {
		var out []string
		for _, s := range ss {
			out = append(out, fmt.Sprintf("%s recall=%v", s.key(), s.Recall))
		}
		return out
	}
	g, w := strip(got), strip(want)
	if fmt.Sprint(g) != fmt.Sprint(w) {
		t.Errorf("%s announced\n  %v\nwant\n  %v", who, g, w)
	}
	firsts := map[string]bool{}
	for _, s := range got {
		if !s.Recall && firsts[s.key()] {
			t.Errorf("%s announced %s twice as a new call", who, s.key())
		}
		firsts[s.key()] = true
	}
}
