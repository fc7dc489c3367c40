package postgres

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/queue"
)

// The dinkes tokens facility admins made before their reach was checked
// are revoked by migration 9; everything else is left as it was.
func TestMigrationRevokesTokensBeyondReach(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	if _, err := db.CreateFacility(ctx, queue.Facility{Code: "sobo", Name: "Puskesmas Sobo"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		facility, name string
		role           account.Role
	}{{"sobo", "admin-sobo", account.Admin}, {"", "admin-kab", account.Admin}, {"", "dinkes-kab", account.Dinkes}} {
		if _, err := db.CreateUser(ctx, u.facility, u.name, u.role, "x"); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	revokedBefore := now.Add(-time.Hour)
	tokens := []struct {
		name, by    string
		role        account.Role
		revoked     bool // already, before the migration
		wantRevoked bool
	}{
		{"facility admin's dinkes token", "admin-sobo", account.Dinkes, false, true},
		{"dinkes token of an account since deleted", "gone", account.Dinkes, false, true},
		{"dinkes token made by a dinkes account", "dinkes-kab", account.Dinkes, false, true},
		{"district admin's dinkes token", "admin-kab", account.Dinkes, false, false},
		{"facility admin's staff token", "admin-sobo", account.Staff, false, false},
		{"facility admin's kader token", "admin-sobo", account.Kader, false, false},
		{"a dinkes token revoked already", "admin-sobo", account.Dinkes, true, true},
	}
	for i, tk := range tokens {
		created, err := db.CreateAPIToken(ctx, "sobo", tk.name, tk.role, []byte{byte(i)}, tk.by, now)
		if err != nil {
			t.Fatal(err)
		}
		if tk.revoked {
			if err := db.RevokeAPIToken(ctx, "sobo", created.ID, revokedBefore); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Apply migration 9 again, now that there are tokens to judge.
	if _, err := db.Pool.Exec(ctx, `DELETE FROM schema_migrations WHERE version = 9`); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	got, err := db.APITokens(ctx, "sobo")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(tokens) {
		t.Fatalf("got %d tokens, want %d", len(got), len(tokens))
	}
	for i, tk := range tokens {
		g := got[i]
		if revoked := g.Revoked != nil; revoked != tk.wantRevoked {
			t.Errorf("%s: revoked %v, want %v", tk.name, revoked, tk.wantRevoked)
		}
		if tk.revoked && (g.Revoked == nil || !g.Revoked.Equal(revokedBefore.Truncate(time.Microsecond))) {
			t.Errorf("%s: revoked at %v, want the earlier %v kept", tk.name, g.Revoked, revokedBefore)
		}
	}
}
