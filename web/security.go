package web

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/antrian/antrian/ratelimit"
	"github.com/labstack/echo/v4"
)

// ipExtractor reads the client address from the connection, or from
// X-Forwarded-For only when the request came through a trusted proxy.
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// https reports whether the request came over https: over TLS to this
// server, or, as the reverse proxy says in TrustProxyHeader, to the proxy.
// The header is believed only from a trusted proxy (TrustedProxies; any
// sender when none are listed, as the header is set only behind a proxy).
func (s *Server) https(c echo.Context) bool {
	r := c.Request()
	if r.TLS != nil {
		return true
	}
	if s.cfg.TrustProxyHeader == "" || !strings.EqualFold(r.Header.Get(s.cfg.TrustProxyHeader), "https") {
		return false
	}
	if len(s.cfg.TrustedProxies) == 0 {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	for _, n := range s.cfg.TrustedProxies {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// noStore keeps an answer out of every cache, the browser's included: it
// carries personal data or a credential. It holds over any Cache-Control
// the handler sets.
func noStore(c echo.Context) {
	res := c.Response()
	res.Header().Set("Cache-Control", "no-store")
	res.Before(func() { res.Header().Set("Cache-Control", "no-store") })
}

// storableParams answers 404 for a request whose path parameters no text
// column can hold (a NUL byte, bytes that are not UTF-8): such a code, id
// or name is none of the service's, and is never sent to PostgreSQL, which
// would refuse it (SQLSTATE 22021) in the lookup and again in the audit log.
func storableParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for _, v := range c.ParamValues() {
			if strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) {
				return echo.ErrNotFound // as an unrouted address, in the API's shape or Mobile JKN's
			}
		}
		return next(c)
	}
}

// bookingLimits applies the booking rate limits of the contract: per client
// address (not for staff and machine tokens) and per person (NIK, BPJS
// number or phone, by their keyed hashes, so no personal data is a key).
func (s *Server) bookingLimits(c echo.Context, req createTicketRequest, staff bool) error {
	if !staff {
		if err := s.limit(c, "book-addr:"+c.RealIP(), ratelimit.PerMinute(s.cfg.RateBookingPerAddr), false); err != nil {
			return err
		}
	}
	person := map[string]string{"nik": req.NIK, "bpjs": req.BPJS}
	if p, err := queue.NormalizePhone(req.Phone); err == nil {
		person["phone"] = p
	}
	for kind, v := range person {
		if v == "" {
			continue
		}
		if err := s.limit(c, "book-person:"+s.queue.PersonKey(kind, v), ratelimit.PerDay(s.cfg.RateBookingPerPerson), false); err != nil {
			return err
		}
	}
	return nil
}

// auditTrail records every state-changing request of a signed-in account
// or machine token, after it ran: who, what, which record, when, from where,
// and how it ended.
func (s *Server) auditTrail(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return err
		}
		u, ok := currentUser(c)
		if !ok || c.Path() == "/api/v1/auth/login" {
			return err
		}
		status := c.Response().Status
		if err != nil {
			status = statusOf(err)
		}
		facility := c.Param("facility")
		if t, ok := c.Get(ticketKey).(queue.Ticket); ok {
			facility = t.Facility
		}
		if facility == "" {
			facility = u.Facility
		}
		var target []string
		for _, name := range c.ParamNames() {
			if name != "facility" {
				target = append(target, name+"="+c.Param(name))
			}
		}
		s.audit(c, u, c.Request().Method+" "+c.Path(), facility, strings.Join(target, " "), status)
		return err
	}
}

func (s *Server) audit(c echo.Context, u account.User, action, facility, target string, status int) {
	e := account.AuditEntry{At: s.now(), Actor: u.Username, Role: string(u.Role), Facility: facility,
		Action: action, Target: target, Status: status, Address: c.RealIP()}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 5*time.Second)
	defer cancel()
	if err := s.db.Audit(ctx, e); err != nil {
		s.log.Error("audit log write failed", "action", action, "err", err)
	}
}

func statusOf(err error) int { return apiErrorOf(err).Status }

func (s *Server) auditLog(c echo.Context) error {
	es, err := s.db.AuditLog(c.Request().Context(), c.Param("facility"), 500)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, es)
}

type tokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// errBeyondReach refuses an account or API token that would reach further
// than the admin making it (account.User.CanGrant).
var errBeyondReach = &fault.Error{Kind: fault.ErrForbidden, Field: "role",
	Message: "Peran ini menjangkau lebih luas daripada hak Anda: akun atau token tidak boleh melebihi pembuatnya."}

// createToken makes an API token for a kiosk, TV screen or integration.
// The secret is in this answer only; the database keeps its hash.
func (s *Server) createToken(c echo.Context) error {
	var req tokenRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || len(req.Name) > 60 {
		return fault.Invalid("name", "Beri nama token (maksimal 60 huruf), misalnya \"Kiosk lobi\".")
	}
	role, err := account.ParseRole(req.Role)
	if err != nil || role == account.Admin {
		return fault.Invalid("role", "Peran token harus staff, kader atau dinkes.")
	}
	u, _ := currentUser(c)
	if !u.CanGrant(role, c.Param("facility")) {
		return errBeyondReach
	}
	secret := "atk_" + account.NewSecret()
	t, err := s.db.CreateAPIToken(c.Request().Context(), c.Param("facility"), req.Name, role, account.HashSecret(secret), u.Username, s.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": t, "secret": secret})
}

func (s *Server) listTokens(c echo.Context) error {
	ts, err := s.db.APITokens(c.Request().Context(), c.Param("facility"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ts)
}

func (s *Server) revokeToken(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("token"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := s.db.RevokeAPIToken(c.Request().Context(), c.Param("facility"), id, s.now()); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
