package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
)

// testDatabase is testenv.Postgres for this package's own tests, which
// cannot import testenv (it imports this package): an empty database for
// one test, dropped when it ends. Without Postgres the test is skipped,
// except in CI, where it fails.
func testDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin := os.Getenv("ANTRIAN_TEST_DATABASE_URL")
	if admin == "" {
		admin = "postgres://localhost:5432/postgres?sslmode=disable"
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "antrian_test_" + hex.EncodeToString(b)
	u, err := CreateDatabase(ctx, admin, name)
	switch {
	case errors.Is(err, fault.ErrUnavailable) && os.Getenv("CI") != "true":
		t.Skipf("dependency unavailable: postgres at %s: %v", admin, err)
	case err != nil:
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := DropDatabase(ctx, admin, name); err != nil {
			t.Logf("drop test database: %v", err)
		}
	})
	return u
}
