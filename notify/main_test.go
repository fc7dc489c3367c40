package notify_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"
)

// testPool is a pool on a database created for this test package, or nil
// when Postgres is unreachable (dbErr says why).
var (
	testPool *pgxpool.Pool
	dbErr    error
)

func TestMain(m *testing.M) {
	drop, err := setupDB()
	if err != nil {
		dbErr = err
	}
	code := m.Run()
	if testPool != nil {
		testPool.Close()
	}
	if drop != nil {
		if err := drop(); err != nil {
			fmt.Fprintln(os.Stderr, "drop test database:", err)
		}
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// setupDB creates a fresh database, applies notify's migration to it and
// returns a function dropping it.
func setupDB() (func() error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin := os.Getenv("ANTRIAN_TEST_DATABASE_URL")
	if admin == "" {
		admin = "postgres://localhost:5432/postgres?sslmode=disable"
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", admin, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "antrian_notify_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	u, err := url.Parse(admin)
	if err != nil {
		return drop, err
	}
	u.Path = "/" + name
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		return drop, err
	}
	schema, err := os.ReadFile("../postgres/migrations/0002_notify.sql")
	if err != nil {
		pool.Close()
		return drop, err
	}
	if _, err := pool.Exec(ctx, string(schema)); err != nil {
		pool.Close()
		return drop, fmt.Errorf("apply 0002_notify.sql: %w", err)
	}
	testPool = pool
	return drop, nil
}

// db returns the test pool with notify's tables emptied. Tests that use it
// must not run in parallel: workers claim any due row.
func db(t *testing.T) *pgxpool.Pool {
	t.Helper()
	if testPool == nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Postgres is required in CI: %v", dbErr)
		}
		t.Skipf("Postgres unavailable: %v", dbErr)
	}
	_, err := testPool.Exec(context.Background(),
		`TRUNCATE notify_outbox, notify_templates, notify_unit_settings, notify_push_subscriptions`)
	if err != nil {
		t.Fatalf("truncate: %v", err)
	}
	return testPool
}
