package main

import (
	"context"
	"testing"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/queue"
)

// TestAdminAPI covers the settings behind the admin page: who may change
// them, and that changes take effect.
func TestAdminAPI(t *testing.T) {
	env := newEnv(t, backend{name: "embedded"})
	app := env.start()
	env.seed(app)
	ctx := context.Background()
	if _, err := app.DB.CreateFacility(ctx, queue.Facility{Code: "kalipuro", Name: "Puskesmas Kalipuro"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		facility, name string
		role           account.Role
	}{{"sobo", "kepala", account.Admin}, {"kalipuro", "kepala2", account.Admin}, {"", "dinas", account.Admin}} {
		hash, _ := account.HashPassword("rahasia-admin")
		if _, err := app.DB.CreateUser(ctx, u.facility, u.name, u.role, hash); err != nil {
			t.Fatal(err)
		}
	}
	anon := newClient(t, app.URL())
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	other := newClient(t, app.URL())
	other.login("kepala2", "rahasia-admin")
	admin := newClient(t, app.URL())
	admin.login("kepala", "rahasia-admin")
	district := newClient(t, app.URL())
	district.login("dinas", "rahasia-admin")

	t.Run("public list of facilities", func(t *testing.T) {
		var list []struct{ Code, Name string }
		if st := anon.do("GET", "/api/v1/facilities", nil, nil, &list); st != 200 || len(list) != 2 {
			t.Errorf("got %d %v, want both facilities", st, list)
		}
	})

	t.Run("only the facility's admins", func(t *testing.T) {
		body := map[string]string{"text": "Libur nasional"}
		for _, tc := range []struct {
			name string
			c    *client
			want int
		}{{"anonymous", anon, 401}, {"staff", staff, 403}, {"admin of another facility", other, 403},
			{"admin", admin, 204}, {"district admin", district, 204}} {
			if st := tc.c.do("PUT", "/api/v1/facilities/sobo/announcement", body, nil, nil); st != tc.want {
				t.Errorf("%s: status %d, want %d", tc.name, st, tc.want)
			}
		}
		var f struct {
			Announcement string `json:"announcement"`
		}
		anon.do("GET", "/api/v1/facilities/sobo", nil, nil, &f)
		if f.Announcement != "Libur nasional" {
			t.Errorf("running text: got %q", f.Announcement)
		}
		if st := admin.do("POST", "/api/v1/admin/facilities", map[string]string{"code": "baru", "name": "Baru"}, nil, nil); st != 403 {
			t.Errorf("facility admin creating a facility: %d, want 403", st)
		}
		if st := district.do("POST", "/api/v1/admin/facilities", map[string]string{"code": "baru", "name": "Puskesmas Baru"}, nil, nil); st != 201 {
			t.Errorf("district admin creating a facility: %d, want 201", st)
		}
	})

	t.Run("units", func(t *testing.T) {
		unit := map[string]any{"name": "Poli Lansia", "prefix": "G", "daily_quota": 50, "opens": "07:30", "closes": "12:00",
			"open_days": 126, "policy": map[string]any{"mode": "strict", "every": 1, "max_wait": 1200, "requeue_ahead": 2}}
		if st := admin.do("PUT", "/api/v1/facilities/sobo/units/LANSIA", unit, nil, nil); st != 204 {
			t.Fatalf("add unit: %d", st)
		}
		var s struct {
			Units []struct {
				Code, Opens, Closes string
				Policy              struct{ Mode string }
			}
		}
		admin.do("GET", "/api/v1/facilities/sobo/settings", nil, nil, &s)
		last := s.Units[len(s.Units)-1]
		if last.Code != "LANSIA" || last.Opens != "07:30" || last.Closes != "12:00" || last.Policy.Mode != "strict" {
			t.Errorf("unit read back: %+v", last)
		}
		for field, v := range map[string]any{"prefix": "GG", "opens": "7.30", "daily_quota": 0} {
			bad := map[string]any{}
			for k, x := range unit {
				bad[k] = x
			}
			bad[field] = v
			var e apiErr
			if st := admin.do("PUT", "/api/v1/facilities/sobo/units/LANSIA", bad, nil, &e); st != 400 || e.Error.Field != field {
				t.Errorf("bad %s: %d field %q, want 400 naming it", field, st, e.Error.Field)
			}
		}
	})

	t.Run("counters", func(t *testing.T) {
		cs := []map[string]string{{"name": "Ruang 1", "unit": "UMUM"}, {"name": "Loket 1", "unit": ""}}
		if st := admin.do("PUT", "/api/v1/facilities/sobo/counters", cs, nil, nil); st != 204 {
			t.Fatalf("save counters: %d", st)
		}
		var got []map[string]string
		if st := staff.do("GET", "/api/v1/facilities/sobo/counters", nil, nil, &got); st != 200 || len(got) != 2 || got[0]["name"] != "Ruang 1" {
			t.Errorf("staff reads counters: %d %v", st, got)
		}
		dup := []map[string]string{{"name": "Ruang 1"}, {"name": "Ruang 1"}}
		if st := admin.do("PUT", "/api/v1/facilities/sobo/counters", dup, nil, nil); st != 400 {
			t.Errorf("duplicate counter: %d, want 400", st)
		}
	})

	t.Run("users", func(t *testing.T) {
		if st := admin.do("POST", "/api/v1/facilities/sobo/users", map[string]string{"username": "bidan", "role": "staff", "password": "pendek"}, nil, nil); st != 400 {
			t.Errorf("short password: %d, want 400", st)
		}
		if st := admin.do("POST", "/api/v1/facilities/sobo/users", map[string]string{"username": "bidan", "role": "dinkes", "password": "kata-sandi-bidan"}, nil, nil); st != 400 {
			t.Errorf("facility admin handing out dinkes: %d, want 400", st)
		}
		if st := admin.do("POST", "/api/v1/facilities/sobo/users", map[string]string{"username": "bidan", "role": "staff", "password": "kata-sandi-bidan"}, nil, nil); st != 201 {
			t.Fatalf("add user: %d", st)
		}
		bidan := newClient(t, app.URL())
		bidan.login("bidan", "kata-sandi-bidan")
		if st := other.do("PATCH", "/api/v1/facilities/sobo/users/bidan", map[string]any{"disabled": true}, nil, nil); st != 403 {
			t.Errorf("another facility's admin: %d, want 403", st)
		}
		if st := admin.do("PATCH", "/api/v1/facilities/kalipuro/users/kepala2", map[string]any{"disabled": true}, nil, nil); st != 403 {
			t.Errorf("disabling another facility's user: %d, want 403", st)
		}
		if st := admin.do("PATCH", "/api/v1/facilities/sobo/users/bidan", map[string]any{"disabled": true}, nil, nil); st != 204 {
			t.Fatalf("disable: %d", st)
		}
		if st := bidan.do("GET", "/api/v1/auth/me", nil, nil, nil); st != 401 {
			t.Errorf("disabled user's session: %d, want 401", st)
		}
		if st := admin.do("PATCH", "/api/v1/facilities/sobo/users/kepala", map[string]any{"role": "staff"}, nil, nil); st != 400 {
			t.Errorf("admin demoting themself: %d, want 400", st)
		}
	})
}
