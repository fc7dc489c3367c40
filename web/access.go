package web

import (
	"errors"
	"sync"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/queue"
	"github.com/labstack/echo/v4"
)

// access authenticates the caller and enforces the route's rule, before any
// handler runs: the one permission check of the service. The role side is
// account.Can, the one permission matrix. It fails closed: a request that
// reached a route without a rule is refused (mount makes that impossible
// for the table's routes; this also covers anything registered around it).
func (s *Server) access(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		path := c.Path()
		r, ok := s.rules[routeKey(c.Request().Method, path)]
		if !ok {
			if path == "" || s.paths[path] {
				return next(c) // no route, or another method's: echo's own 404 or 405
			}
			s.log.Error("route has no access rule; refused", "method", c.Request().Method, "route", path)
			return errForbidden
		}
		open := r.is(account.PermPublic)
		user, authed, err := s.authenticate(c, open)
		if err != nil {
			return err
		}
		if open || r.is(account.PermMachineJKN) {
			return next(c)
		}
		if !authed {
			return errUnauthenticated
		}
		facility, unit := user.Facility, ""
		switch r.scope {
		case fromPath:
			facility, unit = c.Param("facility"), c.Param("unit")
		case fromTicket:
			t, err := s.queue.Store.Ticket(c.Request().Context(), c.Param("id"))
			if err != nil {
				return err
			}
			c.Set(ticketKey, t)
			facility, unit = t.Facility, t.Unit
		}
		if !r.allows(user, facility, unit) {
			return errForbidden
		}
		return next(c)
	}
}

// allows reports whether u holds one of the rule's permissions there.
func (r rule) allows(u account.User, facility, unit string) bool {
	for _, p := range r.perms {
		if u.Can(p, facility, unit) {
			return true
		}
	}
	return false
}

const ticketKey = "antrian.ticket"

// can checks the caller against a record the handler loaded, on a route
// whose rule is inHandler (the facility is known only from the record): the
// same rule, applied to the record's facility.
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

// declared is the route table of a server that is never started, for what
// is made from the table alone: the OpenAPI document and Access.
func declared() map[string]route {
	declaredOnce.Do(func() {
		declaredRoutes = map[string]route{}
		for _, r := range (&Server{}).routeTable() {
			declaredRoutes[routeKey(r.method, r.path)] = r
		}
	})
	return declaredRoutes
}

var (
	declaredOnce   sync.Once
	declaredRoutes map[string]route
)

// Access returns the permission the route table gives a route and where
// its facility comes from: "facility" (the path), "ticket" (the ticket in
// the path), "own" (the caller's own facility or district) or "handler" (the
// handler checks the record it loads). A route with several permissions
// returns the first. ok is false for a route the table does not declare.
// For tests and documentation.
func Access(method, path string) (perm account.Perm, from string, ok bool) {
	r, ok := declared()[routeKey(method, path)]
	if !ok {
		if lr, lok := legacyRules[routeKey(method, path)]; lok {
			return lr.perms[0], scopeNames[lr.scope], true
		}
		return "", "", false
	}
	return r.rule.perms[0], scopeNames[r.rule.scope], true
}

// legacyRules are the rules of the routes still registered by their own
// families (BTS, reports) rather than by the table.
var legacyRules = map[string]rule{}

func legacy(r rule, routes ...string) {
	for _, k := range routes {
		legacyRules[k] = r
	}
}

func init() {
	legacy(public, "GET /admin/reports", "GET /dinkes")
	legacy(allow(account.PermDistrictAdmin, own), "PUT /api/v1/bts/kecamatan/:code", "PUT /api/v1/bts/desa/:code",
		"POST /api/v1/bts/desa/:code/posyandu", "PUT /api/v1/bts/facilities/:facility")
	legacy(allow(account.PermBTSManage, fromPath),
		"POST /api/v1/bts/facilities/:facility/children", "POST /api/v1/bts/facilities/:facility/children/:id/measurements",
		"POST /api/v1/bts/facilities/:facility/pregnancies", "POST /api/v1/bts/facilities/:facility/enrolments",
		"POST /api/v1/bts/facilities/:facility/enrolments/:id/exit",
		"POST /api/v1/bts/facilities/:facility/deliveries/:id/review", "GET /api/v1/bts/facilities/:facility/cadres")
	legacy(allow(account.PermBTSRead, fromPath),
		"GET /api/v1/bts/facilities/:facility/children", "GET /api/v1/bts/facilities/:facility/children/:id",
		"GET /api/v1/bts/facilities/:facility/children/:id/growth.svg", "GET /api/v1/bts/facilities/:facility/pregnancies",
		"GET /api/v1/bts/facilities/:facility/pregnancies/:id")
	legacy(allow(account.PermBTSReport, fromPath),
		"GET /api/v1/bts/facilities/:facility/enrolments", "POST /api/v1/bts/facilities/:facility/deliveries")
	legacy(allow(account.PermSession, inHandler),
		"GET /api/v1/bts/facilities/:facility/areas", "GET /api/v1/bts/facilities/:facility/deliveries",
		"GET /api/v1/bts/facilities/:facility/deliveries/:id/photo")
	legacy(allow(account.PermBTSRead, own),
		"GET /api/v1/bts/reports/prevalence", "GET /api/v1/bts/reports/trend", "GET /api/v1/bts/reports/compliance",
		"GET /api/v1/bts/reports/outcome", "GET /api/v1/bts/reports/cases", "GET /api/v1/bts/reports/export.csv")
	legacy(allow(account.PermAdmin, fromPath),
		"GET /api/v1/facilities/:facility/reports", "GET /api/v1/facilities/:facility/reports/:table")
	legacy(allow(account.PermDistrict, own), "GET /api/v1/district/reports", "GET /api/v1/district/reports/:table")
}

// adoptLegacy gives the routes a family registered on its own their rules,
// and fails when any route of the router has none.
func (s *Server) adoptLegacy() error {
	for _, r := range s.echo.Routes() {
		key := routeKey(r.Method, r.Path)
		if _, ok := s.rules[key]; ok {
			continue
		}
		if r.Method == echo.RouteNotFound { // a group's catch-all, answering 404
			s.paths[r.Path] = true
			continue
		}
		lr, ok := legacyRules[key]
		if !ok {
			return errors.New("route " + key + " has no access rule")
		}
		s.rules[key] = lr
		s.paths[r.Path] = true
	}
	return nil
}
