package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5"
)

// A group of one (a booking that found no other pending in the queue, as
// every booking of a lone client does) is committed with one-row
// statements instead of the group's array statements, and with the fewest
// of them: BEGIN (with the group's plan setting), the facility's lock and
// one read under it in the first round trip; one write and COMMIT in the
// second. Its decisions are the group's (decide, accept, fetchTickets and
// runHooks are shared), so a lone booking keeps every guarantee a group
// gives its bookings.

// readOne is readBatch for a group of one: it begins, locks the facility
// and reads under the lock, in one row, the unit's day (last number and
// order key, waiting count, current call), the stored idempotency key and
// the person's active ticket. The lock must be its own statement: a read
// in the same statement would see the snapshot taken before the lock was
// granted, and so miss the last holder's writes.
func (g *group) readOne() *pgx.Batch {
	it := g.items[0]
	nt := it.nt
	b := beginBooking()
	b.Queue(`SELECT id, code, event_seq FROM facilities WHERE id = $1 FOR UPDATE`, nt.FacilityID)
	// "+ 0" keeps the planner on the hash indexes, as in readBatch, and
	// each hash is looked up on its own: an OR of them needs a bitmap scan,
	// which a plan made while tickets is still small (a new database)
	// prices above reading the whole table, and a prepared statement keeps
	// that plan as the table grows.
	b.Queue(`SELECT coalesce(n.last, 0), coalesce(n.last_key, 0), coalesce(n.waiting, 0),
			coalesce(cur.code, ''), coalesce(cur.counter, ''), k.request_hash, coalesce(k.ticket_id, ''), coalesce(d.id, '')
		FROM (VALUES (1)) one
		LEFT JOIN LATERAL (SELECT * FROM ticket_numbers n WHERE n.unit_id = $1 AND n.service_date = $2 LIMIT 1) n ON true
		LEFT JOIN LATERAL (SELECT code, counter FROM tickets WHERE unit_id = $1 AND service_date = $2
			AND status IN ('called', 'serving') ORDER BY called_at DESC, id LIMIT 1) cur ON true
		LEFT JOIN idempotency_keys k ON $3 <> '' AND k.facility_id = $4 AND k.key = $3 AND k.created_at > $5
		LEFT JOIN LATERAL (SELECT id FROM (
				SELECT id, unit_id, service_date, status, issued_at FROM tickets WHERE nik_hash = $6
				UNION ALL SELECT id, unit_id, service_date, status, issued_at FROM tickets WHERE bpjs_hash = $7
				UNION ALL SELECT id, unit_id, service_date, status, issued_at FROM tickets WHERE phone_hash = $8) t
			WHERE t.unit_id + 0 = $1 AND t.service_date + 0 = $2
			AND t.status IN `+activeStatuses+` ORDER BY t.issued_at LIMIT 1) d ON true`,
		nt.UnitID, nt.ServiceDate, nt.IdempotencyKey, nt.FacilityID, it.now.Add(-idempotencyTTL),
		nt.NIKHash, nt.BPJSHash, nt.PhoneHash)
	return b
}

// scanOne reads readOne's answers into the group, as scanReads does
// readBatch's.
func (g *group) scanOne(br pgx.BatchResults) error {
	defer br.Close()
	if err := beganBooking(br); err != nil {
		return err
	}
	nt := g.items[0].nt
	var f facState
	switch err := br.QueryRow().Scan(new(int64), &f.code, &f.seq); {
	case err == nil:
		g.facs[nt.FacilityID] = &f
	case !errors.Is(err, pgx.ErrNoRows): // no facility: decide refuses the booking
		return err
	}
	var u unitState
	var sk storedKey
	var dup string
	if err := br.QueryRow().Scan(&u.last, &u.lastKey, &u.waiting, &u.cc, &u.cn, &sk.hash, &sk.ticket, &dup); err != nil {
		return err
	}
	g.units[unitDay{nt.UnitID, nt.ServiceDate}] = &u
	if sk.ticket != "" {
		g.keys[facKey{nt.FacilityID, nt.IdempotencyKey}] = sk
	}
	if dup != "" {
		g.dups[0] = dup
	}
	return br.Close()
}

// writeOne is writeBatch for a group of one: the number, the ticket, the
// key, the event and the facility's seq in one statement (every
// data-modifying WITH runs to completion, whatever the outer statement
// reads of it).
func (g *group) writeOne() *pgx.Batch {
	b := &pgx.Batch{}
	o := g.outs[0]
	if !o.created {
		return b
	}
	it, e := g.items[0], o.events[0]
	nt := it.nt
	var cc, cn string
	if e.Current != nil {
		cc, cn = e.Current.Code, e.Current.Counter
	}
	ws, we := keptWindow(nt)
	u := g.units[unitDay{nt.UnitID, nt.ServiceDate}]
	b.Queue(`WITH n AS (
			INSERT INTO ticket_numbers (unit_id, service_date, last, last_key, waiting) VALUES ($3, $4, $32, $33, $34)
			ON CONFLICT (unit_id, service_date) DO UPDATE
			SET last = EXCLUDED.last, last_key = EXCLUDED.last_key, waiting = EXCLUDED.waiting),
		t AS (
			INSERT INTO tickets (id, facility_id, unit_id, service_date, number, code, status, priority, channel,
				name, phone, nik, bpjs, phone_hash, nik_hash, bpjs_hash, notify, visit_id, order_key, issued_at, from_unit,
				window_start, window_end)
			VALUES ($1, $2, $3, $4, $5, $6, $29, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
				$30, $31)),
		k AS (
			INSERT INTO idempotency_keys (facility_id, key, request_hash, ticket_id, created_at)
			SELECT $2, $25, $26, $1, $27 WHERE $25 <> ''
			ON CONFLICT (facility_id, key) DO UPDATE
			SET request_hash = EXCLUDED.request_hash, ticket_id = EXCLUDED.ticket_id, created_at = EXCLUDED.created_at),
		e AS (
			INSERT INTO ticket_events (facility_id, seq, unit_id, service_date, kind, ticket_id, code, counter,
				actor, at, waiting, current_code, current_counter)
			VALUES ($2, $21, $3, $4, 'booked', $1, $6, '', $8, $28, $22, $23, $24))
		UPDATE facilities SET event_seq = $21 WHERE id = $2`,
		nt.ID, nt.FacilityID, nt.UnitID, nt.ServiceDate, nt.Number, nt.Code, string(nt.Priority), string(nt.Channel),
		nt.Name, nt.Phone, nt.NIK, nt.BPJS, nt.PhoneHash, nt.NIKHash, nt.BPJSHash, nt.Notify, nt.VisitID,
		nt.OrderKey, nt.IssuedAt, nt.FromUnit, e.Seq, e.Waiting, cc, cn,
		nt.IdempotencyKey, nt.RequestHash, it.now, e.At, string(nt.Status), ws, we, u.last, u.lastKey, u.waiting)
	return b
}
