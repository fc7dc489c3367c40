package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/antrian/antrian/fault"
)

// Referral says where a ticket booked for a hospital comes from. One
// carried to a booking (WithReferral) names its origin; one read back from
// storage also names the ticket it created, the referring facility's name
// and when it was made.
type Referral struct {
	ToTicket     string
	ToFacility   string
	ToUnit       string
	FromTicket   string
	FromFacility string
	FromName     string // name of the referring facility
	FromUnit     string
	Reason       string
	Actor        string
	At           time.Time
}

type referralKey struct{}

// WithReferral returns a context that carries r to the store, which
// records it in the same transaction as the booking it belongs to.
func WithReferral(ctx context.Context, r Referral) context.Context {
	return context.WithValue(ctx, referralKey{}, r)
}

// ReferralFrom returns the referral carried by ctx, if any.
func ReferralFrom(ctx context.Context) (Referral, bool) {
	r, ok := ctx.Value(referralKey{}).(Referral)
	return r, ok
}

// Facility kinds.
const (
	KindPuskesmas  = "puskesmas"
	KindRumahSakit = "rumah_sakit"
)

// ReferRequest asks to refer the patient of a Puskesmas ticket to a unit
// of a hospital on a date.
type ReferRequest struct {
	Facility    string // the hospital
	Unit        string
	ServiceDate string // yyyy-mm-dd; "" = the hospital's today
	Reason      string
	Actor       string
}

// Refer books a ticket for the patient of ticket fromID in a hospital unit
// and finishes fromID if it is still being served. The new ticket keeps
// the patient's name, contacts, priority and consent to messages, and
// records where it came from. It returns the finished ticket, the new
// ticket and the new ticket's token (for the patient's tracking link).
// Errors: fault.ErrNotFound (ticket or hospital), fault.ErrInvalid (not a Puskesmas
// ticket, not a hospital, no reason, and every booking rule of Book),
// ErrTransition (the ticket is not being served or done), and Book's errors.
func (s *Service) Refer(ctx context.Context, fromID string, r ReferRequest) (Ticket, Ticket, string, error) {
	from, err := s.Store.Ticket(ctx, fromID)
	if err != nil {
		return Ticket{}, Ticket{}, "", err
	}
	switch from.Status {
	case Called, Serving, Done:
	default:
		return Ticket{}, Ticket{}, "", fmt.Errorf("refer ticket %s in status %s: %w", fromID, from.Status, ErrTransition)
	}
	reason := strings.TrimSpace(r.Reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 || strings.ContainsAny(reason, "<>\x00") {
		return Ticket{}, Ticket{}, "", fault.Invalid("reason", "Isi alasan rujukan (maksimal 500 huruf).")
	}
	src, _, err := s.Facility(ctx, from.Facility)
	if err != nil {
		return Ticket{}, Ticket{}, "", err
	}
	if src.Kind != KindPuskesmas {
		return Ticket{}, Ticket{}, "", fault.Invalid("ticket", "Rujukan hanya dari Puskesmas.")
	}
	dst, _, err := s.Facility(ctx, r.Facility)
	if errors.Is(err, fault.ErrNotFound) {
		return Ticket{}, Ticket{}, "", fault.Invalid("facility", "Rumah sakit tujuan tidak ditemukan.")
	}
	if err != nil {
		return Ticket{}, Ticket{}, "", err
	}
	if dst.Kind != KindRumahSakit {
		return Ticket{}, Ticket{}, "", fault.Invalid("facility", "Faskes tujuan bukan rumah sakit.")
	}
	ctx = WithReferral(ctx, Referral{FromTicket: from.ID, FromFacility: from.Facility, FromUnit: from.Unit,
		Reason: reason, Actor: r.Actor})
	to, token, _, err := s.Book(ctx, BookRequest{Facility: dst.Code, Unit: r.Unit, ServiceDate: r.ServiceDate,
		Name: from.Name, Phone: from.Phone, NIK: from.NIK, BPJS: from.BPJS, Priority: string(from.Priority),
		Channel: string(ChannelDesk), Notify: from.Notify})
	if err != nil {
		return Ticket{}, Ticket{}, "", err
	}
	if from.Status != Done {
		done, err := s.Act(ctx, from.ID, Change{Action: ActionFinish, Actor: r.Actor})
		if err != nil {
			// The referral stands; the Puskesmas ticket can still be finished by hand.
			s.Log.Warn("referred ticket not finished", "ticket", from.ID, "err", err)
		} else {
			from = done
		}
	}
	return from, to, token, nil
}
