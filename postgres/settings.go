package postgres

import (
	"context"
	"fmt"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/queue"
	"github.com/jackc/pgx/v5"
)

// Facilities returns every facility, by name. fault.ErrUnavailable when
// the database fails.
func (db *DB) Facilities(ctx context.Context) ([]queue.Facility, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT id, code, name, kind, timezone, booking_window, show_names, announcement
		FROM facilities ORDER BY name, code`)
	fs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (queue.Facility, error) {
		var f queue.Facility
		err := r.Scan(&f.ID, &f.Code, &f.Name, &f.Kind, &f.Timezone, &f.BookingWindow, &f.ShowNames, &f.Announcement)
		return f, err
	})
	return fs, interpret("facilities", err)
}

// UpdateFacility changes a facility's settings. fault.ErrNotFound if the
// facility does not exist.
func (db *DB) UpdateFacility(ctx context.Context, code string, s queue.FacilitySettings) error {
	tag, err := db.Pool.Exec(ctx, `UPDATE facilities SET name = $2, booking_window = $3, show_names = $4, announcement = $5
		WHERE code = $1`, code, s.Name, s.BookingWindow, s.ShowNames, s.Announcement)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return interpret("update facility "+code, err)
}

// SetAnnouncement changes the running text of a facility's screens.
// fault.ErrNotFound if the facility does not exist.
func (db *DB) SetAnnouncement(ctx context.Context, code, text string) error {
	tag, err := db.Pool.Exec(ctx, `UPDATE facilities SET announcement = $2 WHERE code = $1`, code, text)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return interpret("set announcement "+code, err)
}

// FacilityID returns the id of a facility. fault.ErrNotFound if unknown.
func (db *DB) FacilityID(ctx context.Context, code string) (int64, error) {
	var id int64
	err := db.Pool.QueryRow(ctx, `SELECT id FROM facilities WHERE code = $1`, code).Scan(&id)
	return id, interpret("facility "+code, err)
}

// Counters returns the counters of a facility in their set order (none for
// an unknown facility). fault.ErrUnavailable when the database fails.
func (db *DB) Counters(ctx context.Context, facility string) ([]queue.Counter, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT c.name, c.unit_code FROM counters c JOIN facilities f ON f.id = c.facility_id
		WHERE f.code = $1 ORDER BY c.position, c.id`, facility)
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (queue.Counter, error) {
		var c queue.Counter
		err := r.Scan(&c.Name, &c.Unit)
		return c, err
	})
	return cs, interpret("counters of "+facility, err)
}

// SaveCounters replaces the counters of a facility, in order. It returns
// fault.ErrNotFound for an unknown facility and fault.ErrConflict for a name
// given twice.
func (db *DB) SaveCounters(ctx context.Context, facility string, cs []queue.Counter) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM facilities WHERE code = $1`, facility).Scan(&id); err != nil {
			return interpret("facility "+facility, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM counters WHERE facility_id = $1`, id); err != nil {
			return interpret("save counters", err)
		}
		for i, c := range cs {
			if _, err := tx.Exec(ctx, `INSERT INTO counters (facility_id, name, unit_code, position) VALUES ($1, $2, $3, $4)`,
				id, c.Name, c.Unit, i); err != nil {
				return interpret(fmt.Sprintf("save counter %q", c.Name), err)
			}
		}
		return nil
	})
}

// Users returns the staff accounts of a facility ("" for district accounts);
// none for an unknown facility.
func (db *DB) Users(ctx context.Context, facility string) ([]account.User, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT u.id, u.username, u.role, coalesce(f.code, ''), u.disabled
		FROM users u LEFT JOIN facilities f ON f.id = u.facility_id
		WHERE coalesce(f.code, '') = $1 ORDER BY u.username`, facility)
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (account.User, error) {
		var u account.User
		err := r.Scan(&u.ID, &u.Username, &u.Role, &u.Facility, &u.Disabled)
		return u, err
	})
	return us, interpret("users of "+facility, err)
}

// UserChange is an admin's change to an account; nil fields stay as they are.
type UserChange struct {
	Role         *account.Role
	Disabled     *bool
	PasswordHash string // "" keeps the password
}

// UpdateUser changes an account of facility. Disabling an account or
// changing its password ends its sessions. fault.ErrNotFound if the
// facility has no such user.
func (db *DB) UpdateUser(ctx context.Context, facility, username string, ch UserChange) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		var role *string
		if ch.Role != nil {
			r := string(*ch.Role)
			role = &r
		}
		err := tx.QueryRow(ctx, `UPDATE users u SET role = coalesce($3::text, u.role), disabled = coalesce($4::boolean, u.disabled),
				password_hash = CASE WHEN $5::text = '' THEN u.password_hash ELSE $5::text END
			FROM users x LEFT JOIN facilities f ON f.id = x.facility_id
			WHERE x.id = u.id AND u.username = $2 AND coalesce(f.code, '') = $1 RETURNING u.id`,
			facility, username, role, ch.Disabled, ch.PasswordHash).Scan(&id)
		if err != nil {
			return interpret("update user "+username, err)
		}
		if (ch.Disabled != nil && *ch.Disabled) || ch.PasswordHash != "" {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return interpret("end sessions", err)
			}
		}
		return nil
	})
}
