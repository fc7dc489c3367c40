// Package fault is the error vocabulary of the whole service: a few kinds
// of failure that every package wraps its errors in, and one Error type
// that adds what people and programs need to know (the field at fault, a
// stable code, a message in Bahasa Indonesia).
//
// The HTTP layer maps a kind to a status in one table (web/errors.go), so
// a package never decides a status and never needs its own ErrNotFound.
// Storage translates driver errors (pgx.ErrNoRows, unique violations) into
// these kinds at its edge.
package fault

import (
	"errors"
	"fmt"
)

// The kinds. Every error the service returns to a caller wraps exactly one.
var (
	// ErrInvalid: the input is wrong; an *Error names the field.
	ErrInvalid = errors.New("invalid")
	// ErrUnauthenticated: the caller must sign in (or sign in again).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: the caller may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: no such record, or none the caller may see.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change contradicts what is stored (a state that
	// does not allow it, a second record of something unique).
	ErrConflict = errors.New("conflict")
	// ErrTooLarge: an upload or a request over its limit.
	ErrTooLarge = errors.New("too large")
	// ErrUnavailable: a dependency is down; nothing was half-written and
	// the same request may be tried again.
	ErrUnavailable = errors.New("unavailable")
)

// Error is a failure of one kind with its particulars. Code refines the
// kind for programs ("quota_full" is a conflict); Message is for people, in
// Bahasa Indonesia; Field names the input at fault. Empty fields take the
// kind's defaults where the error is shown.
type Error struct {
	Kind    error
	Code    string
	Field   string
	Message string
}

func (e *Error) Error() string {
	var s string
	switch {
	case e.Field != "":
		s = fmt.Sprintf("%v %s", e.Kind, e.Field)
	case e.Code != "":
		s = fmt.Sprintf("%v (%s)", e.Kind, e.Code)
	default:
		s = fmt.Sprint(e.Kind)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap makes errors.Is(err, e.Kind) true.
func (e *Error) Unwrap() error { return e.Kind }

// Invalid returns an ErrInvalid about one input field, with a message for
// people in Bahasa Indonesia. field may be "" when no single field is at
// fault.
func Invalid(field, message string) error {
	return &Error{Kind: ErrInvalid, Field: field, Message: message}
}

// Conflict returns an ErrConflict with a message for people and, where one
// input names the stored record it collides with, that field.
func Conflict(field, message string) error {
	return &Error{Kind: ErrConflict, Field: field, Message: message}
}

// New returns an error of kind with a stable code and a message for people.
// Packages keep such errors as sentinels (queue.ErrQuotaFull) and wrap them
// with %w, so errors.Is matches both the sentinel and its kind.
func New(kind error, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// As returns the *Error in err's chain, if there is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
