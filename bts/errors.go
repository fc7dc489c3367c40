package bts

import (
	"errors"
	"fmt"
)

// Errors of the BTS domain besides ErrInvalid. Storage translates its own
// errors into these at its edge; the web layer maps them to HTTP.
var (
	// ErrNotFound: no such child, pregnancy, enrolment, delivery or area
	// (or not within the caller's facility).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change contradicts stored data, e.g. a second
	// delivery report for the same target and day, or a NIK already
	// registered.
	ErrConflict = errors.New("conflict")
	// ErrTooLarge: a photo over MaxPhotoBytes or MaxPhotoPixels.
	ErrTooLarge = errors.New("too large")
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

// invalid returns a FieldError for field.
func invalid(field, message string) error { return &FieldError{Field: field, Message: message} }
