package web

import (
	"errors"
	"strings"
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
		if authed && strings.HasPrefix(c.Request().URL.Path, "/api/") || r.is(account.PermMachineJKN) {
			noStore(c) // what a signed-in caller or Mobile JKN gets is about people
		}
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

// Access returns the permissions the route table gives a route (a caller
// needs any one of them) and where its facility comes from: "facility"
// (the path), "ticket" (the ticket in the path), "own" (the caller's own
// facility or district) or "handler" (the handler checks the record it
// loads). ok is false for a route the table does not declare. For tests
// and documentation.
func Access(method, path string) (perms []account.Perm, from string, ok bool) {
	r, ok := declared()[routeKey(method, path)]
	if !ok {
		return nil, "", false
	}
	return r.rule.perms, scopeNames[r.rule.scope], true
}
