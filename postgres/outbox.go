package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/outbox"
	"github.com/jackc/pgx/v5"
)

// The two outboxes keep their own tables: notify_outbox (patient messages,
// uuid ids, FIFO by seq per ticket and channel) and integration_outbox
// (calls to BPJS and SATUSEHAT, integer ids, FIFO by id per ticket and
// target). Their ids are public (the admin API shows and retries them), so
// the tables stay apart, and one set of statements serves both through
// the columns that differ.
type outboxTable struct {
	name    string // the table
	channel string // the column of the sender key
	order   string // the column that orders a ticket's rows
	message string // the columns of To, Text and Payload, in that order
	// id turns a public id into the query argument, or reports it malformed.
	id func(string) (any, bool)
}

var (
	notifyTable = outboxTable{name: "notify_outbox", channel: "channel", order: "seq",
		message: "recipient, body, NULL::jsonb",
		id:      func(s string) (any, bool) { return s, true }, // a malformed uuid is 22P02, not found
	}
	integrationTable = outboxTable{name: "integration_outbox", channel: "target", order: "id",
		message: "'', '', payload",
		id: func(s string) (any, bool) {
			n, err := strconv.ParseInt(s, 10, 64)
			return n, err == nil
		},
	}
)

// Outbox is one outbox table: the store its workers claim from
// (outbox.Store) and the admin's view of its rows.
type Outbox struct {
	db *DB
	t  outboxTable
}

// NotifyOutbox is the outbox of patient messages.
func (db *DB) NotifyOutbox() *Outbox { return &Outbox{db: db, t: notifyTable} }

// IntegrationOutbox is the outbox of calls to BPJS and SATUSEHAT.
func (db *DB) IntegrationOutbox() *Outbox { return &Outbox{db: db, t: integrationTable} }

// messageColumns are the columns of an outbox.Message, as scanMessage reads them.
func (t outboxTable) messageColumns() string {
	return `o.id::text, o.` + t.channel + `, o.kind, o.facility, o.unit, o.ticket_id, o.code, ` + t.message + `, o.created_at`
}

func scanMessage(row pgx.Row, id *string, m *outbox.Message, more ...any) error {
	var payload []byte
	err := row.Scan(append([]any{id, &m.Channel, &m.Kind, &m.Facility, &m.Unit, &m.TicketID, &m.Code, &m.To, &m.Text,
		&payload, &m.CreatedAt}, more...)...)
	if err == nil && payload != nil {
		err = json.Unmarshal(payload, &m.Payload)
	}
	return err
}

// Claim implements outbox.Store. The due rows are locked FOR UPDATE SKIP
// LOCKED, so workers claiming at the same moment pass over each other's
// rows, and leased until leaseEnd, so no other worker takes a row while it
// is being sent. Only the first pending row of a ticket and channel is
// ever due: each ticket's rows arrive in order, even with many workers.
func (o *Outbox) Claim(ctx context.Context, worker string, now, leaseEnd time.Time, limit int) ([]outbox.Delivery, error) {
	t := o.t
	rows, _ := o.db.Pool.Query(ctx, `
		WITH due AS (
			SELECT o.id FROM `+t.name+` o
			WHERE o.state = 'pending'
			  AND o.next_attempt_at <= $1
			  AND (o.locked_until IS NULL OR o.locked_until <= $1)
			  AND NOT EXISTS (
				SELECT 1 FROM `+t.name+` p
				WHERE p.ticket_id = o.ticket_id AND p.`+t.channel+` = o.`+t.channel+`
				  AND p.state = 'pending' AND p.`+t.order+` < o.`+t.order+`)
			ORDER BY o.next_attempt_at, o.`+t.order+`
			LIMIT $2
			FOR UPDATE SKIP LOCKED
		)
		UPDATE `+t.name+` o
		SET locked_until = $3, locked_by = $4, attempts = o.attempts + 1, updated_at = $1
		FROM due WHERE o.id = due.id
		RETURNING `+t.messageColumns()+`, o.attempts`,
		now, limit, leaseEnd, worker)
	batch, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (outbox.Delivery, error) {
		var d outbox.Delivery
		err := scanMessage(row, &d.ID, &d.Message, &d.Attempt)
		return d, err
	})
	return batch, interpret("claim from "+t.name, err)
}

// Finish implements outbox.Store.
func (o *Outbox) Finish(ctx context.Context, id, worker, state, reason string, now time.Time) (bool, error) {
	var sentAt *time.Time
	if state == outbox.StateSent {
		sentAt = &now
	}
	return o.leased(ctx, id, worker, `state = $3, last_error = $4, sent_at = $5, updated_at = $6`, state, reason, sentAt, now)
}

// Reschedule implements outbox.Store.
func (o *Outbox) Reschedule(ctx context.Context, id, worker string, next time.Time, reason string, now time.Time) (bool, error) {
	return o.leased(ctx, id, worker, `next_attempt_at = $3, last_error = $4, updated_at = $5`, next, reason, now)
}

// leased applies set ($3 on) to a pending row that worker still holds,
// releasing its lease, and reports whether it did.
func (o *Outbox) leased(ctx context.Context, id, worker, set string, args ...any) (bool, error) {
	arg, ok := o.t.id(id)
	if !ok {
		return false, nil
	}
	tag, err := o.db.Pool.Exec(ctx, `UPDATE `+o.t.name+` SET `+set+`, locked_until = NULL, locked_by = ''
		WHERE id = $1 AND locked_by = $2 AND state = 'pending'`, append([]any{arg, worker}, args...)...)
	if err != nil {
		return false, interpret("record outcome of "+o.t.name+" "+id, err)
	}
	return tag.RowsAffected() == 1, nil
}

func (t outboxTable) recordColumns() string {
	return t.messageColumns() + `, o.state, o.attempts, o.last_error, o.next_attempt_at, o.sent_at, o.updated_at`
}

func collectRecord(row pgx.CollectableRow) (outbox.Record, error) {
	var r outbox.Record
	err := scanMessage(row, &r.ID, &r.Message, &r.State, &r.Attempts, &r.LastError, &r.NextAttemptAt, &r.SentAt, &r.UpdatedAt)
	return r, err
}

// Get returns one row. fault.ErrNotFound if there is no row with that id,
// or the id is not one this outbox could have given.
func (o *Outbox) Get(ctx context.Context, id string) (outbox.Record, error) {
	op := "get " + o.t.name + " " + id
	arg, ok := o.t.id(id)
	if !ok {
		return outbox.Record{}, fmt.Errorf("%s: %w", op, fault.ErrNotFound)
	}
	rows, _ := o.db.Pool.Query(ctx, `SELECT `+o.t.recordColumns()+` FROM `+o.t.name+` o WHERE o.id = $1`, arg)
	r, err := pgx.CollectExactlyOneRow(rows, collectRecord)
	if isCode(err, "22P02") { // invalid_text_representation: not a uuid
		err = pgx.ErrNoRows
	}
	return r, interpret(op, err)
}

// Dead lists up to limit rows of facility that failed for good, most
// recently failed first (limit outside 1..1000: 100).
func (o *Outbox) Dead(ctx context.Context, facility string, limit int) ([]outbox.Record, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, _ := o.db.Pool.Query(ctx, `SELECT `+o.t.recordColumns()+` FROM `+o.t.name+` o
		WHERE o.state = 'dead' AND o.facility = $1 ORDER BY o.updated_at DESC, o.`+o.t.order+` DESC LIMIT $2`, facility, limit)
	recs, err := pgx.CollectRows(rows, collectRecord)
	return recs, interpret("dead rows of "+o.t.name, err)
}

// ForTicket lists the rows of a ticket, oldest first.
func (o *Outbox) ForTicket(ctx context.Context, ticketID string) ([]outbox.Record, error) {
	rows, _ := o.db.Pool.Query(ctx, `SELECT `+o.t.recordColumns()+` FROM `+o.t.name+` o
		WHERE o.ticket_id = $1 ORDER BY o.`+o.t.order, ticketID)
	recs, err := pgx.CollectRows(rows, collectRecord)
	return recs, interpret(o.t.name+" rows of "+ticketID, err)
}

// Retry puts a dead row back in the queue with a fresh attempt budget, for
// an admin who fixed the cause (a gateway token, a quota, the settings).
// Its age still counts from the event, so a patient message that is stale
// by now is dropped rather than sent late. It returns an error wrapping
// fault.ErrNotFound for an unknown or malformed id and one wrapping
// fault.ErrConflict for a row that is not dead.
func (o *Outbox) Retry(ctx context.Context, id string) error {
	op := "retry " + o.t.name + " " + id
	arg, ok := o.t.id(id)
	if !ok {
		return fmt.Errorf("%s: %w", op, fault.ErrNotFound)
	}
	var state string
	err := o.db.Pool.QueryRow(ctx, `WITH retried AS (
			UPDATE `+o.t.name+` SET state = 'pending', attempts = 0, next_attempt_at = now(),
				locked_until = NULL, locked_by = '', updated_at = now()
			WHERE id = $1 AND state = 'dead' RETURNING id)
		SELECT coalesce((SELECT 'retried' FROM retried), (SELECT state FROM `+o.t.name+` WHERE id = $1), '')`, arg).Scan(&state)
	if isCode(err, "22P02") { // invalid_text_representation: not a uuid
		state, err = "", nil
	}
	switch {
	case err != nil:
		return interpret(op, err)
	case state == "":
		return fmt.Errorf("%s: %w", op, fault.ErrNotFound)
	case state != "retried":
		return fmt.Errorf("%s: the row is %s, not dead: %w", op, state, fault.ErrConflict)
	}
	return nil
}

// EnqueueNotification adds a patient message to the notify outbox in this
// transaction. A message with the Dedupe key of an earlier one is dropped,
// and so is one to a number that withdrew its consent (STOP, package
// whatsapp). m.To must be E.164 (or "" for web push).
func (tx *Tx) EnqueueNotification(ctx context.Context, m outbox.Message) error {
	// A number that wrote STOP to the WhatsApp conversation gets nothing more.
	_, err := tx.tx.Exec(ctx, `
		INSERT INTO notify_outbox
			(dedupe_key, kind, channel, ticket_id, facility, unit, code, recipient, body, created_at, next_attempt_at, updated_at)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, now()), COALESCE($10, now()), now()
		WHERE $8 = '' OR NOT EXISTS (SELECT 1 FROM whatsapp_optouts WHERE phone = ltrim($8, '+'))
		ON CONFLICT (dedupe_key) DO NOTHING`,
		nullable(m.Dedupe), m.Kind, m.Channel, m.TicketID, m.Facility, m.Unit, m.Code, m.To, m.Text, nullTime(m.CreatedAt))
	return interpret("enqueue notification "+m.Kind, err)
}

// EnqueueCall adds a call to BPJS or SATUSEHAT (m.Channel is the target)
// to the integration outbox in this transaction. A call with the Dedupe key
// of an earlier one is dropped.
func (tx *Tx) EnqueueCall(ctx context.Context, m outbox.Message) error {
	payload := []byte("{}")
	if m.Payload != nil {
		var err error
		if payload, err = json.Marshal(m.Payload); err != nil {
			return fmt.Errorf("enqueue call %s: %w: %w", m.Kind, fault.ErrInvalid, err)
		}
	}
	_, err := tx.tx.Exec(ctx, `INSERT INTO integration_outbox (dedupe_key, target, kind, facility, unit, ticket_id, code, payload,
			created_at, next_attempt_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, now()), now(), now())
		ON CONFLICT (dedupe_key) DO NOTHING`,
		nullable(m.Dedupe), m.Channel, m.Kind, m.Facility, m.Unit, m.TicketID, m.Code, payload, nullTime(m.CreatedAt))
	return interpret("enqueue call "+m.Kind, err)
}

// nullable is s, or NULL when empty.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nullTime is t, or NULL when zero.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
