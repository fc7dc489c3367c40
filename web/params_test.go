package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/antrian/antrian/account"
)

// A path parameter that no text column can hold (a NUL byte, bytes that
// are not UTF-8) names nothing: every route answers 404 before any lookup,
// and nothing is logged as an error (before, PostgreSQL refused the value
// and the audit log could not record the request).
func TestUnstorablePathParameters(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("", "admin-kab", account.Admin)
	anon, admin := e.caller("10.0.0.1"), e.caller("10.0.0.2")
	if st := admin.login("admin-kab", "rahasia123"); st != http.StatusOK {
		t.Fatalf("login: %d", st)
	}
	param := regexp.MustCompile(`:[a-z_]+`)
	checked := 0
	for _, r := range e.s.echo.Routes() {
		if strings.HasPrefix(r.Method, "echo_route_") || !strings.Contains(r.Path, ":") {
			continue
		}
		for _, bad := range []string{"%00", "a%00b", "%FF", "sobo%C3"} {
			path := param.ReplaceAllString(r.Path, bad)
			var body any
			if r.Method != http.MethodGet && r.Method != http.MethodDelete {
				body = map[string]any{}
			}
			for who, c := range map[string]*caller{"anonymous": anon, "district admin": admin} {
				rec := c.do(r.Method, path, body)
				jkn := strings.HasPrefix(r.Path, "/jkn/")
				if jkn && (rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"code":201`)) ||
					!jkn && (rec.Code != http.StatusNotFound || errorCode(rec) != "not_found") {
					t.Errorf("%s %s %s: status %d %.120s, want 404 not_found (Mobile JKN: its envelope, code 201)", who, r.Method, path, rec.Code, rec.Body)
				}
			}
			checked++
		}
	}
	if checked < 100 {
		t.Errorf("checked only %d routes and values", checked)
	}
	if errs := e.logs.errors(); len(errs) > 0 {
		t.Errorf("%d errors logged, first: %s", len(errs), errs[0])
	}
}
