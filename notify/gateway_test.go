package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/notify"
	"github.com/antrian/antrian/outbox"
)

// gatewayRequest is what a fake gateway saw.
type gatewayRequest struct {
	contentType, auth, key string
	form                   url.Values
	json                   map[string]any
}

func TestGatewayPresets(t *testing.T) {
	tests := []struct {
		preset string
		cred   notify.GatewayCredentials
		answer string
		check  func(t *testing.T, r gatewayRequest)
	}{
		{notify.PresetFonnte, notify.GatewayCredentials{Token: "tok"},
			`{"status":true,"detail":"success! message in queue","id":["1"],"process":"pending","target":["6281234567890"]}`,
			func(t *testing.T, r gatewayRequest) {
				if r.auth != "tok" || r.form.Get("target") != "6281234567890" || r.form.Get("message") == "" || r.form.Get("countryCode") != "62" {
					t.Errorf("fonnte request %+v", r)
				}
			}},
		{notify.PresetWablas, notify.GatewayCredentials{Token: "tok.sec"},
			`{"status":true,"message":"Message is pending and waiting to be processed"}`,
			func(t *testing.T, r gatewayRequest) {
				if r.auth != "tok.sec" || r.form.Get("phone") != "6281234567890" || r.form.Get("message") == "" {
					t.Errorf("wablas request %+v", r)
				}
			}},
		{notify.PresetStarSender, notify.GatewayCredentials{Token: "key"},
			`{"success":true,"data":{},"message":"Success sent message"}`,
			func(t *testing.T, r gatewayRequest) {
				if r.auth != "key" || r.json["to"] != "6281234567890" || r.json["messageType"] != "text" || r.json["body"] == nil {
					t.Errorf("starsender request %+v", r)
				}
			}},
		{notify.PresetZenziva, notify.GatewayCredentials{Token: "uk", Secret: "pk"},
			`{"messageId":"123","to":"6281234567890","status":"1","text":"Success"}`,
			func(t *testing.T, r gatewayRequest) {
				if r.auth != "" || r.form.Get("userkey") != "uk" || r.form.Get("passkey") != "pk" || r.form.Get("to") != "6281234567890" {
					t.Errorf("zenziva request %+v", r)
				}
			}},
		{notify.PresetWhatsAppCloud, notify.GatewayCredentials{Token: "sys"},
			`{"messaging_product":"whatsapp","contacts":[{"input":"6281234567890","wa_id":"6281234567890"}],"messages":[{"id":"wamid.X"}]}`,
			func(t *testing.T, r gatewayRequest) {
				text, _ := r.json["text"].(map[string]any)
				if r.auth != "Bearer sys" || r.json["messaging_product"] != "whatsapp" || r.json["to"] != "6281234567890" ||
					r.json["type"] != "text" || text["body"] != "Nomor antrian B-013 dipanggil." {
					t.Errorf("cloud api request %+v", r)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.preset, func(t *testing.T) {
			var mu sync.Mutex
			var got gatewayRequest
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw, _ := io.ReadAll(r.Body)
				mu.Lock()
				got = gatewayRequest{contentType: r.Header.Get("Content-Type"), auth: r.Header.Get("Authorization"),
					key: r.Header.Get("Idempotency-Key")}
				if strings.HasPrefix(got.contentType, "application/json") {
					_ = json.Unmarshal(raw, &got.json)
				} else {
					got.form, _ = url.ParseQuery(string(raw))
				}
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, tt.answer)
			}))
			defer srv.Close()
			p, err := notify.Preset(tt.preset)
			if err != nil {
				t.Fatal(err)
			}
			p.URL = srv.URL
			g, err := notify.NewHTTPGateway(p, tt.cred, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := g.Send(context.Background(), delivery()); err != nil {
				t.Fatalf("Send = %v, want success", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if got.key != delivery().ID {
				t.Errorf("Idempotency-Key = %q, want %q", got.key, delivery().ID)
			}
			tt.check(t, got)
		})
	}
	if _, err := notify.Preset("pigeon"); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("Preset(pigeon) = %v, want fault.ErrInvalid", err)
	}
}

func TestGatewayFailures(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		answer    string
		permanent bool
		reason    string
	}{
		{"refused in a 200", 200, `{"status":false,"reason":"invalid target 6281234567890"}`, true, "invalid target [phone]"},
		{"not json", 200, `<html>bad gateway</html>`, false, ""},
		{"server error", 503, `{}`, false, ""},
		{"rate limited", 429, `{}`, false, ""},
		{"unauthorised", 401, `{"status":false,"reason":"token invalid"}`, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.answer)
			}))
			defer srv.Close()
			p, _ := notify.Preset(notify.PresetFonnte)
			p.URL = srv.URL
			g, err := notify.NewHTTPGateway(p, notify.GatewayCredentials{Token: "t"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = g.Send(context.Background(), delivery())
			if err == nil || errors.Is(err, notify.ErrPermanent) != tt.permanent {
				t.Fatalf("Send = %v, want permanent %v", err, tt.permanent)
			}
		})
	}
	if _, err := notify.NewHTTPGateway(notify.GatewayPreset{Name: "x"}, notify.GatewayCredentials{}, nil); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("NewHTTPGateway(empty preset) = %v, want fault.ErrInvalid", err)
	}
}

// The worker dead-letters a gateway refusal with the reason, phone redacted.
func TestGatewayRefusalReasonIsRedacted(t *testing.T) {
	db := testenv.DB(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"status":false,"reason":"invalid target 6281234567890"}`)
	}))
	defer srv.Close()
	p, _ := notify.Preset(notify.PresetFonnte)
	p.URL = srv.URL
	g, err := notify.NewHTTPGateway(p, notify.GatewayCredentials{Token: "t"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := msg("G1", notify.KindBooked)
	m.Channel = notify.ChannelWhatsApp
	enqueue(t, db, m)
	w := notify.NewWorker(db.NotifyOutbox(), map[string]outbox.Sender{notify.ChannelWhatsApp: g}, fastOptions(), nil)
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	dead, err := db.NotifyOutbox().Dead(context.Background(), "sobo", 10)
	if err != nil || len(dead) != 1 {
		t.Fatalf("DeadLetters = %v, %v", dead, err)
	}
	if want := "gateway fonnte: refused: invalid target [phone]: permanent delivery failure"; dead[0].LastError != want {
		t.Errorf("LastError = %q, want %q", dead[0].LastError, want)
	}
}
