package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/display"
	"github.com/gorilla/websocket"
)

// The display socket stays open to anyone (TVs use it without signing in),
// but only a screen opened by a signed-in browser of the facility or with
// an admin's API token is listed as verified; anonymous screens are listed
// as unverified, a bounded number of them, and cannot take a verified
// screen's place by using its name.
func TestDisplayVerification(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("sobo", "admin-sobo", account.Admin)
	e.user("lain", "petugas-lain", account.Staff)
	srv := httptest.NewServer(e.s)
	t.Cleanup(srv.Close)
	admin, other := e.caller("10.0.0.1"), e.caller("10.0.0.2")
	if st := admin.login("admin-sobo", "rahasia123"); st != http.StatusOK {
		t.Fatalf("login: %d", st)
	}
	if st := other.login("petugas-lain", "rahasia123"); st != http.StatusOK {
		t.Fatalf("login: %d", st)
	}
	rec := admin.do("POST", "/api/v1/facilities/sobo/tokens", map[string]string{"name": "TV lobi", "role": "staff"})
	var tok struct {
		Secret string `json:"secret"`
	}
	decodeBody(t, rec, &tok)

	// dial opens a screen and reads its snapshot, by which time the
	// screen is in the registry.
	dial := func(name string, hdr http.Header) {
		t.Helper()
		url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws/display?facility=sobo&name=" + name
		conn, resp, err := websocket.DefaultDialer.Dial(url, hdr)
		if err != nil {
			t.Fatalf("dial %s: %v (%v)", name, err, resp)
		}
		t.Cleanup(func() { conn.Close() })
		var first struct{ Type string }
		if err := conn.ReadJSON(&first); err != nil || first.Type != "snapshot" {
			t.Fatalf("%s: first message %+v %v, want a snapshot", name, first, err)
		}
	}
	cookie := func(c *caller) http.Header {
		return http.Header{"Cookie": {c.cookies[sessionCookie].String()}}
	}
	dial("tv-lobby", cookie(admin))
	dial("tv-poli", http.Header{"Authorization": {"Bearer " + tok.Secret}})
	dial("tv-lain", cookie(other)) // signed in, but to another facility
	dial("tv-lobby", nil)          // a stranger using the lobby TV's name
	for i := range 30 {
		dial(fmt.Sprintf("fake-%02d", i), nil)
	}

	var ds []display.Display
	decodeBody(t, admin.do("GET", "/api/v1/facilities/sobo/displays", nil), &ds)
	verified, unverified := map[string]bool{}, 0
	for _, d := range ds {
		if d.Verified {
			verified[d.Name] = true
		} else {
			unverified++
		}
	}
	if len(verified) != 2 || !verified["tv-lobby"] || !verified["tv-poli"] {
		t.Errorf("verified screens %v, want tv-lobby (signed-in browser) and tv-poli (API token)", verified)
	}
	if unverified != 20 {
		t.Errorf("got %d unverified screens listed, want 20 (the cap)", unverified)
	}
	if len(ds) != 22 {
		t.Errorf("got %d screens listed, want 22", len(ds))
	}
}
