package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
		policy_mode, policy_every, policy_max_wait, requeue_ahead, default_service_s,
		checkin_required, checkin_grace_min, noshow_rule
		FROM units WHERE facility_id = $1 ORDER BY id`, f.ID)
	units, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (queue.Unit, error) {
		var u queue.Unit
		err := r.Scan(&u.ID, &u.FacilityID, &u.Code, &u.Name, &u.Prefix, &u.DailyQuota, &u.Opens, &u.Closes, &u.OpenDays,
			&u.Policy.Mode, &u.Policy.Every, &u.Policy.MaxWait, &u.Policy.RequeueAhead, &u.DefaultServiceS,
			&u.CheckIn.Required, &u.CheckIn.GraceMin, &u.CheckIn.NoShow)
		return u, err
	})
	if err != nil {
		return f, nil, interpret("units of "+code, err)
	}
	if f.ClosedDays, err = db.closedDayMap(ctx, f.ID); err != nil {
		return f, nil, err
	}
	if err := db.attachSessions(ctx, f.ID, units); err != nil {
		return f, nil, err
	}
	return f, units, nil
}

const ticketColumns = `t.id, t.facility_id, f.code, t.unit_id, u.code, t.service_date::text, t.number, t.code, t.status,
	t.priority, t.channel, t.name, t.phone, t.nik, t.bpjs, t.notify, t.counter, t.visit_id, t.order_key,
	t.issued_at, t.called_at, t.started_at, t.finished_at, t.call_count, t.transferred_to, t.from_unit,
	CASE WHEN t.transferred_to = '' THEN '' ELSE coalesce((SELECT u2.code FROM tickets t2 JOIN units u2 ON u2.id = t2.unit_id
		WHERE t2.id = t.transferred_to), '') END,
	t.checked_in_at, t.window_start, t.window_end, f.timezone`

const ticketFrom = ` FROM tickets t JOIN units u ON u.id = t.unit_id JOIN facilities f ON f.id = t.facility_id `

func scanTicket(r pgx.Row) (queue.Ticket, error) {
	var t queue.Ticket
	var ws, we *time.Time
	var tz string
	err := r.Scan(&t.ID, &t.FacilityID, &t.Facility, &t.UnitID, &t.Unit, &t.ServiceDate, &t.Number, &t.Code, &t.Status,
		&t.Priority, &t.Channel, &t.Name, &t.Phone, &t.NIK, &t.BPJS, &t.Notify, &t.Counter, &t.VisitID, &t.OrderKey,
		&t.IssuedAt, &t.CalledAt, &t.StartedAt, &t.FinishedAt, &t.CallCount, &t.TransferTo, &t.FromUnit, &t.TransferRef,
		&t.CheckedInAt, &ws, &we, &tz)
	// A window is the facility's wall-clock time: kept in its zone.
	loc := zone(tz)
	if ws != nil && we != nil {
		t.Window = queue.Window{Start: ws.In(loc), End: we.In(loc)}
	}
	if t.CheckedInAt != nil {
		in := t.CheckedInAt.In(loc)
		t.CheckedInAt = &in
	}
	return t, err
}

var zones sync.Map // time zone name -> *time.Location

// zone returns the location named tz (UTC when unknown), loaded once.
func zone(tz string) *time.Location {
	if l, ok := zones.Load(tz); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(tz)
	if err != nil {
		l = time.UTC
	}
	zones.Store(tz, l)
	return l
}

func collectTicket(r pgx.CollectableRow) (queue.Ticket, error) { return scanTicket(r) }

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ticketByID is the statement that reads ticket $1, locking its row when
// lock is set.
func ticketByID(lock bool) string {
	sql := `SELECT ` + ticketColumns + ticketFrom + ` WHERE t.id = $1`
	if lock {
		sql += ` FOR UPDATE OF t`
	}
	return sql
}

func getTicket(ctx context.Context, q querier, id string, lock bool) (queue.Ticket, error) {
	return scanTicket(q.QueryRow(ctx, ticketByID(lock), id))
}

// ticketsByID reads the tickets with the given ids, in no particular order.
// Each is a lookup of its own on the primary key (a lateral subquery, kept
// one by its LIMIT), whatever plan a prepared statement keeps.
func ticketsByID(ctx context.Context, q dbtx, ids []string) ([]queue.Ticket, error) {
	rows, _ := q.Query(ctx, `SELECT x.* FROM unnest($1::text[]) q(id)
		CROSS JOIN LATERAL (SELECT `+ticketColumns+ticketFrom+` WHERE t.id = q.id LIMIT 1) x`, ids)
	return pgx.CollectRows(rows, collectTicket)
}

// Ticket returns a ticket by id.
func (db *DB) Ticket(ctx context.Context, id string) (queue.Ticket, error) {
	t, err := getTicket(ctx, db.Pool, id, false)
	return t, interpret("ticket "+id, err)
}

// Tickets returns the tickets with the given ids, in no particular order.
func (db *DB) Tickets(ctx context.Context, ids []string) ([]queue.Ticket, error) {
	ts, err := ticketsByID(ctx, db.Pool, ids)
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
// and current call as they are inside this transaction, and moves the
// facility's event seq to it in the same statement. delta is how the
// change moved the unit's waiting count (+1 into 'waiting', -1 out of it):
// the count is kept in the unit's ticket_numbers row, not counted.
func (ev *events) add(ctx context.Context, tx pgx.Tx, kind string, t queue.Ticket, actor string, at time.Time, delta int) error {
	e, sql, args := ev.next(kind, t, &t.Counter, actor, at, delta)
	if err := ev.scan(tx.QueryRow(ctx, sql, args...), &e); err != nil {
		return err
	}
	return ev.record(ctx, tx, e, t, actor)
}

// next is the event statement of add, for a caller that sends it in a
// batch: the event (without what scan fills in), the statement and its
// arguments. A nil counter is the counter the ticket's row has when the
// statement runs (a change queued before it in the same batch).
func (ev *events) next(kind string, t queue.Ticket, counter *string, actor string, at time.Time, delta int) (queue.Event, string, []any) {
	ev.seq++
	e := queue.Event{Seq: ev.seq, Facility: ev.facility, Unit: t.Unit, ServiceDate: t.ServiceDate, Kind: kind,
		TicketID: t.ID, Code: t.Code, At: at}
	// One statement: the unit's waiting count (moved by delta) and current
	// call as this transaction sees them, stored with the event and returned.
	return e, `WITH seq AS (UPDATE facilities SET event_seq = $2 WHERE id = $1), ` + eventInsert + `
		VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8, (SELECT counter FROM tickets WHERE id = $6)), $9, $10,
			coalesce((SELECT waiting FROM moved),
				(SELECT waiting FROM ticket_numbers WHERE unit_id = $3 AND service_date = $4), 0),
			coalesce((SELECT code FROM cur), ''), coalesce((SELECT counter FROM cur), ''))
		RETURNING counter, waiting, current_code, current_counter`,
		[]any{ev.facilityID, e.Seq, t.UnitID, t.ServiceDate, kind, t.ID, t.Code, counter, actor, at, delta}
}

// scan reads next's answer into e.
func (ev *events) scan(r pgx.Row, e *queue.Event) error {
	var cc, cn string
	if err := r.Scan(&e.Counter, &e.Waiting, &cc, &cn); err != nil {
		return err
	}
	if cc != "" {
		e.Current = &queue.Call{Code: cc, Counter: cn}
	}
	return nil
}

// eventInsert continues a WITH with the statement that writes an event
// row; $3 and $4 are the unit and service date, cur is the unit's current
// call, and moved is its waiting count after adding $11 (no row when $11
// is 0).
const eventInsert = `cur AS (
		SELECT code, counter FROM tickets WHERE unit_id = $3 AND service_date = $4
			AND status IN ('called', 'serving') ORDER BY called_at DESC, id LIMIT 1),
	moved AS (
		UPDATE ticket_numbers SET waiting = waiting + $11::integer
		WHERE unit_id = $3 AND service_date = $4 AND $11::integer <> 0 RETURNING waiting)
	INSERT INTO ticket_events (facility_id, seq, unit_id, service_date, kind, ticket_id, code, counter,
		actor, at, waiting, current_code, current_counter)`

// waitingDelta is how a change from status old to new moves the waiting count.
func waitingDelta(old, new queue.Status) int {
	d := 0
	if new == queue.Waiting {
		d++
	}
	if old == queue.Waiting {
		d--
	}
	return d
}

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

// nextNumber draws the next number of a unit's day. Its caller must hold
// the facility's row lock (lockFacility): Book reads a unit's last number
// under that lock and writes last + 1 later in the same transaction, so
// every writer of ticket_numbers must take it first. The row lock it takes
// lasts until commit, and a rollback returns the number, so numbers have
// no gaps and no duplicates. The new ticket waits, so the unit's waiting
// count rises by one. A key > 0 is the booking's order key: it is
// raised if needed above the previous booking's, so that order keys rise
// with numbers; the key used is returned.
func nextNumber(ctx context.Context, tx pgx.Tx, unitID int64, date string, key int64) (int, int64, error) {
	var n int
	err := tx.QueryRow(ctx, `INSERT INTO ticket_numbers (unit_id, service_date, last, last_key, waiting) VALUES ($1, $2, 1, $3, 1)
		ON CONFLICT (unit_id, service_date) DO UPDATE SET last = ticket_numbers.last + 1, waiting = ticket_numbers.waiting + 1,
			last_key = CASE WHEN $3 = 0 THEN ticket_numbers.last_key ELSE greatest($3, ticket_numbers.last_key + 1) END
		RETURNING last, last_key`,
		unitID, date, key).Scan(&n, &key)
	return n, key, err
}

// actionSQL is, for each action, the SET clause of its UPDATE (the ticket
// is t, its id $1; units and facilities are joined, so a column read is
// named with t.), the event kind it records, and the arguments from $2 on.
var actionSQL = map[queue.Action]struct {
	set, kind string
	args      func(c queue.Change, now time.Time) []any
}{
	queue.ActionCall: {`status = 'called', called_at = $2, counter = $3, call_count = t.call_count + 1`, "called",
		func(c queue.Change, now time.Time) []any { return []any{now, c.Counter} }},
	queue.ActionRecall: {`call_count = t.call_count + 1, counter = CASE WHEN $2 = '' THEN t.counter ELSE $2 END`, "recalled",
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
	queue.ActionCheckIn: {`status = 'waiting', checked_in_at = $2, order_key = $3, finished_at = NULL`, "checked_in",
		func(c queue.Change, now time.Time) []any { return []any{now, c.OrderKey} }},
	queue.ActionNoShow: {`status = 'no_show', finished_at = $2`, "no_show",
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
		// One round trip: the lock of the ticket's facility, then the
		// ticket under it (a later statement, so its snapshot is taken
		// after the lock was granted).
		ev = &events{hooks: db.Hooks}
		b := &pgx.Batch{}
		b.Queue(`SELECT id, code, event_seq FROM facilities WHERE id = (SELECT facility_id FROM tickets WHERE id = $1) FOR UPDATE`, id)
		b.Queue(ticketByID(true), id)
		br := tx.SendBatch(ctx, b)
		if err := br.QueryRow().Scan(&ev.facilityID, &ev.facility, &ev.seq); err != nil {
			br.Close()
			return err
		}
		cur, err := scanTicket(br.QueryRow())
		if err := errors.Join(err, br.Close()); err != nil {
			return err
		}
		if (c.Unit != "" && cur.Unit != c.Unit) || (c.Date != "" && cur.ServiceDate != c.Date) || !queue.Allowed(c.Action, cur.Status) ||
			(c.From != "" && cur.Status != c.From) {
			return fmt.Errorf("%s ticket %s in status %s: %w", c.Action, id, cur.Status, queue.ErrTransition)
		}
		// One round trip: the change, answered with the ticket as it is
		// now, and its event, which reads the counter the change left.
		_, to, err := queue.Transition(c.Action)
		if err != nil {
			return err
		}
		e, sql, args := ev.next(q.kind, cur, nil, c.Actor, now, waitingDelta(cur.Status, to))
		b = &pgx.Batch{}
		b.Queue(`UPDATE tickets t SET `+q.set+` FROM units u, facilities f
			WHERE t.id = $1 AND u.id = t.unit_id AND f.id = t.facility_id RETURNING `+ticketColumns,
			append([]any{id}, q.args(c, now)...)...)
		b.Queue(sql, args...)
		br = tx.SendBatch(ctx, b)
		t, err = scanTicket(br.QueryRow())
		if err == nil && t.Status != to {
			err = fmt.Errorf("%s ticket %s: status %s, want %s", c.Action, id, t.Status, to)
		}
		if err == nil {
			err = ev.scan(br.QueryRow(), &e)
		}
		if err := errors.Join(err, br.Close()); err != nil {
			return err
		}
		return ev.record(ctx, tx, e, t, c.Actor)
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
		if err := ev.add(ctx, tx, "transferred", from, actor, now, waitingDelta(cur.Status, from.Status)); err != nil {
			return err
		}
		return ev.add(ctx, tx, "transfer_in", to, actor, now, 0) // nextNumber counted it
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
	err := db.Pool.QueryRow(ctx, serviceTimeSQL, serviceTimeArgs(unitID, since)...).Scan(&secs, &n, &counters)
	if err != nil {
		return 0, 0, 0, interpret("service time", err)
	}
	return time.Duration(secs * float64(time.Second)), n, counters, nil
}

// serviceTimeSQL measures a unit ($1) since $2. The tickets are read from
// the unit's days since $3 (serviceTimeArgs): a ticket finished after
// since is of that day or later in any zone at or ahead of UTC, a day
// earlier when finished after its midnight. Without that bound the unit's
// whole history was read, once a minute per unit and instance.
const serviceTimeSQL = `WITH recent AS (
		SELECT called_at, finished_at FROM tickets
		WHERE unit_id = $1 AND service_date >= $3 AND status = 'done' AND finished_at > $2 AND called_at IS NOT NULL
		ORDER BY finished_at DESC LIMIT 50)
	SELECT coalesce(extract(epoch FROM avg(finished_at - called_at)), 0)::float8, count(*),
		(SELECT count(DISTINCT counter) FROM tickets WHERE unit_id = $1 AND service_date >= $3 AND called_at >
			coalesce((SELECT max(called_at) FROM tickets WHERE unit_id = $1 AND service_date >= $3), $2) - interval '1 hour')
	FROM recent`

func serviceTimeArgs(unitID int64, since time.Time) []any {
	return []any{unitID, since, since.UTC().AddDate(0, 0, -1).Format(time.DateOnly)}
}

// OverdueBooked lists the booked tickets, of today or earlier in their
// facility's zone, whose no-show deadline has passed at now: the end of
// their window plus their unit's grace, or the end of their day when they
// have no window. A unit that no longer requires
// check-in marks nobody: its booked patients check in at the desk. Nor is
// anyone marked for a day the facility closed after she booked: she did
// not fail to come, the Puskesmas was shut.
func (db *DB) OverdueBooked(ctx context.Context, now time.Time) ([]string, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT t.id FROM tickets t JOIN units u ON u.id = t.unit_id JOIN facilities f ON f.id = t.facility_id
		WHERE t.status = 'booked' AND u.checkin_required AND t.service_date <= ($1::timestamptz AT TIME ZONE 'UTC')::date + 1
			AND coalesce(t.window_end + make_interval(mins => u.checkin_grace_min),
				(t.service_date + 1)::timestamp AT TIME ZONE f.timezone) < $1
			AND NOT EXISTS (SELECT 1 FROM closed_days c WHERE c.facility_id = t.facility_id AND c.day = t.service_date)
		ORDER BY t.service_date, t.window_end, t.number`, now)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, interpret("overdue booked tickets", err)
}

// Expected lists a unit's booked and no-show tickets of date, in the order
// of their windows.
func (db *DB) Expected(ctx context.Context, unitID int64, date string) ([]queue.Ticket, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+ticketColumns+ticketFrom+`
		WHERE t.unit_id = $1 AND t.service_date = $2 AND t.status IN ('booked', 'no_show')
		ORDER BY t.window_start NULLS LAST, t.number`, unitID, date)
	ts, err := pgx.CollectRows(rows, collectTicket)
	return ts, interpret("expected tickets", err)
}

// TicketByCode finds facility's ticket by its code ("B-014") on date, in
// unit when it is not "". Units may share a prefix: without a unit, a code
// that two of them issued is a conflict, not a guess.
func (db *DB) TicketByCode(ctx context.Context, facility, unit, date, code string) (queue.Ticket, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+ticketColumns+ticketFrom+`
		WHERE f.code = $1 AND t.service_date = $2 AND t.code = $3 AND ($4 = '' OR u.code = $4) LIMIT 2`, facility, date, code, unit)
	ts, err := pgx.CollectRows(rows, collectTicket)
	switch {
	case err != nil:
		return queue.Ticket{}, interpret("ticket "+code, err)
	case len(ts) == 0:
		return queue.Ticket{}, fmt.Errorf("ticket %s: %w", code, fault.ErrNotFound)
	case len(ts) > 1:
		return queue.Ticket{}, fmt.Errorf("ticket %s: %w", code, fault.Conflict("unit", "Nomor "+code+" ada di lebih dari satu unit hari ini. Pilih unitnya."))
	}
	return ts[0], nil
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
