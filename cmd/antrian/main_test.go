package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/internal/testenv"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// pgx and go-redis pools close their background goroutines lazily.
		goleak.IgnoreTopFunction("github.com/jackc/pgx/v5/pgxpool.(*Pool).backgroundHealthCheck"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		// go-redis probes a node it cannot dial (a killed master) once a
		// second, and sees its pool closed only when the sleep ends.
		goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"),
	)
}

// clock is a settable clock for the service under test.
type clock struct {
	mu sync.Mutex
	t  time.Time // zero: real time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// backend names how the service under test reaches Redis.
type backend struct {
	name  string
	redis *testenv.RedisServer // nil: embedded
}

// backends returns the embedded Redis and a real redis-server of the test's own.
func backends(t *testing.T) []backend {
	return []backend{{name: "embedded"}, {name: "redis", redis: testenv.Redis(t, false)}}
}

type env struct {
	t     *testing.T
	dbURL string
	redis *testenv.RedisServer
	clock *clock
	logs  *syncBuffer
	vars  map[string]string // extra environment for the instances
}

func newEnv(t *testing.T, b backend) *env {
	t.Helper()
	return &env{t: t, dbURL: testenv.Postgres(t), redis: b.redis, clock: &clock{}, logs: &syncBuffer{}}
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start boots one service instance on :0.
func (e *env) start() *App {
	e.t.Helper()
	return startBench(e.t, e)
}

// startBench boots one service instance on :0 for a test or a benchmark.
func startBench(tb testing.TB, e *env) *App {
	tb.Helper()
	vars := map[string]string{
		"DATABASE_URL":               e.dbURL,
		"ANTRIAN_ADDR":               "127.0.0.1:0",
		"ANTRIAN_RECONCILE_INTERVAL": "200ms",
		"ANTRIAN_LOG_LEVEL":          "debug",
		// Every test client comes from 127.0.0.1; the limits have tests of their own.
		"ANTRIAN_RATE_BOOKING_PER_ADDR":   "0",
		"ANTRIAN_RATE_BOOKING_PER_PERSON": "0",
	}
	if e.redis != nil {
		vars["REDIS_URL"] = e.redis.URL()
	}
	for k, v := range e.vars {
		vars[k] = v
	}
	cfg, err := LoadConfig(func(k string) string { return vars[k] })
	if err != nil {
		tb.Fatal(err)
	}
	app := NewApp(cfg, slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	app.Now = e.clock.Now
	if err := app.Start(context.Background()); err != nil {
		tb.Fatalf("start: %v", err)
	}
	tb.Cleanup(func() {
		if err := app.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return app
}

// seed creates the demo facility and a staff account.
func (e *env) seed(app *App) {
	e.t.Helper()
	ctx := context.Background()
	if err := app.DB.SeedDemo(ctx); err != nil {
		e.t.Fatal(err)
	}
	// The demo went into the database behind the running service, whose
	// start-up may have cached the facility with some of its units (for up
	// to 5 s): forget it, as the admin API does after an edit.
	app.Queue.ForgetFacility("sobo")
	hash, err := account.HashPassword("rahasia123")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := app.DB.CreateUser(ctx, "sobo", "petugas", account.Staff, hash); err != nil {
		e.t.Fatal(err)
	}
}

// client talks to one instance, optionally as logged-in staff.
type client struct {
	t    testing.TB
	base string
	http *http.Client
	csrf string
}

func newClient(t testing.TB, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (c *client) login(user, password string) {
	c.t.Helper()
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if st := c.do("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": password}, nil, &out); st != 200 {
		c.t.Fatalf("login: status %d", st)
	}
	c.csrf = out.CSRF
}

// do sends a JSON request and decodes the answer into out (if not nil).
func (c *client) do(method, path string, body any, hdr map[string]string, out any) int {
	c.t.Helper()
	st, raw := c.raw(method, path, body, hdr)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Errorf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return st
}

func (c *client) raw(method, path string, body any, hdr map[string]string) (int, []byte) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Errorf("request: %v", err)
		return 0, nil
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Errorf("%s %s: %v", method, path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

type ticket struct {
	ID          string `json:"id"`
	Unit        string `json:"unit"`
	ServiceDate string `json:"service_date"`
	Number      int    `json:"number"`
	Code        string `json:"code"`
	Status      string `json:"status"`
	Priority    string `json:"priority"`
	Position    *int   `json:"position"`
	Ahead       *int   `json:"ahead"`
	Token       string `json:"token"`
	Counter     string `json:"counter"`
}

type apiErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
	Ticket *ticket `json:"ticket"`
}

func (c *client) book(unit string, extra map[string]any) (int, ticket) {
	c.t.Helper()
	body := map[string]any{"unit": unit}
	for k, v := range extra {
		body[k] = v
	}
	var t ticket
	st := c.do("POST", "/api/v1/facilities/sobo/tickets", body, nil, &t)
	return st, t
}

func (c *client) callNext(unit, counter string) (int, ticket) {
	c.t.Helper()
	var t ticket
	st := c.do("POST", "/api/v1/facilities/sobo/units/"+unit+"/call", map[string]string{"counter": counter}, nil, &t)
	return st, t
}

func (c *client) queue(unit string) (waiting, current []ticket) {
	c.t.Helper()
	var q struct {
		Waiting []ticket `json:"waiting"`
		Current []ticket `json:"current"`
	}
	if st := c.do("GET", "/api/v1/facilities/sobo/units/"+unit+"/queue", nil, nil, &q); st != 200 {
		c.t.Fatalf("queue: status %d", st)
	}
	return q.Waiting, q.Current
}

// dbCount runs a counting query against the instance's database.
func dbCount(t testing.TB, app *App, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := app.DB.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestRunUsage(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"bogus"}, func(string) string { return "" }, nil, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("run bogus: got %v, want unknown command", err)
	}
	_, err = LoadConfig(func(k string) string {
		return map[string]string{"DATABASE_URL": "mysql://x", "ANTRIAN_TIMEZONE": "Mars/Base", "REDIS_URL": "http://x"}[k]
	})
	for _, name := range []string{"DATABASE_URL", "ANTRIAN_TIMEZONE", "REDIS_URL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("config error %v does not name %s", err, name)
		}
	}
}

func TestCommands(t *testing.T) {
	dbURL := testenv.Postgres(t)
	env := func(k string) string { return map[string]string{"DATABASE_URL": dbURL}[k] }
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate"}, env, nil, &out, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"seed", "--demo"}, env, nil, &out, &out); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if err := run(ctx, []string{"seed", "--demo"}, env, nil, &out, &out); err != nil {
		t.Fatalf("seed again: %v", err)
	}
	in := strings.NewReader("kata-sandi-panjang\n")
	if err := run(ctx, []string{"user", "add", "--facility", "sobo", "--username", "admin1", "--role", "admin", "--password-stdin"}, env, in, &out, &out); err != nil {
		t.Fatalf("user add: %v", err)
	}
	if err := run(ctx, []string{"user", "add", "--facility", "sobo", "--username", "x", "--role", "root", "--password-stdin"}, env, strings.NewReader("kata-sandi-panjang"), &out, &out); err == nil {
		t.Error("user add with role root: got no error")
	}
	if strings.Contains(out.String(), "kata-sandi-panjang") {
		t.Error("the password was echoed")
	}
}
