package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/outbox"
)

// PushSubscription is a browser's PushSubscription as its toJSON() gives it.
type PushSubscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// PushStore keeps the browsers' push subscriptions, by ticket, as their
// JSON; *postgres.DB implements it.
type PushStore interface {
	SavePushSubscription(ctx context.Context, ticketID, endpoint string, sub json.RawMessage) error
	PushSubscriptions(ctx context.Context, ticketID string) ([]json.RawMessage, error)
	DeletePushSubscription(ctx context.Context, ticketID, endpoint string) error
}

// SavePushSubscription stores a browser's push subscription for a ticket, the
// patient's opt-in to web push for it. Saving the same endpoint again replaces
// it. It returns an error wrapping fault.ErrInvalid if sub is not a subscription
// with an https (or, for tests, http) endpoint and both keys.
func SavePushSubscription(ctx context.Context, store PushStore, ticketID string, sub json.RawMessage) error {
	var s PushSubscription
	if err := json.Unmarshal(sub, &s); err != nil {
		return fmt.Errorf("save push subscription: %v: %w", err, fault.ErrInvalid)
	}
	u, err := url.Parse(s.Endpoint)
	if ticketID == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		s.Keys.P256dh == "" || s.Keys.Auth == "" {
		return fmt.Errorf("save push subscription: need ticket, endpoint and keys: %w", fault.ErrInvalid)
	}
	clean, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("save push subscription: %w", err)
	}
	if err := store.SavePushSubscription(ctx, ticketID, s.Endpoint, clean); err != nil {
		return fmt.Errorf("save push subscription: %w", err)
	}
	return nil
}

// PushSubscriptions returns the subscriptions stored for a ticket. It returns
// the database error, if any.
func PushSubscriptions(ctx context.Context, store PushStore, ticketID string) ([]PushSubscription, error) {
	raw, err := store.PushSubscriptions(ctx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("push subscriptions: %w", err)
	}
	subs := make([]PushSubscription, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &subs[i]); err != nil {
			return nil, fmt.Errorf("push subscriptions: %w", err)
		}
	}
	return subs, nil
}

// GenerateVAPIDKeys returns a new VAPID key pair, base64url encoded, for the
// deployment to store once and pass in PushOptions.
func GenerateVAPIDKeys() (privateKey, publicKey string, err error) {
	privateKey, publicKey, err = webpush.GenerateVAPIDKeys()
	if err != nil {
		return "", "", fmt.Errorf("generate VAPID keys: %w", err)
	}
	return privateKey, publicKey, nil
}

// PushOptions configure the web push channel.
type PushOptions struct {
	VAPIDPublicKey  string
	VAPIDPrivateKey string
	// Subscriber is the contact push services may use: an e-mail address or an https URL.
	Subscriber string
	// TTL is how long a push service keeps an undelivered message; default 15 minutes
	// (queue news older than that is not worth showing).
	TTL time.Duration
	// Client sends the requests; default one with a 10 s timeout.
	Client *http.Client
}

// Push is the web push channel: it sends a message to every browser that
// subscribed for the ticket and forgets subscriptions the push service says
// are gone.
type Push struct {
	store PushStore
	opts  PushOptions
}

// PushPayload is the JSON a service worker receives. Tag is the outbox id, to
// be used as the notification tag so a retried message replaces rather than
// repeats the one already shown.
type PushPayload struct {
	ID       string `json:"id"`
	Tag      string `json:"tag"`
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	Text     string `json:"text"`
	TicketID string `json:"ticket_id"`
	Facility string `json:"facility"`
	Unit     string `json:"unit"`
	Code     string `json:"code"`
}

// NewPush returns the web push channel. It returns an error wrapping
// fault.ErrInvalid if a VAPID key is missing.
func NewPush(store PushStore, opts PushOptions) (*Push, error) {
	if opts.VAPIDPublicKey == "" || opts.VAPIDPrivateKey == "" {
		return nil, fmt.Errorf("web push: VAPID keys are required: %w", fault.ErrInvalid)
	}
	if opts.TTL <= 0 {
		opts.TTL = 15 * time.Minute
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Push{store: store, opts: opts}, nil
}

// Send pushes d to every subscription of d.TicketID. Subscriptions answered
// with 404 or 410 are deleted. It returns nil if at least one push service
// accepted the message and none asked for a retry; a retryable error if any
// answered 429, 5xx or failed in transport; and an error wrapping ErrPermanent
// if the ticket has no live subscription left or every service refused.
func (p *Push) Send(ctx context.Context, d outbox.Delivery) error {
	subs, err := PushSubscriptions(ctx, p.store, d.TicketID)
	if err != nil {
		return fmt.Errorf("web push: %w", err)
	}
	payload, err := json.Marshal(PushPayload{ID: d.ID, Tag: d.ID, Kind: d.Kind, Title: "Antrian " + d.Code,
		Text: d.Text, TicketID: d.TicketID, Facility: d.Facility, Unit: d.Unit, Code: d.Code})
	if err != nil {
		return fmt.Errorf("web push: encode: %w: %w", err, ErrPermanent)
	}
	var delivered int
	var retry, refused error
	for _, s := range subs {
		err := p.sendOne(ctx, s, payload)
		switch {
		case err == nil:
			delivered++
		case errors.Is(err, errGone):
			if derr := p.store.DeletePushSubscription(ctx, d.TicketID, s.Endpoint); derr != nil {
				retry = fmt.Errorf("web push: forget gone subscription: %w", derr)
			}
		case errors.Is(err, ErrPermanent):
			refused = err
		default:
			retry = err
		}
	}
	switch {
	case retry != nil:
		return retry
	case delivered > 0:
		return nil
	case refused != nil:
		return refused
	default:
		return fmt.Errorf("web push: ticket has no live subscription: %w", ErrPermanent)
	}
}

// errGone marks a subscription the push service no longer knows (404, 410).
var errGone = errors.New("subscription gone")

func (p *Push) sendOne(ctx context.Context, s PushSubscription, payload []byte) error {
	sub := &webpush.Subscription{Endpoint: s.Endpoint, Keys: webpush.Keys{P256dh: s.Keys.P256dh, Auth: s.Keys.Auth}}
	resp, err := webpush.SendNotificationWithContext(ctx, payload, sub, &webpush.Options{
		HTTPClient:      p.opts.Client,
		Subscriber:      p.opts.Subscriber,
		TTL:             int(p.opts.TTL / time.Second),
		Urgency:         webpush.UrgencyHigh,
		VAPIDPublicKey:  p.opts.VAPIDPublicKey,
		VAPIDPrivateKey: p.opts.VAPIDPrivateKey,
	})
	if err != nil {
		if ctx.Err() != nil || isTransport(err) {
			return fmt.Errorf("web push: %w", err)
		}
		// Bad keys in the stored subscription: encryption cannot succeed.
		return fmt.Errorf("web push: %w: %w", err, ErrPermanent)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		return errGone
	}
	return classifyStatus("web push", resp.StatusCode)
}

// isTransport reports whether err came from the HTTP client rather than from
// encrypting the payload.
func isTransport(err error) bool {
	var uerr *url.Error
	return errors.As(err, &uerr)
}
