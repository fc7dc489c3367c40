package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/antrian/antrian/notify"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Delivery is a claimed row handed to a Sender.
type Delivery struct {
	ID       int64
	Kind     string
	Facility string
	Unit     string
	TicketID string
	Code     string
	Payload  map[string]any
	Attempt  int // from 1
	// CreatedAt is when the queue event happened.
	CreatedAt time.Time
}

// Sender makes the calls of one target. Send returns nil on success, an
// error wrapping ErrPermanent when retrying cannot help, and any other
// error to retry later.
type Sender interface {
	Send(ctx context.Context, d Delivery) error
}

// WorkerOptions tune a Worker; zero fields take the defaults shown.
type WorkerOptions struct {
	ID           string        // lease owner; default random
	PollInterval time.Duration // default 1s
	BatchSize    int           // default 16
	SendTimeout  time.Duration // default 30s
	Lease        time.Duration // default 2×SendTimeout
	MaxAttempts  int           // default 10
	BaseBackoff  time.Duration // default 2s
	MaxBackoff   time.Duration // default 10m
	Now          func() time.Time
	Jitter       func() float64
}

func (o WorkerOptions) withDefaults() WorkerOptions {
	if o.ID == "" {
		var b [6]byte
		rand.Read(b[:])
		o.ID = "integration-" + hex.EncodeToString(b[:])
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 16
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.Lease < 2*o.SendTimeout {
		o.Lease = 2 * o.SendTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = 2 * time.Second
	}
	if o.MaxBackoff < o.BaseBackoff {
		o.MaxBackoff = max(10*time.Minute, o.BaseBackoff)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Jitter == nil {
		o.Jitter = mrand.Float64
	}
	return o
}

// Worker sends outbox rows. Any number of workers may share the outbox.
type Worker struct {
	pool    *pgxpool.Pool
	senders map[string]Sender
	opts    WorkerOptions
	log     *slog.Logger
}

// NewWorker returns a worker sending through senders keyed by target. A
// row whose target has no sender is dead-lettered. A nil logger discards.
func NewWorker(pool *pgxpool.Pool, senders map[string]Sender, opts WorkerOptions, log *slog.Logger) *Worker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o := opts.withDefaults()
	return &Worker{pool: pool, senders: senders, opts: o, log: log.With("worker", o.ID)}
}

// Run sends due rows until ctx is done, then returns nil once the sends in
// flight are recorded. Database errors are logged and retried.
func (w *Worker) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Error("integration poll failed", "err", err)
		}
		if err == nil && n == w.opts.BatchSize {
			timer.Reset(0)
		} else {
			timer.Reset(w.opts.PollInterval)
		}
	}
}

// RunOnce claims one batch of due rows, sends them (one per ticket and
// target at a time, so each ticket's calls keep their order) and records
// the outcomes. It returns how many rows it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	now := w.opts.Now()
	rows, err := w.pool.Query(ctx, `
		WITH due AS (
			SELECT o.id FROM integration_outbox o
			WHERE o.state = 'pending' AND o.next_attempt_at <= $1
			  AND (o.locked_until IS NULL OR o.locked_until <= $1)
			  AND NOT EXISTS (SELECT 1 FROM integration_outbox p WHERE p.ticket_id = o.ticket_id
				AND p.target = o.target AND p.state = 'pending' AND p.id < o.id)
			ORDER BY o.next_attempt_at, o.id
			LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE integration_outbox o SET locked_until = $3, locked_by = $4, attempts = o.attempts + 1, updated_at = $1
		FROM due WHERE o.id = due.id
		RETURNING o.id, o.target, o.kind, o.facility, o.unit, o.ticket_id, o.code, o.payload, o.attempts, o.created_at`,
		now, w.opts.BatchSize, now.Add(w.opts.Lease), w.opts.ID)
	if err != nil {
		return 0, fmt.Errorf("integration claim: %w", err)
	}
	type claimed struct {
		Delivery
		target string
	}
	batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claimed, error) {
		var c claimed
		var payload []byte
		err := r.Scan(&c.ID, &c.target, &c.Kind, &c.Facility, &c.Unit, &c.TicketID, &c.Code, &payload, &c.Attempt, &c.CreatedAt)
		if err == nil {
			err = json.Unmarshal(payload, &c.Payload)
		}
		return c, err
	})
	if err != nil {
		return 0, fmt.Errorf("integration claim: %w", err)
	}
	var wg sync.WaitGroup
	for _, c := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.deliver(ctx, c.target, c.Delivery)
		}()
	}
	wg.Wait()
	return len(batch), nil
}

func (w *Worker) deliver(ctx context.Context, target string, d Delivery) {
	log := w.log.With("outbox_id", d.ID, "target", target, "kind", d.Kind, "ticket", d.TicketID)
	var err error
	if s, ok := w.senders[target]; ok {
		sctx, cancel := context.WithTimeout(ctx, w.opts.SendTimeout)
		err = s.Send(sctx, d)
		cancel()
	} else {
		err = fmt.Errorf("no sender for %s: %w", target, ErrPermanent)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	now := w.opts.Now()
	var q string
	var args []any
	switch {
	case err == nil:
		q, args = `state = 'sent', sent_at = $3, last_error = ''`, []any{now}
		log.Info("integration sent", "attempt", d.Attempt)
	case errors.Is(err, ErrPermanent) || d.Attempt >= w.opts.MaxAttempts:
		q, args = `state = 'dead', last_error = $3`, []any{truncate(strings.TrimPrefix(err.Error(), ErrPermanent.Error()+": "))}
		log.Warn("integration failed for good", "attempt", d.Attempt, "err", truncate(err.Error()))
	default:
		next := now.Add(notify.Backoff(d.Attempt, w.opts.BaseBackoff, w.opts.MaxBackoff, w.opts.Jitter()))
		q, args = `next_attempt_at = $3, last_error = $4`, []any{next, truncate(err.Error())}
		log.Info("integration will retry", "attempt", d.Attempt, "next_attempt_at", next, "err", truncate(err.Error()))
	}
	_, dberr := w.pool.Exec(rctx, `UPDATE integration_outbox SET `+q+`, locked_until = NULL, locked_by = '', updated_at = now()
		WHERE id = $1 AND locked_by = $2 AND state = 'pending'`, append([]any{d.ID, w.opts.ID}, args...)...)
	if dberr != nil {
		log.Error("integration record outcome failed", "err", dberr)
	}
}
