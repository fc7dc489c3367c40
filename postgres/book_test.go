package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
	"github.com/jackc/pgx/v5"
)

// bookNow is the clock of the booking tests.
var bookNow = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

const bookDay = "2026-11-27"

// bookUnit is a unit the booking tests book on.
type bookUnit struct {
	facilityID, unitID int64
	facility, unit     string
	quota              int
}

func newBookUnit(t testing.TB, db *postgres.DB, facility string, quota int) bookUnit {
	t.Helper()
	ctx := context.Background()
	fid, err := db.CreateFacility(ctx, queue.Facility{Code: facility, Name: "Puskesmas " + facility})
	if err != nil {
		t.Fatal(err)
	}
	u := queue.Unit{Code: "UMUM", Name: "Poli Umum", Prefix: "B", DailyQuota: quota, OpenDays: postgres.AllDays,
		Policy: queue.DefaultPolicy(), DefaultServiceS: 300}
	if err := db.SaveUnit(ctx, fid, u); err != nil {
		t.Fatal(err)
	}
	var uid int64
	if err := db.Pool.QueryRow(ctx, `SELECT id FROM units WHERE facility_id = $1`, fid).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	return bookUnit{fid, uid, facility, "UMUM", quota}
}

// booking is a new ticket for the person nik (its hash is the NIK itself
// here), with an idempotency key and request body when key is set.
func (u bookUnit) booking(nik, key, body string) queue.NewTicket {
	nt := queue.NewTicket{Prefix: "B", Quota: u.quota, IdempotencyKey: key}
	nt.ID = queue.NewID()
	nt.VisitID = nt.ID
	nt.FacilityID, nt.Facility, nt.UnitID, nt.Unit = u.facilityID, u.facility, u.unitID, u.unit
	nt.ServiceDate, nt.Status, nt.Channel = bookDay, queue.Waiting, queue.ChannelOnline
	nt.Name, nt.NIK = "Pasien "+nik, nik
	nt.NIKHash = []byte("nik:" + nik)
	nt.IssuedAt = bookNow
	nt.OrderKey = bookNow.UnixMilli()
	if key != "" {
		nt.RequestHash = []byte(body)
	}
	return nt
}

// checkSequenced checks the unit's first n bookings, all waiting: each
// event's seq is the waiting count it recorded (1..n, no gap), the
// facility's seq is n, and so is the unit's kept waiting count.
func (u bookUnit) checkSequenced(t *testing.T, db *postgres.DB, n int) {
	t.Helper()
	if got := count(t, db, `SELECT count(*) FROM ticket_events WHERE facility_id = $1 AND seq = waiting AND seq BETWEEN 1 AND $2`,
		u.facilityID, n); got != n {
		t.Errorf("%d events with seq = waiting in 1..%d, want %d", got, n, n)
	}
	if got := count(t, db, `SELECT event_seq FROM facilities WHERE id = $1`, u.facilityID); got != n {
		t.Errorf("facility event_seq %d, want %d", got, n)
	}
	if got := count(t, db, `SELECT waiting FROM ticket_numbers WHERE unit_id = $1`, u.unitID); got != n {
		t.Errorf("unit's waiting count %d, want %d", got, n)
	}
}

func count(t *testing.T, db *postgres.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// A group decides each booking as if the earlier ones had committed just
// before it: one refused booking (a duplicate stored or in the group, a
// reused key, the quota) refuses only itself, replays answer with the
// earlier ticket, and the rest are numbered and sequenced without a gap,
// all in one transaction.
func TestBookGroupDecidesEachBooking(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	u := newBookUnit(t, db, "grup", 5)
	first := postgres.BookTogether(ctx, db, []queue.NewTicket{u.booking("p", "kp", "p")}, bookNow)[0]
	if first.Err != nil || first.Ticket.Number != 1 {
		t.Fatalf("first booking: %+v", first)
	}
	group := []queue.NewTicket{
		u.booking("a", "ka", "a"),  // 0: number 2
		u.booking("p", "", ""),     // 1: duplicate of the stored ticket
		u.booking("a", "kb", "a2"), // 2: duplicate of 0, in the group
		u.booking("a", "ka", "a"),  // 3: replay of 0
		u.booking("x", "ka", "x"),  // 4: key of 0 with another body
		u.booking("b", "", ""),     // 5: number 3
		u.booking("p", "kp", "p"),  // 6: replay of the stored key
		u.booking("c", "", ""),     // 7: number 4
		u.booking("d", "kd", "d"),  // 8: number 5
		u.booking("e", "", ""),     // 9: quota full
		u.booking("d", "kd", "d"),  // 10: replay of 8
		u.booking("f", "kf", "f"),  // 11: quota full
		u.booking("f", "kf", "f"),  // 12: quota full again: 11 stored nothing
	}
	res := postgres.BookTogether(ctx, db, group, bookNow)

	wantNumbers := map[int]int{0: 2, 5: 3, 7: 4, 8: 5}
	for i, n := range wantNumbers {
		r := res[i]
		if r.Err != nil || !r.Created || r.Ticket.Number != n || r.Ticket.Code != queue.FormatCode("B", n) {
			t.Errorf("booking %d: %+v, want new ticket number %d", i, r, n)
			continue
		}
		if len(r.Events) != 1 || r.Events[0].Seq != int64(n) || r.Events[0].Waiting != n || r.Events[0].Kind != "booked" {
			t.Errorf("booking %d: events %+v, want booked seq %d waiting %d", i, r.Events, n, n)
		}
	}
	var dup *queue.DuplicateError
	if !errors.As(res[1].Err, &dup) || dup.Existing.ID != first.Ticket.ID {
		t.Errorf("booking 1: %v, want a duplicate of %s", res[1].Err, first.Ticket.Code)
	}
	if !errors.As(res[2].Err, &dup) || dup.Existing.ID != res[0].Ticket.ID {
		t.Errorf("booking 2: %v, want a duplicate of booking 0", res[2].Err)
	}
	for i, want := range map[int]string{3: res[0].Ticket.ID, 6: first.Ticket.ID, 10: res[8].Ticket.ID} {
		if r := res[i]; r.Err != nil || r.Created || r.Ticket.ID != want || len(r.Events) != 0 {
			t.Errorf("booking %d: %+v, want a replay of %s", i, r, want)
		}
	}
	if !errors.Is(res[4].Err, fault.ErrConflict) || errors.Is(res[4].Err, queue.ErrDuplicate) {
		t.Errorf("booking 4: %v, want the key's conflict", res[4].Err)
	}
	for _, i := range []int{9, 11, 12} {
		if !errors.Is(res[i].Err, queue.ErrQuotaFull) {
			t.Errorf("booking %d: %v, want quota full", i, res[i].Err)
		}
	}

	// What was stored: five tickets numbered 1..5, the group's four in one
	// transaction, events 1..5 with their waiting counts, the keys.
	if n := count(t, db, `SELECT count(*) FROM tickets WHERE unit_id = $1 AND number BETWEEN 1 AND 5`, u.unitID); n != 5 {
		t.Errorf("%d tickets numbered 1..5, want 5", n)
	}
	if n := count(t, db, `SELECT count(*) FROM tickets`); n != 5 {
		t.Errorf("%d tickets stored, want 5", n)
	}
	if n := count(t, db, `SELECT count(DISTINCT xmin::text) FROM tickets WHERE number > 1`); n != 1 {
		t.Errorf("the group's tickets were written by %d transactions, want 1", n)
	}
	u.checkSequenced(t, db, 5)
	if n := count(t, db, `SELECT count(*) FROM idempotency_keys WHERE key IN ('kp', 'ka', 'kd') AND
		ticket_id IN ($1, $2, $3)`, first.Ticket.ID, res[0].Ticket.ID, res[8].Ticket.ID); n != 3 {
		t.Errorf("%d keys stored for their tickets, want 3", n)
	}
	if n := count(t, db, `SELECT count(*) FROM idempotency_keys`); n != 3 {
		t.Errorf("%d keys stored, want 3 (a refused booking stores none)", n)
	}
}

// A group across facilities sequences each facility's events on its own.
func TestBookGroupAcrossFacilities(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	a, b := newBookUnit(t, db, "satu", 99), newBookUnit(t, db, "dua", 99)
	var group []queue.NewTicket
	for i := range 6 {
		u := a
		if i%3 == 1 {
			u = b
		}
		group = append(group, u.booking(fmt.Sprint(i), "", ""))
	}
	res := postgres.BookTogether(ctx, db, group, bookNow)
	want := []struct {
		fac string
		n   int
	}{{"satu", 1}, {"dua", 1}, {"satu", 2}, {"satu", 3}, {"dua", 2}, {"satu", 4}}
	for i, w := range want {
		r := res[i]
		if r.Err != nil || r.Ticket.Facility != w.fac || r.Ticket.Number != w.n || r.Events[0].Seq != int64(w.n) {
			t.Errorf("booking %d: %+v, want %s number and seq %d", i, r, w.fac, w.n)
		}
	}
	if n := count(t, db, `SELECT sum(event_seq) FROM facilities`); n != 6 {
		t.Errorf("facilities' event_seq sum to %d, want 4 + 2", n)
	}
}

// When the group's transaction fails as a whole (here a hook refuses one
// booking), every booking is retried alone: only the one at fault fails.
func TestBookGroupFailureIsolated(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	u := newBookUnit(t, db, "gagal", 99)
	db.Hooks = append(db.Hooks, func(_ context.Context, _ *postgres.Tx, _ queue.Event, tk queue.Ticket, _ string) error {
		if tk.Name == "Pasien rusak" {
			return errors.New("hook refuses")
		}
		return nil
	})
	res := postgres.BookTogether(ctx, db, []queue.NewTicket{
		u.booking("a", "", ""), u.booking("rusak", "", ""), u.booking("b", "", ""),
	}, bookNow)
	if res[1].Err == nil {
		t.Errorf("the refused booking succeeded: %+v", res[1])
	}
	for i, n := range map[int]int{0: 1, 2: 2} {
		if res[i].Err != nil || res[i].Ticket.Number != n || res[i].Events[0].Seq != int64(n) {
			t.Errorf("booking %d: %+v, want number and seq %d", i, res[i], n)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM ticket_events`); n != 2 {
		t.Errorf("%d events, want 2", n)
	}
}

// Concurrent bookings through Book share transactions, and keep numbers
// gap-free and keys exact: every retry of one key gets one ticket.
func TestBookConcurrentGroups(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	u := newBookUnit(t, db, "ramai", 999)
	const n, retries = 200, 5
	var wg sync.WaitGroup
	results := make([][retries]postgres.BookResult, n)
	for i := range n {
		for r := range retries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				nt := u.booking(fmt.Sprint(i), fmt.Sprint("k", i), fmt.Sprint(i))
				tk, ev, created, err := db.Book(ctx, nt, bookNow)
				results[i][r] = postgres.BookResult{Ticket: tk, Events: ev, Created: created, Err: err}
			}()
		}
	}
	wg.Wait()
	numbers := map[int]bool{}
	for i, rs := range results {
		created := 0
		for _, r := range rs {
			if r.Err != nil {
				t.Fatalf("booking %d: %v", i, r.Err)
			}
			if r.Created {
				created++
			}
			if r.Ticket.ID != rs[0].Ticket.ID {
				t.Errorf("booking %d: retries answered with %s and %s", i, rs[0].Ticket.Code, r.Ticket.Code)
			}
		}
		if created != 1 {
			t.Errorf("booking %d created %d tickets, want 1", i, created)
		}
		numbers[rs[0].Ticket.Number] = true
	}
	for k := 1; k <= n; k++ {
		if !numbers[k] {
			t.Errorf("number %d not given", k)
		}
	}
	if got := count(t, db, `SELECT count(*) FROM ticket_events WHERE seq = waiting`); got != n {
		t.Errorf("%d events with seq = waiting, want %d", got, n)
	}
	txs := count(t, db, `SELECT count(DISTINCT xmin::text) FROM tickets`)
	if txs >= n {
		t.Errorf("%d bookings in %d transactions: none shared", n, txs)
	}
	t.Logf("%d bookings (%d requests) in %d transactions", n, n*retries, txs)
}

// Bookings of different facilities that arrive together share a
// transaction: an instance's bookings wait in one queue, so a group is as
// large as the load makes it, whatever facilities it spans. Each facility
// still numbers its own tickets 1..n and sequences its own events.
func TestBookGroupsSpanFacilities(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	const facilities, n = 4, 50
	units := make([]bookUnit, facilities)
	for f := range units {
		units[f] = newBookUnit(t, db, fmt.Sprint("pkm", f), 999)
	}
	var wg sync.WaitGroup
	for i := range n {
		for _, u := range units {
			wg.Go(func() {
				if _, _, _, err := db.Book(ctx, u.booking(fmt.Sprint(u.facility, "-", i), "", ""), bookNow); err != nil {
					t.Errorf("%s booking %d: %v", u.facility, i, err)
				}
			})
		}
	}
	wg.Wait()
	for _, u := range units {
		u.checkSequenced(t, db, n)
	}
	// The facilities' ids are consecutive: a queue per facility, or per id
	// modulo up to four, would never put two of them in one transaction.
	spanned := count(t, db, `SELECT coalesce(max(c), 0) FROM (SELECT count(DISTINCT facility_id) c FROM tickets GROUP BY xmin::text) g`)
	if spanned < 2 {
		t.Errorf("no transaction held bookings of more than one facility (at most %d)", spanned)
	}
	t.Logf("%d bookings in %d transactions, up to %d facilities in one", facilities*n,
		count(t, db, `SELECT count(DISTINCT xmin::text) FROM tickets`), spanned)
}

// A facility whose row another transaction holds (a staff action, a
// long admin change) holds up its own bookings only: a group of several
// facilities skips it and commits the others', and its own commit once
// the lock is let go, numbered and sequenced as ever. A group of one
// facility's bookings waits for the lock.
func TestBookGroupsSkipLockedFacility(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	const n = 5
	busy, others := newBookUnit(t, db, "sibuk", 999), []bookUnit{
		newBookUnit(t, db, "satu", 999), newBookUnit(t, db, "dua", 999), newBookUnit(t, db, "tiga", 999)}
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM facilities WHERE id = $1 FOR UPDATE`, busy.facilityID); err != nil {
		t.Fatal(err)
	}
	var nts []queue.NewTicket
	for i := range n {
		for _, u := range append([]bookUnit{busy}, others...) {
			nts = append(nts, u.booking(fmt.Sprint(u.facility, "-", i), "", ""))
		}
	}
	finished := make(chan []<-chan struct{})
	go func() { finished <- postgres.BookInQueue(ctx, db, nts, bookNow) }()
	var done []<-chan struct{}
	select {
	case done = <-finished:
	case <-time.After(20 * time.Second):
		t.Fatal("the group waited for the locked facility")
	}
	for i, nt := range nts {
		select {
		case <-done[i]:
			if nt.FacilityID == busy.facilityID {
				t.Fatalf("%s's booking answered while its facility was locked", nt.Facility)
			}
		default:
			if nt.FacilityID != busy.facilityID {
				t.Fatalf("%s's booking not answered with its group", nt.Facility)
			}
		}
	}
	for _, u := range others {
		u.checkSequenced(t, db, n)
	}
	if got := count(t, db, `SELECT count(*) FROM tickets WHERE facility_id = $1`, busy.facilityID); got != 0 {
		t.Fatalf("%d tickets of the locked facility committed while it was locked", got)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for _, d := range done {
		select {
		case <-d:
		case <-time.After(20 * time.Second):
			t.Fatal("the locked facility's bookings were not committed once it was let go")
		}
	}
	busy.checkSequenced(t, db, n)
}

// trips counts what is sent to the database: a batch is one round trip
// with its statements, a query outside a batch one round trip of one.
type trips struct {
	mu                sync.Mutex
	trips, statements int
}

func (c *trips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.add(1)
	return ctx
}

func (c *trips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *trips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	c.add(d.Batch.Len())
	return ctx
}

func (c *trips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *trips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func (c *trips) add(statements int) {
	c.mu.Lock()
	c.trips++
	c.statements += statements
	c.mu.Unlock()
}

// tracedDB opens a migrated database of this test whose round trips and
// statements tr counts.
func tracedDB(t *testing.T) (*postgres.DB, *trips) {
	t.Helper()
	ctx := context.Background()
	tr := &trips{}
	db, err := postgres.OpenTraced(ctx, testenv.Postgres(t), tr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return db, tr
}

// take returns the round trips and statements counted since the last take.
func (c *trips) take() (trips, statements int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	trips, statements = c.trips, c.statements
	c.trips, c.statements = 0, 0
	return trips, statements
}

// A booking that finds no other pending (a lone client's) is a group of
// one, and takes the fast path: two round trips of six statements in all
// (BEGIN, the plan setting, the facility's lock, one read; one write,
// COMMIT), where a group takes twelve. It keeps every guarantee: numbers and seqs without a gap,
// the kept waiting count, replays of its key (one more round trip to read
// the earlier ticket), a key reused with another request, the person's
// active ticket, the quota.
func TestBookAloneTakesFastPath(t *testing.T) {
	ctx := context.Background()
	db, tr := tracedDB(t)
	u := newBookUnit(t, db, "sendiri", 3)
	book := func(nt queue.NewTicket) (postgres.BookResult, int, int) {
		t.Helper()
		tr.take()
		tk, ev, created, err := db.Book(ctx, nt, bookNow)
		n, s := tr.take()
		return postgres.BookResult{Ticket: tk, Events: ev, Created: created, Err: err}, n, s
	}
	first, _, _ := book(u.booking("a", "ka", "a")) // also prepares the statements
	if first.Err != nil || first.Ticket.Number != 1 {
		t.Fatalf("first booking: %+v", first)
	}

	r, n, s := book(u.booking("b", "kb", "b"))
	if r.Err != nil || !r.Created || r.Ticket.Number != 2 || len(r.Events) != 1 || r.Events[0].Seq != 2 || r.Events[0].Waiting != 2 {
		t.Fatalf("second booking: %+v, want number, seq and waiting 2", r)
	}
	if n != 2 || s != 6 {
		t.Errorf("a lone booking took %d round trips of %d statements, want 2 of 6", n, s)
	}
	second := r.Ticket

	r, n, s = book(u.booking("b", "kb", "b"))
	if r.Err != nil || r.Created || r.Ticket.ID != second.ID || len(r.Events) != 0 {
		t.Errorf("replay: %+v, want the ticket of its key, %s", r, second.Code)
	}
	if n != 3 || s != 6 {
		t.Errorf("a lone replay took %d round trips of %d statements, want 3 of 6", n, s)
	}
	r, _, _ = book(u.booking("x", "kb", "x"))
	if !errors.Is(r.Err, fault.ErrConflict) || errors.Is(r.Err, queue.ErrDuplicate) {
		t.Errorf("key reused with another request: %v, want the key's conflict", r.Err)
	}
	r, _, _ = book(u.booking("a", "", ""))
	var dup *queue.DuplicateError
	if !errors.As(r.Err, &dup) || dup.Existing.ID != first.Ticket.ID {
		t.Errorf("the person booking again: %v, want a duplicate of %s", r.Err, first.Ticket.Code)
	}
	if r, _, _ = book(u.booking("c", "kc", "c")); r.Err != nil || r.Ticket.Number != 3 || r.Events[0].Seq != 3 {
		t.Errorf("third booking: %+v, want number and seq 3", r)
	}
	if r, _, _ = book(u.booking("d", "kd", "d")); !errors.Is(r.Err, queue.ErrQuotaFull) {
		t.Errorf("fourth booking: %v, want quota full", r.Err)
	}

	if n := count(t, db, `SELECT count(*) FROM tickets WHERE unit_id = $1 AND number BETWEEN 1 AND 3`, u.unitID); n != 3 {
		t.Errorf("%d tickets numbered 1..3, want 3", n)
	}
	u.checkSequenced(t, db, 3)
	if n := count(t, db, `SELECT count(*) FROM idempotency_keys k JOIN tickets t ON t.id = k.ticket_id
		WHERE k.key IN ('ka', 'kb', 'kc')`); n != 3 {
		t.Errorf("%d keys stored with their tickets, want 3 (a refused booking stores none)", n)
	}
	if n := count(t, db, `SELECT count(*) FROM idempotency_keys`); n != 3 {
		t.Errorf("%d keys stored, want 3", n)
	}

	// A booked ticket (a unit that requires check-in) is stored booked with
	// its window, out of the waiting count, and is the person's active
	// ticket.
	w := newBookUnit(t, db, "janji", 9)
	nt := w.booking("g", "", "")
	nt.Status = queue.Booked
	window := func(number, waiting int) queue.Window {
		start := bookNow.Add(time.Duration(number*10+waiting) * time.Minute)
		return queue.Window{Start: start, End: start.Add(30 * time.Minute)}
	}
	nt.WindowAt = window
	r, n, s = book(nt)
	if r.Err != nil || r.Ticket.Status != queue.Booked || r.Ticket.Window != window(1, 0) || r.Events[0].Waiting != 0 {
		t.Fatalf("booked ticket: %+v, want booked with the window of number 1, nobody waiting", r)
	}
	if n != 2 || s != 6 {
		t.Errorf("a lone booked ticket took %d round trips of %d statements, want 2 of 6", n, s)
	}
	if n := count(t, db, `SELECT count(*) FROM tickets WHERE id = $1 AND status = 'booked' AND window_start = $2 AND window_end = $3`,
		r.Ticket.ID, r.Ticket.Window.Start, r.Ticket.Window.End); n != 1 {
		t.Errorf("booked ticket stored %d times with its status and window, want 1", n)
	}
	if n := count(t, db, `SELECT waiting FROM ticket_numbers WHERE unit_id = $1`, w.unitID); n != 0 {
		t.Errorf("unit's waiting count %d after a booked ticket, want 0", n)
	}
	booked := r.Ticket
	if r, _, _ = book(w.booking("g", "", "")); !errors.As(r.Err, &dup) || dup.Existing.ID != booked.ID {
		t.Errorf("the booked person booking again: %v, want a duplicate of her booked ticket", r.Err)
	}

	// Bookings that arrive together still share the group's statements.
	v := newBookUnit(t, db, "bersama", 9)
	tr.take()
	res := postgres.BookTogether(ctx, db, []queue.NewTicket{v.booking("e", "ke", "e"), v.booking("f", "kf", "f")}, bookNow)
	if res[0].Err != nil || res[1].Err != nil || res[1].Ticket.Number != 2 {
		t.Fatalf("group of two: %+v", res)
	}
	if n, s := tr.take(); n != 2 || s != 12 {
		t.Errorf("a group of two took %d round trips of %d statements, want 2 of 12", n, s)
	}
}

// BenchmarkBookAlone books one ticket after another through Book, as a
// lone client does, on one connection. Besides the time per booking it
// reports the PostgreSQL backend's CPU per booking (pg-us/op) when the
// server runs on this machine (its /proc is readable).
//
//	go test ./postgres -run '^$' -bench BookAlone -benchtime 3000x
func BenchmarkBookAlone(b *testing.B) {
	ctx := context.Background()
	url := testenv.Postgres(b)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	db, err := postgres.Open(ctx, url+sep+"pool_max_conns=1")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	if err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	u := newBookUnit(b, db, "bench", 999_999)
	book := func(i int) {
		// As the load tool books: a phone to check and an idempotency key.
		nt := u.booking(fmt.Sprint(i), fmt.Sprint("k", i), fmt.Sprint(i))
		nt.NIKHash, nt.PhoneHash = nil, []byte(fmt.Sprint("phone:", i))
		if _, _, _, err := db.Book(ctx, nt, bookNow); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 100 { // prepares the statements, fills the tables a little
		book(-1 - i)
	}
	var pid int
	if err := db.Pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		b.Fatal(err)
	}
	cpu0, cpuOK := processCPU(pid)
	b.ResetTimer()
	for i := range b.N {
		book(i)
	}
	b.StopTimer()
	if cpu1, ok := processCPU(pid); cpuOK && ok {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "pg-us/op")
	}
}

// processCPU is the user and system CPU a process of this machine has used.
func processCPU(pid int) (time.Duration, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from the third on
	if len(f) < 13 {
		return 0, false
	}
	user, err1 := strconv.ParseInt(f[11], 10, 64)
	sys, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(user+sys) * time.Second / 100, true // clock ticks (USER_HZ, 100 on Linux)
}

// The reads under the facility's lock find keys, people, units' days and
// the tickets of replays by their indexes whatever plan PostgreSQL keeps
// for them: planned once while the tables are small (as a prepared
// statement keeps its plan, on a server whose statistics are not
// refreshed), the reads of a group and of a lone booking scan none of
// those tables once they have grown.
func TestBookReadsByIndex(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	u := newBookUnit(t, db, "baca", 9)
	other := newBookUnit(t, db, "besar", 9999)
	if r := postgres.BookTogether(ctx, db, []queue.NewTicket{u.booking("r", "kr", "r")}, bookNow); r[0].Err != nil {
		t.Fatal(r[0].Err)
	}
	grown := false
	grow := func() error {
		if grown {
			return nil
		}
		grown = true
		var batch []queue.NewTicket
		for i := range 6000 {
			batch = append(batch, other.booking(fmt.Sprint("p", i), fmt.Sprint("k", i), "b"))
			if len(batch) == 500 {
				for _, r := range postgres.BookTogether(ctx, db, batch, bookNow) {
					if r.Err != nil {
						return r.Err
					}
				}
				batch = batch[:0]
			}
		}
		// A year of days of the other unit.
		_, err := db.Pool.Exec(ctx, `INSERT INTO ticket_numbers (unit_id, service_date, last, last_key, waiting)
			SELECT $1, d, 0, 0, 0 FROM generate_series(date '2025-01-01', date '2025-12-31', interval '1 day') d`, other.unitID)
		return err
	}
	for _, n := range []int{3, 1} {
		// A replay of a stored key: its ticket is read too.
		nts := []queue.NewTicket{u.booking("r", "kr", "r")}
		for i := range n - 1 {
			nt := u.booking(fmt.Sprint("q", i), fmt.Sprint("kq", i), "q")
			nt.PhoneHash, nt.BPJSHash = []byte(fmt.Sprint("phone:", i)), []byte(fmt.Sprint("bpjs:", i))
			nts = append(nts, nt)
		}
		scans, err := postgres.SeqScansOfReads(ctx, db, nts, bookNow, grow)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"tickets", "idempotency_keys", "ticket_numbers"} {
			if scans[table] != 0 {
				t.Errorf("the reads of %d booking(s) scanned %s %d times, want index lookups only", n, table, scans[table])
			}
		}
	}
}

// A call (any change to a ticket) holds its facility's lock for as few
// round trips and statements as it can: the lock and the ticket in one
// round trip, the change answered with the changed ticket and the event
// with the facility's seq in one more, COMMIT; four round trips of six
// statements with BEGIN. The event carries the counter and waiting count
// the change left. An unknown ticket is not found, and a change its status
// does not allow is refused, as before.
func TestApplyRoundTrips(t *testing.T) {
	ctx := context.Background()
	db, tr := tracedDB(t)
	u := newBookUnit(t, db, "panggil", 9)
	booked, _, _, err := db.Book(ctx, u.booking("a", "", ""), bookNow)
	if err != nil {
		t.Fatal(err)
	}
	tr.take()
	called, events, err := db.Apply(ctx, booked.ID, queue.Change{Action: queue.ActionCall, Counter: "Loket 1", Actor: "petugas"}, bookNow.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if n, s := tr.take(); n != 4 || s != 6 {
		t.Errorf("a call took %d round trips of %d statements, want 4 of 6", n, s)
	}
	if called.Status != queue.Called || called.Counter != "Loket 1" || called.CallCount != 1 || len(events) != 1 ||
		events[0].Kind != "called" || events[0].Seq != 2 || events[0].Counter != "Loket 1" || events[0].Waiting != 0 || events[0].Current == nil ||
		events[0].Current.Code != booked.Code {
		t.Errorf("call: %+v, events %+v", called, events)
	}
	// A recall without a counter keeps the ticket's; with one it moves it.
	recalled, events, err := db.Apply(ctx, booked.ID, queue.Change{Action: queue.ActionRecall}, bookNow.Add(2*time.Minute))
	if err != nil || recalled.Counter != "Loket 1" || recalled.CallCount != 2 || len(events) != 1 || events[0].Seq != 3 ||
		events[0].Counter != "Loket 1" || events[0].Current == nil || events[0].Current.Counter != "Loket 1" {
		t.Errorf("recall: %+v, events %+v, err %v", recalled, events, err)
	}
	recalled, events, err = db.Apply(ctx, booked.ID, queue.Change{Action: queue.ActionRecall, Counter: "Loket 2"}, bookNow.Add(3*time.Minute))
	if err != nil || recalled.Counter != "Loket 2" || recalled.CallCount != 3 || len(events) != 1 || events[0].Seq != 4 ||
		events[0].Counter != "Loket 2" || events[0].Current == nil || events[0].Current.Counter != "Loket 2" {
		t.Errorf("recall to another counter: %+v, events %+v, err %v", recalled, events, err)
	}
	// Skipped, she leaves the unit's current call; requeued, she waits
	// again with no counter, and the unit's waiting count rises.
	skipped, events, err := db.Apply(ctx, booked.ID, queue.Change{Action: queue.ActionSkip}, bookNow.Add(4*time.Minute))
	if err != nil || skipped.Status != queue.Skipped || len(events) != 1 || events[0].Seq != 5 || events[0].Counter != "Loket 2" ||
		events[0].Waiting != 0 || events[0].Current != nil {
		t.Errorf("skip: %+v, events %+v, err %v", skipped, events, err)
	}
	requeued, events, err := db.Apply(ctx, booked.ID, queue.Change{Action: queue.ActionRequeue, OrderKey: 1}, bookNow.Add(5*time.Minute))
	if err != nil || requeued.Status != queue.Waiting || requeued.Counter != "" || len(events) != 1 || events[0].Seq != 6 ||
		events[0].Counter != "" || events[0].Waiting != 1 {
		t.Errorf("requeue: %+v, events %+v, err %v", requeued, events, err)
	}
	if _, _, err := db.Apply(ctx, booked.ID, queue.Change{Action: queue.ActionFinish}, bookNow); !errors.Is(err, queue.ErrTransition) {
		t.Errorf("finishing a waiting ticket: %v, want a refused transition", err)
	}
	if _, _, err := db.Apply(ctx, "tidakada", queue.Change{Action: queue.ActionCall}, bookNow); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("calling an unknown ticket: %v, want not found", err)
	}
	if n := count(t, db, `SELECT event_seq FROM facilities WHERE id = $1`, u.facilityID); n != 6 {
		t.Errorf("facility event_seq %d, want 6 (a refused change writes no event)", n)
	}
}

// A unit's measured service time reads the days since it measures from,
// not the unit's whole history: a year of old tickets adds nothing to what
// it reads.
func TestServiceTimeReadsRecentDays(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	u := newBookUnit(t, db, "lama", 999)
	now := bookNow
	// A year of old days, 40 tickets each, then ten days of ten tickets
	// served in 5 minutes each.
	if _, err := db.Pool.Exec(ctx, `INSERT INTO tickets (id, facility_id, unit_id, service_date, number, code, status,
			channel, visit_id, order_key, issued_at, called_at, finished_at, counter)
		SELECT 't-' || d::date || '-' || i, $1, $2, d::date, i, 'B-' || i, 'done', 'desk', 'v', i,
			d, d + i * interval '1 minute', d + i * interval '1 minute' + interval '5 minutes', 'Ruang 1'
		FROM generate_series($3::timestamptz - interval '400 days', $3::timestamptz - interval '1 day', interval '1 day') d,
			generate_series(1, 40) i
		WHERE d > $3::timestamptz - interval '10 days' AND i <= 10 OR d < $3::timestamptz - interval '30 days'`,
		u.facilityID, u.unitID, now); err != nil {
		t.Fatal(err)
	}
	mean, n, counters, err := db.ServiceTime(ctx, u.unitID, now.Add(-14*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if mean != 5*time.Minute || n != 50 || counters != 1 {
		t.Errorf("service time: got %v from %d tickets and %d counters, want 5m0s from 50 and 1", mean, n, counters)
	}
	read, err := postgres.ServiceTimeReads(ctx, db, u.unitID, now.Add(-14*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// Ten days of ten tickets (and a day either side at most); the year
	// before holds 14,800.
	t.Logf("measuring the unit read %d tickets", read)
	if read > 300 {
		t.Errorf("measuring the unit read %d tickets, want the recent days' only (about 100)", read)
	}
}
