package postgres

import (
	"context"

	"github.com/antrian/antrian/whatsapp"
	"github.com/jackc/pgx/v5"
)

// Converse implements whatsapp.Store. The conversation row is locked FOR
// UPDATE first, so a second message of the same number (on this instance
// or another) waits until this one is answered; a second delivery of the
// same message then finds its id in whatsapp_inbound and is not answered
// again. Everything fn decides commits with the message id, or nothing does.
func (db *DB) Converse(ctx context.Context, k whatsapp.Key, fn func(*whatsapp.Conversation) (whatsapp.Outcome, error)) (bool, error) {
	answered := false
	var fnErr error
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		c, err := lockConversation(ctx, tx, k)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO whatsapp_inbound (gateway, message_id, facility) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, k.Gateway, k.MessageID, k.Facility)
		if err != nil || tag.RowsAffected() == 0 {
			return err // answered before
		}
		wasStopped := c.Stopped
		out, err := fn(&c)
		if err != nil {
			fnErr = err
			return err
		}
		if err := saveConversation(ctx, tx, c, wasStopped, out); err != nil {
			return err
		}
		answered = true
		return nil
	})
	if fnErr != nil {
		return false, fnErr
	}
	return answered, interpret("whatsapp conversation", err)
}

func lockConversation(ctx context.Context, tx pgx.Tx, k whatsapp.Key) (whatsapp.Conversation, error) {
	c := whatsapp.Conversation{Facility: k.Facility, Phone: k.Phone}
	if _, err := tx.Exec(ctx, `INSERT INTO whatsapp_conversations (facility, phone) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		k.Facility, k.Phone); err != nil {
		return c, err
	}
	err := tx.QueryRow(ctx, `SELECT c.state, c.units, c.unit, EXISTS (SELECT 1 FROM whatsapp_optouts o WHERE o.phone = c.phone)
		FROM whatsapp_conversations c WHERE c.facility = $1 AND c.phone = $2 FOR UPDATE`, k.Facility, k.Phone).
		Scan(&c.State, &c.Units, &c.Unit, &c.Stopped)
	return c, err
}

// saveConversation stores the conversation and its consent, and enqueues
// the reply: a number that just stopped loses its pending messages before
// the reply (the last one it gets) and is refused after it.
func saveConversation(ctx context.Context, tx pgx.Tx, c whatsapp.Conversation, wasStopped bool, out whatsapp.Outcome) error {
	if c.Units == nil {
		c.Units = []string{}
	}
	if _, err := tx.Exec(ctx, `UPDATE whatsapp_conversations SET state = $3, units = $4, unit = $5, updated_at = now()
		WHERE facility = $1 AND phone = $2`, c.Facility, c.Phone, c.State, c.Units, c.Unit); err != nil {
		return err
	}
	recipient := "+" + c.Phone
	switch {
	case c.Stopped && !wasStopped:
		if _, err := tx.Exec(ctx, `UPDATE notify_outbox SET state = 'stale', last_error = 'consent withdrawn',
			locked_until = NULL, locked_by = '', updated_at = now() WHERE recipient = $1 AND state = 'pending'`, recipient); err != nil {
			return err
		}
	case !c.Stopped && wasStopped:
		if _, err := tx.Exec(ctx, `DELETE FROM whatsapp_optouts WHERE phone = $1`, c.Phone); err != nil {
			return err
		}
	}
	if out.Reply.Text != "" {
		if err := (&Tx{tx: tx}).EnqueueNotification(ctx, out.Reply); err != nil {
			return err
		}
	}
	if c.Stopped && !wasStopped {
		_, err := tx.Exec(ctx, `INSERT INTO whatsapp_optouts (phone) VALUES ($1) ON CONFLICT DO NOTHING`, c.Phone)
		return err
	}
	return nil
}

// ActiveTickets implements whatsapp.Store.
func (db *DB) ActiveTickets(ctx context.Context, phoneHash []byte, date string) ([]string, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT id FROM tickets WHERE phone_hash = $1 AND service_date = $2
		AND status IN ('booked', 'waiting', 'called', 'serving') ORDER BY issued_at, id`, phoneHash, date)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, interpret("active tickets of a phone", err)
}

// ForgetConversations deletes the WhatsApp conversations idle since before
// the date before (yyyy-mm-dd), and the ids of messages received before it.
// The opt-outs stay: they are the record that a number must not be
// written to. It returns how many conversations it deleted.
func (db *DB) ForgetConversations(ctx context.Context, before string) (int64, error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM whatsapp_conversations WHERE updated_at < $1::date`, before)
	if err != nil {
		return 0, interpret("forget whatsapp conversations", err)
	}
	if _, err := db.Pool.Exec(ctx, `DELETE FROM whatsapp_inbound WHERE received_at < $1::date`, before); err != nil {
		return 0, interpret("forget whatsapp message ids", err)
	}
	return tag.RowsAffected(), nil
}
