// Package integration sends what happens in the queue to the national
// systems: BPJS Antrean FKTP (tickets with a JKN card taken outside Mobile
// JKN, calls, absences, cancellations by the facility) and SATUSEHAT (an
// Encounter per ticket of a patient with a NIK).
//
// It is a transactional outbox: Hook runs inside every queue transaction
// and inserts the calls to make, so a call exists exactly when the change
// that causes it commits. The outbox's worker (NewWorker, an outbox.Worker
// with this outbox's defaults) claims due rows, sends them in order per
// ticket and target through BPJSSender and SATUSEHATSender, and retries
// temporary failures with exponential backoff. Rows carry only the event's
// own data; personal data is read from the ticket when sending, and never
// logged.
package integration

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/queue"
)

// Targets.
const (
	TargetBPJS      = "bpjs"
	TargetSATUSEHAT = "satusehat"
)

// Kinds of outbox rows.
const (
	KindAntreanAdd = "antrean_add" // BPJS antrean/add
	KindPanggil    = "panggil"     // BPJS antrean/panggil, payload status and waktu
	KindBatal      = "batal"       // BPJS antrean/batal, payload alasan
	KindEncounter  = "encounter"   // SATUSEHAT: bring the ticket's Encounter up to date
)

// Tx is the queue transaction a Hook runs in (a *postgres.Tx): what it
// reads to decide which calls to make, and the outbox it writes to.
type Tx interface {
	// SATUSEHATEnabled reports whether a facility sends its visits to SATUSEHAT.
	SATUSEHATEnabled(ctx context.Context, facility string) (bool, error)
	// BPJSPoli returns the PCare poli code of a unit of a facility that
	// sends its queue to BPJS; an error wrapping fault.ErrNotFound when the
	// unit is not mapped or BPJS is off there.
	BPJSPoli(ctx context.Context, facility, unit string) (string, error)
	// EnqueueCall adds a call to the outbox (its Channel is the target),
	// or nothing when a call with the same Dedupe key exists.
	EnqueueCall(ctx context.Context, m outbox.Message) error
}

// Hook turns queue events into outbox rows inside their transaction (a
// postgres.EventHook):
//
//	BPJS, for a ticket with a card number in a unit mapped to a PCare poli,
//	when the facility has BPJS settings enabled:
//	  booked (not through Mobile JKN), transfer_in -> antrean/add
//	  called                                    -> antrean/panggil status 1
//	  skipped                                   -> antrean/panggil status 2
//	  cancelled, not by the patient             -> antrean/batal
//	SATUSEHAT, for a ticket with a NIK when the facility has SATUSEHAT
//	settings enabled: booked at the kiosk or desk, transfer_in, called,
//	started, finished, transferred, cancelled -> bring the Encounter up to date.
type Hook struct {
	Log *slog.Logger
}

var encounterEvents = map[string]bool{
	"transfer_in": true, "called": true, "started": true, "finished": true, "transferred": true, "cancelled": true,
	"checked_in": true, // a booked patient arrived
}

// Event enqueues the calls that event e of ticket t causes, through the
// event's transaction tx. It returns the database's errors (the queue
// change then rolls back).
func (h *Hook) Event(ctx context.Context, tx Tx, e queue.Event, t queue.Ticket, actor string) error {
	if t.BPJS != "" {
		if err := h.bpjs(ctx, tx, e, t, actor); err != nil {
			return err
		}
	}
	if t.NIK != "" && (encounterEvents[e.Kind] || (e.Kind == "booked" && walkIn(t))) {
		on, err := tx.SATUSEHATEnabled(ctx, t.Facility)
		if err != nil {
			return fmt.Errorf("integration hook: %w", err)
		}
		if on {
			return enqueue(ctx, tx, outbox.Message{Channel: TargetSATUSEHAT, Kind: KindEncounter, Facility: t.Facility,
				Unit: t.Unit, TicketID: t.ID, Code: t.Code, Payload: map[string]any{"event": e.Kind},
				Dedupe: fmt.Sprintf("satusehat|%s|%d", e.Facility, e.Seq), CreatedAt: e.At})
		}
	}
	return nil
}

// walkIn reports whether a ticket was taken by a patient already at the
// facility: its issue time is the patient's arrival.
func walkIn(t queue.Ticket) bool {
	return t.Channel == queue.ChannelKiosk || t.Channel == queue.ChannelDesk || t.FromUnit != ""
}

func (h *Hook) bpjs(ctx context.Context, tx Tx, e queue.Event, t queue.Ticket, actor string) error {
	var j outbox.Message
	switch e.Kind {
	case "booked":
		if t.Channel == queue.ChannelJKN {
			return nil // Mobile JKN made it: BPJS knows it already
		}
		j = outbox.Message{Kind: KindAntreanAdd}
	case "transfer_in":
		j = outbox.Message{Kind: KindAntreanAdd}
	case "called":
		j = outbox.Message{Kind: KindPanggil, Payload: map[string]any{"status": 1, "waktu": e.At.UnixMilli()}}
	case "skipped", "no_show": // absent when called, or never came by her window's end
		j = outbox.Message{Kind: KindPanggil, Payload: map[string]any{"status": 2, "waktu": e.At.UnixMilli()}}
	case "cancelled":
		if actor == "patient" {
			return nil // through Mobile JKN, or by the patient on our page
		}
		j = outbox.Message{Kind: KindBatal, Payload: map[string]any{"alasan": "Dibatalkan oleh petugas faskes"}}
	default:
		return nil
	}
	kodepoli, err := tx.BPJSPoli(ctx, t.Facility, t.Unit)
	if errors.Is(err, fault.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("integration hook: %w", err)
	}
	if j.Payload == nil {
		j.Payload = map[string]any{}
	}
	j.Payload["kodepoli"] = kodepoli
	j.Channel, j.Facility, j.Unit, j.TicketID, j.Code, j.CreatedAt = TargetBPJS, t.Facility, t.Unit, t.ID, t.Code, e.At
	j.Dedupe = fmt.Sprintf("bpjs|%s|%d", e.Facility, e.Seq)
	return enqueue(ctx, tx, j)
}

func enqueue(ctx context.Context, tx Tx, m outbox.Message) error {
	if err := tx.EnqueueCall(ctx, m); err != nil {
		return fmt.Errorf("integration enqueue %s: %w", m.Kind, err)
	}
	return nil
}
