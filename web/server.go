// Package web is the HTTP face of antrian: the echo/v4 route table, request
// decoding, authentication, error mapping, and the pages and assets.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/display"
	"github.com/antrian/antrian/jkn"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
	"github.com/antrian/antrian/ratelimit"
	"github.com/antrian/antrian/whatsapp"
	"github.com/labstack/echo/v4"
)

// Config holds the settings of the HTTP layer.
type Config struct {
	// SecureCookies forces the Secure flag; otherwise it is set when the
	// request came over TLS (directly, or per TrustProxyHeader).
	SecureCookies bool
	// TrustProxyHeader names the header a trusted reverse proxy sets to the
	// original scheme (e.g. X-Forwarded-Proto); empty trusts none.
	TrustProxyHeader string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client; without any the connection's address is the client.
	TrustedProxies  []*net.IPNet
	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	MaxBodyBytes    int64
	// RateBookingPerAddr is bookings a minute from one address (0: off);
	// RateBookingPerPerson bookings a day for one person (0: off).
	RateBookingPerAddr   int
	RateBookingPerPerson int
}

// Server is the HTTP server.
type Server struct {
	echo    *echo.Echo
	cfg     Config
	queue   *queue.Service
	db      *postgres.DB
	hub     *display.Hub
	log     *slog.Logger
	ready   func(context.Context) error
	now     func() time.Time
	vapid   string
	limiter *ratelimit.Limiter
	jkn     *jkn.Service
	bts     *bts.Service
	// whatsapp answers the incoming WhatsApp webhooks; nil: none.
	whatsapp *whatsapp.Service
	// metrics is GET /metrics (web/metrics.go).
	metrics *metrics
	// rules is each route's access rule, by method and path; paths are
	// the routed paths (web/routes.go).
	rules      map[string]rule
	paths      map[string]bool
	bodyLimits map[string]int64 // by routeKey: routes with their own body cap
}

// Deps are what the server is built on.
type Deps struct {
	Queue *queue.Service
	DB    *postgres.DB
	Hub   *display.Hub // WebSocket fan-out; nil: no /ws routes
	Log   *slog.Logger
	// Ready reports whether every dependency answers (for /readyz).
	Ready func(context.Context) error
	Now   func() time.Time
	// VAPIDPublicKey is the web push key patients' browsers subscribe with.
	VAPIDPublicKey string
	// Limiter enforces rate limits across instances; nil: none.
	Limiter *ratelimit.Limiter
	// JKN answers Mobile JKN under /jkn/{facility}/; nil: no such routes.
	JKN *jkn.Service
	// BTS carries out the BTS use cases behind /api/v1/bts/ and the BTS
	// pages.
	BTS *bts.Service
	// WhatsApp answers patients writing to the facilities' WhatsApp
	// numbers under /api/v1/whatsapp/; nil: those routes answer 404.
	WhatsApp *whatsapp.Service
	// NotifyStats are this instance's patient-message delivery counters,
	// for /metrics; nil: this instance delivers none.
	NotifyStats func() outbox.Stats
}

// New returns a server with every route of the route table registered. It
// fails when the table is wrong (a route without an access rule, say), so
// that a service with an unguarded route never starts.
func New(cfg Config, d Deps) (*Server, error) {
	return newServer(cfg, d, (*Server).routeTable)
}

// newServer is New with the route table given, so that a test can prove a
// wrong table keeps the server from starting.
func newServer(cfg Config, d Deps, table func(*Server) []route) (*Server, error) {
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 8 * time.Hour
	}
	if cfg.SessionAbsolute == 0 {
		cfg.SessionAbsolute = 24 * time.Hour
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Server{echo: echo.New(), cfg: cfg, queue: d.Queue, db: d.DB, hub: d.Hub, log: d.Log, ready: d.Ready, now: d.Now, vapid: d.VAPIDPublicKey, limiter: d.Limiter, jkn: d.JKN, bts: d.BTS, whatsapp: d.WhatsApp}
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.HTTPErrorHandler = s.handleError
	s.echo.IPExtractor = ipExtractor(cfg.TrustedProxies)
	s.metrics = newMetrics(s, d.NotifyStats)
	if err := s.routes(table(s)); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return s, nil
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Echo returns the underlying router, for tests that walk the route table.
func (s *Server) Echo() *echo.Echo { return s.echo }

// routes mounts the route table (web/routes.go) behind the middlewares
// every request passes: metrics, the body limit, security headers, the
// check of the path parameters, the access check and the audit trail.
func (s *Server) routes(table []route) error {
	s.echo.Use(s.observe, s.limitBody, s.securityHeaders, storableParams, s.access, s.auditTrail)
	return s.mount(table)
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if s.ready != nil {
		if err := s.ready(ctx); err != nil {
			c.Response().Header().Set("Retry-After", "5")
			return c.JSON(http.StatusServiceUnavailable, map[string]any{"error": apiError{
				Code: "unavailable", Message: "Layanan belum siap: " + err.Error()}})
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// limitBody caps every request body.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		limit := s.cfg.MaxBodyBytes
		if n := s.bodyLimits[routeKey(r.Method, c.Path())]; n > 0 {
			limit = n // an upload route: a photo, a boundary file
		}
		if r.ContentLength > limit {
			return errTooLarge
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
		return next(c)
	}
}

func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Frame-Options", "DENY")
		if s.https(c) {
			// Browsers heed it only over https, and it would lock out a
			// service reached over plain http.
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// userKey is where the authenticated user sits in the echo context.
const (
	userKey    = "antrian.user"
	sessionKey = "antrian.session"
)

func currentUser(c echo.Context) (account.User, bool) {
	u, ok := c.Get(userKey).(account.User)
	return u, ok
}
