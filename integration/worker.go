package integration

import (
	"log/slog"
	"time"

	"github.com/antrian/antrian/outbox"
)

// NewWorker returns the worker of the integration outbox: it claims from
// store (postgres.DB.IntegrationOutbox) and sends through senders keyed by
// target ("bpjs", "satusehat"); a row whose target has no sender is
// dead-lettered. Zero options take this outbox's defaults: 30 s per send,
// 10 attempts, backoff from 2 s up to 10 m. Calls never go stale. Card
// numbers, NIKs and phones are masked in the error texts it stores and
// logs. A nil logger discards logs.
func NewWorker(store outbox.Store, senders map[string]outbox.Sender, opts outbox.Options, logger *slog.Logger) *outbox.Worker {
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = 30 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 10
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = 2 * time.Second
	}
	if opts.MaxBackoff < opts.BaseBackoff {
		opts.MaxBackoff = max(10*time.Minute, opts.BaseBackoff)
	}
	opts.MaxAge = nil
	if opts.Redact == nil {
		opts.Redact = redact
	}
	if logger != nil {
		logger = logger.With("outbox", "integration")
	}
	return outbox.NewWorker(store, senders, opts, logger)
}
