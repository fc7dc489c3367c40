package postgres

import (
	"context"
	"encoding/json"
	"time"

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
	var f queue.Facility
	u := queue.Unit{ID: unitID}
	err := tx.tx.QueryRow(ctx, `SELECT f.id, f.code, f.name, f.timezone, u.code, u.name, u.policy_mode, u.policy_every, u.policy_max_wait
		FROM units u JOIN facilities f ON f.id = u.facility_id WHERE u.id = $1`, unitID).
		Scan(&f.ID, &f.Code, &f.Name, &f.Timezone, &u.Code, &u.Name, &u.Policy.Mode, &u.Policy.Every, &u.Policy.MaxWait)
	if err != nil {
		return f, u, interpret("unit", err)
	}
	u.FacilityID = f.ID
	if f.Location, err = time.LoadLocation(f.Timezone); err != nil {
		f.Location = time.UTC
	}
	return f, u, nil
}

// WaitingHeads returns the first n waiting tickets of each lane of a unit's
// day (of its whole line when p is FIFO), in no particular order, with the
// lanes of policy p; and the ids of those whose patients asked to be told
// of their turn (consented to messages, or subscribed to web push). The
// first n places of the line are drawn from those, however long it is.
func (tx *Tx) WaitingHeads(ctx context.Context, unitID int64, date string, n int, p queue.Policy) ([]queue.LaneEntry, map[string]bool, error) {
	const cols = `SELECT id, order_key, priority, notify OR EXISTS (SELECT 1 FROM notify_push_subscriptions s WHERE s.ticket_id = tickets.id)
		FROM tickets WHERE unit_id = $1 AND service_date = $2 AND status = 'waiting'`
	sql := `(` + cols + ` AND priority = '' ORDER BY order_key, id LIMIT $3) UNION ALL (` + cols + ` AND priority <> '' ORDER BY order_key, id LIMIT $3)`
	if p.Mode == queue.FIFO {
		sql = cols + ` ORDER BY order_key, id LIMIT $3`
	}
	listening := map[string]bool{}
	rows, _ := tx.tx.Query(ctx, sql, unitID, date, n)
	heads, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (queue.LaneEntry, error) {
		var e queue.LaneEntry
		var pr queue.Priority
		var listens bool
		err := r.Scan(&e.ID, &e.Key, &pr, &listens)
		e.Lane = p.Lane(pr)
		if listens {
			listening[e.ID] = true
		}
		return e, err
	})
	if err != nil {
		return nil, nil, interpret("waiting heads", err)
	}
	return heads, listening, nil
}

// CallsSincePriority counts the calls of a unit's day since its last call
// from the priority lane of policy p (looking back 200 calls at most).
func (tx *Tx) CallsSincePriority(ctx context.Context, unitID int64, date string, p queue.Policy) (int, error) {
	n, err := callsSincePriority(ctx, tx.tx, unitID, date, p)
	return n, interpret("calls since priority", err)
}

func callsSincePriority(ctx context.Context, q dbtx, unitID int64, date string, p queue.Policy) (int, error) {
	rows, _ := q.Query(ctx, `SELECT priority FROM tickets WHERE unit_id = $1 AND service_date = $2
		AND called_at IS NOT NULL ORDER BY called_at DESC LIMIT 200`, unitID, date)
	called, err := pgx.CollectRows(rows, pgx.RowTo[queue.Priority])
	if err != nil {
		return 0, err
	}
	since := 0
	for _, pr := range called {
		if p.Lane(pr) == queue.LanePriority {
			break
		}
		since++
	}
	return since, nil
}

// NearSent returns those of the tickets that were already sent (or are
// being sent) a "near" message.
func (tx *Tx) NearSent(ctx context.Context, ticketIDs []string) ([]string, error) {
	rows, _ := tx.tx.Query(ctx, `SELECT ticket_id FROM notify_outbox WHERE ticket_id = ANY($1) AND kind = 'near'`, ticketIDs)
	told, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return told, interpret("near sent", err)
}
