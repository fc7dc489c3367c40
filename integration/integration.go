// Package integration sends what happens in the queue to the national
// systems: BPJS Antrean FKTP (tickets with a JKN card taken outside Mobile
// JKN, calls, absences, cancellations by the facility) and SATUSEHAT (an
// Encounter per ticket of a patient with a NIK).
//
// It is a transactional outbox: Hook runs inside every queue transaction
// and inserts the calls to make, so a call exists exactly when the change
// that causes it commits. A Worker claims due rows with FOR UPDATE SKIP
// LOCKED under a lease, sends them in order per ticket and target, and
// retries temporary failures with exponential backoff. Rows carry only
// the event's own data; personal data is read from the ticket when
// sending, and never logged.
package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/antrian/antrian/queue"
	"github.com/jackc/pgx/v5"
)

// Errors returned by this package, wrapped with the operation.
var (
	// ErrPermanent marks a send that retrying cannot fix; the row is
	// dead-lettered at once for an admin to see and retry.
	ErrPermanent = errors.New("permanent failure")
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

// Job is one call to make about one ticket.
type Job struct {
	Target   string
	Kind     string
	Facility string
	Unit     string
	TicketID string
	Code     string
	Payload  map[string]any
	// Dedupe makes a second Enqueue of the same job a no-op.
	Dedupe    string
	CreatedAt time.Time
}

// Enqueue adds j to the outbox inside the caller's transaction.
func Enqueue(ctx context.Context, tx pgx.Tx, j Job) error {
	payload, err := json.Marshal(j.Payload)
	if err != nil {
		return fmt.Errorf("integration enqueue %s: %w", j.Kind, err)
	}
	if j.Payload == nil {
		payload = []byte("{}")
	}
	var dedupe *string
	if j.Dedupe != "" {
		dedupe = &j.Dedupe
	}
	var at *time.Time
	if !j.CreatedAt.IsZero() {
		at = &j.CreatedAt
	}
	_, err = tx.Exec(ctx, `INSERT INTO integration_outbox (dedupe_key, target, kind, facility, unit, ticket_id, code, payload,
			created_at, next_attempt_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, now()), now(), now())
		ON CONFLICT (dedupe_key) DO NOTHING`,
		dedupe, j.Target, j.Kind, j.Facility, j.Unit, j.TicketID, j.Code, payload, at)
	if err != nil {
		return fmt.Errorf("integration enqueue %s: %w", j.Kind, err)
	}
	return nil
}

// Hook turns queue events into outbox rows (a postgres.EventHook):
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
}

// Event is a postgres.EventHook.
func (h *Hook) Event(ctx context.Context, tx pgx.Tx, e queue.Event, t queue.Ticket, actor string) error {
	if t.BPJS != "" {
		if err := h.bpjs(ctx, tx, e, t, actor); err != nil {
			return err
		}
	}
	if t.NIK != "" && (encounterEvents[e.Kind] || (e.Kind == "booked" && walkIn(t))) {
		var on bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM satusehat_settings WHERE facility = $1 AND enabled)`, t.Facility).Scan(&on)
		if err != nil {
			return fmt.Errorf("integration hook: %w", err)
		}
		if on {
			return Enqueue(ctx, tx, Job{Target: TargetSATUSEHAT, Kind: KindEncounter, Facility: t.Facility, Unit: t.Unit,
				TicketID: t.ID, Code: t.Code, Payload: map[string]any{"event": e.Kind},
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

func (h *Hook) bpjs(ctx context.Context, tx pgx.Tx, e queue.Event, t queue.Ticket, actor string) error {
	var j Job
	switch e.Kind {
	case "booked":
		if t.Channel == queue.ChannelJKN {
			return nil // Mobile JKN made it: BPJS knows it already
		}
		j = Job{Kind: KindAntreanAdd}
	case "transfer_in":
		j = Job{Kind: KindAntreanAdd}
	case "called":
		j = Job{Kind: KindPanggil, Payload: map[string]any{"status": 1, "waktu": e.At.UnixMilli()}}
	case "skipped":
		j = Job{Kind: KindPanggil, Payload: map[string]any{"status": 2, "waktu": e.At.UnixMilli()}}
	case "cancelled":
		if actor == "patient" {
			return nil // through Mobile JKN, or by the patient on our page
		}
		j = Job{Kind: KindBatal, Payload: map[string]any{"alasan": "Dibatalkan oleh petugas faskes"}}
	default:
		return nil
	}
	var kodepoli string
	err := tx.QueryRow(ctx, `SELECT p.kodepoli FROM jkn_poli p JOIN bpjs_settings b ON b.facility = p.facility AND b.enabled
		WHERE p.facility = $1 AND p.unit = $2`, t.Facility, t.Unit).Scan(&kodepoli)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("integration hook: %w", err)
	}
	if j.Payload == nil {
		j.Payload = map[string]any{}
	}
	j.Payload["kodepoli"] = kodepoli
	j.Target, j.Facility, j.Unit, j.TicketID, j.Code, j.CreatedAt = TargetBPJS, t.Facility, t.Unit, t.ID, t.Code, e.At
	j.Dedupe = fmt.Sprintf("bpjs|%s|%d", e.Facility, e.Seq)
	return Enqueue(ctx, tx, j)
}
