package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/antrian/antrian/account"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

// A route declared without an access rule, or with a rule its path cannot
// meet, keeps the server (and so the service) from starting.
func TestRouteTableFailsClosed(t *testing.T) {
	ok := func(echo.Context) error { return nil }
	for _, tc := range []struct {
		name string
		bad  route
		want string
	}{
		{"no rule", on("GET", "/api/v1/unguarded", ok, rule{}, api(tagOps, "x")), "no access rule"},
		{"unknown permission", on("GET", "/api/v1/odd", ok, allow("everything", own), api(tagOps, "x")), "unknown permission"},
		{"facility scope without facility", on("GET", "/api/v1/odd", ok, allow(account.PermAdmin, fromPath), api(tagOps, "x")), ":facility"},
		{"ticket scope without id", on("GET", "/api/v1/facilities/:facility/odd", ok, allow(account.PermQueueRun, fromTicket), api(tagOps, "x")), ":id"},
		{"public among others", on("GET", "/api/v1/odd", ok, anyOf(own, account.PermPublic, account.PermAdmin), api(tagOps, "x")), "one of several"},
		{"undocumented API", on("GET", "/api/v1/odd", ok, public, nil), "OpenAPI"},
		{"twice", on("GET", "/healthz", ok, public, api(tagOps, "x")), "declared twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table := func(s *Server) []route { return append(s.routeTable(), tc.bad) }
			s, err := newServer(Config{}, Deps{Log: discard()}, table)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("newServer = %v, %v; want an error mentioning %q", s, err, tc.want)
			}
		})
	}
}

// A route that reached the router without going through the table has no
// rule, and is refused rather than let through.
func TestUnlistedRouteRefused(t *testing.T) {
	s := pageServer(t)
	reached := false
	s.echo.GET("/api/v1/sneaked-in", func(c echo.Context) error { reached = true; return c.NoContent(200) })
	rec := get(t, s, "/api/v1/sneaked-in", nil)
	if rec.Code != http.StatusForbidden || reached {
		t.Errorf("unlisted route: status %d, handler reached %v; want 403 and not reached", rec.Code, reached)
	}
	if rec := get(t, s, "/no/such/page", nil); rec.Code != http.StatusNotFound {
		t.Errorf("unrouted path: status %d, want 404", rec.Code)
	}
	if rec := get(t, s, "/api/v1/auth/login", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET on a POST route: status %d, want 405", rec.Code)
	}
}

// Every route of the router refuses an anonymous caller with 401 unless the
// table declares it public (or Mobile JKN's, which has its own token), and
// the refusal comes before any handler or storage is reached (the server
// here has none).
func TestEveryRouteRefusesAnonymous(t *testing.T) {
	s := pageServer(t)
	param := regexp.MustCompile(`:[a-z_]+`)
	protected := 0
	for _, r := range s.echo.Routes() {
		if strings.HasPrefix(r.Method, "echo_route_") {
			continue
		}
		perms, _, ok := Access(r.Method, r.Path)
		if !ok {
			t.Errorf("%s %s: no rule", r.Method, r.Path)
			continue
		}
		if perms[0] == account.PermPublic || perms[0] == account.PermMachineJKN { // never one of several
			continue
		}
		protected++
		req := httptest.NewRequest(r.Method, param.ReplaceAllString(r.Path, "x"), strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `"unauthenticated"`) {
			t.Errorf("anonymous %s %s: %d %s, want 401 unauthenticated", r.Method, r.Path, rec.Code, rec.Body)
		}
	}
	if protected < 60 {
		t.Errorf("only %d protected routes walked", protected)
	}
}

// The document the service serves is valid OpenAPI 3, and describes exactly
// the routes for programs.
func TestOpenAPIValid(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("not valid OpenAPI 3: %v", err)
	}
	s := pageServer(t)
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	routed := 0
	for _, r := range s.echo.Routes() {
		if !inOpenAPI(r.Path) || strings.HasPrefix(r.Method, "echo_route_") {
			continue
		}
		routed++
		if doc.Paths.Find(param.ReplaceAllString(r.Path, "{$1}")).GetOperation(r.Method) == nil {
			t.Errorf("%s %s is routed but not described", r.Method, r.Path)
		}
	}
	described := 0
	for _, item := range doc.Paths.Map() {
		described += len(item.Operations())
	}
	if described != routed {
		t.Errorf("%d operations described, %d routed", described, routed)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
