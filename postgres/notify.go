package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/antrian/antrian/notify"
	"github.com/antrian/antrian/queue"
	"github.com/jackc/pgx/v5"
)

// The storage of patient messages: per-facility templates, per-unit "near"
// thresholds, web push subscriptions, and what the queue hook reads inside
// a queue transaction to decide who to tell. The outbox itself is in
// outbox.go.

// Template returns facility's override of the text of a kind of message:
// its body ("" keeps the built-in text) and whether the kind is on there.
// fault.ErrNotFound when the facility has no override.
func (db *DB) Template(ctx context.Context, facility, kind string) (string, bool, error) {
	return template(ctx, db.Pool, facility, kind)
}

// Template is DB.Template inside this transaction.
func (tx *Tx) Template(ctx context.Context, facility, kind string) (string, bool, error) {
	return template(ctx, tx.tx, facility, kind)
}

func template(ctx context.Context, q dbtx, facility, kind string) (body string, enabled bool, err error) {
	err = q.QueryRow(ctx, `SELECT body, enabled FROM notify_templates WHERE facility = $1 AND kind = $2`,
		facility, kind).Scan(&body, &enabled)
	return body, enabled, interpret("template "+kind+" of "+facility, err)
}

// SaveTemplate stores facility's override of a kind of message.
func (db *DB) SaveTemplate(ctx context.Context, facility, kind, body string, enabled bool) error {
	_, err := db.Pool.Exec(ctx, `INSERT INTO notify_templates (facility, kind, body, enabled) VALUES ($1, $2, $3, $4)
		ON CONFLICT (facility, kind) DO UPDATE SET body = EXCLUDED.body, enabled = EXCLUDED.enabled`,
		facility, kind, body, enabled)
	return interpret("save template "+kind+" of "+facility, err)
}

// NearAhead returns a unit's "near" threshold. fault.ErrNotFound when the
// unit has none of its own.
func (db *DB) NearAhead(ctx context.Context, facility, unit string) (int, error) {
	return nearAhead(ctx, db.Pool, facility, unit)
}

// NearAhead is DB.NearAhead inside this transaction.
func (tx *Tx) NearAhead(ctx context.Context, facility, unit string) (int, error) {
	return nearAhead(ctx, tx.tx, facility, unit)
}

func nearAhead(ctx context.Context, q dbtx, facility, unit string) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT near_ahead FROM notify_unit_settings WHERE facility = $1 AND unit = $2`,
		facility, unit).Scan(&n)
	return n, interpret("near ahead of "+facility+"/"+unit, err)
}

// SaveNearAhead stores a unit's "near" threshold.
func (db *DB) SaveNearAhead(ctx context.Context, facility, unit string, n int) error {
	_, err := db.Pool.Exec(ctx, `INSERT INTO notify_unit_settings (facility, unit, near_ahead) VALUES ($1, $2, $3)
		ON CONFLICT (facility, unit) DO UPDATE SET near_ahead = EXCLUDED.near_ahead`, facility, unit, n)
	return interpret("save near ahead of "+facility+"/"+unit, err)
}

// SavePushSubscription stores a browser's push subscription (its JSON) for
// a ticket; the same endpoint again replaces it.
func (db *DB) SavePushSubscription(ctx context.Context, ticketID, endpoint string, sub json.RawMessage) error {
	_, err := db.Pool.Exec(ctx, `INSERT INTO notify_push_subscriptions (ticket_id, endpoint, subscription)
		VALUES ($1, $2, $3) ON CONFLICT (ticket_id, endpoint) DO UPDATE SET subscription = EXCLUDED.subscription`,
		ticketID, endpoint, []byte(sub))
	return interpret("save push subscription", err)
}

// PushSubscriptions returns the subscriptions (their JSON) stored for a
// ticket, oldest first.
func (db *DB) PushSubscriptions(ctx context.Context, ticketID string) ([]json.RawMessage, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT subscription FROM notify_push_subscriptions WHERE ticket_id = $1
		ORDER BY created_at, endpoint`, ticketID)
	subs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (json.RawMessage, error) {
		var b []byte
		err := row.Scan(&b)
		return b, err
	})
	return subs, interpret("push subscriptions", err)
}

// DeletePushSubscription forgets a ticket's subscription at endpoint.
func (db *DB) DeletePushSubscription(ctx context.Context, ticketID, endpoint string) error {
	_, err := db.Pool.Exec(ctx, `DELETE FROM notify_push_subscriptions WHERE ticket_id = $1 AND endpoint = $2`,
		ticketID, endpoint)
	return interpret("delete push subscription", err)
}

// PushSubscribed reports whether a ticket has a push subscription.
func (tx *Tx) PushSubscribed(ctx context.Context, ticketID string) (bool, error) {
	var ok bool
	err := tx.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM notify_push_subscriptions WHERE ticket_id = $1)`,
		ticketID).Scan(&ok)
	return ok, interpret("push subscribed", err)
}

// Unit returns a unit and its facility, with the facility's name and time
// zone and the unit's name and policy filled in. fault.ErrNotFound if there
// is no such unit.
func (tx *Tx) Unit(ctx context.Context, unitID int64) (queue.Facility, queue.Unit, error) {
	f, u, err := scanUnit(tx.tx.QueryRow(ctx, `SELECT `+unitColumns+unitFrom, unitID), unitID)
	return f, u, interpret("unit", err)
}

// unitColumns and unitFrom read a unit and its facility for scanUnit ($1
// is the unit).
const (
	unitColumns = `f.id, f.code, f.name, f.timezone, u.code, u.name, u.policy_mode, u.policy_every, u.policy_max_wait`
	unitFrom    = ` FROM units u JOIN facilities f ON f.id = u.facility_id WHERE u.id = $1`
)

// scanUnit scans unitColumns, then more.
func scanUnit(r pgx.Row, unitID int64, more ...any) (queue.Facility, queue.Unit, error) {
	var f queue.Facility
	u := queue.Unit{ID: unitID}
	err := r.Scan(append([]any{&f.ID, &f.Code, &f.Name, &f.Timezone, &u.Code, &u.Name, &u.Policy.Mode, &u.Policy.Every, &u.Policy.MaxWait}, more...)...)
	if err != nil {
		return f, u, err
	}
	u.FacilityID = f.ID
	if f.Location, err = time.LoadLocation(f.Timezone); err != nil {
		f.Location = time.UTC
	}
	return f, u, nil
}

// Front reads what a call or cancellation of ticket t tells the patients of
// its unit: three statements in one round trip, each an index lookup or a
// walk of at most a few hundred index entries, however long the line.
func (tx *Tx) Front(ctx context.Context, t queue.Ticket, q notify.FrontQuery) (notify.Front, error) {
	near := `coalesce((SELECT near_ahead FROM notify_unit_settings WHERE facility = $3 AND unit = $4), $5)`
	b := &pgx.Batch{}
	b.Queue(`SELECT `+unitColumns+`, EXISTS (SELECT 1 FROM notify_push_subscriptions WHERE ticket_id = $2), `+near+unitFrom,
		t.UnitID, t.ID, t.Facility, t.Unit, q.DefaultNear)
	// The first n+1 of each lane, n the threshold: the first n+1 places
	// are drawn from them under any policy, FIFO included (its one line
	// merges the two). Due: a channel reaches the patient and has no near
	// message for her yet (its dedupe key is the ticket id and the key).
	const head = `SELECT id, order_key, priority,
			($6 <> '' AND notify AND phone <> ''
				AND NOT EXISTS (SELECT 1 FROM notify_outbox o WHERE o.dedupe_key = tickets.id || $6))
			OR (EXISTS (SELECT 1 FROM notify_push_subscriptions s WHERE s.ticket_id = tickets.id)
				AND NOT EXISTS (SELECT 1 FROM notify_outbox o WHERE o.dedupe_key = tickets.id || $7))
		FROM tickets WHERE unit_id = $1 AND service_date = $2 AND status = 'waiting'`
	limit := ` ORDER BY order_key, id LIMIT (SELECT ` + near + ` + 1))`
	b.Queue(`(`+head+` AND priority = ''`+limit+` UNION ALL (`+head+` AND priority <> ''`+limit,
		t.UnitID, t.ServiceDate, t.Facility, t.Unit, q.DefaultNear, q.PhoneKey, q.PushKey)
	b.Queue(`SELECT priority FROM tickets WHERE unit_id = $1 AND service_date = $2 AND called_at IS NOT NULL
		AND EXISTS (SELECT 1 FROM units WHERE id = $1 AND policy_mode <> 'fifo') ORDER BY called_at DESC LIMIT 200`,
		t.UnitID, t.ServiceDate)
	br := tx.tx.SendBatch(ctx, b)
	defer br.Close()
	fr := notify.Front{Due: map[string]bool{}}
	var err error
	if fr.Facility, fr.Unit, err = scanUnit(br.QueryRow(), t.UnitID, &fr.Subscribed, &fr.NearAhead); err != nil {
		return fr, interpret("front of "+t.ID, err)
	}
	p := fr.Unit.Policy
	var e queue.LaneEntry
	var pr queue.Priority
	var due bool
	_, err = pgx.ForEachRow(must(br.Query()), []any{&e.ID, &e.Key, &pr, &due}, func() error {
		e.Lane = p.Lane(pr)
		fr.Heads = append(fr.Heads, e)
		if due {
			fr.Due[e.ID] = true
		}
		return nil
	})
	if err != nil {
		return fr, interpret("front of "+t.ID, err)
	}
	called, err := pgx.CollectRows(must(br.Query()), pgx.RowTo[queue.Priority])
	if err != nil {
		return fr, interpret("front of "+t.ID, err)
	}
	fr.SincePriority = sincePriority(called, p)
	return fr, interpret("front of "+t.ID, br.Close())
}

func callsSincePriority(ctx context.Context, q dbtx, unitID int64, date string, p queue.Policy) (int, error) {
	rows, _ := q.Query(ctx, `SELECT priority FROM tickets WHERE unit_id = $1 AND service_date = $2
		AND called_at IS NOT NULL ORDER BY called_at DESC LIMIT 200`, unitID, date)
	called, err := pgx.CollectRows(rows, pgx.RowTo[queue.Priority])
	if err != nil {
		return 0, err
	}
	return sincePriority(called, p), nil
}

// sincePriority counts the calls, newest first, before the first from the
// priority lane of policy p: the calls since the unit's last priority call
// (looking back 200 calls at most).
func sincePriority(called []queue.Priority, p queue.Policy) int {
	since := 0
	for _, pr := range called {
		if p.Lane(pr) == queue.LanePriority {
			break
		}
		since++
	}
	return since
}
