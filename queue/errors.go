// Package queue holds the domain of a Puskesmas queue: facilities, units,
// tickets and their lifecycle, numbering, fair ordering with priority groups,
// wait estimates, and the live per-unit index kept in Redis.
//
// Postgres (through the Store interface) is the source of truth; the Redis
// index is derived from it and can be rebuilt at any time.
package queue

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps one of them so
// that the HTTP layer maps it to a status in one table.
var (
	ErrInvalid     = errors.New("invalid")
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("conflict")
	ErrDuplicate   = errors.New("duplicate")
	ErrQuotaFull   = errors.New("quota full")
	ErrClosed      = errors.New("closed")
	ErrUnavailable = errors.New("unavailable")
)

// FieldError is an ErrInvalid about one input field. Message is for people
// and is written in Bahasa Indonesia.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Message) }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Invalid returns a FieldError for field with a message in Bahasa Indonesia.
func Invalid(field, message string) error { return &FieldError{Field: field, Message: message} }

// DuplicateError reports that the person already holds an active ticket for
// the unit and date; Existing is that ticket.
type DuplicateError struct {
	Existing Ticket
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("duplicate: active ticket %s already held", e.Existing.Code)
}

// Unwrap makes errors.Is(err, ErrDuplicate) true.
func (e *DuplicateError) Unwrap() error { return ErrDuplicate }
