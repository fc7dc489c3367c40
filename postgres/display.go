package postgres

import (
	"context"
	"time"

	"github.com/antrian/antrian/queue"
	"github.com/jackc/pgx/v5"
)

// Board reads what the screens of facility show at instant now: the seq of
// its last event, every unit's waiting count and current call on the
// facility's date, and the latest calls of that date (with those of
// yesterday's tickets made after midnight). It reads in one
// REPEATABLE READ transaction, and every queue write moves event_seq in the
// transaction that changes the tickets, so the board includes exactly the
// events up to its Seq. Errors: fault.ErrNotFound, fault.ErrUnavailable.
func (db *DB) Board(ctx context.Context, facility string, now time.Time, recent int) (queue.Board, error) {
	b := queue.Board{Facility: facility}
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, db.Pool, opts, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id, name, event_seq, (($2::timestamptz) AT TIME ZONE timezone)::date::text
			FROM facilities WHERE code = $1`, facility, now).Scan(&id, &b.Name, &b.Seq, &b.Date)
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT u.code, u.name,
				(SELECT count(*) FROM tickets t WHERE t.unit_id = u.id AND t.service_date = $2 AND t.status = 'waiting'),
				coalesce((SELECT t.code FROM tickets t WHERE t.unit_id = u.id AND t.service_date = $2
					AND t.status IN ('called', 'serving') ORDER BY t.called_at DESC, t.id LIMIT 1), ''),
				coalesce((SELECT t.counter FROM tickets t WHERE t.unit_id = u.id AND t.service_date = $2
					AND t.status IN ('called', 'serving') ORDER BY t.called_at DESC, t.id LIMIT 1), '')
			FROM units u WHERE u.facility_id = $1 ORDER BY u.id`, id, b.Date)
		b.Units, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (queue.BoardUnit, error) {
			var u queue.BoardUnit
			var code, counter string
			err := r.Scan(&u.Code, &u.Name, &u.Waiting, &code, &counter)
			if code != "" {
				u.Current = &queue.Call{Code: code, Counter: counter}
			}
			return u, err
		})
		if err != nil {
			return err
		}
		// The day's calls: of its own tickets, and of yesterday's tickets
		// called after midnight by a unit still serving yesterday's line.
		rows, _ = tx.Query(ctx, `(SELECT `+eventColumns+eventFrom+`
				WHERE e.facility_id = $1 AND e.service_date = $2 AND e.kind IN ('called', 'recalled')
				ORDER BY e.seq DESC LIMIT $3)
			UNION ALL
			(SELECT `+eventColumns+eventFrom+`
				WHERE e.facility_id = $1 AND e.service_date = $2::date - 1 AND e.kind IN ('called', 'recalled')
					AND e.at >= ($2::date)::timestamp AT TIME ZONE f.timezone
				ORDER BY e.seq DESC LIMIT $3)
			ORDER BY 1 DESC LIMIT $3`, id, b.Date, recent)
		b.Recent, err = pgx.CollectRows(rows, collectEvent)
		return err
	})
	if err != nil {
		return queue.Board{}, interpret("board of "+facility, err)
	}
	return b, nil
}

// EventsFrom returns the events of facility with seq >= from, in seq order,
// at most limit of them. Errors: fault.ErrUnavailable.
func (db *DB) EventsFrom(ctx context.Context, facility string, from int64, limit int) ([]queue.Event, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+eventColumns+eventFrom+`
		WHERE e.facility_id = (SELECT id FROM facilities WHERE code = $1) AND e.seq >= $2
		ORDER BY e.seq LIMIT $3`, facility, from, limit)
	evs, err := pgx.CollectRows(rows, collectEvent)
	return evs, interpret("events of "+facility, err)
}

// EventSeq returns the seq of the last event of facility (0 before any).
// Errors: fault.ErrNotFound, fault.ErrUnavailable.
func (db *DB) EventSeq(ctx context.Context, facility string) (int64, error) {
	var seq int64
	err := db.Pool.QueryRow(ctx, `SELECT event_seq FROM facilities WHERE code = $1`, facility).Scan(&seq)
	return seq, interpret("event seq of "+facility, err)
}

const eventColumns = `e.seq, f.code, u.code, e.service_date::text, e.kind, e.ticket_id, e.code, e.counter, e.at,
	e.waiting, e.current_code, e.current_counter`

const eventFrom = ` FROM ticket_events e JOIN units u ON u.id = e.unit_id JOIN facilities f ON f.id = e.facility_id `

func collectEvent(r pgx.CollectableRow) (queue.Event, error) {
	var e queue.Event
	var code, counter string
	err := r.Scan(&e.Seq, &e.Facility, &e.Unit, &e.ServiceDate, &e.Kind, &e.TicketID, &e.Code, &e.Counter, &e.At,
		&e.Waiting, &code, &counter)
	if code != "" {
		e.Current = &queue.Call{Code: code, Counter: counter}
	}
	return e, err
}
