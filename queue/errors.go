// Package queue holds the domain of a Puskesmas queue: facilities, units,
// tickets and their lifecycle, numbering, fair ordering with priority groups,
// wait estimates, and the live per-unit index kept in Redis.
//
// Postgres (through the Store interface) is the source of truth; the Redis
// index is derived from it and can be rebuilt at any time.
//
// Errors wrap the kinds of package fault (fault.ErrInvalid with a
// *fault.Error naming the field, fault.ErrNotFound, fault.ErrConflict,
// fault.ErrUnavailable); the refinements below keep their own codes.
package queue

import (
	"fmt"
	"time"

	"github.com/antrian/antrian/fault"
)

// Refinements of fault.ErrConflict that callers tell apart. Every error of
// this package wraps a fault kind, and these wrap fault.ErrConflict.
var (
	// ErrTransition: the ticket's status does not allow the action.
	ErrTransition = fault.New(fault.ErrConflict, "conflict", "Tindakan ini tidak bisa dilakukan pada status antrean sekarang.")
	// ErrDuplicate: the person already holds an active ticket for the
	// unit and date (a *DuplicateError carries it).
	ErrDuplicate = fault.New(fault.ErrConflict, "duplicate", "Anda sudah memiliki antrean aktif di unit ini pada tanggal tersebut.")
	// ErrQuotaFull: the unit's quota for the date is used up.
	ErrQuotaFull = fault.New(fault.ErrConflict, "quota_full", "Kuota antrean unit ini untuk tanggal tersebut sudah penuh.")
	// ErrClosed: the unit does not serve at that time.
	ErrClosed = fault.New(fault.ErrConflict, "closed", "Unit layanan tutup pada waktu tersebut.")
	// ErrFull: the capacity of the unit's practice sessions on the date is
	// used up (a *FullError carries the next day with room). It is also an
	// ErrQuotaFull.
	ErrFull = fault.New(fault.ErrConflict, "full", "Kapasitas praktik unit ini pada tanggal tersebut sudah penuh.")
)

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

// ClosedError reports a booking for a day or hour the unit does not serve,
// with the reason (a holiday's name, a weekday it is shut, closing time
// passed) and the next day it serves, so a patient is never left without a
// way forward. It wraps ErrClosed.
type ClosedError struct {
	Unit     string
	Date     string // the day asked for (yyyy-mm-dd)
	Reason   string // in Bahasa Indonesia
	NextOpen string // yyyy-mm-dd; empty when none within closedHorizon days
}

func (e *ClosedError) Error() string {
	return fmt.Sprintf("unit %s closed on %s (%s); next open %q", e.Unit, e.Date, e.Reason, e.NextOpen)
}

// Unwrap makes errors.Is(err, ErrClosed) true and gives callers a
// *fault.Error whose message says why and when to come instead.
func (e *ClosedError) Unwrap() []error {
	msg := e.Reason + "."
	if e.NextOpen != "" {
		if d, err := time.Parse(time.DateOnly, e.NextOpen); err == nil {
			msg += " Hari buka berikutnya: " + IndonesianDate(d) + "."
		}
	}
	return []error{fault.New(fault.ErrConflict, ErrClosed.Code, msg), ErrClosed}
}

// FullError reports a booking for a day whose practice sessions are full,
// with the reason and the next day that still has room, as ClosedError does
// for a closed day. It wraps ErrFull and ErrQuotaFull.
type FullError struct {
	Unit     string
	Date     string // the day asked for (yyyy-mm-dd)
	Reason   string // in Bahasa Indonesia
	NextOpen string // the next day with room (yyyy-mm-dd); empty when none within closedHorizon days
}

func (e *FullError) Error() string {
	return fmt.Sprintf("unit %s full on %s (%s); next with room %q", e.Unit, e.Date, e.Reason, e.NextOpen)
}

// Unwrap makes errors.Is(err, ErrFull) and errors.Is(err, ErrQuotaFull)
// true and gives callers a *fault.Error whose message says why and when to
// come instead.
func (e *FullError) Unwrap() []error {
	msg := e.Reason + "."
	if e.NextOpen != "" {
		if d, err := time.Parse(time.DateOnly, e.NextOpen); err == nil {
			msg += " Hari berikutnya yang masih ada tempat: " + IndonesianDate(d) + "."
		}
	}
	return []error{fault.New(fault.ErrConflict, ErrFull.Code, msg), ErrFull, ErrQuotaFull}
}
