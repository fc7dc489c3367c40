package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
	"github.com/antrian/antrian/web"
)

// addUser creates an account with password "rahasia123".
func addUser(t *testing.T, app *App, facility, name string, role account.Role) {
	t.Helper()
	hash, err := account.HashPassword("rahasia123")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB.CreateUser(context.Background(), facility, name, role, hash); err != nil {
		t.Fatal(err)
	}
}

// addFacility creates a second Puskesmas "lain" with one unit.
func addFacility(t *testing.T, app *App, code string) {
	t.Helper()
	ctx := context.Background()
	id, err := app.DB.CreateFacility(ctx, queue.Facility{Code: code, Name: "Puskesmas " + code})
	if err != nil {
		t.Fatal(err)
	}
	u := queue.Unit{Code: "UMUM", Name: "Poli Umum", Prefix: "B", DailyQuota: 999, OpenDays: postgres.AllDays,
		Policy: queue.DefaultPolicy(), DefaultServiceS: 300}
	if err := app.DB.SaveUnit(ctx, id, u); err != nil {
		t.Fatal(err)
	}
}

var paramRE = regexp.MustCompile(`:[a-z_]+|\*`)

// The route-table walk: every route has an access rule, and every
// non-public route refuses an anonymous caller, a caller whose role lacks
// the permission, and a caller from another facility.
func TestRouteAccess(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	addFacility(t, app, "lain")
	addUser(t, app, "sobo", "kader1", account.Kader)
	addUser(t, app, "lain", "petugas-lain", account.Staff)
	addUser(t, app, "lain", "admin-lain", account.Admin)
	addUser(t, app, "", "dinkes1", account.Dinkes)
	_, tk := newClient(t, app.URL()).book("UMUM", nil)

	anon := newClient(t, app.URL())
	callers := map[string]struct {
		c    *client
		user account.User
	}{}
	for name, u := range map[string]account.User{
		"kader1":       {Role: account.Kader, Facility: "sobo"},
		"petugas-lain": {Role: account.Staff, Facility: "lain"},
		"admin-lain":   {Role: account.Admin, Facility: "lain"},
		"dinkes1":      {Role: account.Dinkes},
	} {
		c := newClient(t, app.URL())
		c.login(name, "rahasia123")
		callers[name] = struct {
			c    *client
			user account.User
		}{c, u}
	}

	routes := app.Web.Echo().Routes()
	checked := 0
	for _, r := range routes {
		if strings.HasPrefix(r.Method, "echo_route_") {
			continue // echo's own not-found and any-method entries
		}
		perms, from, ok := web.Access(r.Method, r.Path)
		if !ok {
			t.Errorf("%s %s has no access rule", r.Method, r.Path)
			continue
		}
		if perms[0] == account.PermPublic || perms[0] == account.PermMachineJKN { // never one of several
			continue
		}
		path := paramRE.ReplaceAllStringFunc(r.Path, func(p string) string {
			switch p {
			case ":facility":
				return "sobo"
			case ":unit":
				return "UMUM"
			case ":id":
				return tk.ID
			}
			return "1"
		})
		var body any
		if r.Method != http.MethodGet && r.Method != http.MethodDelete {
			body = map[string]any{}
		}
		if st, _ := anon.raw(r.Method, path, body, nil); st != http.StatusUnauthorized {
			t.Errorf("anonymous %s %s: status %d, want 401", r.Method, r.Path, st)
		}
		for name, caller := range callers {
			// Routes about a facility or ticket of sobo must refuse whoever
			// may not do that there; routes about the caller's own scope
			// must refuse whoever may not do it at home. A caller needs any
			// one of the route's permissions.
			can := func(facility, unit string) bool {
				for _, p := range perms {
					if caller.user.Can(p, facility, unit) {
						return true
					}
				}
				return false
			}
			home := can(caller.user.Facility, "")
			if (from == "facility" || from == "ticket") && can("sobo", "UMUM") || (from == "own" || from == "handler") && home {
				continue
			}
			st, raw := caller.c.raw(r.Method, path, body, nil)
			if st != http.StatusForbidden {
				t.Errorf("%s (%s of %q) %s %s: status %d %s, want 403", name, caller.user.Role, caller.user.Facility, r.Method, r.Path, st, raw)
			}
		}
		checked++
	}
	if checked < 15 {
		t.Errorf("walked only %d protected routes", checked)
	}
	// The ticket was never touched by a refused caller.
	if n := dbCount(t, app, `SELECT count(*) FROM tickets WHERE status <> 'waiting'`); n != 0 {
		t.Errorf("refused callers changed %d tickets", n)
	}
}

// Booking limits are shared by instances through Redis.
func TestBookingRateLimitAcrossInstances(t *testing.T) {
	rs := testenv.Redis(t, false)
	e := newEnv(t, backend{name: "redis", redis: rs})
	e.vars = map[string]string{"ANTRIAN_RATE_BOOKING_PER_ADDR": "5", "ANTRIAN_RATE_BOOKING_PER_PERSON": "2"}
	a := e.start()
	e.seed(a)
	b := e.start()
	ca, cb := newClient(t, a.URL()), newClient(t, b.URL())
	for i := range 5 {
		c := ca
		if i%2 == 1 {
			c = cb
		}
		if st, _ := c.book("UMUM", nil); st != 201 {
			t.Fatalf("booking %d: status %d", i+1, st)
		}
	}
	st, raw := cb.raw("POST", "/api/v1/facilities/sobo/tickets", map[string]any{"unit": "UMUM"}, nil)
	if st != 429 || !strings.Contains(string(raw), `"rate_limited"`) {
		t.Errorf("6th booking from one address across two instances: %d %s, want 429 rate_limited", st, raw)
	}
	req, _ := http.NewRequest("POST", b.URL()+"/api/v1/facilities/sobo/tickets", strings.NewReader(`{"unit":"UMUM"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ra := resp.Header.Get("Retry-After"); resp.StatusCode != 429 || ra == "" || ra == "0" {
		t.Errorf("Retry-After %q on status %d", ra, resp.StatusCode)
	}

	// Per person: staff at the desk are not limited per address, but one
	// NIK gets only two bookings a day, on any instance.
	sa, sb := staffClients(t, a, b)[0], staffClients(t, b)[0]
	nik := "3510014101900001"
	for i, unit := range []string{"GIGI", "LAB"} {
		c := sa
		if i == 1 {
			c = sb
		}
		if st, _ := c.book(unit, map[string]any{"nik": nik, "channel": "desk"}); st != 201 {
			t.Fatalf("desk booking %d with one NIK: %d", i+1, st)
		}
	}
	if st, _ := sa.book("KIA", map[string]any{"nik": nik, "channel": "desk"}); st != 429 {
		t.Errorf("third booking for one NIK: %d, want 429", st)
	}
	if st, _ := sa.book("KIA", map[string]any{"nik": "3510014101900002", "channel": "desk"}); st != 201 {
		t.Errorf("another person after the limit: %d, want 201", st)
	}
}

// CSRF on cookie requests, new session ids at login (no fixation), idle
// expiry, logout everywhere, and machine tokens.
func TestSessionsAndCSRF(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	addUser(t, app, "sobo", "admin1", account.Admin)
	pub := newClient(t, app.URL())
	pub.book("UMUM", nil)

	staff := newClient(t, app.URL())
	// A session id planted before login (fixation) is never promoted.
	u, _ := http.NewRequest("GET", app.URL(), nil)
	staff.http.Jar.SetCookies(u.URL, []*http.Cookie{{Name: "antrian_session", Value: "dipasang-penyerang", Path: "/"}})
	staff.login("petugas", "rahasia123")
	var sid string
	for _, ck := range staff.http.Jar.Cookies(u.URL) {
		if ck.Name == "antrian_session" {
			sid = ck.Value
		}
	}
	if sid == "" || sid == "dipasang-penyerang" {
		t.Fatalf("session cookie after login: %q", sid)
	}
	again := newClient(t, app.URL())
	again.login("petugas", "rahasia123")
	for _, ck := range again.http.Jar.Cookies(u.URL) {
		if ck.Name == "antrian_session" && ck.Value == sid {
			t.Error("two logins got the same session id")
		}
	}

	csrf := staff.csrf
	staff.csrf = ""
	var ae apiErr
	if st := staff.do("POST", "/api/v1/facilities/sobo/units/UMUM/call", map[string]string{}, nil, &ae); st != 403 || ae.Error.Code != "forbidden" {
		t.Errorf("call without CSRF token: %d %q, want 403 forbidden", st, ae.Error.Code)
	}
	staff.csrf = "salah"
	if st := staff.do("POST", "/api/v1/facilities/sobo/units/UMUM/call", map[string]string{}, nil, &ae); st != 403 {
		t.Errorf("call with a wrong CSRF token: %d, want 403", st)
	}
	if n := dbCount(t, app, `SELECT count(*) FROM tickets WHERE status = 'called'`); n != 0 {
		t.Errorf("a request without the CSRF token called %d tickets", n)
	}
	staff.csrf = csrf
	if st, _ := staff.callNext("UMUM", "Ruang 1"); st != 200 {
		t.Errorf("call with the CSRF token: %d", st)
	}

	// Logout everywhere ends the other session too.
	if st := again.do("POST", "/api/v1/auth/logout-all", map[string]string{}, nil, nil); st != 204 {
		t.Errorf("logout-all: %d", st)
	}
	if st := staff.do("GET", "/api/v1/auth/me", nil, nil, nil); st != 401 {
		t.Errorf("other session after logout-all: %d, want 401", st)
	}

	// Idle expiry.
	staff.login("petugas", "rahasia123")
	e.clock.Set(time.Now().Add(9 * time.Hour))
	if st := staff.do("GET", "/api/v1/auth/me", nil, nil, nil); st != 401 {
		t.Errorf("session idle for 9 hours: %d, want 401", st)
	}
	e.clock.Set(time.Time{})

	// Machine tokens: shown once, scoped, revocable.
	admin := newClient(t, app.URL())
	admin.login("admin1", "rahasia123")
	var created struct {
		Token  struct{ ID int64 } `json:"token"`
		Secret string             `json:"secret"`
	}
	if st := admin.do("POST", "/api/v1/facilities/sobo/tokens", map[string]string{"name": "Kiosk lobi", "role": "staff"}, nil, &created); st != 201 || created.Secret == "" {
		t.Fatalf("create token: %d", st)
	}
	var list []map[string]any
	admin.do("GET", "/api/v1/facilities/sobo/tokens", nil, nil, &list)
	if len(list) != 1 || strings.Contains(fmt.Sprint(list), created.Secret) {
		t.Errorf("token list %v: want one token, without its secret", list)
	}
	kiosk := newClient(t, app.URL())
	bearer := map[string]string{"Authorization": "Bearer " + created.Secret}
	if st := kiosk.do("GET", "/api/v1/facilities/sobo/units/UMUM/queue", nil, bearer, nil); st != 200 {
		t.Errorf("queue with the token: %d", st)
	}
	if st := kiosk.do("GET", "/api/v1/facilities/lain/units/UMUM/queue", nil, bearer, nil); st != 403 {
		t.Errorf("another facility with the token: %d, want 403", st)
	}
	if st := admin.do("DELETE", fmt.Sprintf("/api/v1/facilities/sobo/tokens/%d", created.Token.ID), nil, nil, nil); st != 204 {
		t.Errorf("revoke: %d", st)
	}
	if st := kiosk.do("GET", "/api/v1/facilities/sobo/units/UMUM/queue", nil, bearer, nil); st != 401 {
		t.Errorf("revoked token: %d, want 401", st)
	}

	// Every action is in the append-only audit log.
	var audit []struct {
		Actor, Action, Address string
		Status                 int
	}
	admin.do("GET", "/api/v1/facilities/sobo/audit", nil, nil, &audit)
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Actor+" "+a.Action)
	}
	joined := strings.Join(actions, "\n")
	for _, want := range []string{"petugas POST /api/v1/facilities/:facility/units/:unit/call", "admin1 POST /api/v1/facilities/:facility/tokens",
		"admin1 DELETE /api/v1/facilities/:facility/tokens/:token", "petugas login"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit log lacks %q:\n%s", want, joined)
		}
	}
	if _, err := app.DB.Pool.Exec(context.Background(), `DELETE FROM audit_log`); err == nil {
		t.Error("the audit log could be deleted")
	}
}

// Logins are throttled per account.
func TestLoginThrottle(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	c := newClient(t, app.URL())
	for i := range 5 {
		if st := c.do("POST", "/api/v1/auth/login", map[string]string{"username": "petugas", "password": "salah-salah"}, nil, nil); st != 401 {
			t.Fatalf("wrong password %d: %d", i+1, st)
		}
	}
	var ae apiErr
	if st := c.do("POST", "/api/v1/auth/login", map[string]string{"username": "petugas", "password": "rahasia123"}, nil, &ae); st != 429 || ae.Error.Code != "rate_limited" {
		t.Errorf("login after 5 failures: %d %q, want 429 rate_limited", st, ae.Error.Code)
	}
}

func TestProfilerOnlyOnItsOwnAddress(t *testing.T) {
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		if _, err := io.Copy(&b, resp.Body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b.String()
	}

	off := newEnv(t, backend{name: "embedded"}).start()
	if u := off.DebugURL(); u != "" {
		t.Errorf("profiler at %s without ANTRIAN_DEBUG_ADDR, want off", u)
	}
	if code, _ := get(off.URL() + "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/ on the service: status %d, want 404", code)
	}

	e := newEnv(t, backend{name: "embedded"})
	e.vars = map[string]string{"ANTRIAN_DEBUG_ADDR": "127.0.0.1:0"}
	app := e.start()
	if app.DebugURL() == "" {
		t.Fatal("no profiler with ANTRIAN_DEBUG_ADDR set")
	}
	code, body := get(app.DebugURL() + "/debug/pprof/goroutine?debug=1")
	if code != http.StatusOK || !strings.Contains(body, "goroutine profile:") {
		t.Errorf("goroutine profile: status %d, body %.80q", code, body)
	}
	if code, _ := get(app.URL() + "/debug/pprof/goroutine?debug=1"); code != http.StatusNotFound {
		t.Errorf("profiler on the service address too: status %d, want 404", code)
	}
}
