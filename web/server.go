// Package web is the HTTP face of antrian: the echo/v4 route table, request
// decoding, authentication, error mapping, and the pages and assets.
package web

import (
	"context"
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
	// PhotoDir is where BTS delivery photos are stored (ANTRIAN_PHOTO_DIR).
	PhotoDir string
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
	// photos stores BTS delivery photos under Config.PhotoDir.
	photos bts.PhotoStore
	// metrics is GET /metrics (web/metrics.go).
	metrics *metrics
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
	// NotifyStats are this instance's patient-message delivery counters,
	// for /metrics; nil: this instance delivers none.
	NotifyStats func() outbox.Stats
}

// New returns a server with every route registered.
func New(cfg Config, d Deps) *Server {
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
	s := &Server{echo: echo.New(), cfg: cfg, queue: d.Queue, db: d.DB, hub: d.Hub, log: d.Log, ready: d.Ready, now: d.Now, vapid: d.VAPIDPublicKey, limiter: d.Limiter, jkn: d.JKN}
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.photos = bts.PhotoStore{Dir: cfg.PhotoDir}
	s.echo.HTTPErrorHandler = s.handleError
	s.echo.IPExtractor = ipExtractor(cfg.TrustedProxies)
	s.metrics = newMetrics(s, d.NotifyStats)
	s.routes()
	return s
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Echo returns the underlying router, for tests that walk the route table.
func (s *Server) Echo() *echo.Echo { return s.echo }

func (s *Server) routes() {
	e := s.echo
	e.Use(s.observe, s.limitBody, s.securityHeaders, s.access, s.auditTrail)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.serveMetrics)

	api := e.Group("/api/v1")
	// Public: patients, kiosks and screens.
	api.GET("/facilities/:facility", s.getFacility)
	api.GET("/facilities/:facility/units", s.getUnits)
	api.POST("/facilities/:facility/tickets", s.createTicket, s.optionalAuth)
	api.GET("/tickets/:id", s.getTicket)
	api.DELETE("/tickets/:id", s.cancelTicket)
	api.GET("/push/key", s.pushKey)
	api.POST("/tickets/:id/push", s.pushSubscribe)

	// Staff.
	api.POST("/auth/login", s.login)
	api.POST("/auth/logout", s.logout, s.requireAuth)
	api.POST("/auth/logout-all", s.logoutAll, s.requireAuth)
	api.GET("/auth/me", s.me, s.requireAuth)
	api.GET("/facilities/:facility/units/:unit/queue", s.getQueue, s.requireAuth)
	api.POST("/facilities/:facility/units/:unit/call", s.callNext, s.requireAuth)
	api.POST("/tickets/:id/call", s.act(queue.ActionCall), s.requireAuth)
	api.POST("/tickets/:id/recall", s.act(queue.ActionRecall), s.requireAuth)
	api.POST("/tickets/:id/start", s.act(queue.ActionStart), s.requireAuth)
	api.POST("/tickets/:id/finish", s.act(queue.ActionFinish), s.requireAuth)
	api.POST("/tickets/:id/skip", s.act(queue.ActionSkip), s.requireAuth)
	api.POST("/tickets/:id/requeue", s.act(queue.ActionRequeue), s.requireAuth)
	api.POST("/tickets/:id/cancel", s.act(queue.ActionCancel), s.requireAuth)
	api.POST("/tickets/:id/transfer", s.transfer, s.requireAuth)

	// Settings, and the pages with their assets.
	s.adminRoutes(api)
	s.pageRoutes()
	api.GET("/facilities/:facility/displays", s.listDisplays, s.requireAuth)
	api.GET("/facilities/:facility/notifications/dead", s.deadLetters, s.requireAuth)
	api.POST("/notifications/:id/retry", s.retryNotification, s.requireAuth)
	api.GET("/facilities/:facility/tokens", s.listTokens)
	api.POST("/facilities/:facility/tokens", s.createToken)
	api.DELETE("/facilities/:facility/tokens/:token", s.revokeToken)
	api.GET("/facilities/:facility/audit", s.auditLog)

	// Live updates for screens and patients (docs/realtime.md).
	e.GET("/ws/display", s.wsDisplay)
	e.GET("/ws/tickets/:id", s.wsTicket)

	// BTS (stunting): registry, measurements, deliveries, reports, pages.
	s.btsRoutes(api)

	// National integrations: Mobile JKN calls us; BPJS, SATUSEHAT, referrals.
	s.jknRoutes()
	s.integrationRoutes(api)

	// Dashboards, their tables and the API description (web/analytics.go).
	s.analyticsRoutes(api)
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
		if c.Path() == btsUploadRoute {
			limit = btsUploadLimit // a delivery report carries a photo
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
