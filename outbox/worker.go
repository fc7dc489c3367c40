package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"
)

// Options tune a Worker. Zero fields take the defaults shown; packages
// notify and integration fill in their outbox's own defaults.
type Options struct {
	// ID names this worker in row leases; default: random.
	ID string
	// DefaultChannel is the channel of rows enqueued with none; default "webhook".
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
	// MaxAttempts is the number of attempts before a row is dead-lettered; default 8.
	MaxAttempts int
	// BaseBackoff is the delay before the first retry, doubled for each later
	// one, with jitter drawing each delay from [d/2, d]; default 1s.
	BaseBackoff time.Duration
	// MaxBackoff caps the delay between attempts; default 5m.
	MaxBackoff time.Duration
	// MaxAge is, per kind, how old a row may get (from its CreatedAt) before
	// it is dropped as stale instead of sent. A kind without an entry never
	// goes stale.
	MaxAge map[string]time.Duration
	// Redact cleans an error text before it is stored as a row's last error
	// or logged (providers may echo personal data back); default: unchanged.
	// The worker then cuts it to 500 bytes.
	Redact func(string) string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Jitter returns a number in [0, 1) for backoff jitter; default math/rand/v2.
	Jitter func() float64
}

func (o Options) withDefaults() Options {
	if o.ID == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		o.ID = "worker-" + hex.EncodeToString(b[:])
	}
	if o.DefaultChannel == "" {
		o.DefaultChannel = "webhook"
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
	if o.Redact == nil {
		o.Redact = func(s string) string { return s }
	}
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
	// LatencySum is the total time from event (CreatedAt) to acceptance
	// over the Sent rows; LatencySum/Sent is the mean.
	LatencySum time.Duration
	// LatencyMax is the largest single event-to-acceptance time.
	LatencyMax time.Duration
}

// Worker delivers the rows of one outbox. Any number of workers, in one
// process or many, may share an outbox.
type Worker struct {
	store   Store
	senders map[string]Sender
	opts    Options
	log     *slog.Logger

	mu    sync.Mutex
	stats Stats
}

// NewWorker returns a worker that claims rows from store and sends them
// through senders, keyed by channel. A row whose channel has no sender is
// dead-lettered. A nil logger discards logs.
func NewWorker(store Store, senders map[string]Sender, opts Options, logger *slog.Logger) *Worker {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	o := opts.withDefaults()
	return &Worker{store: store, senders: senders, opts: o, log: logger.With("worker", o.ID)}
}

// Stats returns a snapshot of the worker's counters.
func (w *Worker) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// Run delivers due rows until ctx is done, then returns nil once the sends
// in flight have been recorded. Database errors are logged and retried at
// the next poll; Run does not return them.
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
			w.log.Error("outbox poll failed", "err", err)
		}
		// A full batch suggests more is due: poll again at once.
		if err == nil && n == w.opts.BatchSize {
			timer.Reset(0)
		} else {
			timer.Reset(w.opts.PollInterval)
		}
	}
}

// RunOnce claims one batch of due rows, sends them concurrently and
// records the outcomes. It returns how many rows it claimed and the
// store's error of the claim, if any. Run calls it in a loop; tests and
// one-shot tools may call it directly.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	now := w.opts.Now()
	batch, err := w.store.Claim(ctx, w.opts.ID, now, now.Add(w.opts.Lease), w.opts.BatchSize)
	if err != nil {
		return 0, fmt.Errorf("outbox claim: %w", err)
	}
	var wg sync.WaitGroup
	for _, d := range batch {
		wg.Go(func() { w.deliver(ctx, d) })
	}
	wg.Wait()
	return len(batch), nil
}

// deliver sends one claimed row and records the outcome.
func (w *Worker) deliver(ctx context.Context, d Delivery) {
	if d.Channel == "" {
		d.Channel = w.opts.DefaultChannel
	}
	log := w.log.With("outbox_id", d.ID, "channel", d.Channel, "kind", d.Kind, "ticket", d.TicketID)
	maxAge, ages := w.opts.MaxAge[d.Kind]
	now := w.opts.Now()
	if age := now.Sub(d.CreatedAt); ages && age > maxAge {
		if w.finish(ctx, log, d, StateStale, "stale: "+age.Round(time.Second).String()+" old") {
			w.count(func(s *Stats) { s.Stale++ })
			log.Info("outbox dropped stale row", "age", age.Round(time.Second))
		}
		return
	}
	s, ok := w.senders[d.Channel]
	if !ok {
		if w.finish(ctx, log, d, StateDead, "no channel "+d.Channel+" configured") {
			w.count(func(s *Stats) { s.Failed++ })
			log.Error("outbox channel not configured")
		}
		return
	}

	sendCtx, cancel := context.WithTimeout(ctx, w.opts.SendTimeout)
	err := s.Send(sendCtx, d)
	cancel()
	// Record even if ctx was cancelled meanwhile: the provider may have the
	// row, and an unrecorded success is a duplicate after the lease ends.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer rcancel()
	now = w.opts.Now()
	switch {
	case err == nil:
		if w.finish(rctx, log, d, StateSent, "") {
			lat := now.Sub(d.CreatedAt)
			w.count(func(s *Stats) {
				s.Sent++
				s.LatencySum += lat
				s.LatencyMax = max(s.LatencyMax, lat)
			})
			log.Info("outbox sent", "attempt", d.Attempt, "latency", lat.Round(time.Millisecond))
		}
	case errors.Is(err, ErrPermanent) || d.Attempt >= w.opts.MaxAttempts:
		if w.finish(rctx, log, d, StateDead, err.Error()) {
			w.count(func(s *Stats) { s.Failed++ })
			log.Warn("outbox dead-lettered", "attempt", d.Attempt, "err", w.redact(err.Error()))
		}
	default:
		next := now.Add(Backoff(d.Attempt, w.opts.BaseBackoff, w.opts.MaxBackoff, w.opts.Jitter()))
		if ages && next.Sub(d.CreatedAt) > maxAge {
			// The retry would come too late to be useful.
			if w.finish(rctx, log, d, StateStale, "stale before retry: "+err.Error()) {
				w.count(func(s *Stats) { s.Stale++ })
				log.Info("outbox dropped row that would be stale at retry", "attempt", d.Attempt, "err", w.redact(err.Error()))
			}
			return
		}
		ok, dberr := w.store.Reschedule(rctx, d.ID, w.opts.ID, next, w.redact(err.Error()), now)
		switch {
		case dberr != nil:
			log.Error("outbox record retry failed", "err", dberr)
		case !ok:
			log.Warn("outbox lease lost before recording", "state", StatePending)
		default:
			w.count(func(s *Stats) { s.Retried++ })
			log.Info("outbox will retry", "attempt", d.Attempt, "next_attempt_at", next, "err", w.redact(err.Error()))
		}
	}
}

// finish moves a claimed row to a final state. It reports whether this
// worker still held the row: if its lease ran out and another worker took
// the row over, the other worker's outcome stands.
func (w *Worker) finish(ctx context.Context, log *slog.Logger, d Delivery, state, reason string) bool {
	ok, err := w.store.Finish(ctx, d.ID, w.opts.ID, state, w.redact(reason), w.opts.Now())
	if err != nil {
		log.Error("outbox record outcome failed", "state", state, "err", err)
		return false
	}
	if !ok {
		log.Warn("outbox lease lost before recording", "state", state)
	}
	return ok
}

func (w *Worker) count(f func(*Stats)) {
	w.mu.Lock()
	f(&w.stats)
	w.mu.Unlock()
}

// redact cleans an error text with Options.Redact and cuts it to 500 bytes.
func (w *Worker) redact(s string) string {
	s = w.opts.Redact(s)
	const n = 500
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "")
	}
	return s
}
