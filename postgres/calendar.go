package postgres

import (
	"context"
	"time"

	"github.com/antrian/antrian/queue"
	"github.com/jackc/pgx/v5"
)

// closedDayMap returns a facility's closed days from yesterday on (a
// facility east of the server may already be on the server's tomorrow),
// as the queue checks them.
func (db *DB) closedDayMap(ctx context.Context, facilityID int64) (map[string]string, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT day::text, reason FROM closed_days
		WHERE facility_id = $1 AND day >= current_date - 1`, facilityID)
	m := map[string]string{}
	var day, reason string
	_, err := pgx.ForEachRow(rows, []any{&day, &reason}, func() error {
		m[day] = reason
		return nil
	})
	if err != nil {
		return nil, interpret("closed days", err)
	}
	return m, nil
}

// ClosedDays lists a facility's closed days from from (yyyy-mm-dd) on, in
// date order.
func (db *DB) ClosedDays(ctx context.Context, facility, from string) ([]queue.ClosedDay, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT c.day::text, c.reason FROM closed_days c
		JOIN facilities f ON f.id = c.facility_id
		WHERE f.code = $1 AND c.day >= $2::date ORDER BY c.day`, facility, from)
	days, err := pgx.CollectRows(rows, pgx.RowToStructByPos[queue.ClosedDay])
	if err != nil {
		return nil, interpret("closed days of "+facility, err)
	}
	return days, nil
}

// AddClosedDays stores days (a date already stored takes the new reason) in
// one transaction: an import of a holiday list lands whole or not at all.
func (db *DB) AddClosedDays(ctx context.Context, facility string, days []queue.ClosedDay) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM facilities WHERE code = $1`, facility).Scan(&id); err != nil {
			return interpret("facility "+facility, err)
		}
		dates := make([]time.Time, len(days))
		reasons := make([]string, len(days))
		for i, d := range days {
			t, err := time.Parse(time.DateOnly, d.Date)
			if err != nil {
				return err
			}
			dates[i], reasons[i] = t, d.Reason
		}
		_, err := tx.Exec(ctx, `INSERT INTO closed_days (facility_id, day, reason)
			SELECT $1, d, r FROM unnest($2::date[], $3::text[]) AS x(d, r)
			ON CONFLICT (facility_id, day) DO UPDATE SET reason = excluded.reason`, id, dates, reasons)
		return interpret("add closed days", err)
	})
}

// DeleteClosedDay opens a closed day again; fault.ErrNotFound if it was not
// closed.
func (db *DB) DeleteClosedDay(ctx context.Context, facility, day string) error {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM closed_days c USING facilities f
		WHERE f.id = c.facility_id AND f.code = $1 AND c.day = $2::date`, facility, day)
	if err != nil {
		return interpret("delete closed day", err)
	}
	if tag.RowsAffected() == 0 {
		return interpret("closed day "+day, pgx.ErrNoRows)
	}
	return nil
}
