package postgres

import (
	"errors"
	"fmt"

	"github.com/antrian/antrian/fault"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// interpret is the storage edge of every query: it translates driver errors
// into the kinds of package fault, wrapped with the operation.
//   - no rows: fault.ErrNotFound;
//   - a unique violation: fault.ErrConflict;
//   - a foreign-key or check violation, or a value PostgreSQL cannot take
//     (a bad date, a NUL byte, a malformed number): fault.ErrInvalid;
//   - the database unreachable, shutting down, out of resources, or a
//     transaction rolled back by it (serialization, deadlock):
//     fault.ErrUnavailable, since the same request may succeed later;
//   - any other error from the server is a bug and stays as it is (500);
//   - an error that already has a kind (a domain refusal returned from
//     inside a transaction) passes through.
func interpret(op string, err error) error {
	if err == nil {
		return nil
	}
	for _, kind := range kinds {
		if errors.Is(err, kind) {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, fault.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return fmt.Errorf("%s: %w: %w", op, fault.ErrUnavailable, err) // the connection, not the query
	}
	switch code := pgErr.Code; {
	case code == "23505":
		return fmt.Errorf("%s: %w: %w", op, fault.ErrConflict, err)
	case code == "23503", code == "23514", code[:2] == "22":
		return fmt.Errorf("%s: %w: %w", op, fault.ErrInvalid, err)
	case code[:2] == "08", code[:2] == "40", code[:2] == "53", code[:2] == "57", code[:2] == "58":
		return fmt.Errorf("%s: %w: %w", op, fault.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

var kinds = []error{fault.ErrInvalid, fault.ErrUnauthenticated, fault.ErrForbidden, fault.ErrNotFound,
	fault.ErrConflict, fault.ErrTooLarge, fault.ErrUnavailable}

func isCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}
