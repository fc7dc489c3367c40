package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// GET /metrics is public, like /healthz: Prometheus scrapers do not log in.
// It therefore holds no personal data and nothing a patient could not see
// on the waiting-room screen: facility and unit codes, counts, durations.
//
// Live state (queue lengths, the oldest waiting ticket, the outbox backlog)
// is read on scrape from Postgres, at most once per liveTTL whatever the
// number of scrapers, and only for units with people in them today, so a
// scrape stays cheap with thousands of facilities. Things that happen
// (requests, bookings, calls) are counted as they happen.

// liveTTL is how long one read of the live state serves scrapes.
const liveTTL = 5 * time.Second

// maxUnitSeries caps the per-unit series of one scrape; beyond it only the
// totals are exported (and antrian_queue_units_truncated is 1).
const maxUnitSeries = 20000

type metrics struct {
	reg      *prometheus.Registry
	handler  http.Handler
	requests *prometheus.HistogramVec
	sockets  *prometheus.GaugeVec
	events   *prometheus.CounterVec
	booked   *prometheus.CounterVec
	bookings *prometheus.CounterVec
}

// newMetrics registers the service's metrics, the Go runtime and process
// collectors, and the live-state collector reading s.
func newMetrics(s *Server, notifyStats func() outbox.Stats) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "antrian_http_request_duration_seconds",
		Help: "Time to answer HTTP requests, by route pattern (never the raw URL), method and status. WebSockets excluded.",
		// From a cached page to a district report.
		Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route", "code"})
	m.sockets = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "antrian_websocket_clients",
		Help: "Open WebSocket connections on this instance: display (TVs, consoles) and ticket (patients' phones).",
	}, []string{"socket"})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "antrian_queue_events_total",
		Help: "Queue changes committed by this instance, by kind (booked, called, recalled, started, finished, skipped, requeued, cancelled, transferred, transfer_in).",
	}, []string{"kind"})
	m.booked = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "antrian_tickets_booked_total",
		Help: "Tickets issued by this instance, by channel (online, kiosk, desk, jkn, whatsapp).",
	}, []string{"channel"})
	m.bookings = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "antrian_booking_requests_total",
		Help: "Booking requests answered, by door (api, jkn) and outcome (created, replayed, duplicate, quota_full, closed, invalid, rate_limited, unavailable, error).",
	}, []string{"door", "outcome"})
	for _, ch := range []string{"online", "kiosk", "desk", "jkn", "whatsapp"} {
		m.booked.WithLabelValues(ch)
	}
	for _, k := range []string{"booked", "called", "recalled", "finished", "skipped", "cancelled"} {
		m.events.WithLabelValues(k)
	}
	m.sockets.WithLabelValues("display")
	m.sockets.WithLabelValues("ticket")
	m.reg.MustRegister(m.requests, m.sockets, m.events, m.booked, m.bookings,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&liveCollector{s: s, notify: notifyStats})
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, MaxRequestsInFlight: 4, Timeout: 10 * time.Second})
	return m
}

// serveMetrics answers GET /metrics in the Prometheus text format.
func (s *Server) serveMetrics(c echo.Context) error {
	s.metrics.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}

// bookingDoors are the routes that issue tickets, and the door each is.
var bookingDoors = map[string]string{
	"POST /api/v1/facilities/:facility/tickets": "api",
	"POST /jkn/:facility/antrean":               "jkn",
}

// observe measures every request by its route pattern and counts booking
// outcomes. It runs first, so it sees the final status of every answer,
// errors included (it renders them itself, as echo would).
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		route := c.Path()
		if strings.HasPrefix(route, "/ws/") {
			// A WebSocket request lasts as long as its connection.
			g := s.metrics.sockets.WithLabelValues("display")
			if strings.HasPrefix(route, "/ws/tickets") {
				g = s.metrics.sockets.WithLabelValues("ticket")
			}
			g.Inc()
			defer g.Dec()
			return next(c)
		}
		err := next(c)
		if err != nil {
			c.Error(err) // renders it, so the status below is the one sent
		}
		status := c.Response().Status
		if route == "" {
			route = "unmatched" // never the raw URL: unbounded labels
		}
		method := c.Request().Method
		if door, ok := bookingDoors[method+" "+route]; ok {
			s.metrics.bookings.WithLabelValues(door, bookingOutcome(status, err)).Inc()
		}
		s.metrics.requests.WithLabelValues(method, route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
		return nil
	}
}

// bookingOutcome names what became of a booking request.
func bookingOutcome(status int, err error) string {
	var dup *queue.DuplicateError
	var api *apiError
	switch {
	case err == nil && status == http.StatusCreated:
		return "created"
	case err == nil && status < 300:
		return "replayed" // an Idempotency-Key seen before (or Mobile JKN's envelope)
	case errors.As(err, &dup):
		return "duplicate"
	case errors.Is(err, queue.ErrQuotaFull):
		return "quota_full"
	case errors.Is(err, queue.ErrClosed):
		return "closed"
	case errors.As(err, &api) && api.Code == "rate_limited", status == http.StatusTooManyRequests:
		return "rate_limited"
	case status == http.StatusServiceUnavailable:
		return "unavailable"
	case status >= 400 && status < 500:
		return "invalid"
	}
	return "error"
}

// CountEvent counts a committed queue change for the metrics. It is meant
// to run inside the change's transaction (from a postgres.EventHook), so a
// change that fails after it (rare: for a booking, its writes or the
// commit failing) is counted anyway.
func (s *Server) CountEvent(e queue.Event, t queue.Ticket) {
	s.metrics.events.WithLabelValues(e.Kind).Inc()
	if e.Kind == "booked" {
		s.metrics.booked.WithLabelValues(string(t.Channel)).Inc()
	}
}

// liveCollector exports the live state read from Postgres on scrape.
type liveCollector struct {
	s      *Server
	notify func() outbox.Stats

	mu      sync.Mutex
	at      time.Time
	units   []postgres.LiveUnit
	backlog postgres.Backlog
	err     error
}

var (
	descWaiting    = prometheus.NewDesc("antrian_queue_waiting", "Tickets waiting now, per unit with people in it today.", []string{"facility", "unit"}, nil)
	descServing    = prometheus.NewDesc("antrian_queue_serving", "Tickets called or being served now, per unit.", []string{"facility", "unit"}, nil)
	descOldest     = prometheus.NewDesc("antrian_queue_oldest_wait_seconds", "How long the longest-waiting ticket of the unit has waited.", []string{"facility", "unit"}, nil)
	descWaitingAll = prometheus.NewDesc("antrian_queue_waiting_total", "Tickets waiting now in every facility.", nil, nil)
	descOldestAll  = prometheus.NewDesc("antrian_queue_oldest_wait_max_seconds", "The longest current wait of any unit.", nil, nil)
	descUnits      = prometheus.NewDesc("antrian_queue_active_units", "Units with tickets waiting, called or being served today.", nil, nil)
	descTruncated  = prometheus.NewDesc("antrian_queue_units_truncated", "1 when there were too many active units for per-unit series.", nil, nil)
	descLiveUp     = prometheus.NewDesc("antrian_live_state_up", "1 when the last read of the live state from Postgres succeeded.", nil, nil)
	descOutbox     = prometheus.NewDesc("antrian_outbox_pending", "Outbound messages and calls not sent yet, by outbox (notify, bpjs, satusehat).", []string{"outbox"}, nil)
	descOutboxAge  = prometheus.NewDesc("antrian_outbox_oldest_pending_seconds", "Age of the oldest pending row, by outbox.", []string{"outbox"}, nil)
	descOutboxDead = prometheus.NewDesc("antrian_outbox_dead", "Rows given up on (shown to admins to retry), by outbox.", []string{"outbox"}, nil)
	descNotify     = prometheus.NewDesc("antrian_notify_deliveries_total", "Patient message attempts by this instance's worker, by result (sent, retried, failed, stale).", []string{"result"}, nil)
)

func (l *liveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWaiting, descServing, descOldest, descWaitingAll, descOldestAll, descUnits,
		descTruncated, descLiveUp, descOutbox, descOutboxAge, descOutboxDead, descNotify} {
		ch <- d
	}
}

// read returns the live state, reading it again when older than liveTTL.
func (l *liveCollector) read(now time.Time) ([]postgres.LiveUnit, postgres.Backlog, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.at) < liveTTL && now.After(l.at) {
		return l.units, l.backlog, l.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.at = now
	l.units, l.err = l.s.db.LiveUnits(ctx, l.s.now())
	if l.err == nil {
		l.backlog, l.err = l.s.db.OutboxBacklog(ctx)
	}
	if l.err != nil {
		l.s.log.Warn("metrics: live state unavailable", "err", l.err)
	}
	return l.units, l.backlog, l.err
}

func (l *liveCollector) Collect(ch chan<- prometheus.Metric) {
	if l.notify != nil {
		st := l.notify()
		for r, v := range map[string]uint64{"sent": st.Sent, "retried": st.Retried, "failed": st.Failed, "stale": st.Stale} {
			ch <- prometheus.MustNewConstMetric(descNotify, prometheus.CounterValue, float64(v), r)
		}
	}
	if l.s.db == nil {
		return
	}
	now := time.Now()
	units, backlog, err := l.read(now)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(descLiveUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descLiveUp, prometheus.GaugeValue, 1)
	clock := l.s.now()
	total, oldest := 0, 0.0
	truncated := len(units) > maxUnitSeries
	for _, u := range units {
		total += u.Waiting
		age := 0.0
		if u.OldestSince != nil {
			age = max(0, clock.Sub(*u.OldestSince).Seconds())
		}
		oldest = max(oldest, age)
		if truncated {
			continue
		}
		ch <- prometheus.MustNewConstMetric(descWaiting, prometheus.GaugeValue, float64(u.Waiting), u.Facility, u.Unit)
		ch <- prometheus.MustNewConstMetric(descServing, prometheus.GaugeValue, float64(u.Serving), u.Facility, u.Unit)
		ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, age, u.Facility, u.Unit)
	}
	ch <- prometheus.MustNewConstMetric(descWaitingAll, prometheus.GaugeValue, float64(total))
	ch <- prometheus.MustNewConstMetric(descOldestAll, prometheus.GaugeValue, oldest)
	ch <- prometheus.MustNewConstMetric(descUnits, prometheus.GaugeValue, float64(len(units)))
	tr := 0.0
	if truncated {
		tr = 1
	}
	ch <- prometheus.MustNewConstMetric(descTruncated, prometheus.GaugeValue, tr)
	collectOutboxes(ch, backlog, clock)
}

// collectOutboxes reports each outbox's backlog, the age of its oldest
// message and its dead letters, as of clock.
func collectOutboxes(ch chan<- prometheus.Metric, backlog postgres.Backlog, clock time.Time) {
	age := func(t *time.Time) float64 {
		if t == nil {
			return 0
		}
		return max(0, clock.Sub(*t).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(backlog.NotifyPending), "notify")
	ch <- prometheus.MustNewConstMetric(descOutboxAge, prometheus.GaugeValue, age(backlog.NotifyOldest), "notify")
	ch <- prometheus.MustNewConstMetric(descOutboxDead, prometheus.GaugeValue, float64(backlog.NotifyDead), "notify")
	for _, target := range []string{"bpjs", "satusehat"} {
		var oldest *time.Time
		if t, ok := backlog.IntegrationOldest[target]; ok {
			oldest = &t
		}
		ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(backlog.IntegrationPending[target]), target)
		ch <- prometheus.MustNewConstMetric(descOutboxAge, prometheus.GaugeValue, age(oldest), target)
		ch <- prometheus.MustNewConstMetric(descOutboxDead, prometheus.GaugeValue, float64(backlog.IntegrationDead[target]), target)
	}
}
