package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/outbox"
)

// Phone formats a gateway expects in its recipient field.
const (
	PhoneDigits = "digits" // 62812... (E.164 without "+"), accepted by all listed gateways
	PhoneE164   = "e164"   // +62812...
	PhoneLocal  = "local"  // 0812...
)

// Body formats of a gateway request.
const (
	FormatForm = "form" // application/x-www-form-urlencoded
	FormatJSON = "json" // application/json; field names may be dotted paths ("text.body")
)

// GatewayPreset describes, as data, how to send one text message through a
// WhatsApp or SMS HTTP gateway. Every gateway goes through the same code
// (HTTPGateway), so supporting another provider means writing a preset.
//
// In URL, AuthValue and Fields values, "{token}" and "{secret}" are replaced
// by the credentials given to NewHTTPGateway.
type GatewayPreset struct {
	Name string
	// URL of the send call. Presets of per-account hosts (Wablas, WhatsApp
	// Cloud API) carry a placeholder host or id that must be replaced.
	URL string
	// AuthHeader names the header carrying AuthValue; empty sends none
	// (credentials then travel in Fields).
	AuthHeader string
	AuthValue  string
	// Format is FormatForm or FormatJSON.
	Format string
	// ToField and TextField name the recipient and text fields.
	ToField   string
	TextField string
	// Phone is the recipient format: PhoneDigits, PhoneE164 or PhoneLocal.
	Phone string
	// Fields are constant fields added to every request.
	Fields map[string]string
	// Success tells an accepted message from a refused one in a 2xx answer.
	Success SuccessTest
}

// SuccessTest inspects a gateway's 2xx JSON answer: many gateways answer 200
// with {"status": false} on failure.
type SuccessTest struct {
	// Field is a dotted path into the answer ("status", "messages.0.id");
	// empty accepts any 2xx answer.
	Field string
	// Values are the accepted values of Field, written as text (true, 1,
	// Success); empty accepts any present, non-empty, non-false value.
	Values []string
	// ReasonField is a dotted path to the refusal reason, kept in the dead letter.
	ReasonField string
}

// Preset names accepted by Preset.
const (
	PresetFonnte        = "fonnte"
	PresetWablas        = "wablas"
	PresetStarSender    = "starsender"
	PresetZenziva       = "zenziva"
	PresetWhatsAppCloud = "whatsapp-cloud"
)

// PresetNames lists the built-in gateway presets.
func PresetNames() []string {
	return []string{PresetFonnte, PresetWablas, PresetStarSender, PresetZenziva, PresetWhatsAppCloud}
}

// Preset returns a copy of a built-in gateway preset, which the caller may
// adjust (URL of a Wablas server, Graph API version and phone number id).
// Sources: the providers' public API documentation and public clients; the
// success answers of Wablas, StarSender and Zenziva are not confirmed against
// official documents. It returns an error wrapping fault.ErrInvalid for an unknown name.
func Preset(name string) (GatewayPreset, error) {
	var p GatewayPreset
	switch name {
	case PresetFonnte:
		// Unofficial WhatsApp gateway, the most used in Indonesia.
		p = GatewayPreset{
			URL: "https://api.fonnte.com/send", AuthHeader: "Authorization", AuthValue: "{token}",
			Format: FormatForm, ToField: "target", TextField: "message", Phone: PhoneDigits,
			Fields:  map[string]string{"countryCode": "62"},
			Success: SuccessTest{Field: "status", Values: []string{"true"}, ReasonField: "reason"},
		}
	case PresetWablas:
		// Per-account server: replace "solo" with the account's server. Newer
		// accounts want "token.secret_key" as the Authorization value.
		p = GatewayPreset{
			URL: "https://solo.wablas.com/api/send-message", AuthHeader: "Authorization", AuthValue: "{token}",
			Format: FormatForm, ToField: "phone", TextField: "message", Phone: PhoneDigits,
			Success: SuccessTest{Field: "status", Values: []string{"true"}, ReasonField: "message"},
		}
	case PresetStarSender:
		p = GatewayPreset{
			URL: "https://api.starsender.online/api/send", AuthHeader: "Authorization", AuthValue: "{token}",
			Format: FormatJSON, ToField: "to", TextField: "body", Phone: PhoneDigits,
			Fields:  map[string]string{"messageType": "text"},
			Success: SuccessTest{Field: "success", Values: []string{"true"}, ReasonField: "message"},
		}
	case PresetZenziva:
		// SMS; token is the userkey and secret the passkey.
		p = GatewayPreset{
			URL:    "https://console.zenziva.net/reguler/api/sendsms/",
			Format: FormatForm, ToField: "to", TextField: "message", Phone: PhoneDigits,
			Fields:  map[string]string{"userkey": "{token}", "passkey": "{secret}"},
			Success: SuccessTest{Field: "status", Values: []string{"1"}, ReasonField: "text"},
		}
	case PresetWhatsAppCloud:
		// Meta's official API: replace PHONE_NUMBER_ID. Free text is delivered
		// only inside the 24-hour service window; outside it Meta wants
		// approved templates, which this preset does not send.
		p = GatewayPreset{
			URL:        "https://graph.facebook.com/v21.0/PHONE_NUMBER_ID/messages",
			AuthHeader: "Authorization", AuthValue: "Bearer {token}",
			Format: FormatJSON, ToField: "to", TextField: "text.body", Phone: PhoneDigits,
			Fields:  map[string]string{"messaging_product": "whatsapp", "recipient_type": "individual", "type": "text"},
			Success: SuccessTest{Field: "messages.0.id", ReasonField: "error.message"},
		}
	default:
		return GatewayPreset{}, fmt.Errorf("gateway preset %q: %w", name, fault.ErrInvalid)
	}
	p.Name = name
	return p, nil
}

// GatewayCredentials fill the {token} and {secret} placeholders of a preset.
type GatewayCredentials struct {
	Token  string
	Secret string
}

// HTTPGateway is a Channel that sends through any WhatsApp or SMS HTTP gateway
// described by a GatewayPreset.
type HTTPGateway struct {
	p      GatewayPreset
	client *http.Client
}

// NewHTTPGateway returns a channel for preset with credentials. A nil client
// means one with a 10 s timeout. It returns an error wrapping fault.ErrInvalid if
// the preset lacks a URL, recipient or text field, or names an unknown format.
func NewHTTPGateway(preset GatewayPreset, cred GatewayCredentials, client *http.Client) (*HTTPGateway, error) {
	if preset.URL == "" || preset.ToField == "" || preset.TextField == "" {
		return nil, fmt.Errorf("gateway %s: url, to field and text field are required: %w", preset.Name, fault.ErrInvalid)
	}
	if preset.Format != FormatForm && preset.Format != FormatJSON {
		return nil, fmt.Errorf("gateway %s: format %q: %w", preset.Name, preset.Format, fault.ErrInvalid)
	}
	if _, err := url.Parse(preset.URL); err != nil {
		return nil, fmt.Errorf("gateway %s: url: %v: %w", preset.Name, err, fault.ErrInvalid)
	}
	r := strings.NewReplacer("{token}", cred.Token, "{secret}", cred.Secret)
	p := preset
	p.URL = r.Replace(p.URL)
	p.AuthValue = r.Replace(p.AuthValue)
	p.Fields = make(map[string]string, len(preset.Fields))
	for k, v := range preset.Fields {
		p.Fields[k] = r.Replace(v)
	}
	p.Success.Values = slices.Clone(preset.Success.Values)
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &HTTPGateway{p: p, client: client}, nil
}

// Send delivers d.Text to d.To. It follows the same status contract as
// Webhook (2xx success; 429, 5xx and transport errors retryable; other
// statuses wrap ErrPermanent); a 2xx answer that fails the preset's success
// test wraps ErrPermanent too (invalid number, bad token, no quota: an admin
// fixes the cause and retries the dead letter), while a 2xx answer that is not
// JSON is retried. The Idempotency-Key header is sent for gateways that honour it.
func (g *HTTPGateway) Send(ctx context.Context, d outbox.Delivery) error {
	op := "gateway " + g.p.Name
	to, err := formatPhone(d.To, g.p.Phone)
	if err != nil {
		return fmt.Errorf("%s: %w: %w", op, err, ErrPermanent)
	}
	var body []byte
	var contentType string
	switch g.p.Format {
	case FormatForm:
		v := url.Values{}
		for k, s := range g.p.Fields {
			v.Set(k, s)
		}
		v.Set(g.p.ToField, to)
		v.Set(g.p.TextField, d.Text)
		body, contentType = []byte(v.Encode()), "application/x-www-form-urlencoded"
	default:
		obj := map[string]any{}
		for k, s := range g.p.Fields {
			setPath(obj, k, s)
		}
		setPath(obj, g.p.ToField, to)
		setPath(obj, g.p.TextField, d.Text)
		if body, err = json.Marshal(obj); err != nil {
			return fmt.Errorf("%s: encode: %w: %w", op, err, ErrPermanent)
		}
		contentType = "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.p.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w: %w", op, err, ErrPermanent)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Idempotency-Key", d.ID)
	if g.p.AuthHeader != "" {
		req.Header.Set(g.p.AuthHeader, g.p.AuthValue)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 256<<10))
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", op, err)
	}
	if err := classifyStatus(op, resp.StatusCode); err != nil {
		return err
	}
	if g.p.Success.Field == "" {
		return nil
	}
	var doc any
	if err := json.Unmarshal(answer, &doc); err != nil {
		return fmt.Errorf("%s: answer is not JSON: %w", op, err)
	}
	if g.p.Success.accepts(getPath(doc, g.p.Success.Field)) {
		return nil
	}
	reason := "refused"
	if r, ok := getPath(doc, g.p.Success.ReasonField); ok && r != nil {
		reason = "refused: " + scalarText(r)
	}
	return fmt.Errorf("%s: %s: %w", op, reason, ErrPermanent)
}

func (t SuccessTest) accepts(v any, present bool) bool {
	if !present || v == nil {
		return false
	}
	s := scalarText(v)
	if len(t.Values) == 0 {
		return s != "" && s != "false" && s != "0"
	}
	return slices.Contains(t.Values, s)
}

// scalarText renders a decoded JSON value as text: strings as they are,
// numbers and booleans as written, anything else as JSON.
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// setPath sets a dotted path in a JSON object, creating nested objects.
func setPath(obj map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := obj[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[p] = next
		}
		obj = next
	}
	obj[parts[len(parts)-1]] = v
}

// getPath follows a dotted path through objects and arrays (numeric parts
// index arrays) and reports whether the value is present.
func getPath(doc any, path string) (any, bool) {
	if path == "" {
		return nil, false
	}
	cur := doc
	for _, p := range strings.Split(path, ".") {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[p]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// formatPhone turns a stored E.164 number into a gateway's format.
func formatPhone(e164, format string) (string, error) {
	if !strings.HasPrefix(e164, "+62") {
		return "", fmt.Errorf("recipient is not an Indonesian E.164 number: %w", fault.ErrInvalid)
	}
	switch format {
	case PhoneE164:
		return e164, nil
	case PhoneLocal:
		return "0" + e164[3:], nil
	default:
		return e164[1:], nil
	}
}
