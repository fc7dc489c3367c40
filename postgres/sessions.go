package postgres

import (
	"context"
	"time"

	"github.com/antrian/antrian/queue"
	"github.com/jackc/pgx/v5"
)

const sessionColumns = `weekday, starts_min, ends_min, staff, kodedokter, capacity`

func scanSession(r pgx.CollectableRow) (queue.Session, error) {
	var s queue.Session
	var wd int16
	err := r.Scan(&wd, &s.Start, &s.End, &s.Staff, &s.KodeDokter, &s.Capacity)
	s.Weekday = time.Weekday(wd)
	return s, err
}

// attachSessions reads the practice sessions of a facility's units into
// them.
func (db *DB) attachSessions(ctx context.Context, facilityID int64, units []queue.Unit) error {
	rows, _ := db.Pool.Query(ctx, `SELECT s.unit_id, `+sessionColumns+` FROM unit_sessions s
		JOIN units u ON u.id = s.unit_id WHERE u.facility_id = $1 ORDER BY s.unit_id, s.weekday, s.starts_min`, facilityID)
	byUnit := map[int64][]queue.Session{}
	var id int64
	var s queue.Session
	var wd int16
	_, err := pgx.ForEachRow(rows, []any{&id, &wd, &s.Start, &s.End, &s.Staff, &s.KodeDokter, &s.Capacity}, func() error {
		s.Weekday = time.Weekday(wd)
		byUnit[id] = append(byUnit[id], s)
		return nil
	})
	if err != nil {
		return interpret("unit sessions", err)
	}
	for i := range units {
		units[i].Sessions = byUnit[units[i].ID]
	}
	return nil
}

// UnitSessions returns a unit's practice sessions by weekday and start.
// fault.ErrNotFound for an unknown facility or unit.
func (db *DB) UnitSessions(ctx context.Context, facility, unit string) ([]queue.Session, error) {
	id, err := unitID(ctx, db.Pool, facility, unit)
	if err != nil {
		return nil, err
	}
	rows, _ := db.Pool.Query(ctx, `SELECT `+sessionColumns+` FROM unit_sessions
		WHERE unit_id = $1 ORDER BY weekday, starts_min`, id)
	out, err := pgx.CollectRows(rows, scanSession)
	if err != nil {
		return nil, interpret("sessions of "+unit, err)
	}
	return out, nil
}

// SaveUnitSessions replaces a unit's practice sessions (already validated,
// see queue.ValidateSessions) in one transaction. fault.ErrNotFound for an
// unknown facility or unit.
func (db *DB) SaveUnitSessions(ctx context.Context, facility, unit string, sessions []queue.Session) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		id, err := unitID(ctx, tx, facility, unit)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM unit_sessions WHERE unit_id = $1`, id); err != nil {
			return interpret("replace sessions", err)
		}
		n := len(sessions)
		wd, start, end, kode, capacity := make([]int16, n), make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
		staff := make([]string, n)
		for i, s := range sessions {
			wd[i], start[i], end[i] = int16(s.Weekday), int32(s.Start), int32(s.End)
			staff[i], kode[i], capacity[i] = s.Staff, int32(s.KodeDokter), int32(s.Capacity)
		}
		_, err = tx.Exec(ctx, `INSERT INTO unit_sessions (unit_id, `+sessionColumns+`)
			SELECT $1, * FROM unnest($2::smallint[], $3::int[], $4::int[], $5::text[], $6::int[], $7::int[])`,
			id, wd, start, end, staff, kode, capacity)
		return interpret("save sessions", err)
	})
}

// unitID finds a unit of a facility by their codes.
func unitID(ctx context.Context, q querier, facility, unit string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT u.id FROM units u JOIN facilities f ON f.id = u.facility_id
		WHERE f.code = $1 AND u.code = $2`, facility, unit).Scan(&id)
	return id, interpret("unit "+facility+"/"+unit, err)
}

// Issued returns how many tickets a unit has issued on each day from from
// to to (inclusive), from the numbers kept per unit and day; days without
// tickets are absent.
func (db *DB) Issued(ctx context.Context, unitID int64, from, to string) (map[string]int, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT service_date::text, last FROM ticket_numbers
		WHERE unit_id = $1 AND service_date BETWEEN $2::date AND $3::date`, unitID, from, to)
	out := map[string]int{}
	var day string
	var n int
	_, err := pgx.ForEachRow(rows, []any{&day, &n}, func() error {
		out[day] = n
		return nil
	})
	if err != nil {
		return nil, interpret("issued of unit", err)
	}
	return out, nil
}
