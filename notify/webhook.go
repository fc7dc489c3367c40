package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/antrian/antrian/outbox"
)

// Webhook is the generic channel: it POSTs each message as JSON to one URL,
// signed with HMAC-SHA256, for a deployment that relays messages itself.
type Webhook struct {
	url    string
	secret []byte
	client *http.Client
}

// WebhookBody is the JSON body POSTed by Webhook.
type WebhookBody struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Channel  string `json:"channel"`
	To       string `json:"to"`
	Text     string `json:"text"`
	TicketID string `json:"ticket_id"`
	Facility string `json:"facility"`
	Unit     string `json:"unit"`
	Code     string `json:"code"`
}

// NewWebhook returns a channel that POSTs to url and signs bodies with secret.
// A nil client means one with a 10 s timeout.
func NewWebhook(url, secret string, client *http.Client) *Webhook {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Webhook{url: url, secret: []byte(secret), client: client}
}

// Sign returns the X-Antrian-Signature value for body: "sha256=" and the hex
// HMAC-SHA256 of body keyed with secret. Receivers recompute it over the raw
// body and compare with hmac.Equal.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Send POSTs d with headers Idempotency-Key (the outbox id, the same on every
// attempt) and X-Antrian-Signature. A 2xx answer is success; 429, 5xx and
// transport errors (timeouts included) are retryable; any other status is an
// error wrapping ErrPermanent.
func (h *Webhook) Send(ctx context.Context, d outbox.Delivery) error {
	body, err := json.Marshal(WebhookBody{
		ID: d.ID, Kind: d.Kind, Channel: d.Channel, To: d.To, Text: d.Text,
		TicketID: d.TicketID, Facility: d.Facility, Unit: d.Unit, Code: d.Code,
	})
	if err != nil {
		return fmt.Errorf("webhook: encode: %w: %w", err, ErrPermanent)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w: %w", err, ErrPermanent)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", d.ID)
	req.Header.Set("X-Antrian-Signature", Sign(h.secret, body))
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return classifyStatus("webhook", resp.StatusCode)
}

// classifyStatus applies the delivery contract shared by all HTTP channels:
// 2xx delivered; 429 and 5xx retried; other statuses (4xx, and 1xx/3xx that
// the client did not resolve) permanent.
func classifyStatus(op string, status int) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusTooManyRequests, status >= 500:
		return fmt.Errorf("%s: HTTP %d", op, status)
	default:
		return fmt.Errorf("%s: HTTP %d: %w", op, status, ErrPermanent)
	}
}
