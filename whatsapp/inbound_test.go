package whatsapp

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/notify"
)

var testSecrets = Secrets{Shared: "rahasia-bersama-1", AppSecret: "meta-app-secret", VerifyToken: "verif-123"}

func cloudMessage(from, id, text string) []byte {
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{` +
		`"messaging_product":"whatsapp","contacts":[{"profile":{"name":"Budi"},"wa_id":"` + from + `"}],` +
		`"messages":[{"from":"` + from + `","id":"` + id + `","timestamp":"1700000000","type":"text","text":{"body":"` + text + `"}}]}}]}]}`)
}

func TestParseAuthenticates(t *testing.T) {
	cloud := cloudMessage("6281234567890", "wamid.A1", "ANTRI")
	generic := []byte(`{"id":"g-1","from":"081234567890","text":"antri"}`)
	form := []byte("sender=6281234567890&message=ANTRI&inboxid=77")
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	q := func(secret string) url.Values { return url.Values{"secret": {secret}} }
	tests := []struct {
		name    string
		gateway string
		req     Request
		want    *Incoming // nil: 401
	}{
		{"cloud signed", GatewayWhatsAppCloud, Request{Body: cloud, Header: hdr("X-Hub-Signature-256", notify.Sign([]byte("meta-app-secret"), cloud))},
			&Incoming{ID: "wamid.A1", From: "6281234567890", Text: "ANTRI"}},
		{"cloud unsigned", GatewayWhatsAppCloud, Request{Body: cloud, Header: hdr()}, nil},
		{"cloud signed with another secret", GatewayWhatsAppCloud, Request{Body: cloud, Header: hdr("X-Hub-Signature-256", notify.Sign([]byte("other"), cloud))}, nil},
		{"cloud body changed after signing", GatewayWhatsAppCloud, Request{Body: cloudMessage("6281234567890", "wamid.A1", "BATAL"),
			Header: hdr("X-Hub-Signature-256", notify.Sign([]byte("meta-app-secret"), cloud))}, nil},
		{"generic signed", GatewayGeneric, Request{Body: generic, Header: hdr("X-Antrian-Signature", notify.Sign([]byte("rahasia-bersama-1"), generic))},
			&Incoming{ID: "g-1", From: "081234567890", Text: "antri"}},
		{"generic bad hex", GatewayGeneric, Request{Body: generic, Header: hdr("X-Antrian-Signature", "sha256=zz")}, nil},
		{"fonnte secret in query", GatewayFonnte, Request{Body: form, Header: hdr(), Query: q("rahasia-bersama-1")},
			&Incoming{ID: "77", From: "6281234567890", Text: "ANTRI"}},
		{"fonnte secret in header", GatewayFonnte, Request{Body: form, Header: hdr("X-Antrian-Secret", "rahasia-bersama-1")},
			&Incoming{ID: "77", From: "6281234567890", Text: "ANTRI"}},
		{"fonnte wrong secret", GatewayFonnte, Request{Body: form, Header: hdr(), Query: q("rahasia-bersama-2")}, nil},
		{"wablas no secret", GatewayWablas, Request{Body: []byte(`{"id":"w1","phone":"6281234567890","message":"STATUS"}`), Header: hdr()}, nil},
		{"wablas json", GatewayWablas, Request{Body: []byte(`{"id":"w1","phone":"6281234567890","message":"STATUS","isGroup":false}`), Header: hdr(), Query: q("rahasia-bersama-1")},
			&Incoming{ID: "w1", From: "6281234567890", Text: "STATUS"}},
		{"starsender json", GatewayStarSender, Request{Body: []byte(`{"from":"6281234567890","message":"BATAL","timestamp":1700000000}`), Header: hdr(), Query: q("rahasia-bersama-1")},
			&Incoming{ID: "body:", From: "6281234567890", Text: "BATAL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.gateway, testSecrets, tc.req)
			if tc.want == nil {
				if !errors.Is(err, fault.ErrUnauthenticated) {
					t.Fatalf("got %v, %v; want unauthenticated", got, err)
				}
				return
			}
			if err != nil || len(got) != 1 {
				t.Fatalf("got %v, %v; want one message", got, err)
			}
			g := got[0]
			if tc.want.ID == "body:" {
				if len(g.ID) != len("body:")+32 {
					t.Errorf("id %q, want a body hash", g.ID)
				}
				g.ID = "body:"
			}
			if g != *tc.want {
				t.Errorf("got %+v, want %+v", g, *tc.want)
			}
		})
	}
}

func TestParseEmptySecretsRefuseAll(t *testing.T) {
	body := []byte(`{"id":"g-1","from":"081234567890","text":"antri"}`)
	for _, gw := range Gateways() {
		// Signed with the empty key, or with an empty secret: still refused.
		req := Request{Body: body, Header: http.Header{"X-Antrian-Signature": {notify.Sign(nil, body)},
			"X-Hub-Signature-256": {notify.Sign(nil, body)}}, Query: url.Values{"secret": {""}}}
		if _, err := Parse(gw, Secrets{}, req); !errors.Is(err, fault.ErrUnauthenticated) {
			t.Errorf("%s with no secret configured: got %v, want unauthenticated", gw, err)
		}
	}
	if _, err := Parse("twilio", testSecrets, Request{}); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("unknown gateway: got %v, want not found", err)
	}
}

func TestParseSkipsWhatIsNotAPatientsMessage(t *testing.T) {
	q := url.Values{"secret": {"rahasia-bersama-1"}}
	for name, r := range map[string]Request{
		"fonnte group":      {Body: []byte("sender=6281234567890&message=hi&member=6281&inboxid=1"), Query: q, Header: http.Header{}},
		"wablas own":        {Body: []byte(`{"id":"1","phone":"6281234567890","message":"hi","isFromMe":true}`), Query: q, Header: http.Header{}},
		"status callback":   {Body: []byte(`{"id":"1","status":"sent"}`), Query: q, Header: http.Header{}},
		"cloud status only": {Body: []byte(`{"entry":[{"changes":[{"value":{"statuses":[{"id":"x","status":"read"}]}}]}]}`), Header: http.Header{}},
	} {
		gw := GatewayWablas
		switch name {
		case "fonnte group":
			gw = GatewayFonnte
		case "cloud status only":
			gw = GatewayWhatsAppCloud
			r.Header.Set("X-Hub-Signature-256", notify.Sign([]byte("meta-app-secret"), r.Body))
		}
		got, err := Parse(gw, testSecrets, r)
		if err != nil || len(got) != 0 {
			t.Errorf("%s: got %v, %v; want nothing", name, got, err)
		}
	}
}

func TestHandshake(t *testing.T) {
	ok := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"verif-123"}, "hub.challenge": {"1158201444"}}
	if got, err := Handshake(testSecrets, ok); err != nil || got != "1158201444" {
		t.Errorf("got %q, %v; want the challenge", got, err)
	}
	bad := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"verif-124"}, "hub.challenge": {"1"}}
	if _, err := Handshake(testSecrets, bad); !errors.Is(err, fault.ErrUnauthenticated) {
		t.Errorf("wrong token: got %v, want unauthenticated", err)
	}
	if _, err := Handshake(Secrets{}, url.Values{"hub.mode": {"subscribe"}}); !errors.Is(err, fault.ErrUnauthenticated) {
		t.Errorf("no token configured: got %v, want unauthenticated", err)
	}
}
