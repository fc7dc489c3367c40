// Package testenv gives tests the real dependencies they run against: a
// fresh Postgres database per test, and a Redis server of their own. When a
// dependency is missing a test is skipped locally, but fails under CI=true:
// a skipped suite in CI is a failure.
package testenv

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/postgres"
)

// InCI reports whether the tests run in CI, where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips the test, or fails it in CI.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("required test dependency unavailable in CI: "+format, args...)
	}
	t.Skipf("dependency unavailable: "+format, args...)
}

// AdminURL is the Postgres server the tests create their databases on.
func AdminURL() string {
	if u := os.Getenv("ANTRIAN_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://localhost:5432/postgres?sslmode=disable"
}

// Postgres creates an empty database for this test and returns its URL.
// The database is dropped when the test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin := AdminURL()
	name := databaseName("antrian_test_")
	u, err := postgres.CreateDatabase(ctx, admin, name)
	if errors.Is(err, fault.ErrUnavailable) {
		Unavailable(t, "postgres at %s: %v", admin, err)
	}
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := postgres.DropDatabase(ctx, admin, name); err != nil {
			t.Logf("drop test database: %v", err)
		}
	})
	return u
}

// DB opens a migrated database of this test, closed and dropped when the
// test ends.
func DB(t testing.TB) *postgres.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, Postgres(t))
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return db
}

// databaseName returns prefix followed by random hex digits: a name no
// other test run uses.
func databaseName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// RedisServer is a redis-server process owned by one test, so the test may
// flush it, stop it and start it again without disturbing anyone.
type RedisServer struct {
	t    testing.TB
	Addr string
	dir  string
	cmd  *exec.Cmd
	aof  bool
}

// Redis starts a redis-server for this test on a free port. With aof, it
// keeps an append-only file so that a restart keeps its data.
func Redis(t testing.TB, aof bool) *RedisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		Unavailable(t, "redis-server not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := &RedisServer{t: t, Addr: addr, dir: t.TempDir(), aof: aof}
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// URL is the redis:// URL of the server.
func (r *RedisServer) URL() string { return "redis://" + r.Addr + "/0" }

// Start starts the server (again) and waits until it answers.
func (r *RedisServer) Start() {
	r.t.Helper()
	_, port, _ := net.SplitHostPort(r.Addr)
	appendonly := "no"
	if r.aof {
		appendonly = "yes"
	}
	r.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
		"--appendonly", appendonly, "--dir", r.dir, "--logfile", filepath.Join(r.dir, "redis.log"))
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	if !answers(r.Addr, 5*time.Second) {
		r.t.Fatalf("redis-server on %s did not start", r.Addr)
	}
}

// answers waits up to d for the Redis (or Sentinel) at addr to answer a PING.
func answers(addr string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			fmt.Fprintf(c, "PING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// Stop kills the server (like a crash) and waits for it to exit.
func (r *RedisServer) Stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

// Flush empties the server, as FLUSHALL does.
func (r *RedisServer) Flush(t testing.TB) {
	t.Helper()
	c, err := net.DialTimeout("tcp", r.Addr, time.Second)
	if err != nil {
		t.Fatalf("flush redis: %v", err)
	}
	defer c.Close()
	fmt.Fprintf(c, "FLUSHALL\r\n")
	line, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.HasPrefix(line, "+OK") {
		t.Fatalf("flush redis: %q", line)
	}
}
