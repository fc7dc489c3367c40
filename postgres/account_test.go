package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/fault"
)

// TestSessionIdleAndTouch checks a session's timeouts and that a request
// writes its seen mark only when the mark is older than sessionTouch: most
// requests read the session without writing it, and the idle timeout still
// counts from the last mark.
func TestSessionIdleAndTouch(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	u, err := db.CreateUser(ctx, "", "petugas", account.Admin, "x")
	if err != nil {
		t.Fatal(err)
	}
	const idle, absolute = 30 * time.Minute, 12 * time.Hour
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	id := account.HashSecret("session-secret")
	if err := db.CreateSession(ctx, id, u.ID, "csrf", t0); err != nil {
		t.Fatal(err)
	}
	seen := func() time.Time {
		t.Helper()
		var at time.Time
		if err := db.Pool.QueryRow(ctx, `SELECT seen_at FROM sessions WHERE id_hash = $1`, id).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at.UTC()
	}
	live := func(now time.Time) {
		t.Helper()
		s, err := db.Session(ctx, id, now, idle, absolute)
		if err != nil {
			t.Fatalf("session at %s: %v", now.Format(time.TimeOnly), err)
		}
		if s.User.ID != u.ID || s.User.Username != "petugas" || s.CSRFToken != "csrf" || !s.SeenAt.Equal(now) {
			t.Fatalf("session at %s = %+v", now.Format(time.TimeOnly), s)
		}
	}
	ended := func(now time.Time) {
		t.Helper()
		if _, err := db.Session(ctx, id, now, idle, absolute); !errors.Is(err, fault.ErrUnauthenticated) {
			t.Fatalf("session at %s: err = %v, want unauthenticated", now.Format(time.TimeOnly), err)
		}
	}

	live(t0.Add(30 * time.Second))
	if got := seen(); !got.Equal(t0) {
		t.Errorf("a request within a minute of the mark wrote it: seen_at %s", got)
	}
	t1 := t0.Add(2 * time.Minute)
	live(t1)
	if got := seen(); !got.Equal(t1) {
		t.Errorf("seen_at = %s after a request two minutes on, want %s", got, t1)
	}
	// Idle from t1 (the request in between was not written: it was within
	// a minute of t1).
	live(t1.Add(50 * time.Second))
	ended(t1.Add(idle + time.Second))

	// A session in use ends at its absolute timeout.
	id = account.HashSecret("second-session")
	if err := db.CreateSession(ctx, id, u.ID, "csrf", t0); err != nil {
		t.Fatal(err)
	}
	for at := t0; at.Before(t0.Add(absolute)); at = at.Add(20 * time.Minute) {
		live(at)
	}
	ended(t0.Add(absolute + time.Second))

	// A disabled account's session ends at once.
	id = account.HashSecret("third-session")
	if err := db.CreateSession(ctx, id, u.ID, "csrf", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE users SET disabled = true WHERE id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	ended(t0.Add(time.Second))
}
