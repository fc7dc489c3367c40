package queue_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// The tests of this file and its siblings run queue.Service against a real
// Postgres (a fresh database per top-level test, migrated) and miniredis,
// with the clock in the test's hand. Each subtest works in a facility of
// its own, so subtests sharing a database do not see each other's queues.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// jakarta is the time zone of every test facility (the default of a new one).
var jakarta = mustLocation("Asia/Jakarta")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// friday is a Friday morning in the facilities' zone: the clock of every
// test unless it says otherwise.
var friday = time.Date(2026, 11, 27, 8, 0, 0, 0, jakarta)

const (
	today    = "2026-11-27"
	tomorrow = "2026-11-28" // a Saturday
)

// clock is the injected time: it stands still until the test moves it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// recorder is a Publisher that keeps what it is given.
type recorder struct {
	mu     sync.Mutex
	events []queue.Event
}

func (r *recorder) Publish(_ context.Context, events []queue.Event) {
	r.mu.Lock()
	r.events = append(r.events, events...)
	r.mu.Unlock()
}

// take returns the events published since the last take and forgets them.
func (r *recorder) take() []queue.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func kinds(events []queue.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Kind
	}
	return out
}

// env is one test's world: a migrated database, a Redis, and the service
// over them.
type env struct {
	db    *postgres.DB
	redis *miniredis.Miniredis
	live  *queue.Live
	svc   *queue.Service
	clock *clock
	pub   *recorder
	seq   atomic.Int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	// Every test of the service also checks that it keeps each script's
	// keys in one Redis Cluster slot.
	slots := &testenv.SlotCheck{}
	rdb.AddHook(slots)
	t.Cleanup(func() { slots.Check(t); rdb.Close() })
	e := &env{db: db, redis: mr, live: queue.NewLive(rdb, "test:"), clock: &clock{now: friday}, pub: &recorder{}}
	db.Now = e.clock.Now
	e.svc = e.service()
	return e
}

// service returns a new Service over the env's store and index: one with
// nothing cached yet.
func (e *env) service() *queue.Service {
	return &queue.Service{Store: e.db, Live: e.live, Publisher: e.pub, Log: slog.New(slog.DiscardHandler),
		Now: e.clock.Now, Secret: []byte("test-secret")}
}

// unit is a unit for facility: open all day every day, with room for 999
// tickets, first come first served and 300 s a patient unless the test
// says otherwise.
func unit(code, prefix string) queue.Unit {
	return queue.Unit{Code: code, Name: code, Prefix: prefix, DailyQuota: 999, OpenDays: postgres.AllDays,
		Policy: queue.Policy{Mode: queue.FIFO}, DefaultServiceS: 300}
}

// facility creates a facility of its own for the calling test with the
// given units, and returns its code.
func (e *env) facility(t *testing.T, units ...queue.Unit) string {
	t.Helper()
	ctx := context.Background()
	code := fmt.Sprintf("pkm%03d", e.seq.Add(1))
	id, err := e.db.CreateFacility(ctx, queue.Facility{Code: code, Name: "Puskesmas " + code})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		if err := e.db.SaveUnit(ctx, id, u); err != nil {
			t.Fatal(err)
		}
	}
	return code
}

// book issues a ticket and fails the test if it is refused.
func (e *env) book(t *testing.T, r queue.BookRequest) queue.Ticket {
	t.Helper()
	tk, _, created, err := e.svc.Book(context.Background(), r)
	if err != nil {
		t.Fatalf("book %+v: %v", r, err)
	}
	if !created {
		t.Fatalf("book %+v: an earlier ticket was returned", r)
	}
	return tk
}

// stored reads a ticket as Postgres holds it.
func (e *env) stored(t *testing.T, id string) queue.Ticket {
	t.Helper()
	tk, err := e.db.Ticket(context.Background(), id)
	if err != nil {
		t.Fatalf("ticket %s: %v", id, err)
	}
	return tk
}

// lanes reads a unit's live index for date.
func (e *env) lanes(t *testing.T, fac, unit, date string) queue.Lanes {
	t.Helper()
	ls, err := e.live.Read(context.Background(), fac, unit, date)
	if err != nil {
		t.Fatalf("read index of %s/%s: %v", fac, unit, err)
	}
	return ls
}

// indexed reports whether ticket id is in a unit's live index.
func (e *env) indexed(t *testing.T, fac, unit, date, id string) bool {
	t.Helper()
	ls := e.lanes(t, fac, unit, date)
	return slices.ContainsFunc(slices.Concat(ls.Normal, ls.Priority), func(x queue.Entry) bool { return x.ID == id })
}

// eventSeq is the seq of a facility's last committed event.
func (e *env) eventSeq(t *testing.T, fac string) int64 {
	t.Helper()
	var seq int64
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT event_seq FROM facilities WHERE code = $1`, fac).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	return seq
}

// tickets counts the tickets a facility holds in Postgres.
func (e *env) tickets(t *testing.T, fac string) int {
	t.Helper()
	var n int
	err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM tickets t JOIN facilities f ON f.id = t.facility_id
		WHERE f.code = $1`, fac).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitingNames returns the names of a unit's waiting tickets in call order.
func (e *env) waitingNames(t *testing.T, fac, unit string) []string {
	t.Helper()
	waiting, _, err := e.svc.Queue(context.Background(), fac, unit)
	if err != nil {
		t.Fatalf("queue of %s/%s: %v", fac, unit, err)
	}
	names := make([]string, len(waiting))
	for i, tk := range waiting {
		names[i] = tk.Name
	}
	return names
}

// wantField checks that err is an invalid-input error about field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	fe, ok := fault.As(err)
	switch {
	case err == nil:
		t.Fatalf("got no error, want invalid %s", field)
	case !errors.Is(err, fault.ErrInvalid) || !ok:
		t.Fatalf("got %v, want fault.ErrInvalid for field %s", err, field)
	case fe.Field != field:
		t.Fatalf("got field %q (%v), want %q", fe.Field, err, field)
	}
}

// sameTicket checks that a ticket is as it was.
func sameTicket(t *testing.T, got, want queue.Ticket) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ticket changed:\n got %+v\nwant %+v", got, want)
	}
}
