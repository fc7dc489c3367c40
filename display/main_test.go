package display

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/queue"
	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

var jakarta, _ = time.LoadLocation("Asia/Jakarta")

// fakeStore is an in-memory event history: event seq n is events[n-1].
type fakeStore struct {
	mu         sync.Mutex
	events     []queue.Event
	boardDelay time.Duration // how long Board takes
	boards     int           // Board calls
}

// add commits an event of today on unit and returns it.
func (s *fakeStore) add(kind, unit, code string) queue.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	e := queue.Event{Seq: int64(len(s.events) + 1), Facility: "sobo", Unit: unit, ServiceDate: now.In(jakarta).Format(time.DateOnly),
		Kind: kind, TicketID: "t-" + code, Code: code, At: now, Waiting: len(s.events)}
	if isCall(e) {
		e.Counter = "Ruang 1"
		e.Current = &queue.Call{Code: code, Counter: e.Counter}
	}
	s.events = append(s.events, e)
	return e
}

func (s *fakeStore) Board(ctx context.Context, facility string, now time.Time, recent int) (queue.Board, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	time.Sleep(s.boardDelay)
	s.boards++
	b := queue.Board{Facility: facility, Date: now.In(jakarta).Format(time.DateOnly), Seq: int64(len(s.events))}
	byUnit := map[string]queue.BoardUnit{"UMUM": {Code: "UMUM"}, "GIGI": {Code: "GIGI"}}
	for _, e := range s.events {
		byUnit[e.Unit] = queue.BoardUnit{Code: e.Unit, Waiting: e.Waiting, Current: e.Current}
	}
	b.Units = []queue.BoardUnit{byUnit["UMUM"], byUnit["GIGI"]}
	return b, nil
}

func (s *fakeStore) EventsFrom(ctx context.Context, facility string, from int64, limit int) ([]queue.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []queue.Event
	for _, e := range s.events {
		if e.Seq >= from && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *fakeStore) EventSeq(ctx context.Context, facility string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.events)), nil
}

// fakeQueue knows one facility, sobo, in Jakarta.
type fakeQueue struct{}

func (fakeQueue) Facility(ctx context.Context, code string) (queue.Facility, []queue.Unit, error) {
	if code != "sobo" {
		return queue.Facility{}, nil, fault.ErrNotFound
	}
	return queue.Facility{Code: code, Location: jakarta}, []queue.Unit{{Code: "UMUM"}, {Code: "GIGI"}}, nil
}

func (fakeQueue) Ticket(ctx context.Context, id string) (queue.Ticket, error) {
	return queue.Ticket{}, fault.ErrNotFound
}

func (fakeQueue) Positions(ctx context.Context, facility, unit, date string, ids []string) (map[string]queue.Place, error) {
	return nil, nil
}

// harness runs a hub on miniredis behind an HTTP server, like one instance.
type harness struct {
	t     *testing.T
	redis *miniredis.Miniredis
	hub   *Hub
	store *fakeStore
	srv   *httptest.Server
	stop  func()
}

func newHarness(t *testing.T, opt Options) *harness {
	t.Helper()
	return newHarnessOn(t, miniredis.RunT(t), &fakeStore{}, opt)
}

// newHarnessOn is newHarness on a given Redis and store, for a second
// instance beside the first.
func newHarnessOn(t *testing.T, mr *miniredis.Miniredis, st *fakeStore, opt Options) *harness {
	t.Helper()
	return newHarnessAt(t, mr, mr.Addr(), st, opt)
}

// newHarnessAt is newHarnessOn given mr's address, for a Redis that is down.
func newHarnessAt(t *testing.T, mr *miniredis.Miniredis, addr string, st *fakeStore, opt Options) *harness {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	// The registry's scripts and reads must keep to one Redis Cluster slot.
	slots := &testenv.SlotCheck{}
	rdb.AddHook(slots)
	t.Cleanup(func() { slots.Check(t) })
	h := NewHub(rdb, st, fakeQueue{}, opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	// Serve only once Run has started: a screen dialling before gets 503.
	for running := false; !running; {
		h.mu.Lock()
		running = h.ctx != nil
		h.mu.Unlock()
		if !running {
			time.Sleep(time.Millisecond)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := DisplayRequest{Facility: "sobo", Name: r.URL.Query().Get("name")}
		if v := r.URL.Query().Get("since"); v != "" {
			req.Since, _ = strconv.ParseInt(v, 10, 64)
			req.HasSince = true
		}
		if v := r.URL.Query().Get("units"); v != "" {
			req.Units = strings.Split(v, ",")
		}
		req.Coalesce = r.URL.Query().Get("coalesce") == "1"
		if err := h.ServeDisplay(w, r, req); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	}))
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
			srv.Close()
			rdb.Close()
		})
	}
	t.Cleanup(stop)
	return &harness{t: t, redis: mr, hub: h, store: st, srv: srv, stop: stop}
}

func (hs *harness) dial(query string, dialer *websocket.Dialer) *websocket.Conn {
	hs.t.Helper()
	if dialer == nil {
		dialer = websocket.DefaultDialer
	}
	conn, _, err := dialer.Dial("ws"+strings.TrimPrefix(hs.srv.URL, "http")+"/?"+query, nil)
	if err != nil {
		hs.t.Fatalf("dial: %v", err)
	}
	hs.t.Cleanup(func() { conn.Close() })
	return conn
}

type msg struct {
	Type    string `json:"type"`
	Seq     int64  `json:"seq"`
	Unit    string `json:"unit"`
	Kind    string `json:"kind"`
	Code    string `json:"code"`
	Waiting int    `json:"waiting"`
}

func read(t *testing.T, conn *websocket.Conn) msg {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, raw, err := conn.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m msg
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return m
}

// Events published out of order, or never published at all, reach a display
// in seq order with no gap: early ones wait, missing ones come from the store.
func TestSequencer(t *testing.T) {
	hs := newHarness(t, Options{GapWait: 50 * time.Millisecond, Poll: 100 * time.Millisecond})
	ctx := context.Background()
	conn := hs.dial("", nil)
	if m := read(t, conn); m.Type != TypeSnapshot || m.Seq != 0 {
		t.Fatalf("first message: %+v, want snapshot at seq 0", m)
	}
	var evs []queue.Event
	for i := range 5 {
		evs = append(evs, hs.store.add("booked", "UMUM", "B-00"+strconv.Itoa(i+1)))
	}
	// 2 and 4 are lost, 3 and 5 come before 1, and 1 comes twice.
	hs.hub.Publish(ctx, []queue.Event{evs[4]})
	hs.hub.Publish(ctx, []queue.Event{evs[2]})
	hs.hub.Publish(ctx, []queue.Event{evs[0]})
	hs.hub.Publish(ctx, []queue.Event{evs[0]})
	for want := int64(1); want <= 5; want++ {
		if m := read(t, conn); m.Seq != want || m.Type != TypeQueue {
			t.Fatalf("got %+v, want queue event seq %d", m, want)
		}
	}
	// The last event of a burst lost: the poll finds it.
	hs.store.add("called", "UMUM", "B-001")
	if m := read(t, conn); m.Seq != 6 || m.Type != TypeCalled || m.Code != "B-001" {
		t.Fatalf("got %+v, want called B-001 at seq 6", m)
	}
}

// A client reconnecting with since gets exactly the events after it, or a
// snapshot when it cannot.
func TestResync(t *testing.T) {
	hs := newHarness(t, Options{MaxReplay: 3})
	for range 5 {
		hs.store.add("booked", "GIGI", "C-001")
	}
	t.Run("replay", func(t *testing.T) {
		conn := hs.dial("since=3", nil)
		for want := int64(4); want <= 5; want++ {
			if m := read(t, conn); m.Seq != want || m.Type != TypeQueue {
				t.Fatalf("got %+v, want queue event seq %d", m, want)
			}
		}
		hs.hub.Publish(context.Background(), []queue.Event{hs.store.add("called", "GIGI", "C-001")})
		if m := read(t, conn); m.Seq != 6 || m.Type != TypeCalled {
			t.Fatalf("got %+v, want the live call at seq 6", m)
		}
	})
	for _, since := range []string{"0", "1", "99"} { // never, too old for MaxReplay 3, ahead of the server
		t.Run("since="+since, func(t *testing.T) {
			conn := hs.dial("since="+since, nil)
			if m := read(t, conn); m.Type != TypeSnapshot || m.Seq != 6 {
				t.Fatalf("got %+v, want a snapshot at seq 6", m)
			}
		})
	}
	t.Run("units filter", func(t *testing.T) {
		conn := hs.dial("since=5&units=UMUM", nil)
		hs.hub.Publish(context.Background(), []queue.Event{hs.store.add("booked", "UMUM", "B-001")})
		if m := read(t, conn); m.Seq != 7 || m.Unit != "UMUM" {
			t.Fatalf("got %+v, want only UMUM's event seq 7", m)
		}
	})
}

// waitSubscribers waits until n hubs subscribe to the harness's events
// channel: only then does pub/sub deliver what is published.
func (hs *harness) waitSubscribers(n int) {
	hs.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); hs.redis.PubSubNumSub(hs.hub.channel())[hs.hub.channel()] < n; {
		if time.Now().After(deadline) {
			hs.t.Fatalf("fewer than %d hubs subscribed", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Events one instance publishes reach another instance's screens through
// Redis alone, in order, including those published just before the first
// instance shuts down.
func TestPublishAcrossInstances(t *testing.T) {
	// No polling and no gap reads: only pub/sub can deliver.
	opt := Options{Poll: time.Hour, GapWait: time.Hour, SendBuffer: 512}
	a := newHarness(t, opt)
	b := newHarnessOn(t, a.redis, a.store, opt)
	conn := b.dial("", nil)
	if m := read(t, conn); m.Type != TypeSnapshot {
		t.Fatalf("first message %+v, want a snapshot", m)
	}
	a.waitSubscribers(2)
	const n = 300
	for i := range n {
		e := a.store.add("booked", "UMUM", fmt.Sprintf("B-%03d", i+1))
		a.hub.Publish(context.Background(), []queue.Event{e})
	}
	a.stop() // what is still queued is published before Run returns
	for i := range n {
		if m := read(t, conn); m.Seq != int64(i+1) {
			t.Fatalf("message %d: %+v, want seq %d", i, m, i+1)
		}
	}
}

// An instance does not decode its own messages when Redis hands them back
// (Publish offered their events already), and still decodes every other
// instance's, including those of an instance that does not name itself.
// The messages here say other codes than the store does, so a screen shows
// where each event came from.
func TestOwnMessagesSkipped(t *testing.T) {
	// Polls never run; a gap is filled from the store at once.
	hs := newHarness(t, Options{Poll: time.Hour, GapWait: time.Millisecond})
	conn := hs.dial("", nil)
	if m := read(t, conn); m.Type != TypeSnapshot {
		t.Fatalf("first message %+v, want a snapshot", m)
	}
	hs.waitSubscribers(1)
	publish := func(from, code string, e queue.Event) {
		t.Helper()
		e.Code = code
		b, err := json.Marshal([]wireEvent{toWire(from, e)})
		if err != nil {
			t.Fatal(err)
		}
		hs.redis.Publish(hs.hub.channel(), string(b))
	}
	publish("", "LAMA-1", hs.store.add("booked", "UMUM", "B-001"))                 // an older instance
	publish(hs.hub.instance, "SENDIRI-2", hs.store.add("booked", "UMUM", "B-002")) // this one
	publish("lain", "LAIN-3", hs.store.add("booked", "UMUM", "B-003"))
	if m := read(t, conn); m.Seq != 1 || m.Code != "LAMA-1" {
		t.Fatalf("got %+v, want seq 1 from the older instance's message", m)
	}
	if m := read(t, conn); m.Seq != 2 || m.Code != "B-002" {
		t.Fatalf("got %+v, want seq 2 from the store: this instance's own message is skipped", m)
	}
	if m := read(t, conn); m.Seq != 3 {
		t.Fatalf("got %+v, want seq 3", m)
	}
}

// Stopping the publisher publishes everything still queued.
func TestPublisherDrainsOnStop(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	h := NewHub(rdb, &fakeStore{}, fakeQueue{}, Options{})
	ctx := context.Background()
	sub := rdb.Subscribe(ctx, h.channel())
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil { // the subscription is live
		t.Fatal(err)
	}
	const n = 200 // several batches
	for i := range n {
		h.outbox <- []byte(strconv.Itoa(i))
	}
	stop := make(chan struct{})
	close(stop)
	h.runPublisher(ctx, stop)
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for i := range n {
		m, err := sub.ReceiveMessage(rctx)
		if err != nil || m.Payload != strconv.Itoa(i) {
			t.Fatalf("message %d: %v %v", i, m, err)
		}
	}
}

// A Redis restart loses what was published meanwhile; the resumed
// subscription refills it from the store at once (not waiting for the poll).
func TestResubscribe(t *testing.T) {
	hs := newHarness(t, Options{Poll: time.Hour})
	conn := hs.dial("", nil)
	read(t, conn)
	hs.waitSubscribers(1)
	hs.redis.Close()
	e := hs.store.add("called", "UMUM", "B-001")
	if err := hs.redis.Restart(); err != nil {
		t.Fatal(err)
	}
	if m := read(t, conn); m.Seq != e.Seq || m.Type != TypeCalled {
		t.Fatalf("after the Redis restart: %+v, want the missed call seq %d", m, e.Seq)
	}
}

// A hub started while Redis is down serves its screens from the store, and
// refills what they missed as soon as Redis answers, not at the next poll.
func TestSubscribeLate(t *testing.T) {
	mr := miniredis.RunT(t)
	addr := mr.Addr()
	mr.Close()
	hs := newHarnessAt(t, mr, addr, &fakeStore{}, Options{Poll: time.Hour})
	conn := hs.dial("", nil)
	read(t, conn)
	e := hs.store.add("called", "UMUM", "B-001") // published while Redis was down
	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	if m := read(t, conn); m.Seq != e.Seq || m.Type != TypeCalled {
		t.Fatalf("once subscribed: %+v, want the missed call seq %d", m, e.Seq)
	}
}

// A screen left on overnight gets a fresh snapshot when the date changes.
func TestNewDay(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	hs := newHarness(t, Options{Poll: 20 * time.Millisecond, Now: clock})
	hs.store.add("called", "UMUM", "B-001")
	conn := hs.dial("", nil)
	first := read(t, conn)
	mu.Lock()
	now = now.Add(24 * time.Hour)
	mu.Unlock()
	if m := read(t, conn); m.Type != TypeSnapshot || m.Seq != first.Seq {
		t.Fatalf("on a new day: %+v, want a snapshot at seq %d", m, first.Seq)
	}
	// A screen connecting now, within seconds of the first one's board,
	// gets the new day's board, not the cached one of yesterday.
	late := hs.dial("", nil)
	_, raw, err := late.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var snap struct {
		Date string `json:"date"`
	}
	if err := json.Unmarshal(raw, &snap); err != nil {
		t.Fatal(err)
	}
	if want := clock().In(jakarta).Format(time.DateOnly); snap.Date != want {
		t.Errorf("a screen connecting on the new day got the board of %s, want %s", snap.Date, want)
	}
}

// A screen's pongs refresh its last-seen time in the registry, and once it
// is gone no late refresh brings it back online.
func TestDisplayLastSeen(t *testing.T) {
	hs := newHarness(t, Options{PongWait: 300 * time.Millisecond, SeenFlush: 10 * time.Millisecond})
	conn := hs.dial("name=tv-poli", nil)
	read(t, conn)
	go func() { // reading answers the server's pings
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	list := func() Display {
		t.Helper()
		ds, err := hs.hub.Displays(context.Background(), "sobo")
		if err != nil || len(ds) != 1 || ds[0].ID != "tv-poli" {
			t.Fatalf("displays: %+v %v, want tv-poli", ds, err)
		}
		return ds[0]
	}
	first := list()
	deadline := time.Now().Add(5 * time.Second)
	for d := list(); !d.LastSeen.After(first.LastSeen); d = list() {
		if time.Now().After(deadline) {
			t.Fatalf("last seen still %v after pongs", d.LastSeen)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d := list(); !d.Online {
		t.Fatalf("%+v: want online", d)
	}
	conn.Close()
	for d := list(); d.Online || d.DisconnectedAt == nil; d = list() {
		if time.Now().After(deadline) {
			t.Fatalf("%+v: want offline after the screen left", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // ten flush intervals
	if d := list(); d.Online || d.DisconnectedAt == nil {
		t.Fatalf("%+v: back online after it left", d)
	}
}

// A screen whose first messages were slow to make is not dropped for a
// missing pong: the pong deadline counts from when the pings start.
func TestSlowFirstMessages(t *testing.T) {
	hs := newHarness(t, Options{PongWait: 300 * time.Millisecond})
	hs.store.mu.Lock()
	hs.store.boardDelay = 200 * time.Millisecond
	hs.store.mu.Unlock()
	conn := hs.dial("", nil)
	if m := read(t, conn); m.Type != TypeSnapshot {
		t.Fatalf("first message %+v, want a snapshot", m)
	}
	errc := make(chan error, 1)
	go func() { // reading answers the server's pings
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				errc <- err
				return
			}
		}
	}()
	select {
	case err := <-errc:
		t.Fatalf("connection dropped: %v", err)
	case <-time.After(time.Second): // three ping periods
	}
}

// A pong of a screen's old connection, flushed after the screen came back
// on a new one under the same name, does not overwrite the new entry.
func TestFlushKeepsNewerConnection(t *testing.T) {
	hs := newHarness(t, Options{})
	stored := func() displayEntry {
		t.Helper()
		_, key := hs.hub.displayKeys("sobo", "tv-1")
		raw, err := hs.redis.Get(key)
		if err != nil {
			t.Fatal(err)
		}
		var d displayEntry
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	old := hs.hub.connected(DisplayRequest{Facility: "sobo", Name: "tv-1"})
	hs.hub.seen(old) // noted, not flushed yet
	newer := hs.hub.connected(DisplayRequest{Facility: "sobo", Name: "tv-1"})
	hs.hub.flushSeen()
	if d := stored(); d.ConnID != newer.ConnID {
		t.Fatalf("entry of connection %s after the flush, want the newer %s", d.ConnID, newer.ConnID)
	}
	hs.hub.seen(newer)
	hs.hub.flushSeen()
	if d := stored(); d.ConnID != newer.ConnID || !d.LastSeen.After(newer.ConnectedAt) {
		t.Fatalf("the newer connection's pong: %+v", d)
	}
}

// Shutting the hub down closes every socket with 1001 going away.
func TestShutdown(t *testing.T) {
	hs := newHarness(t, Options{})
	conn := hs.dial("name=tv-lobby", nil)
	read(t, conn)
	ds, err := hs.hub.Displays(context.Background(), "sobo")
	if err != nil || len(ds) != 1 || ds[0].ID != "tv-lobby" || !ds[0].Online {
		t.Fatalf("displays: %+v %v, want tv-lobby online", ds, err)
	}
	hs.stop()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = conn.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("after shutdown: %v, want close 1001", err)
	}
}

func TestEncodeEvent(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 30, 0, 0, jakarta)
	cur := &queue.Call{Code: "B-004", Counter: "Ruang 2"}
	tests := []struct {
		name string
		e    queue.Event
		want string
	}{
		{"call", queue.Event{Seq: 7, Unit: "UMUM", ServiceDate: "2026-11-27", Kind: "called", Code: "B-004", Counter: "Ruang 2", At: at, Waiting: 3, Current: cur},
			`{"type":"called","seq":7,"kind":"called","unit":"UMUM","service_date":"2026-11-27","code":"B-004","counter":"Ruang 2","recall":false,"at":"2026-11-27T09:30:00+07:00","waiting":3,"current":{"code":"B-004","counter":"Ruang 2"}}`},
		{"recall", queue.Event{Seq: 8, Unit: "UMUM", ServiceDate: "2026-11-27", Kind: "recalled", Code: "B-004", Counter: "Ruang 2", At: at, Waiting: 3, Current: cur},
			`{"type":"called","seq":8,"kind":"recalled","unit":"UMUM","service_date":"2026-11-27","code":"B-004","counter":"Ruang 2","recall":true,"at":"2026-11-27T09:30:00+07:00","waiting":3,"current":{"code":"B-004","counter":"Ruang 2"}}`},
		{"booking today", queue.Event{Seq: 9, Unit: "GIGI", ServiceDate: "2026-11-27", Kind: "booked", Code: "C-001", At: at, Waiting: 1},
			`{"type":"queue","seq":9,"kind":"booked","unit":"GIGI","service_date":"2026-11-27","code":"C-001","at":"2026-11-27T09:30:00+07:00","waiting":1,"current":null}`},
		{"yesterday's ticket called after midnight", queue.Event{Seq: 11, Unit: "UMUM", ServiceDate: "2026-11-26", Kind: "recalled", Code: "B-457", Counter: "Ruang 1", At: at, Waiting: 2, Current: cur},
			`{"type":"called","seq":11,"kind":"recalled","unit":"UMUM","service_date":"2026-11-26","code":"B-457","counter":"Ruang 1","recall":true,"at":"2026-11-27T09:30:00+07:00","waiting":2,"current":{"code":"B-004","counter":"Ruang 2"}}`},
		{"yesterday's ticket finished after midnight", queue.Event{Seq: 12, Unit: "UMUM", ServiceDate: "2026-11-26", Kind: "finished", Code: "B-457", At: at, Waiting: 2},
			`{"type":"noop","seq":12,"kind":"finished","unit":"UMUM","service_date":"2026-11-26","at":"2026-11-27T09:30:00+07:00"}`},
		{"booking next week", queue.Event{Seq: 10, Unit: "GIGI", ServiceDate: "2026-12-04", Kind: "booked", Code: "C-001", At: at, Waiting: 1},
			`{"type":"noop","seq":10,"kind":"booked","unit":"GIGI","service_date":"2026-12-04","at":"2026-11-27T09:30:00+07:00"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(encodeEvent(tt.e, jakarta)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestCheckOrigin(t *testing.T) {
	h := NewHub(nil, nil, nil, Options{Origins: []string{"https://tv.example.id"}})
	tests := []struct {
		origin string
		want   bool
	}{
		{"", true},
		{"http://antrian.local:8080", true},
		{"https://tv.example.id", true},
		{"https://evil.example", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "http://antrian.local:8080/ws/display", nil)
		if tt.origin != "" {
			r.Header.Set("Origin", tt.origin)
		}
		if got := h.checkOrigin(r); got != tt.want {
			t.Errorf("origin %q: got %v, want %v", tt.origin, got, tt.want)
		}
	}
}

// A facility whose screens all left stops its goroutines after Retire, and
// the next screen gets a new one that delivers again.
func TestFacilityRetires(t *testing.T) {
	hs := newHarness(t, Options{Poll: 20 * time.Millisecond, Retire: 50 * time.Millisecond})
	ctx := context.Background()
	conn := hs.dial("", nil)
	read(t, conn)
	conn.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		hs.hub.mu.Lock()
		_, alive := hs.hub.facilities["sobo"]
		hs.hub.mu.Unlock()
		if !alive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the facility of a screen that left is still running")
		}
		time.Sleep(10 * time.Millisecond)
	}
	conn = hs.dial("", nil)
	if m := read(t, conn); m.Type != TypeSnapshot {
		t.Fatalf("new screen: %+v, want a snapshot", m)
	}
	e := hs.store.add("called", "UMUM", "B-001")
	hs.hub.Publish(ctx, []queue.Event{e})
	if m := read(t, conn); m.Seq != e.Seq || m.Code != "B-001" {
		t.Fatalf("after the restart: %+v, want the call B-001", m)
	}
}

// An idle socket keeps one goroutine, its reader: a writer runs while there
// is something to send and then ends. Events still arrive in order on every
// socket. (Pings, which go through the same writers, are checked by
// TestDisplayLastSeen and TestSlowFirstMessages.)
func TestIdleSocketKeepsOneGoroutine(t *testing.T) {
	hs := newHarness(t, Options{})
	first := hs.dial("", nil)
	read(t, first) // the facility's goroutines run from its first client on
	settled := func(max int) int {
		t.Helper()
		n := runtime.NumGoroutine()
		for deadline := time.Now().Add(3 * time.Second); n > max && time.Now().Before(deadline); n = runtime.NumGoroutine() {
			time.Sleep(10 * time.Millisecond)
		}
		return n
	}
	time.Sleep(50 * time.Millisecond)
	base := runtime.NumGoroutine()
	const sockets = 20
	// Slack for Redis pool connections the registry may open meanwhile;
	// a writer per socket would be 20 more.
	const slack = 8
	conns := make([]*websocket.Conn, sockets)
	for i := range conns {
		conns[i] = hs.dial("", nil)
		read(t, conns[i])
	}
	if n := settled(base + sockets + slack); n > base+sockets+slack {
		t.Fatalf("%d goroutines with %d idle sockets, %d before: want about one per socket", n, sockets, base)
	}
	for i := range 3 {
		hs.hub.Publish(context.Background(), []queue.Event{hs.store.add("booked", "UMUM", "B-00"+strconv.Itoa(i+1))})
	}
	for i, c := range conns {
		for want := int64(1); want <= 3; want++ {
			if m := read(t, c); m.Seq != want {
				t.Fatalf("socket %d: got %+v, want seq %d", i, m, want)
			}
		}
	}
	if n := settled(base + sockets + slack); n > base+sockets+slack {
		t.Fatalf("%d goroutines after the events, %d before: the writers did not end", n, base)
	}
}

// Displays connecting together share one board read (a reconnect storm
// reads the board once, not once per screen); a display connecting after
// an event was delivered gets a board with it; a unit filter still applies.
func TestSnapshotShared(t *testing.T) {
	hs := newHarness(t, Options{})
	hs.store.mu.Lock()
	hs.store.boardDelay = 50 * time.Millisecond // the others arrive while the first reads
	hs.store.mu.Unlock()
	boards := func() int {
		hs.store.mu.Lock()
		defer hs.store.mu.Unlock()
		return hs.store.boards
	}
	const screens = 10
	conns := make([]*websocket.Conn, screens)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.srv.URL, "http")+"/?", nil)
			if err != nil {
				t.Error(err)
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	for i, c := range conns {
		if c == nil {
			t.FailNow()
		}
		t.Cleanup(func() { c.Close() })
		if m := read(t, c); m.Type != TypeSnapshot || m.Seq != 0 {
			t.Fatalf("screen %d: %+v, want a snapshot at seq 0", i, m)
		}
	}
	if n := boards(); n != 1 {
		t.Errorf("%d screens connecting together read the board %d times, want once", screens, n)
	}

	e := hs.store.add("called", "GIGI", "C-001")
	hs.hub.Publish(context.Background(), []queue.Event{e})
	if m := read(t, conns[0]); m.Seq != e.Seq {
		t.Fatalf("got %+v, want the call at seq %d", m, e.Seq)
	}
	late := hs.dial("units=UMUM", nil)
	_, raw, err := late.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var snap struct {
		Type  string `json:"type"`
		Seq   int64  `json:"seq"`
		Units []struct {
			Code string `json:"code"`
		} `json:"units"`
	}
	if err := json.Unmarshal(raw, &snap); err != nil {
		t.Fatal(err)
	}
	if snap.Type != TypeSnapshot || snap.Seq != e.Seq || len(snap.Units) != 1 || snap.Units[0].Code != "UMUM" {
		t.Errorf("a screen of UMUM connecting after the call: %s, want a snapshot at seq %d of UMUM alone", raw, e.Seq)
	}
	if n := boards(); n != 2 {
		t.Errorf("board read %d times, want twice (once more after the event)", n)
	}
}

// boardMsg is a coalesced board update.
type boardMsg struct {
	Type  string `json:"type"`
	Seq   int64  `json:"seq"`
	Units []struct {
		Code    string `json:"code"`
		Seq     int64  `json:"seq"`
		Waiting int    `json:"waiting"`
	} `json:"units"`
}

func readRaw(t *testing.T, conn *websocket.Conn, d time.Duration) ([]byte, error) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(d))
	_, raw, err := conn.ReadMessage()
	return raw, err
}

// A coalescing screen gets each call at once and a booking rush as one
// board update a period with each unit's latest state and seq, while a
// screen of the v1 contract beside it still gets every event in seq order.
// A call goes ahead of a board update still waiting to be written.
func TestCoalescedBoard(t *testing.T) {
	hs := newHarness(t, Options{Coalesce: 300 * time.Millisecond})
	ctx := context.Background()
	co := hs.dial("coalesce=1", nil)
	gigi := hs.dial("coalesce=1&units=GIGI", nil)
	v1 := hs.dial("", nil)
	for _, c := range []*websocket.Conn{co, gigi, v1} {
		if m := read(t, c); m.Type != TypeSnapshot {
			t.Fatalf("first message %+v, want a snapshot", m)
		}
	}
	start := time.Now()
	var rush []queue.Event
	for i := range 50 {
		rush = append(rush, hs.store.add("booked", "UMUM", fmt.Sprintf("B-%03d", i+1)))
	}
	rush = append(rush, hs.store.add("booked", "GIGI", "C-001"))
	hs.hub.Publish(ctx, rush)
	call := hs.store.add("called", "UMUM", "B-001")
	hs.hub.Publish(ctx, []queue.Event{call})

	// The call comes first, and at once.
	if m := read(t, co); m.Type != TypeCalled || m.Seq != call.Seq || m.Code != "B-001" {
		t.Fatalf("coalescing screen: first %+v, want the call at seq %d", m, call.Seq)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("the call took %v, want it ahead of the coalescing period", d)
	}
	// Then one update: GIGI's booking (UMUM's state came with the call).
	raw, err := readRaw(t, co, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var b boardMsg
	json.Unmarshal(raw, &b)
	last := rush[len(rush)-1]
	if b.Type != TypeUnits || len(b.Units) != 1 || b.Units[0].Code != "GIGI" || b.Units[0].Seq != last.Seq || b.Units[0].Waiting != last.Waiting {
		t.Fatalf("board update %s, want GIGI at seq %d only", raw, last.Seq)
	}
	if raw, err := readRaw(t, co, 600*time.Millisecond); err == nil {
		t.Fatalf("a further message %s, want none until something changes", raw)
	}
	// A screen of GIGI only gets GIGI's update and no call of UMUM.
	raw, err = readRaw(t, gigi, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(raw, &b)
	if b.Type != TypeUnits || len(b.Units) != 1 || b.Units[0].Code != "GIGI" {
		t.Fatalf("GIGI's screen: %s, want GIGI's update", raw)
	}
	// The v1 screen: every event, in order.
	for want := int64(1); want <= call.Seq; want++ {
		if m := read(t, v1); m.Seq != want {
			t.Fatalf("v1 screen: seq %d, want %d", m.Seq, want)
		}
	}

	// With the board update not yet written, a call overtakes it.
	c := &client{hub: hs.hub, display: true, coalesce: true, last: 0}
	c.mu.Lock()
	c.writing = true // no writer: the queue stays as offered
	c.mu.Unlock()
	bf := boardFrame([]queue.Event{rush[0]}, nil)
	cf := &frame{seq: call.Seq + 1, call: true}
	c.offer(bf)
	c.offer(cf)
	if len(c.queue) != 2 || c.queue[0] != cf || c.queue[1] != bf {
		t.Errorf("queue after a board update and a call: %v, want the call first", c.queue)
	}
}

// A frame made by textFrame reads as the text message it holds, at every
// length encoding (7-bit, 16-bit and 64-bit).
func TestTextFrame(t *testing.T) {
	sizes := []int{0, 1, 125, 126, 127, 65535, 65536, 70000}
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for _, n := range sizes {
			if _, err := conn.UnderlyingConn().Write(textFrame([]byte(strings.Repeat("x", n)))); err != nil {
				return
			}
		}
		conn.ReadMessage() // until the client goes
	}))
	defer srv.Close()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, n := range sizes {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		typ, p, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if typ != websocket.TextMessage || len(p) != n || strings.Trim(string(p), "x") != "" {
			t.Fatalf("%d bytes: got type %d, %d bytes", n, typ, len(p))
		}
	}
	if fr := sharedFrame(frame{data: []byte("abc")}); string(fr.data) != "abc" || !bytes.HasSuffix(fr.wire, fr.data) {
		t.Errorf("sharedFrame: data %q, wire %q", fr.data, fr.wire)
	}
}

// While a call is being written to the screens, a board update waits: the
// fan-out writes the calls queued on each socket, leaves the board update
// until the calls are out, and gives the socket's writer role up meanwhile,
// so that the next call to it is written at once by its own fan-out.
func TestBoardWaitsForCalls(t *testing.T) {
	hs := newHarness(t, Options{Coalesce: time.Hour})
	co, c := hs.idleCoalescingScreen()
	t.Cleanup(func() {
		// A failure that left the role with this test would keep the
		// hub's shutdown waiting for it.
		c.mu.Lock()
		held := c.writing
		c.mu.Unlock()
		if t.Failed() && held {
			c.flushNow(nil)
		}
	})
	booked := hs.store.add("booked", "GIGI", "C-001")
	called := hs.store.add("called", "UMUM", "B-001")
	bf := boardFrame([]queue.Event{booked}, nil)
	cf := sharedFrame(frame{seq: called.Seq, call: true, data: encodeEvent(called, jakarta)})

	var gate callGate
	gate.enter() // another goroutine is writing a call
	if ok, taken := c.enqueue(bf, true); !ok || !taken {
		t.Fatalf("enqueue board: ok %v, taken %v; want both", ok, taken)
	}
	if !c.flushNow(&gate) {
		t.Fatal("the board update was written while a call was being written")
	}
	c.mu.Lock()
	held := len(c.queue) == 1 && c.queue[0] == bf
	writing := c.writing
	c.mu.Unlock()
	if !held || writing {
		t.Fatalf("board update held in the queue: %v, writer role kept: %v; want held and the role free", held, writing)
	}
	if ok, taken := c.enqueue(cf, true); !ok || !taken {
		t.Fatalf("enqueue call: ok %v, taken %v; want the call's fan-out to take the free role", ok, taken)
	}
	if !c.flushNow(&gate) {
		t.Fatal("the board update was written after the call while the gate was busy")
	}
	if m := read(t, co); m.Type != TypeCalled || m.Seq != called.Seq {
		t.Fatalf("got %+v, want the call at seq %d first", m, called.Seq)
	}
	gate.leave()
	if !c.resume() {
		t.Fatal("resume did not take the role back for the held board update")
	}
	if c.flushNow(&gate) {
		t.Fatal("the board update still waits with no call being written")
	}
	readBoardOf(t, co, "GIGI")
	if c.resume() {
		t.Fatal("resume took the role with nothing queued")
	}
}

// A call to a screen whose board update a fan-out holds back goes out at
// once through its own fan-out; the held update follows when the calls are
// out.
func TestHeldBoardLetsNextCallThrough(t *testing.T) {
	hs := newHarness(t, Options{Coalesce: time.Hour})
	co, c := hs.idleCoalescingScreen()
	booked := hs.store.add("booked", "GIGI", "C-001")
	first := hs.store.add("called", "UMUM", "B-001")
	second := hs.store.add("called", "UMUM", "B-002")
	callFrame := func(e queue.Event) *frame {
		return sharedFrame(frame{seq: e.Seq, call: true, data: encodeEvent(e, jakarta)})
	}
	var gate callGate
	gate.enter() // another facility goroutine is writing a call
	var once sync.Once
	leave := func() { once.Do(gate.leave) }
	t.Cleanup(leave) // the held update would keep the hub's shutdown waiting

	if ok, taken := c.enqueue(boardFrame([]queue.Event{booked}, nil), true); !ok || !taken {
		t.Fatalf("enqueue board: ok %v, taken %v; want both", ok, taken)
	}
	c.enqueue(callFrame(first), true) // behind the role this test holds, ahead of the board
	hs.hub.flushAll([]*client{c}, 1, &gate, true)
	if m := read(t, co); m.Type != TypeCalled || m.Seq != first.Seq {
		t.Fatalf("got %+v, want the first call", m)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		free := !c.writing
		c.mu.Unlock()
		if free {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the fan-out kept the writer role while it held the board update back")
		}
		time.Sleep(time.Millisecond)
	}
	ok, taken := c.enqueue(callFrame(second), true)
	if !ok || !taken {
		t.Fatalf("enqueue second call: ok %v, taken %v; want its fan-out to take the role", ok, taken)
	}
	if !c.flushNow(&gate) {
		t.Fatal("the board update went out while calls were being written")
	}
	if m := read(t, co); m.Type != TypeCalled || m.Seq != second.Seq {
		t.Fatalf("got %+v, want the second call before the board update", m)
	}
	leave()
	readBoardOf(t, co, "GIGI")
}

// Frames queued while the fan-out held a socket go out together, whole
// and in order; one the screen already has is left out.
func TestFlushJoinsQueuedFrames(t *testing.T) {
	hs := newHarness(t, Options{})
	co, c := hs.idleCoalescingScreen()
	var frs []*frame
	for _, code := range []string{"B-001", "B-002", "B-003", "B-004"} {
		e := hs.store.add("called", "UMUM", code)
		frs = append(frs, sharedFrame(frame{seq: e.Seq, call: true, data: encodeEvent(e, jakarta)}))
	}
	if ok, taken := c.enqueue(frs[0], true); !ok || !taken {
		t.Fatalf("enqueue: ok %v, taken %v; want both", ok, taken)
	}
	for _, fr := range []*frame{frs[1], frs[2], frs[1], frs[3]} { // frs[1] twice: once is enough
		if ok, taken := c.enqueue(fr, true); !ok || taken {
			t.Fatalf("enqueue behind the role: ok %v, taken %v", ok, taken)
		}
	}
	if c.flushNow(nil) {
		t.Fatal("flushNow deferred with no gate")
	}
	for _, fr := range frs {
		if m := read(t, co); m.Type != TypeCalled || m.Seq != fr.seq {
			t.Fatalf("got %+v, want the call at seq %d", m, fr.seq)
		}
	}
	// Nothing more: the next call is the next message.
	e := hs.store.add("called", "UMUM", "B-005")
	hs.hub.Publish(context.Background(), []queue.Event{e})
	if m := read(t, co); m.Seq != e.Seq {
		t.Fatalf("got seq %d after the queued frames, want %d", m.Seq, e.Seq)
	}
}

// A screen that closes gets the close echoed (by the writer) and is let go.
func TestClientCloses(t *testing.T) {
	hs := newHarness(t, Options{})
	conn, _ := hs.idleCoalescingScreen() // no writer busy: the reader echoes
	msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "bye")
	if err := conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := conn.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("read after closing: %v, want the close echoed with 1001", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for hs.hub.clientCount() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the closed screen is still a client")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A board update is queued for a display only when its goroutine comes to
// it, and not while a call is being written: the call's own goroutines find
// the display free.
func TestBoardQueuedAfterCalls(t *testing.T) {
	hs := newHarness(t, Options{Coalesce: time.Hour})
	co, c := hs.idleCoalescingScreen()
	booked := hs.store.add("booked", "GIGI", "C-001")
	var gate callGate
	gate.enter()
	type arrival struct {
		raw []byte
		err error
		at  time.Time
	}
	got := make(chan arrival, 1)
	go func() {
		raw, err := readRaw(t, co, 5*time.Second)
		got <- arrival{raw, err, time.Now()}
	}()
	hs.hub.writeBoards([]boardTo{{c, boardFrame([]queue.Event{booked}, nil)}}, &gate)
	time.Sleep(100 * time.Millisecond)
	left := time.Now()
	gate.leave()
	a := <-got
	if a.err != nil {
		t.Fatal(a.err)
	}
	if a.at.Before(left) {
		t.Fatalf("the board update %s arrived while a call was being written", a.raw)
	}
	if !isBoardOf(a.raw, "GIGI") {
		t.Fatalf("got %s, want GIGI's board update", a.raw)
	}
}

// idleCoalescingScreen connects the hub's only client, a coalescing
// screen, and returns it once it has its snapshot and no writer runs.
func (hs *harness) idleCoalescingScreen() (*websocket.Conn, *client) {
	t := hs.t
	t.Helper()
	co := hs.dial("coalesce=1", nil)
	if m := read(t, co); m.Type != TypeSnapshot {
		t.Fatalf("first message %+v, want a snapshot", m)
	}
	hs.hub.mu.Lock()
	var c *client
	for cl := range hs.hub.clients {
		c = cl
	}
	hs.hub.mu.Unlock()
	for { // until the setup goroutine has given up the writer role
		c.mu.Lock()
		idle := !c.writing
		c.mu.Unlock()
		if idle {
			return co, c
		}
		time.Sleep(time.Millisecond)
	}
}

// readBoardOf reads a board update of unit alone.
func readBoardOf(t *testing.T, co *websocket.Conn, unit string) {
	t.Helper()
	raw, err := readRaw(t, co, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !isBoardOf(raw, unit) {
		t.Fatalf("got %s, want %s's board update", raw, unit)
	}
}

// isBoardOf reports whether raw is a board update of unit alone.
func isBoardOf(raw []byte, unit string) bool {
	var b boardMsg
	json.Unmarshal(raw, &b)
	return b.Type == TypeUnits && len(b.Units) == 1 && b.Units[0].Code == unit
}

// A fan-out is split among at most n goroutines, none with fewer than
// minChunk sockets unless it is the last, and every socket in one part.
func TestChunks(t *testing.T) {
	for _, tc := range []struct{ len, n, parts int }{{0, 2, 0}, {100, 2, 1}, {10000, 2, 2}, {10001, 2, 2}, {10000, 1, 1}, {600, 4, 3}} {
		s := make([]int, tc.len)
		got, total := chunks(s, tc.n), 0
		for _, p := range got {
			total += len(p)
		}
		if len(got) != tc.parts || total != tc.len {
			t.Errorf("chunks(%d, %d): %d parts of %d in all, want %d parts of %d", tc.len, tc.n, len(got), total, tc.parts, tc.len)
		}
	}
}
