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
	"slices"
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
	appendonly := "no"
	if r.aof {
		appendonly = "yes"
	}
	r.cmd = startRedis(r.t, r.Addr, r.dir, 5*time.Second, "--save", "", "--appendonly", appendonly)
}

// startRedis starts redis-server on addr (127.0.0.1:port) with args, its
// files and log in dir, and waits up to wait for it to answer.
func startRedis(t testing.TB, addr, dir string, wait time.Duration, args ...string) *exec.Cmd {
	t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	// args first: a sentinel's config file must be the first argument.
	cmd := exec.Command("redis-server", append(slices.Clip(args), "--port", port, "--bind", "127.0.0.1", "--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"))...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	if !answers(addr, wait) {
		killRedis(cmd)
		t.Fatalf("redis-server on %s did not start (see %s)", addr, filepath.Join(dir, "redis.log"))
	}
	return cmd
}

// killRedis kills a redis-server started by startRedis (like a crash) and
// waits for it to exit; nil does nothing.
func killRedis(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	cmd.Process.Kill()
	cmd.Wait()
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
	killRedis(r.cmd)
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
