package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/fault"
	"github.com/jackc/pgx/v5"
)

// CreateUser adds a staff account. facility "" makes a district account.
// fault.ErrNotFound for an unknown facility, fault.ErrConflict for a
// username in use.
func (db *DB) CreateUser(ctx context.Context, facility, username string, role account.Role, passwordHash string) (account.User, error) {
	var facilityID *int64
	if facility != "" {
		var id int64
		if err := db.Pool.QueryRow(ctx, `SELECT id FROM facilities WHERE code = $1`, facility).Scan(&id); err != nil {
			return account.User{}, interpret("facility "+facility, err)
		}
		facilityID = &id
	}
	u := account.User{Username: username, Role: role, Facility: facility}
	err := db.Pool.QueryRow(ctx, `INSERT INTO users (facility_id, username, role, password_hash) VALUES ($1, $2, $3, $4)
		RETURNING id`, facilityID, username, role, passwordHash).Scan(&u.ID)
	if isCode(err, "23505") {
		return u, fmt.Errorf("create user: %w", fault.Conflict("username", "Nama pengguna sudah dipakai."))
	}
	return u, interpret("create user "+username, err)
}

// UserByName returns an account and its password hash.
func (db *DB) UserByName(ctx context.Context, username string) (account.User, string, error) {
	var u account.User
	var hash string
	err := db.Pool.QueryRow(ctx, `SELECT u.id, u.username, u.role, coalesce(f.code, ''), u.disabled, u.password_hash
		FROM users u LEFT JOIN facilities f ON f.id = u.facility_id WHERE u.username = $1`, username).
		Scan(&u.ID, &u.Username, &u.Role, &u.Facility, &u.Disabled, &hash)
	return u, hash, interpret("user", err)
}

// CreateSession stores a new session for user under the hash of its id.
func (db *DB) CreateSession(ctx context.Context, idHash []byte, userID int64, csrf string, now time.Time) error {
	_, err := db.Pool.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, seen_at) VALUES ($1, $2, $3, $4, $4)`,
		idHash, userID, csrf, now)
	return interpret("create session", err)
}

// Session returns the live session with id hash idHash, or
// fault.ErrUnauthenticated if it is unknown, idle longer than idle or older
// than absolute. It marks the session seen only when its mark is older than
// sessionTouch(idle): a console polls and acts many times a minute, and one
// write a minute keeps the idle timeout as well as one per request did.
func (db *DB) Session(ctx context.Context, idHash []byte, now time.Time, idle, absolute time.Duration) (account.Session, error) {
	var s account.Session
	err := db.Pool.QueryRow(ctx, `WITH s AS (
			SELECT u.id, u.username, u.role, coalesce(f.code, '') AS facility, s.csrf_token, s.created_at,
				ARRAY(SELECT un.code FROM user_units uu JOIN units un ON un.id = uu.unit_id WHERE uu.user_id = u.id ORDER BY un.code) AS units
			FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN facilities f ON f.id = u.facility_id
			WHERE s.id_hash = $1 AND NOT u.disabled AND s.seen_at > $3 AND s.created_at > $4),
		touched AS (
			UPDATE sessions SET seen_at = $2 WHERE id_hash = $1 AND seen_at < $5 AND EXISTS (SELECT 1 FROM s))
		SELECT id, username, role, facility, csrf_token, created_at, $2::timestamptz, units FROM s`,
		idHash, now, now.Add(-idle), now.Add(-absolute), now.Add(-sessionTouch(idle))).
		Scan(&s.User.ID, &s.User.Username, &s.User.Role, &s.User.Facility, &s.CSRFToken, &s.CreatedAt, &s.SeenAt, &s.User.Units)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, fmt.Errorf("session: %w", fault.ErrUnauthenticated)
	}
	return s, interpret("session", err)
}

// sessionTouch is how old a session's seen mark may grow before a request
// writes it again: a minute, or a tenth of the idle timeout when that is
// shorter. An idle session therefore ends up to that much before its idle
// timeout, never after it.
func sessionTouch(idle time.Duration) time.Duration { return min(time.Minute, idle/10) }

// DeleteSession ends one session.
func (db *DB) DeleteSession(ctx context.Context, idHash []byte) error {
	_, err := db.Pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash)
	return interpret("delete session", err)
}

// DeleteUserSessions ends every session of a user (logout everywhere).
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := db.Pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return interpret("delete sessions", err)
}
