package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/queue"
	"github.com/labstack/echo/v4"
)

// scope says where a route's facility (and unit) come from.
type scope int

const (
	scopeNone     scope = iota // no facility: public, own session, or district-wide
	scopeFacility              // the :facility (and :unit) path parameters
	scopeTicket                // the facility and unit of the ticket :id
	scopeHandler               // the handler checks the resource it loads (s.can)
)

type rule struct {
	perm  account.Perm
	scope scope
}

// accessRules is the access table: every route and what it takes. The
// access middleware enforces it before any handler runs, and a test walks
// the router to prove every route is here and every non-public route
// refuses anonymous callers and callers of the wrong role or facility.
// The role side of the matrix is account.Can.
var accessRules = map[string]rule{}

// allow registers access rules for method+path pairs.
func allow(perm account.Perm, sc scope, routes ...string) {
	for _, r := range routes {
		accessRules[r] = rule{perm, sc}
	}
}

func init() {
	pub := account.PermPublic
	allow(pub, scopeNone,
		"GET /healthz", "GET /readyz", "GET /metrics",
		"GET /api/v1/facilities/:facility", "GET /api/v1/facilities/:facility/units",
		"POST /api/v1/facilities/:facility/tickets",
		"GET /api/v1/tickets/:id", "DELETE /api/v1/tickets/:id", // the ticket token
		"GET /api/v1/push/key", "POST /api/v1/tickets/:id/push", // the ticket token
		"POST /api/v1/auth/login",
		"GET /ws/display", "GET /ws/tickets/:id", // codes only; the ticket token
	)
	allow(account.PermSession, scopeNone, "POST /api/v1/auth/logout", "POST /api/v1/auth/logout-all", "GET /api/v1/auth/me")
	allow(account.PermQueueRead, scopeFacility,
		"GET /api/v1/facilities/:facility/units/:unit/queue",
		"GET /api/v1/facilities/:facility/displays")
	allow(account.PermQueueRun, scopeFacility, "POST /api/v1/facilities/:facility/units/:unit/call")
	allow(account.PermQueueRun, scopeTicket,
		"POST /api/v1/tickets/:id/call", "POST /api/v1/tickets/:id/recall", "POST /api/v1/tickets/:id/start",
		"POST /api/v1/tickets/:id/finish", "POST /api/v1/tickets/:id/skip", "POST /api/v1/tickets/:id/requeue",
		"POST /api/v1/tickets/:id/cancel", "POST /api/v1/tickets/:id/transfer")
	allow(account.PermAdmin, scopeFacility,
		"GET /api/v1/facilities/:facility/notifications/dead",
		"GET /api/v1/facilities/:facility/tokens", "POST /api/v1/facilities/:facility/tokens",
		"DELETE /api/v1/facilities/:facility/tokens/:token",
		"GET /api/v1/facilities/:facility/audit")
	allow(account.PermAdmin, scopeHandler, "POST /api/v1/notifications/:id/retry")

	// Pages and their assets are public; what they show comes from the API.
	allow(pub, scopeNone, "GET /", "GET /t/:id", "GET /console", "GET /display", "GET /kiosk", "GET /admin",
		"GET /static/:version/*", "POST /qr.svg", "GET /kader", "GET /bts/laporan", "GET /bts/verifikasi", "GET /bts/sasaran",
		"GET /bts/static/:name",
		"GET /api/v1/facilities")

	// Settings (web/admin.go).
	allow(account.PermQueueRead, scopeFacility, "GET /api/v1/facilities/:facility/counters")
	allow(account.PermAdmin, scopeHandler, "GET /api/v1/admin/facilities")
	allow(account.PermDistrictAdmin, scopeNone, "POST /api/v1/admin/facilities")
	allow(account.PermAdmin, scopeFacility,
		"GET /api/v1/facilities/:facility/settings", "PUT /api/v1/facilities/:facility/settings",
		"PUT /api/v1/facilities/:facility/announcement", "PUT /api/v1/facilities/:facility/units/:unit",
		"PUT /api/v1/facilities/:facility/counters", "POST /api/v1/facilities/:facility/users",
		"PATCH /api/v1/facilities/:facility/users/:username")

	// BTS (web/bts.go).
	allow(account.PermDistrictAdmin, scopeNone, "PUT /api/v1/bts/kecamatan/:code", "PUT /api/v1/bts/desa/:code",
		"POST /api/v1/bts/desa/:code/posyandu", "PUT /api/v1/bts/facilities/:facility")
	allow(account.PermBTSManage, scopeFacility,
		"POST /api/v1/bts/facilities/:facility/children", "POST /api/v1/bts/facilities/:facility/children/:id/measurements",
		"POST /api/v1/bts/facilities/:facility/pregnancies", "POST /api/v1/bts/facilities/:facility/enrolments",
		"POST /api/v1/bts/facilities/:facility/enrolments/:id/exit",
		"POST /api/v1/bts/facilities/:facility/deliveries/:id/review", "GET /api/v1/bts/facilities/:facility/cadres")
	allow(account.PermBTSRead, scopeFacility,
		"GET /api/v1/bts/facilities/:facility/children", "GET /api/v1/bts/facilities/:facility/children/:id",
		"GET /api/v1/bts/facilities/:facility/children/:id/growth.svg", "GET /api/v1/bts/facilities/:facility/pregnancies",
		"GET /api/v1/bts/facilities/:facility/pregnancies/:id")
	allow(account.PermBTSReport, scopeFacility,
		"GET /api/v1/bts/facilities/:facility/enrolments", "POST /api/v1/bts/facilities/:facility/deliveries")
	// Cadres see their own reports, readers all of the facility's: the handler decides.
	allow(account.PermSession, scopeHandler,
		"GET /api/v1/bts/facilities/:facility/areas", "GET /api/v1/bts/facilities/:facility/deliveries",
		"GET /api/v1/bts/facilities/:facility/deliveries/:id/photo")
	// National integrations (web/jkn.go, web/integrations.go). Mobile JKN
	// signs in with its own x-username/x-password -> x-token flow.
	allow(account.PermMachineJKN, scopeNone, "GET /jkn/:facility/auth", "GET /jkn/:facility/antrean/status/:kodepoli/:tanggal",
		"POST /jkn/:facility/antrean", "GET /jkn/:facility/antrean/sisapeserta/:kartu/:kodepoli/:tanggal",
		"PUT /jkn/:facility/antrean/batal", "POST /jkn/:facility/peserta")
	allow(account.PermAdmin, scopeFacility,
		"GET /api/v1/facilities/:facility/integrations", "PUT /api/v1/facilities/:facility/integrations/jkn",
		"PUT /api/v1/facilities/:facility/integrations/bpjs", "PUT /api/v1/facilities/:facility/integrations/satusehat",
		"GET /api/v1/facilities/:facility/integrations/bpjs/poli", "GET /api/v1/facilities/:facility/integrations/bpjs/dokter",
		"GET /api/v1/facilities/:facility/integrations/failed")
	allow(account.PermAdmin, scopeHandler, "POST /api/v1/integrations/:id/retry")
	allow(account.PermQueueRead, scopeTicket, "GET /api/v1/tickets/:id/integrations", "GET /api/v1/tickets/:id/referral")
	allow(account.PermQueueRun, scopeTicket, "POST /api/v1/tickets/:id/refer")
	allow(account.PermQueueRead, scopeFacility, "GET /api/v1/facilities/:facility/referrals")

	allow(account.PermBTSRead, scopeNone,
		"GET /api/v1/bts/reports/prevalence", "GET /api/v1/bts/reports/trend", "GET /api/v1/bts/reports/compliance",
		"GET /api/v1/bts/reports/outcome", "GET /api/v1/bts/reports/cases", "GET /api/v1/bts/reports/export.csv")

	// Dashboards (web/analytics.go). The pages check the caller themselves
	// and offer a sign-in form; their tables are the API below.
	allow(pub, scopeNone, "GET /admin/reports", "GET /dinkes", "GET /api/openapi.json")
	allow(account.PermAdmin, scopeFacility,
		"GET /api/v1/facilities/:facility/reports", "GET /api/v1/facilities/:facility/reports/:table")
	allow(account.PermDistrict, scopeNone, "GET /api/v1/district/reports", "GET /api/v1/district/reports/:table")
}

// access authenticates the caller and enforces the access table.
func (s *Server) access(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		path := c.Path()
		r, ok := accessRules[c.Request().Method+" "+path]
		if !ok {
			if path == "" || c.Request().Method == http.MethodOptions || isAsset(path) {
				return next(c) // no route: 404/405 as usual
			}
			// A route missing from the table: the route-walk test fails on
			// it; at run time only its own checks protect it.
			s.log.Warn("route has no access rule", "method", c.Request().Method, "route", path)
			return next(c)
		}
		user, authed, err := s.authenticate(c, r.perm == account.PermPublic)
		if err != nil {
			return err
		}
		if r.perm == account.PermPublic || r.perm == account.PermMachineJKN {
			return next(c)
		}
		if !authed {
			return errUnauthenticated
		}
		facility, unit := "", ""
		switch r.scope {
		case scopeFacility:
			facility, unit = c.Param("facility"), c.Param("unit")
		case scopeTicket:
			t, err := s.queue.Store.Ticket(c.Request().Context(), c.Param("id"))
			if err != nil {
				return err
			}
			c.Set(ticketKey, t)
			facility, unit = t.Facility, t.Unit
		case scopeHandler, scopeNone:
			facility = user.Facility
		}
		if !user.Can(r.perm, facility, unit) {
			return errForbidden
		}
		return next(c)
	}
}

func isAsset(path string) bool {
	return strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, "/assets/")
}

const ticketKey = "antrian.ticket"

// can checks the caller against a resource the handler loaded.
func (s *Server) can(c echo.Context, p account.Perm, facility, unit string) error {
	u, ok := currentUser(c)
	if !ok {
		return errUnauthenticated
	}
	if !u.Can(p, facility, unit) {
		return errForbidden
	}
	return nil
}

// scopedTicket is the ticket the access check loaded for a ticket route.
func scopedTicket(c echo.Context) (queue.Ticket, error) {
	if t, ok := c.Get(ticketKey).(queue.Ticket); ok {
		return t, nil
	}
	return queue.Ticket{}, errors.New("ticket route without a ticket scope")
}

// Access returns the permission the access table gives a route and where
// its facility comes from: "facility" (the path), "ticket" (the ticket in
// the path), "own" (the caller's own facility or district) or "handler" (the
// handler checks the record it loads). ok is false for a route missing from
// the table. For tests and documentation.
func Access(method, path string) (perm account.Perm, from string, ok bool) {
	r, ok := accessRules[method+" "+path]
	return r.perm, [...]string{"own", "facility", "ticket", "handler"}[r.scope], ok
}
