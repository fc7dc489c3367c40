package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// WorkerOptions tune a Worker. Zero fields take the defaults shown.
type WorkerOptions struct {
	// ID names this worker in row leases; default: random.
	ID string
	// DefaultChannel is used for messages enqueued with an empty channel; default "webhook".
	DefaultChannel string
	// PollInterval is the pause between polls when nothing was due; default 1s.
	PollInterval time.Duration
	// BatchSize is the most rows claimed per poll; they are sent concurrently
	// (at most one per ticket and channel, so each ticket's order holds); default 16.
	BatchSize int
	// SendTimeout bounds one Send; default 10s.
	SendTimeout time.Duration
	// Lease is how long a claimed row stays invisible to other workers; it is
	// raised to at least 2×SendTimeout so a row is never claimed again mid-send
	// by a healthy worker. Default 60s.
	Lease time.Duration
	// MaxAttempts is the number of attempts before a message is dead-lettered; default 8.
	MaxAttempts int
	// BaseBackoff is the delay before the first retry, doubled for each later
	// one, with jitter drawing each delay from [d/2, d]; default 1s (so the first
	// retry comes within 1 s).
	BaseBackoff time.Duration
	// MaxBackoff caps the delay between attempts; default 5m.
	MaxBackoff time.Duration
	// MaxAge is, per kind, how old a message may get (from Message.CreatedAt)
	// before it is dropped as stale instead of sent. Missing kinds take the
	// defaults: booked 24h, near 20m, called 10m, skipped 1h, cancelled 24h.
	MaxAge map[string]time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Jitter returns a number in [0, 1) for backoff jitter; default math/rand/v2.
	Jitter func() float64
}

// DefaultMaxAge is the staleness limit per kind when WorkerOptions.MaxAge does
// not name it. "Your turn is near" an hour late is worse than nothing.
var DefaultMaxAge = map[string]time.Duration{
	KindBooked:    24 * time.Hour,
	KindNear:      20 * time.Minute,
	KindCalled:    10 * time.Minute,
	KindSkipped:   time.Hour,
	KindCancelled: 24 * time.Hour,
}

func (o WorkerOptions) withDefaults() WorkerOptions {
	if o.ID == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		o.ID = "worker-" + hex.EncodeToString(b[:])
	}
	if o.DefaultChannel == "" {
		o.DefaultChannel = ChannelWebhook
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 16
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 10 * time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 60 * time.Second
	}
	if o.Lease < 2*o.SendTimeout {
		o.Lease = 2 * o.SendTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.MaxBackoff < o.BaseBackoff {
		o.MaxBackoff = o.BaseBackoff
	}
	ages := make(map[string]time.Duration, len(DefaultMaxAge))
	for k, v := range DefaultMaxAge {
		ages[k] = v
	}
	for k, v := range o.MaxAge {
		ages[k] = v
	}
	o.MaxAge = ages
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Jitter == nil {
		o.Jitter = mrand.Float64
	}
	return o
}

// Backoff returns the delay before the retry that follows failed attempt
// number attempt (counting from 1): base·2^(attempt-1), capped at max, then
// scaled by a jitter factor in [1/2, 1) drawn from j in [0, 1).
func Backoff(attempt int, base, max time.Duration, j float64) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := float64(base) * math.Pow(2, float64(attempt-1))
	if d > float64(max) {
		d = float64(max)
	}
	return time.Duration(d/2 + j*d/2)
}

// Stats is a snapshot of a worker's counters since it was created.
type Stats struct {
	Sent    uint64 // accepted by a provider
	Retried uint64 // attempts that failed and were scheduled again
	Failed  uint64 // dead-lettered: permanent failure or out of attempts
	Stale   uint64 // dropped unsent because too old
	// LatencySum is the total time from event (Message.CreatedAt) to
	// acceptance over the Sent messages; LatencySum/Sent is the mean.
	LatencySum time.Duration
	// LatencyMax is the largest single event-to-acceptance time.
	LatencyMax time.Duration
}

// Worker delivers outbox messages. Any number of workers, in one process or
// many, may share one outbox.
type Worker struct {
	pool     *pgxpool.Pool
	channels map[string]Channel
	opts     WorkerOptions
	log      *slog.Logger

	mu    sync.Mutex
	stats Stats
}

// NewWorker returns a worker that sends through channels, keyed by channel
// name ("webhook", "whatsapp", "sms", "push"). A message whose channel has no
// entry is dead-lettered. A nil logger discards logs.
func NewWorker(pool *pgxpool.Pool, channels map[string]Channel, opts WorkerOptions, logger *slog.Logger) *Worker {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{
		pool:     pool,
		channels: channels,
		opts:     opts.withDefaults(),
		log:      logger.With("worker", opts.ID),
	}
}

// Stats returns a snapshot of the worker's counters.
func (w *Worker) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// Run delivers due messages until ctx is done, then returns nil once the
// sends in flight have been recorded. Database errors are logged and retried
// at the next poll; Run does not return them.
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
			w.log.Error("notify poll failed", "err", err)
		}
		// A full batch suggests more is due: poll again at once.
		if err == nil && n == w.opts.BatchSize {
			timer.Reset(0)
		} else {
			timer.Reset(w.opts.PollInterval)
		}
	}
}

// claimed is an outbox row leased to this worker.
type claimed struct {
	Delivery
	seq int64
}

// RunOnce claims one batch of due messages, sends them and records the
// outcomes. It returns how many rows it claimed and the database error of
// the claim, if any. Run calls it in a loop; tests and one-shot tools may call
// it directly.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	now := w.opts.Now()
	batch, err := w.claim(ctx, now)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, c := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.deliver(ctx, c)
		}()
	}
	wg.Wait()
	return len(batch), nil
}

// claim leases up to BatchSize due rows. A row is due when it is pending, its
// next attempt time has come, no live lease holds it, and no earlier message
// of the same ticket and channel is still pending, so each ticket's messages
// arrive in order even with many workers. SKIP LOCKED lets concurrent workers
// pass over rows another worker is claiming right now; the lease then keeps
// them off the row while it is being sent.
func (w *Worker) claim(ctx context.Context, now time.Time) ([]claimed, error) {
	rows, err := w.pool.Query(ctx, `
		WITH due AS (
			SELECT o.id FROM notify_outbox o
			WHERE o.state = 'pending'
			  AND o.next_attempt_at <= $1
			  AND (o.locked_until IS NULL OR o.locked_until <= $1)
			  AND NOT EXISTS (
				SELECT 1 FROM notify_outbox p
				WHERE p.ticket_id = o.ticket_id AND p.channel = o.channel
				  AND p.state = 'pending' AND p.seq < o.seq)
			ORDER BY o.next_attempt_at, o.seq
			LIMIT $2
			FOR UPDATE SKIP LOCKED
		)
		UPDATE notify_outbox o
		SET locked_until = $3, locked_by = $4, attempts = o.attempts + 1, updated_at = $1
		FROM due WHERE o.id = due.id
		RETURNING o.id::text, o.seq, o.kind, o.channel, o.ticket_id, o.facility, o.unit, o.code,
		          o.recipient, o.body, o.created_at, o.attempts`,
		now, w.opts.BatchSize, now.Add(w.opts.Lease), w.opts.ID)
	if err != nil {
		return nil, fmt.Errorf("notify claim: %w", err)
	}
	batch, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (claimed, error) {
		var c claimed
		err := row.Scan(&c.ID, &c.seq, &c.Kind, &c.Channel, &c.TicketID, &c.Facility, &c.Unit,
			&c.Code, &c.To, &c.Text, &c.CreatedAt, &c.Attempt)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("notify claim: %w", err)
	}
	return batch, nil
}

// deliver sends one claimed row and records the outcome.
func (w *Worker) deliver(ctx context.Context, c claimed) {
	log := w.log.With("outbox_id", c.ID, "kind", c.Kind)
	if c.Channel == "" {
		c.Channel = w.opts.DefaultChannel
	}
	now := w.opts.Now()
	if age := now.Sub(c.CreatedAt); age > w.opts.MaxAge[c.Kind] {
		if w.finish(ctx, log, c, StateStale, "stale: "+age.Round(time.Second).String()+" old") {
			w.count(func(s *Stats) { s.Stale++ })
			log.Info("notify dropped stale message", "age", age.Round(time.Second))
		}
		return
	}
	ch, ok := w.channels[c.Channel]
	if !ok {
		if w.finish(ctx, log, c, StateDead, "no channel "+c.Channel+" configured") {
			w.count(func(s *Stats) { s.Failed++ })
			log.Error("notify channel not configured", "channel", c.Channel)
		}
		return
	}

	sendCtx, cancel := context.WithTimeout(ctx, w.opts.SendTimeout)
	err := ch.Send(sendCtx, c.Delivery)
	cancel()
	// Record even if ctx was cancelled meanwhile: the provider may have the
	// message, and an unrecorded success is a duplicate after the lease ends.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer rcancel()
	now = w.opts.Now()
	switch {
	case err == nil:
		if w.finish(rctx, log, c, StateSent, "") {
			lat := now.Sub(c.CreatedAt)
			w.count(func(s *Stats) {
				s.Sent++
				s.LatencySum += lat
				s.LatencyMax = max(s.LatencyMax, lat)
			})
			log.Info("notify sent", "attempt", c.Attempt, "latency", lat.Round(time.Millisecond))
		}
	case errors.Is(err, ErrPermanent) || c.Attempt >= w.opts.MaxAttempts:
		if w.finish(rctx, log, c, StateDead, err.Error()) {
			w.count(func(s *Stats) { s.Failed++ })
			log.Warn("notify dead-lettered", "attempt", c.Attempt, "err", truncate(err.Error()))
		}
	default:
		next := now.Add(Backoff(c.Attempt, w.opts.BaseBackoff, w.opts.MaxBackoff, w.opts.Jitter()))
		if next.Sub(c.CreatedAt) > w.opts.MaxAge[c.Kind] {
			// The retry would come too late to be useful.
			if w.finish(rctx, log, c, StateStale, "stale before retry: "+err.Error()) {
				w.count(func(s *Stats) { s.Stale++ })
				log.Info("notify dropped message that would be stale at retry", "attempt", c.Attempt, "err", truncate(err.Error()))
			}
			return
		}
		ok, dberr := w.update(rctx, c, `UPDATE notify_outbox
			SET next_attempt_at = $3, last_error = $4, locked_until = NULL, locked_by = '', updated_at = $5
			WHERE id = $1 AND locked_by = $2 AND state = 'pending'`,
			next, truncate(err.Error()), now)
		if dberr != nil {
			log.Error("notify record retry failed", "err", dberr)
			return
		}
		if ok {
			w.count(func(s *Stats) { s.Retried++ })
			log.Info("notify will retry", "attempt", c.Attempt, "next_attempt_at", next, "err", truncate(err.Error()))
		}
	}
}

// finish moves a claimed row to a final state. It reports whether this worker
// still held the row: if its lease ran out and another worker took the row
// over, the other worker's outcome stands.
func (w *Worker) finish(ctx context.Context, log *slog.Logger, c claimed, state, reason string) bool {
	now := w.opts.Now()
	var sentAt *time.Time
	if state == StateSent {
		sentAt = &now
	}
	ok, err := w.update(ctx, c, `UPDATE notify_outbox
		SET state = $3, last_error = $4, sent_at = $5, locked_until = NULL, updated_at = $6
		WHERE id = $1 AND locked_by = $2 AND state = 'pending'`,
		state, truncate(reason), sentAt, now)
	if err != nil {
		log.Error("notify record outcome failed", "state", state, "err", err)
		return false
	}
	if !ok {
		log.Warn("notify lease lost before recording", "state", state)
	}
	return ok
}

func (w *Worker) update(ctx context.Context, c claimed, sql string, args ...any) (bool, error) {
	tag, err := w.pool.Exec(ctx, sql, append([]any{c.ID, w.opts.ID}, args...)...)
	if err != nil {
		return false, fmt.Errorf("notify record %s: %w", c.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}

func (w *Worker) count(f func(*Stats)) {
	w.mu.Lock()
	f(&w.stats)
	w.mu.Unlock()
}

// truncate shortens an error text for last_error and removes anything that
// looks like a phone number, since gateways may echo the recipient back.
func truncate(s string) string {
	s = phoneLike.ReplaceAllString(s, "[phone]")
	const n = 500
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "")
	}
	return s
}

var phoneLike = regexp.MustCompile(`\+?\d[\d -]{6,}\d`)
