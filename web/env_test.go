package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/display"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
	"github.com/antrian/antrian/ratelimit"
	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/argon2"
)

// env is one instance of the service on real dependencies: a fresh
// Postgres database with the demo facility "sobo" and a second one, "lain",
// miniredis, the display hub and the rate limiter, behind the real router.
type env struct {
	t    *testing.T
	s    *Server
	db   *postgres.DB
	logs *logBuffer
}

// newEnv starts an instance with cfg; its log is kept in env.logs.
func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t)
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	lainID, err := db.CreateFacility(ctx, queue.Facility{Code: "lain", Name: "Puskesmas Lain"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveUnit(ctx, lainID, queue.Unit{Code: "UMUM", Name: "Poli Umum", Prefix: "B", DailyQuota: 999,
		OpenDays: postgres.AllDays, Policy: queue.DefaultPolicy(), DefaultServiceS: 300}); err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	q := &queue.Service{Store: db, Live: queue.NewLive(rdb, "antrian:"), Log: log, Now: time.Now, Secret: []byte("0123456789abcdef0123456789abcdef")}
	hub := display.NewHub(rdb, db, q, display.Options{Log: log})
	q.Publisher = hub
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- hub.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("hub: %v", err)
		}
	})
	s, err := New(cfg, Deps{Queue: q, DB: db, Hub: hub, Log: log, Limiter: ratelimit.New(rdb, "antrian:", nil)})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, s: s, db: db, logs: logs}
}

// user creates an account with the password "rahasia123", hashed at a
// cost low enough for tests that try many passwords (a login reads the
// cost from the hash).
func (e *env) user(facility, name string, role account.Role) {
	e.t.Helper()
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("rahasia123"), salt, 1, 64, 1, 32)
	hash := fmt.Sprintf("$argon2id$v=%d$m=64,t=1,p=1$%s$%s", argon2.Version,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	if _, err := e.db.CreateUser(context.Background(), facility, name, role, hash); err != nil {
		e.t.Fatal(err)
	}
}

// caller is a client of the service from one address, with the cookies
// and CSRF token its logins gave it.
type caller struct {
	e       *env
	addr    string
	cookies map[string]*http.Cookie
	csrf    string
	header  http.Header // sent with every request
}

func (e *env) caller(addr string) *caller {
	return &caller{e: e, addr: addr, cookies: map[string]*http.Cookie{}, header: http.Header{}}
}

// do sends a request (body as JSON unless nil) and returns the answer.
func (c *caller) do(method, path string, body any) *httptest.ResponseRecorder {
	c.e.t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			c.e.t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	req.RemoteAddr = c.addr + ":40000"
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.e.s.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	return rec
}

// login signs in and returns the status; on success the caller keeps the
// session and its CSRF token.
func (c *caller) login(username, password string) int {
	c.e.t.Helper()
	rec := c.do("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password})
	if rec.Code == http.StatusOK {
		var body struct {
			CSRF string `json:"csrf_token"`
		}
		decodeBody(c.e.t, rec, &body)
		c.csrf = body.CSRF
	}
	return rec.Code
}

func decodeBody(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body.String(), err)
	}
}

// errorCode is the code of an error answer, "" for any other body.
func errorCode(rec *httptest.ResponseRecorder) string {
	var body struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(rec.Body.Bytes(), &body)
	return body.Error.Code
}

// logBuffer is a log the test can read while the server writes it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// errors returns the log's lines at level ERROR.
func (b *logBuffer) errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, l := range strings.Split(b.buf.String(), "\n") {
		if strings.Contains(l, "level=ERROR") {
			out = append(out, l)
		}
	}
	return out
}
