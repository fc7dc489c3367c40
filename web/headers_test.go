package web

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/antrian/antrian/account"
)

// Answers to a signed-in caller, and public answers carrying a ticket's
// personal data, are kept out of every cache.
func TestNoStore(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("sobo", "petugas", account.Staff)
	anon, staff := e.caller("10.0.0.1"), e.caller("10.0.0.2")
	booked := anon.do("POST", "/api/v1/facilities/sobo/tickets", map[string]string{"unit": "UMUM", "name": "Siti Aminah"})
	if booked.Code != http.StatusCreated {
		t.Fatalf("book: %d %s", booked.Code, booked.Body)
	}
	var tk struct{ ID, Token string }
	decodeBody(t, booked, &tk)
	withToken := e.caller("10.0.0.1")
	withToken.header.Set("X-Ticket-Token", tk.Token)
	login := staff.do("POST", "/api/v1/auth/login", map[string]string{"username": "petugas", "password": "rahasia123"})
	var sess struct {
		CSRF string `json:"csrf_token"`
	}
	decodeBody(t, login, &sess)
	staff.csrf = sess.CSRF
	bearer := e.caller("10.0.0.3")
	bearer.header.Set("Authorization", "Bearer atk_unknown")

	for _, tc := range []struct {
		name string
		rec  *httptest.ResponseRecorder
		want string
	}{
		{"booking answer (the ticket's token)", booked, "no-store"},
		{"login answer (the CSRF token)", login, "no-store"},
		{"ticket with its token", withToken.do("GET", "/api/v1/tickets/"+tk.ID, nil), "no-store"},
		{"staff: waiting list", staff.do("GET", "/api/v1/facilities/sobo/units/UMUM/queue", nil), "no-store"},
		{"staff: who am I", staff.do("GET", "/api/v1/auth/me", nil), "no-store"},
		{"staff: an error", staff.do("GET", "/api/v1/facilities/lain/units/UMUM/queue", nil), "no-store"},
		{"staff: a public list the handler lets caches keep", staff.do("GET", "/api/v1/facilities", nil), "no-store"},
		{"staff: call the next patient", staff.do("POST", "/api/v1/facilities/sobo/units/UMUM/call", map[string]string{"counter": "Ruang 1"}), "no-store"},
		{"anonymous: the facility list", anon.do("GET", "/api/v1/facilities", nil), "max-age=60"},
		{"anonymous: a page", anon.do("GET", "/console", nil), "no-cache"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.rec.Header().Get("Cache-Control"); got != tc.want {
				t.Errorf("status %d, Cache-Control %q, want %q", tc.rec.Code, got, tc.want)
			}
		})
	}
}

// Strict-Transport-Security is sent on https only: over TLS, or when the
// trusted proxy says the request came over https.
func TestHSTS(t *testing.T) {
	const hsts = "max-age=31536000"
	_, proxyNet, err := net.ParseCIDR("192.0.2.0/24")
	if err != nil {
		t.Fatal(err)
	}
	proxy := []*net.IPNet{proxyNet}
	for _, tc := range []struct {
		name   string
		cfg    Config
		remote string
		header string
		tls    bool
		want   string
	}{
		{"plain http", Config{}, "198.51.100.7", "", false, ""},
		{"TLS", Config{}, "198.51.100.7", "", true, hsts},
		{"proxy says https", Config{TrustProxyHeader: "X-Forwarded-Proto"}, "192.0.2.1", "https", false, hsts},
		{"proxy says http", Config{TrustProxyHeader: "X-Forwarded-Proto"}, "192.0.2.1", "http", false, ""},
		{"header without a trusted proxy header configured", Config{}, "192.0.2.1", "https", false, ""},
		{"trusted proxy says https", Config{TrustProxyHeader: "X-Forwarded-Proto", TrustedProxies: proxy}, "192.0.2.1", "https", false, hsts},
		{"untrusted address says https", Config{TrustProxyHeader: "X-Forwarded-Proto", TrustedProxies: proxy}, "198.51.100.7", "https", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.cfg, Deps{Log: discard()})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
			req.RemoteAddr = tc.remote + ":40000"
			if tc.header != "" {
				req.Header.Set("X-Forwarded-Proto", tc.header)
			}
			if tc.tls {
				req.TLS = &tls.ConnectionState{}
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if got := rec.Header().Get("Strict-Transport-Security"); got != tc.want {
				t.Errorf("Strict-Transport-Security %q, want %q", got, tc.want)
			}
		})
	}
}
