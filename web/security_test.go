package web

import (
	"net/http"
	"testing"

	"github.com/antrian/antrian/account"
)

// An API token never reaches further than the admin who made it: an admin
// of one Puskesmas cannot make a dinkes token (which reads every
// facility); a district admin can.
func TestTokenReach(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("sobo", "admin-sobo", account.Admin)
	e.user("", "admin-kab", account.Admin)
	admin, district := e.caller("10.0.0.1"), e.caller("10.0.0.2")
	if st := admin.login("admin-sobo", "rahasia123"); st != http.StatusOK {
		t.Fatalf("login: %d", st)
	}
	if st := district.login("admin-kab", "rahasia123"); st != http.StatusOK {
		t.Fatalf("login: %d", st)
	}
	type created struct {
		Secret string `json:"secret"`
	}
	// readsLain is the status of reading lain's waiting list with a token.
	readsLain := func(secret string) int {
		c := e.caller("10.0.0.3")
		c.header.Set("Authorization", "Bearer "+secret)
		return c.do("GET", "/api/v1/facilities/lain/units/UMUM/queue", nil).Code
	}
	for _, tc := range []struct {
		name, role string
		by         *caller
		status     int
		code       string
		lain       int // reading lain's queue with the token
	}{
		{"facility admin, staff token", "staff", admin, http.StatusCreated, "", http.StatusForbidden},
		{"facility admin, kader token", "kader", admin, http.StatusCreated, "", http.StatusForbidden},
		{"facility admin, dinkes token", "dinkes", admin, http.StatusForbidden, "forbidden", 0},
		{"facility admin, admin token", "admin", admin, http.StatusBadRequest, "invalid", 0},
		{"district admin, dinkes token", "dinkes", district, http.StatusCreated, "", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := tc.by.do("POST", "/api/v1/facilities/sobo/tokens", map[string]string{"name": "x", "role": tc.role})
			if rec.Code != tc.status || errorCode(rec) != tc.code {
				t.Fatalf("create: status %d %s, want %d %q", rec.Code, rec.Body, tc.status, tc.code)
			}
			if rec.Code != http.StatusCreated {
				return
			}
			var c created
			decodeBody(t, rec, &c)
			if got := readsLain(c.Secret); got != tc.lain {
				t.Errorf("reading another facility's queue with the token: status %d, want %d", got, tc.lain)
			}
		})
	}
	var tokens []account.APIToken
	decodeBody(t, admin.do("GET", "/api/v1/facilities/sobo/tokens", nil), &tokens)
	for _, tk := range tokens {
		if tk.Role == "dinkes" && tk.CreatedBy == "admin-sobo" {
			t.Errorf("a refused token was stored: %+v", tk)
		}
	}
	if len(tokens) != 3 {
		t.Errorf("got %d tokens, want the 3 allowed ones", len(tokens))
	}
}
