package notify

import (
	"log/slog"
	"maps"
	"regexp"
	"time"

	"github.com/antrian/antrian/outbox"
)

// DefaultMaxAge is the staleness limit per kind when the worker's options
// do not name it. "Your turn is near" an hour late is worse than nothing.
var DefaultMaxAge = map[string]time.Duration{
	KindBooked:    24 * time.Hour,
	KindNear:      20 * time.Minute,
	KindCalled:    10 * time.Minute,
	KindSkipped:   time.Hour,
	KindCancelled: 24 * time.Hour,
	KindReply:     time.Hour,
}

// NewWorker returns the worker of the patient messages' outbox: it claims
// from store (postgres.DB.NotifyOutbox) and sends through channels, keyed by
// channel name ("webhook", "whatsapp", "sms", "push"); a message whose
// channel has no entry is dead-lettered. Zero options take this outbox's
// defaults: default channel webhook, 10 s per send, 8 attempts, backoff from
// 1 s up to 5 m, and DefaultMaxAge for the kinds opts.MaxAge does not name.
// Phone numbers are removed from the error texts it stores and logs. A nil
// logger discards logs.
func NewWorker(store outbox.Store, channels map[string]outbox.Sender, opts outbox.Options, logger *slog.Logger) *outbox.Worker {
	if opts.DefaultChannel == "" {
		opts.DefaultChannel = ChannelWebhook
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = 10 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	ages := maps.Clone(DefaultMaxAge)
	maps.Copy(ages, opts.MaxAge)
	opts.MaxAge = ages
	if opts.Redact == nil {
		opts.Redact = redactPhones
	}
	if logger != nil {
		logger = logger.With("outbox", "notify")
	}
	return outbox.NewWorker(store, channels, opts, logger)
}

// redactPhones removes anything that looks like a phone number from an
// error text, since gateways may echo the recipient back.
func redactPhones(s string) string { return phoneLike.ReplaceAllString(s, "[phone]") }

var phoneLike = regexp.MustCompile(`\+?\d[\d -]{6,}\d`)
