package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/notify"
)

// Gateway names: the outgoing presets of package notify that also deliver
// incoming messages, and the generic signed webhook.
const (
	GatewayFonnte        = notify.PresetFonnte
	GatewayWablas        = notify.PresetWablas
	GatewayStarSender    = notify.PresetStarSender
	GatewayWhatsAppCloud = notify.PresetWhatsAppCloud
	GatewayGeneric       = "generic"
)

// Gateways lists the gateways whose incoming webhooks are understood.
func Gateways() []string {
	return []string{GatewayFonnte, GatewayWablas, GatewayStarSender, GatewayWhatsAppCloud, GatewayGeneric}
}

// Secrets authenticate incoming webhooks. An empty secret refuses every
// request of the gateways that need it: a webhook is never open.
type Secrets struct {
	// Shared is the secret of the gateways that do not sign (fonnte, wablas,
	// starsender): the webhook URL carries it as ?secret=, or the request as
	// header X-Antrian-Secret. For the generic webhook it is the HMAC key of
	// X-Antrian-Signature (notify.Sign), the scheme of outgoing webhooks.
	Shared string
	// AppSecret is the Meta app secret: WhatsApp Cloud signs each body with
	// it in X-Hub-Signature-256.
	AppSecret string
	// VerifyToken is what WhatsApp Cloud's subscription handshake must send.
	VerifyToken string
}

// Incoming is one text message a patient sent.
type Incoming struct {
	// ID is the gateway's message id (or, for a gateway that sends none, a
	// hash of the request body, which a redelivery repeats).
	ID   string
	From string // the sender's number as the gateway wrote it
	Text string
}

// Request is what the webhook received: the raw body (signatures cover the
// exact bytes), the headers and the query.
type Request struct {
	Body   []byte
	Header http.Header
	Query  url.Values
}

// Parse authenticates a webhook request of gateway and returns its text
// messages (none for status callbacks, group and own messages). It returns
// an error wrapping fault.ErrUnauthenticated when the request is unsigned,
// wrongly signed or carries the wrong secret (nothing may change then),
// fault.ErrNotFound for an unknown gateway and fault.ErrInvalid for a body
// it cannot read.
func Parse(gateway string, sec Secrets, r Request) ([]Incoming, error) {
	op := "whatsapp webhook " + gateway
	if err := authenticate(gateway, sec, r); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var msgs []Incoming
	var err error
	switch gateway {
	case GatewayWhatsAppCloud:
		msgs, err = parseCloud(r.Body)
	case GatewayGeneric:
		msgs, err = parseFlat(r, "id", []string{"from"}, []string{"text"}, "")
	case GatewayFonnte:
		// Fonnte posts sender, message, and inboxid (older devices: id);
		// "member" is set for group messages.
		msgs, err = parseFlat(r, "inboxid|id", []string{"sender"}, []string{"message", "text"}, "member")
	case GatewayWablas:
		msgs, err = parseFlat(r, "id|messageId", []string{"phone", "sender"}, []string{"message"}, "isGroup|isFromMe")
	case GatewayStarSender:
		msgs, err = parseFlat(r, "id|message_id", []string{"from", "sender"}, []string{"message", "body"}, "")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return msgs, nil
}

// errUnsigned is the answer to a request that fails authentication.
var errUnsigned = fault.New(fault.ErrUnauthenticated, "", "Tanda tangan webhook tidak ada atau salah.")

func authenticate(gateway string, sec Secrets, r Request) error {
	switch gateway {
	case GatewayWhatsAppCloud:
		return checkHMAC(sec.AppSecret, r.Body, r.Header.Get("X-Hub-Signature-256"))
	case GatewayGeneric:
		return checkHMAC(sec.Shared, r.Body, r.Header.Get("X-Antrian-Signature"))
	case GatewayFonnte, GatewayWablas, GatewayStarSender:
		got := r.Header.Get("X-Antrian-Secret")
		if got == "" {
			got = r.Query.Get("secret")
		}
		if sec.Shared == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sec.Shared)) != 1 {
			return errUnsigned
		}
		return nil
	}
	return fmt.Errorf("gateway %q: %w", gateway, fault.ErrNotFound)
}

// checkHMAC checks a "sha256=<hex>" signature of body keyed with secret,
// the scheme of outgoing webhooks (notify.Sign).
func checkHMAC(secret string, body []byte, sig string) error {
	if secret == "" || !hmac.Equal([]byte(sig), []byte(notify.Sign([]byte(secret), body))) {
		return errUnsigned
	}
	return nil
}

// Handshake answers WhatsApp Cloud's subscription check (GET with
// hub.mode=subscribe, hub.verify_token and hub.challenge): the challenge
// when the token is the configured one. It returns an error wrapping
// fault.ErrUnauthenticated otherwise.
func Handshake(sec Secrets, q url.Values) (string, error) {
	tok := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || sec.VerifyToken == "" ||
		subtle.ConstantTimeCompare([]byte(tok), []byte(sec.VerifyToken)) != 1 {
		return "", fmt.Errorf("whatsapp verify: %w", errUnsigned)
	}
	return q.Get("hub.challenge"), nil
}

// cloudBody is the part of a WhatsApp Cloud webhook that carries messages.
type cloudBody struct {
	Entry []struct {
		Changes []struct {
			Value struct {
				Messages []struct {
					ID   string `json:"id"`
					From string `json:"from"`
					Type string `json:"type"`
					Text struct {
						Body string `json:"body"`
					} `json:"text"`
					Button struct {
						Text string `json:"text"`
					} `json:"button"`
				} `json:"messages"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

func parseCloud(body []byte) ([]Incoming, error) {
	var b cloudBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("body: %v: %w", err, fault.ErrInvalid)
	}
	var out []Incoming
	for _, e := range b.Entry {
		for _, c := range e.Changes {
			for _, m := range c.Value.Messages {
				text := m.Text.Body
				if m.Type == "button" {
					text = m.Button.Text
				}
				if m.ID == "" || m.From == "" {
					continue
				}
				out = append(out, Incoming{ID: m.ID, From: m.From, Text: text})
			}
		}
	}
	return out, nil
}

// parseFlat reads the one message of a gateway that posts flat JSON or
// form fields. Each of idKeys (alternatives split by "|"), fromKeys and
// textKeys is tried in turn; a message whose skipKeys field is set and not
// false (a group message, one's own message) is ignored, as is a body
// without a sender (a delivery status callback).
func parseFlat(r Request, idKeys string, fromKeys, textKeys []string, skipKeys string) ([]Incoming, error) {
	fields, err := flatFields(r)
	if err != nil {
		return nil, err
	}
	pick := func(keys []string) string {
		for _, k := range keys {
			if v := fields[k]; v != "" {
				return v
			}
		}
		return ""
	}
	if skipKeys != "" {
		if v := pick(strings.Split(skipKeys, "|")); v != "" && v != "false" && v != "0" {
			return nil, nil
		}
	}
	from := pick(fromKeys)
	if from == "" {
		return nil, nil
	}
	id := pick(strings.Split(idKeys, "|"))
	if id == "" {
		sum := sha256.Sum256(r.Body)
		id = "body:" + hex.EncodeToString(sum[:16])
	}
	return []Incoming{{ID: id, From: from, Text: pick(textKeys)}}, nil
}

// flatFields reads a JSON object or a form body into text fields.
func flatFields(r Request) (map[string]string, error) {
	body := strings.TrimSpace(string(r.Body))
	out := map[string]string{}
	if strings.HasPrefix(body, "{") {
		var m map[string]any
		if err := json.Unmarshal(r.Body, &m); err != nil {
			return nil, fmt.Errorf("body: %v: %w", err, fault.ErrInvalid)
		}
		for k, v := range m {
			switch x := v.(type) {
			case nil:
			case string:
				out[k] = x
			default:
				b, _ := json.Marshal(x)
				out[k] = string(b)
			}
		}
		return out, nil
	}
	v, err := url.ParseQuery(body)
	if err != nil {
		return nil, fmt.Errorf("body: %v: %w", err, fault.ErrInvalid)
	}
	for k := range v {
		out[k] = v.Get(k)
	}
	return out, nil
}
