package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/jackc/pgx/v5"
)

// Facility returns a facility and its units by code.
func (db *DB) Facility(ctx context.Context, code string) (queue.Facility, []queue.Unit, error) {
	var f queue.Facility
	err := db.Pool.QueryRow(ctx, `SELECT id, code, name, kind, timezone, booking_window, show_names, announcement
		FROM facilities WHERE code = $1`, code).
		Scan(&f.ID, &f.Code, &f.Name, &f.Kind, &f.Timezone, &f.BookingWindow, &f.ShowNames, &f.Announcement)
	if err != nil {
		return f, nil, interpret("facility "+code, err)
	}
	if f.Location, err = time.LoadLocation(f.Timezone); err != nil {
		return f, nil, fmt.Errorf("facility %s: time zone %q: %w", code, f.Timezone, err)
	}
	rows, _ := db.Pool.Query(ctx, `SELECT id, facility_id, code, name, prefix, daily_quota, opens_min, closes_min, open_days,
		policy_mode, policy_every, policy_max_wait, requeue_ahead, default_service_s
		FROM units WHERE facility_id = $1 ORDER BY id`, f.ID)
	units, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (queue.Unit, error) {
		var u queue.Unit
		err := r.Scan(&u.ID, &u.FacilityID, &u.Code, &u.Name, &u.Prefix, &u.DailyQuota, &u.Opens, &u.Closes, &u.OpenDays,
			&u.Policy.Mode, &u.Policy.Every, &u.Policy.MaxWait, &u.Policy.RequeueAhead, &u.DefaultServiceS)
		return u, err
	})
	if err != nil {
		return f, nil, interpret("units of "+code, err)
	}
	if f.ClosedDays, err = db.closedDayMap(ctx, f.ID); err != nil {
		return f, nil, err
	}
	return f, units, nil
}

const ticketColumns = `t.id, t.facility_id, f.code, t.unit_id, u.code, t.service_date::text, t.number, t.code, t.status,
	t.priority, t.channel, t.name, t.phone, t.nik, t.bpjs, t.notify, t.counter, t.visit_id, t.order_key,
	t.issued_at, t.called_at, t.started_at, t.finished_at, t.call_count, t.transferred_to, t.from_unit,
	CASE WHEN t.transferred_to = '' THEN '' ELSE coalesce((SELECT u2.code FROM tickets t2 JOIN units u2 ON u2.id = t2.unit_id
		WHERE t2.id = t.transferred_to), '') END`

const ticketFrom = ` FROM tickets t JOIN units u ON u.id = t.unit_id JOIN facilities f ON f.id = t.facility_id `

func scanTicket(r pgx.Row) (queue.Ticket, error) {
	var t queue.Ticket
	err := r.Scan(&t.ID, &t.FacilityID, &t.Facility, &t.UnitID, &t.Unit, &t.ServiceDate, &t.Number, &t.Code, &t.Status,
		&t.Priority, &t.Channel, &t.Name, &t.Phone, &t.NIK, &t.BPJS, &t.Notify, &t.Counter, &t.VisitID, &t.OrderKey,
		&t.IssuedAt, &t.CalledAt, &t.StartedAt, &t.FinishedAt, &t.CallCount, &t.TransferTo, &t.FromUnit, &t.TransferRef)
	return t, err
}

func collectTicket(r pgx.CollectableRow) (queue.Ticket, error) { return scanTicket(r) }

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func getTicket(ctx context.Context, q querier, id string, lock bool) (queue.Ticket, error) {
	sql := `SELECT ` + ticketColumns + ticketFrom + ` WHERE t.id = $1`
	if lock {
		sql += ` FOR UPDATE OF t`
	}
	return scanTicket(q.QueryRow(ctx, sql, id))
}

// Ticket returns a ticket by id.
func (db *DB) Ticket(ctx context.Context, id string) (queue.Ticket, error) {
	t, err := getTicket(ctx, db.Pool, id, false)
	return t, interpret("ticket "+id, err)
}

// Tickets returns the tickets with the given ids, in no particular order.
func (db *DB) Tickets(ctx context.Context, ids []string) ([]queue.Ticket, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+ticketColumns+ticketFrom+` WHERE t.id = ANY($1)`, ids)
	ts, err := pgx.CollectRows(rows, collectTicket)
	return ts, interpret("tickets", err)
}

// events accumulates a transaction's events. It holds the facility row lock
// taken by lockFacility, so seq values are assigned in commit order.
type events struct {
	facility   string
	facilityID int64
	seq        int64
	list       []queue.Event
	hooks      []EventHook
}

func (db *DB) lockFacility(ctx context.Context, tx pgx.Tx, facilityID int64) (*events, error) {
	ev := &events{facilityID: facilityID, hooks: db.Hooks}
	err := tx.QueryRow(ctx, `SELECT code, event_seq FROM facilities WHERE id = $1 FOR UPDATE`, facilityID).Scan(&ev.facility, &ev.seq)
	return ev, err
}

// add records an event for ticket t's unit, with the unit's waiting count
// and current call as they are inside this transaction.
func (ev *events) add(ctx context.Context, tx pgx.Tx, kind string, t queue.Ticket, actor string, at time.Time) error {
	ev.seq++
	e := queue.Event{Seq: ev.seq, Facility: ev.facility, Unit: t.Unit, ServiceDate: t.ServiceDate, Kind: kind,
		TicketID: t.ID, Code: t.Code, Counter: t.Counter, At: at}
	// One round trip: the unit's waiting count and current call as this
	// transaction sees them, stored with the event and returned.
	var cc, cn string
	err := tx.QueryRow(ctx, eventInsert+`
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
			(SELECT count(*) FROM tickets WHERE unit_id = $3 AND service_date = $4 AND status = 'waiting'),
			coalesce((SELECT code FROM cur), ''), coalesce((SELECT counter FROM cur), ''))
		RETURNING waiting, current_code, current_counter`,
		ev.facilityID, e.Seq, t.UnitID, t.ServiceDate, kind, t.ID, t.Code, t.Counter, actor, at).Scan(&e.Waiting, &cc, &cn)
	if err != nil {
		return err
	}
	if cc != "" {
		e.Current = &queue.Call{Code: cc, Counter: cn}
	}
	return ev.record(ctx, tx, e, t, actor)
}

// eventInsert begins the statement that writes an event row; $3 and $4 are
// the unit and service date, and cur is the unit's current call.
const eventInsert = `WITH cur AS (
		SELECT code, counter FROM tickets WHERE unit_id = $3 AND service_date = $4
			AND status IN ('called', 'serving') ORDER BY called_at DESC, id LIMIT 1)
	INSERT INTO ticket_events (facility_id, seq, unit_id, service_date, kind, ticket_id, code, counter,
		actor, at, waiting, current_code, current_counter)`

// record keeps a written event for publishing and runs the hooks on it.
func (ev *events) record(ctx context.Context, tx pgx.Tx, e queue.Event, t queue.Ticket, actor string) error {
	ev.list = append(ev.list, e)
	htx := &Tx{tx: tx}
	for _, h := range ev.hooks {
		if err := h(ctx, htx, e, t, actor); err != nil {
			return err
		}
	}
	return nil
}

func (ev *events) save(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `UPDATE facilities SET event_seq = $2 WHERE id = $1`, ev.facilityID, ev.seq)
	return err
}

// nextNumber draws the next number of a unit's day. Its caller must hold
// the facility's row lock (lockFacility): Book reads a unit's last number
// under that lock and writes last + 1 later in the same transaction, so
// every writer of ticket_numbers must take it first. The row lock it takes
// lasts until commit, and a rollback returns the number, so numbers have
// no gaps and no duplicates. A key > 0 is the booking's order key: it is
// raised if needed above the previous booking's, so that order keys rise
// with numbers; the key used is returned.
func nextNumber(ctx context.Context, tx pgx.Tx, unitID int64, date string, key int64) (int, int64, error) {
	var n int
	err := tx.QueryRow(ctx, `INSERT INTO ticket_numbers (unit_id, service_date, last, last_key) VALUES ($1, $2, 1, $3)
		ON CONFLICT (unit_id, service_date) DO UPDATE SET last = ticket_numbers.last + 1,
			last_key = CASE WHEN $3 = 0 THEN ticket_numbers.last_key ELSE greatest($3, ticket_numbers.last_key + 1) END
		RETURNING last, last_key`,
		unitID, date, key).Scan(&n, &key)
	return n, key, err
}

// idempotencyTTL is how long an Idempotency-Key is remembered.
const idempotencyTTL = 48 * time.Hour

// Book stores a new ticket with the next number of its unit and day, unless
// the idempotency key names an earlier one (created=false) or the person
// already holds an active ticket (*queue.DuplicateError).
//
// It takes two round trips: one pipelined batch that begins, locks the
// facility and reads, under the lock, everything the booking depends on
// (the key, the person's active tickets, the unit's last number and order
// key, its waiting count and current call); and one pipelined batch that
// writes the ticket, the number, the key, the event and the facility's seq
// and commits. The facility's lock is held for one round trip, which is
// what bounds the bookings a second of one Puskesmas.
//
// Every write to ticket_numbers happens under its facility's row lock, so
// the number read in the first batch is still the last one when the second
// writes; tickets' UNIQUE (unit_id, service_date, number) would refuse a
// duplicate if that ever stopped being true.
func (db *DB) Book(ctx context.Context, nt queue.NewTicket, now time.Time) (queue.Ticket, []queue.Event, bool, error) {
	t, events, created, err := db.book(ctx, nt, now)
	if err != nil {
		return queue.Ticket{}, nil, false, interpret("book", err)
	}
	return t, events, created, nil
}

func (db *DB) book(ctx context.Context, nt queue.NewTicket, now time.Time) (t queue.Ticket, _ []queue.Event, created bool, err error) {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return t, nil, false, err
	}
	defer conn.Release() // a connection left inside a transaction is closed, not reused

	// Batch 1: begin, lock the facility, then read under the lock.
	hashes := nt.NIKHash != nil || nt.BPJSHash != nil || nt.PhoneHash != nil
	b := &pgx.Batch{}
	b.BeginTx(pgx.TxOptions{})
	b.Queue(`SELECT code, event_seq FROM facilities WHERE id = $1 FOR UPDATE`, nt.FacilityID)
	if nt.IdempotencyKey != "" {
		b.Queue(`SELECT request_hash, ticket_id FROM idempotency_keys WHERE facility_id = $1 AND key = $2 AND created_at > $3`,
			nt.FacilityID, nt.IdempotencyKey, now.Add(-idempotencyTTL))
	}
	if hashes {
		b.Queue(`SELECT id FROM tickets WHERE unit_id = $1 AND service_date = $2
			AND status IN ('waiting', 'called', 'serving', 'skipped')
			AND (nik_hash = $3 OR bpjs_hash = $4 OR phone_hash = $5) ORDER BY issued_at LIMIT 1`,
			nt.UnitID, nt.ServiceDate, nt.NIKHash, nt.BPJSHash, nt.PhoneHash)
	}
	b.Queue(`SELECT coalesce(n.last, 0), coalesce(n.last_key, 0),
			(SELECT count(*) FROM tickets WHERE unit_id = $1 AND service_date = $2 AND status = 'waiting'),
			coalesce(cur.code, ''), coalesce(cur.counter, '')
		FROM (VALUES (1)) one
		LEFT JOIN ticket_numbers n ON n.unit_id = $1 AND n.service_date = $2
		LEFT JOIN LATERAL (SELECT code, counter FROM tickets WHERE unit_id = $1 AND service_date = $2
			AND status IN ('called', 'serving') ORDER BY called_at DESC, id LIMIT 1) cur ON true`,
		nt.UnitID, nt.ServiceDate)
	ev := &events{facilityID: nt.FacilityID, hooks: db.Hooks}
	var (
		replay, duplicate string
		lastKey           int64
		waiting           int
		cc, cn            string
	)
	br := conn.SendBatch(ctx, b)
	tx := br.Tx()
	committed := false
	defer func() {
		if !committed { // a no-op when the batch failed before BEGIN
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			tx.Rollback(rctx)
			cancel()
		}
	}()
	err = func() error {
		defer br.Close()
		if _, err := br.Exec(); err != nil { // BEGIN
			return err
		}
		if err := br.QueryRow().Scan(&ev.facility, &ev.seq); err != nil {
			return err
		}
		if nt.IdempotencyKey != "" {
			var hash []byte
			err := br.QueryRow().Scan(&hash, &replay)
			switch {
			case err == nil && !bytes.Equal(hash, nt.RequestHash):
				return fmt.Errorf("idempotency key reused with another request: %w",
					fault.Conflict("", "Idempotency-Key ini sudah dipakai untuk permintaan lain."))
			case err != nil && !errors.Is(err, pgx.ErrNoRows):
				return err
			}
		}
		if hashes {
			if err := br.QueryRow().Scan(&duplicate); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		if err := br.QueryRow().Scan(&nt.Number, &lastKey, &waiting, &cc, &cn); err != nil {
			return err
		}
		return br.Close()
	}()
	if err != nil {
		return t, nil, false, err
	}
	switch {
	case replay != "":
		t, err = getTicket(ctx, tx, replay, false)
		return t, nil, false, err
	case duplicate != "":
		existing, err := getTicket(ctx, tx, duplicate, false)
		if err != nil {
			return t, nil, false, err
		}
		return t, nil, false, &queue.DuplicateError{Existing: existing}
	case nt.Quota > 0 && nt.Number >= nt.Quota:
		return t, nil, false, fmt.Errorf("unit %s on %s has issued %d tickets: %w", nt.Unit, nt.ServiceDate, nt.Quota, queue.ErrQuotaFull)
	}

	// The ticket and its event, as the second batch will write them. Order
	// keys rise with numbers, so that a later number never goes first.
	if nt.Number > 0 {
		nt.OrderKey = max(nt.OrderKey, lastKey+1)
	}
	nt.Number++
	nt.Code = queue.FormatCode(nt.Prefix, nt.Number)
	e := queue.Event{Seq: ev.seq + 1, Facility: ev.facility, Unit: nt.Unit, ServiceDate: nt.ServiceDate, Kind: "booked",
		TicketID: nt.ID, Code: nt.Code, At: now, Waiting: waiting + 1}
	if cc != "" {
		e.Current = &queue.Call{Code: cc, Counter: cn}
	}
	ev.seq = e.Seq
	t = nt.Ticket
	// Hooks run inside the transaction before its writes are sent (a hook
	// must not read the new ticket's rows); most bookings give them
	// nothing to do, and the writes then go with the commit.
	if err := ev.record(ctx, tx, e, t, string(t.Channel)); err != nil {
		return queue.Ticket{}, nil, false, err
	}

	// Batch 2: write everything and commit.
	b = &pgx.Batch{}
	b.Queue(`INSERT INTO ticket_numbers (unit_id, service_date, last, last_key) VALUES ($1, $2, $3, $4)
		ON CONFLICT (unit_id, service_date) DO UPDATE SET last = EXCLUDED.last, last_key = EXCLUDED.last_key`,
		nt.UnitID, nt.ServiceDate, nt.Number, nt.OrderKey)
	b.Queue(`INSERT INTO tickets (id, facility_id, unit_id, service_date, number, code, status, priority, channel,
			name, phone, nik, bpjs, phone_hash, nik_hash, bpjs_hash, notify, visit_id, order_key, issued_at, from_unit)
		VALUES ($1, $2, $3, $4, $5, $6, 'waiting', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		nt.ID, nt.FacilityID, nt.UnitID, nt.ServiceDate, nt.Number, nt.Code, nt.Priority, nt.Channel,
		nt.Name, nt.Phone, nt.NIK, nt.BPJS, nt.PhoneHash, nt.NIKHash, nt.BPJSHash, nt.Notify, nt.VisitID,
		nt.OrderKey, nt.IssuedAt, nt.FromUnit)
	if nt.IdempotencyKey != "" {
		b.Queue(`INSERT INTO idempotency_keys (facility_id, key, request_hash, ticket_id, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (facility_id, key) DO UPDATE
			SET request_hash = EXCLUDED.request_hash, ticket_id = EXCLUDED.ticket_id, created_at = EXCLUDED.created_at`,
			nt.FacilityID, nt.IdempotencyKey, nt.RequestHash, nt.ID, now)
	}
	b.Queue(`INSERT INTO ticket_events (facility_id, seq, unit_id, service_date, kind, ticket_id, code, counter,
			actor, at, waiting, current_code, current_counter)
		VALUES ($1, $2, $3, $4, 'booked', $5, $6, '', $7, $8, $9, $10, $11)`,
		nt.FacilityID, e.Seq, nt.UnitID, nt.ServiceDate, nt.ID, nt.Code, string(nt.Channel), now, e.Waiting, cc, cn)
	b.Queue(`UPDATE facilities SET event_seq = $2 WHERE id = $1`, nt.FacilityID, e.Seq)
	b.Queue(`COMMIT`)
	// Once the hooks have run nothing is left worth abandoning: a client
	// that hangs up now must not turn a committed booking into an error
	// (which would skip the live index and the publish).
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := tx.SendBatch(wctx, b).Close(); err != nil {
		return queue.Ticket{}, nil, false, err
	}
	committed = true
	return t, ev.list, true, nil
}

// actionSQL is, for each action, the SET clause of its UPDATE (the ticket id
// is $1), the event kind it records, and the arguments from $2 on.
var actionSQL = map[queue.Action]struct {
	set, kind string
	args      func(c queue.Change, now time.Time) []any
}{
	queue.ActionCall: {`status = 'called', called_at = $2, counter = $3, call_count = call_count + 1`, "called",
		func(c queue.Change, now time.Time) []any { return []any{now, c.Counter} }},
	queue.ActionRecall: {`call_count = call_count + 1, counter = CASE WHEN $2 = '' THEN counter ELSE $2 END`, "recalled",
		func(c queue.Change, now time.Time) []any { return []any{c.Counter} }},
	queue.ActionStart: {`status = 'serving', started_at = $2`, "started",
		func(c queue.Change, now time.Time) []any { return []any{now} }},
	queue.ActionFinish: {`status = 'done', finished_at = $2`, "finished",
		func(c queue.Change, now time.Time) []any { return []any{now} }},
	queue.ActionSkip: {`status = 'skipped'`, "skipped",
		func(c queue.Change, now time.Time) []any { return nil }},
	queue.ActionRequeue: {`status = 'waiting', order_key = $2, counter = ''`, "requeued",
		func(c queue.Change, now time.Time) []any { return []any{c.OrderKey} }},
	queue.ActionCancel: {`status = 'cancelled', finished_at = $2`, "cancelled",
		func(c queue.Change, now time.Time) []any { return []any{now} }},
	queue.ActionPatientDrop: {`status = 'cancelled', finished_at = $2`, "cancelled",
		func(c queue.Change, now time.Time) []any { return []any{now} }},
}

// Apply applies a state change to ticket id, if its status allows it.
// c.Unit and c.Date, when set, must match the ticket (call next).
func (db *DB) Apply(ctx context.Context, id string, c queue.Change, now time.Time) (queue.Ticket, []queue.Event, error) {
	q, ok := actionSQL[c.Action]
	if !ok {
		return queue.Ticket{}, nil, fmt.Errorf("apply %s: %w", c.Action, fault.ErrInvalid)
	}
	var t queue.Ticket
	var ev *events
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var facilityID int64
		if err := tx.QueryRow(ctx, `SELECT facility_id FROM tickets WHERE id = $1`, id).Scan(&facilityID); err != nil {
			return err
		}
		var err error
		if ev, err = db.lockFacility(ctx, tx, facilityID); err != nil {
			return err
		}
		cur, err := getTicket(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if (c.Unit != "" && cur.Unit != c.Unit) || (c.Date != "" && cur.ServiceDate != c.Date) || !queue.Allowed(c.Action, cur.Status) {
			return fmt.Errorf("%s ticket %s in status %s: %w", c.Action, id, cur.Status, queue.ErrTransition)
		}
		if _, err := tx.Exec(ctx, `UPDATE tickets SET `+q.set+` WHERE id = $1`, append([]any{id}, q.args(c, now)...)...); err != nil {
			return err
		}
		if t, err = getTicket(ctx, tx, id, false); err != nil {
			return err
		}
		if err := ev.add(ctx, tx, q.kind, t, c.Actor, now); err != nil {
			return err
		}
		return ev.save(ctx, tx)
	})
	if err != nil {
		return queue.Ticket{}, nil, interpret(string(c.Action)+" "+id, err)
	}
	return t, ev.list, nil
}

// Transfer marks ticket id transferred and issues its continuation nt in
// another unit with the next number there, keeping the visit and order key.
func (db *DB) Transfer(ctx context.Context, id string, nt queue.NewTicket, actor string, now time.Time) (queue.Ticket, queue.Ticket, []queue.Event, error) {
	var from, to queue.Ticket
	var ev *events
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if ev, err = db.lockFacility(ctx, tx, nt.FacilityID); err != nil {
			return err
		}
		cur, err := getTicket(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !queue.Allowed(queue.ActionTransfer, cur.Status) {
			return fmt.Errorf("transfer ticket %s in status %s: %w", id, cur.Status, queue.ErrTransition)
		}
		n, _, err := nextNumber(ctx, tx, nt.UnitID, nt.ServiceDate, 0)
		if err != nil {
			return err
		}
		code := queue.FormatCode(nt.Prefix, n)
		_, err = tx.Exec(ctx, `INSERT INTO tickets (id, facility_id, unit_id, service_date, number, code, status, priority, channel,
			name, phone, nik, bpjs, phone_hash, nik_hash, bpjs_hash, notify, visit_id, order_key, issued_at, from_unit)
			SELECT $2, facility_id, $3, $4, $5, $6, 'waiting', priority, channel, name, phone, nik, bpjs,
				phone_hash, nik_hash, bpjs_hash, notify, visit_id, order_key, $7, $8
			FROM tickets WHERE id = $1`, id, nt.ID, nt.UnitID, nt.ServiceDate, n, code, now, cur.Unit)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tickets SET status = 'transferred', finished_at = $2, transferred_to = $3 WHERE id = $1`,
			id, now, nt.ID); err != nil {
			return err
		}
		if from, err = getTicket(ctx, tx, id, false); err != nil {
			return err
		}
		if to, err = getTicket(ctx, tx, nt.ID, false); err != nil {
			return err
		}
		if err := ev.add(ctx, tx, "transferred", from, actor, now); err != nil {
			return err
		}
		if err := ev.add(ctx, tx, "transfer_in", to, actor, now); err != nil {
			return err
		}
		return ev.save(ctx, tx)
	})
	if err != nil {
		return from, to, nil, interpret("transfer "+id, err)
	}
	return from, to, ev.list, nil
}

// LiveState loads what a unit's live index holds for date: its waiting
// tickets with their lanes under policy p, and the number of normal calls
// since the last priority call.
func (db *DB) LiveState(ctx context.Context, unitID int64, date string, p queue.Policy) ([]queue.LaneEntry, int, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT id, order_key, priority FROM tickets
		WHERE unit_id = $1 AND service_date = $2 AND status = 'waiting'`, unitID, date)
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (queue.LaneEntry, error) {
		var e queue.LaneEntry
		var pr queue.Priority
		err := r.Scan(&e.ID, &e.Key, &pr)
		e.Lane = p.Lane(pr)
		return e, err
	})
	if err != nil {
		return nil, 0, interpret("live state", err)
	}
	since, err := callsSincePriority(ctx, db.Pool, unitID, date, p)
	if err != nil {
		return nil, 0, interpret("live state", err)
	}
	return entries, since, nil
}

// Current returns a unit's called and serving tickets, latest call first.
func (db *DB) Current(ctx context.Context, unitID int64, date string) ([]queue.Ticket, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+ticketColumns+ticketFrom+`
		WHERE t.unit_id = $1 AND t.service_date = $2 AND t.status IN ('called', 'serving') ORDER BY t.called_at DESC, t.id`, unitID, date)
	ts, err := pgx.CollectRows(rows, collectTicket)
	return ts, interpret("current", err)
}

// ServiceTime measures a unit: the mean time from call to finish of its
// last 50 finished tickets since since, how many there were, and how many
// counters called in the hour before the last call.
func (db *DB) ServiceTime(ctx context.Context, unitID int64, since time.Time) (time.Duration, int, int, error) {
	var secs float64
	var n, counters int
	err := db.Pool.QueryRow(ctx, `WITH recent AS (
			SELECT called_at, finished_at FROM tickets
			WHERE unit_id = $1 AND status = 'done' AND finished_at > $2 AND called_at IS NOT NULL
			ORDER BY finished_at DESC LIMIT 50)
		SELECT coalesce(extract(epoch FROM avg(finished_at - called_at)), 0)::float8, count(*),
			(SELECT count(DISTINCT counter) FROM tickets WHERE unit_id = $1 AND called_at >
				coalesce((SELECT max(called_at) FROM tickets WHERE unit_id = $1), $2) - interval '1 hour')
		FROM recent`, unitID, since).Scan(&secs, &n, &counters)
	if err != nil {
		return 0, 0, 0, interpret("service time", err)
	}
	return time.Duration(secs * float64(time.Second)), n, counters, nil
}

// WaitingCounts returns, for every unit, the number of tickets waiting on
// the facility's current date at instant now.
func (db *DB) WaitingCounts(ctx context.Context, now time.Time) ([]queue.UnitCount, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT f.code, u.code, u.id, (($1::timestamptz) AT TIME ZONE f.timezone)::date::text,
			(SELECT count(*) FROM tickets t WHERE t.unit_id = u.id AND t.status = 'waiting'
				AND t.service_date = (($1::timestamptz) AT TIME ZONE f.timezone)::date)
		FROM units u JOIN facilities f ON f.id = u.facility_id ORDER BY u.id`, now)
	counts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (queue.UnitCount, error) {
		var c queue.UnitCount
		err := r.Scan(&c.Facility, &c.Unit, &c.UnitID, &c.Date, &c.Count)
		return c, err
	})
	return counts, interpret("waiting counts", err)
}
