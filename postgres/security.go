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

// SetUserUnits assigns a staff account to units of its facility (none: all).
func (db *DB) SetUserUnits(ctx context.Context, username string, units []string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = $1`, username).Scan(&id); err != nil {
			return interpret("user "+username, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_units WHERE user_id = $1`, id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO user_units (user_id, unit_id)
			SELECT $1, un.id FROM users u JOIN units un ON un.facility_id = u.facility_id
			WHERE u.id = $1 AND un.code = ANY($2)`, id, units)
		if err != nil {
			return err
		}
		if int(tag.RowsAffected()) != len(units) {
			return fmt.Errorf("units %v: %w: not all are units of the account's facility", units, fault.ErrInvalid)
		}
		return nil
	})
}

// CreateAPIToken stores a new token under the hash of its secret.
func (db *DB) CreateAPIToken(ctx context.Context, facility, name string, role account.Role, hash []byte, by string, now time.Time) (account.APIToken, error) {
	t := account.APIToken{Name: name, Role: string(role), Facility: facility, CreatedBy: by, CreatedAt: now}
	err := db.Pool.QueryRow(ctx, `INSERT INTO api_tokens (facility_id, name, role, token_hash, created_by, created_at)
		VALUES ((SELECT id FROM facilities WHERE code = $1), $2, $3, $4, $5, $6) RETURNING id`,
		facility, name, role, hash, by, now).Scan(&t.ID)
	return t, interpret("create token", err)
}

// APITokens lists a facility's tokens.
func (db *DB) APITokens(ctx context.Context, facility string) ([]account.APIToken, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT t.id, t.name, t.role, coalesce(f.code, ''), t.created_by, t.created_at, t.last_used, t.revoked_at
		FROM api_tokens t LEFT JOIN facilities f ON f.id = t.facility_id WHERE f.code = $1 ORDER BY t.id`, facility)
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (account.APIToken, error) {
		var t account.APIToken
		err := r.Scan(&t.ID, &t.Name, &t.Role, &t.Facility, &t.CreatedBy, &t.CreatedAt, &t.LastUsed, &t.Revoked)
		return t, err
	})
	return ts, interpret("tokens", err)
}

// RevokeAPIToken revokes a facility's token. fault.ErrNotFound if there is none.
func (db *DB) RevokeAPIToken(ctx context.Context, facility string, id int64, now time.Time) error {
	tag, err := db.Pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = $3 WHERE id = $2 AND revoked_at IS NULL
		AND facility_id = (SELECT id FROM facilities WHERE code = $1)`, facility, id, now)
	if err != nil {
		return interpret("revoke token", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("token %d: %w", id, fault.ErrNotFound)
	}
	return nil
}

// TokenUser returns the machine identity of a live token, or
// fault.ErrUnauthenticated.
func (db *DB) TokenUser(ctx context.Context, hash []byte, now time.Time) (account.User, error) {
	var u account.User
	err := db.Pool.QueryRow(ctx, `UPDATE api_tokens t SET last_used = $2
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL
		RETURNING t.id, 'token:' || t.name, t.role, coalesce((SELECT code FROM facilities WHERE id = t.facility_id), '')`, hash, now).
		Scan(&u.ID, &u.Username, &u.Role, &u.Facility)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, fmt.Errorf("token: %w", fault.ErrUnauthenticated)
	}
	u.Token = true
	return u, interpret("token", err)
}

// Audit appends an entry to the audit log.
func (db *DB) Audit(ctx context.Context, e account.AuditEntry) error {
	_, err := db.Pool.Exec(ctx, `INSERT INTO audit_log (at, actor, role, facility, action, target, status, address)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, e.At, e.Actor, e.Role, e.Facility, e.Action, e.Target, e.Status, e.Address)
	return interpret("audit", err)
}

// AuditLog returns a facility's latest audit entries, newest first.
func (db *DB) AuditLog(ctx context.Context, facility string, limit int) ([]account.AuditEntry, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT at, actor, role, facility, action, target, status, address FROM audit_log
		WHERE facility = $1 ORDER BY at DESC, id DESC LIMIT $2`, facility, limit)
	es, err := pgx.CollectRows(rows, pgx.RowToStructByPos[account.AuditEntry])
	return es, interpret("audit log", err)
}

// ForgetPersonalData blanks the name, phone, NIK and BPJS number of tickets
// served before the date before (yyyy-mm-dd), keeping the keyed hashes and
// everything the statistics need. It returns how many tickets it changed.
func (db *DB) ForgetPersonalData(ctx context.Context, before string) (int64, error) {
	tag, err := db.Pool.Exec(ctx, `UPDATE tickets SET name = '', phone = '', nik = '', bpjs = ''
		WHERE service_date < $1::date AND (name <> '' OR phone <> '' OR nik <> '' OR bpjs <> '')`, before)
	if err != nil {
		return 0, fmt.Errorf("forget personal data: %w", err)
	}
	return tag.RowsAffected(), nil
}
