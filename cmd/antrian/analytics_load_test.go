package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
)

// seedDistrictSQL fills a month (November 2026) of a district straight
// into Postgres: $1 facilities of six units, 300 tickets a day each, with
// their event history, as the queue writes them. The last day stops at
// 11:00 WIB, with people still waiting and in service. Deterministic.
const seedDistrictSQL = `
SELECT setseed(0.42);
INSERT INTO facilities (code, name) SELECT 'pkm' || lpad(g::text, 3, '0'), 'Puskesmas ' || g FROM generate_series(1, %d) g;
INSERT INTO units (facility_id, code, name, prefix, daily_quota, opens_min, closes_min, open_days)
	SELECT f.id, u.code, u.name, u.prefix, 999, 420, 840, 127 FROM facilities f CROSS JOIN (VALUES
		('LOKET', 'Pendaftaran', 'A'), ('UMUM', 'Poli Umum', 'B'), ('GIGI', 'Poli Gigi', 'C'),
		('KIA', 'KIA/KB', 'D'), ('LAB', 'Laboratorium', 'E'), ('FARMASI', 'Farmasi', 'F')) u(code, name, prefix)
	WHERE f.code LIKE 'pkm%%';
CREATE TEMP TABLE ur AS SELECT facility_id, id AS unit_id, prefix,
	(row_number() OVER (PARTITION BY facility_id ORDER BY id) - 1)::int AS k FROM units;
CREATE TEMP TABLE s AS SELECT f.id AS facility_id, d::date AS day, i, random() AS r1, random() AS r2, random() AS r3, random() AS r4
	FROM facilities f, generate_series('2026-11-01'::date, '2026-11-30'::date, interval '1 day') d, generate_series(1, 300) i
	WHERE f.code LIKE 'pkm%%' AND (d::date < '2026-11-30' OR i <= 150);
CREATE TEMP TABLE st AS SELECT s.*, ur.unit_id, ur.prefix,
	row_number() OVER (PARTITION BY ur.unit_id, s.day ORDER BY s.i) AS number,
	((s.day + time '07:00') AT TIME ZONE 'Asia/Jakarta') + (s.i * 84 + s.r1 * 60) * interval '1 second' AS issued,
	CASE WHEN r2 < 0.4 THEN 'online' WHEN r2 < 0.7 THEN 'kiosk' WHEN r2 < 0.9 THEN 'desk' ELSE 'jkn' END AS channel,
	CASE WHEN r3 < 0.85 THEN 'done' WHEN r3 < 0.92 THEN 'skipped' WHEN r3 < 0.97 THEN 'cancelled' ELSE 'transferred' END AS outcome,
	(r4 * r4 * 3600)::int AS wait_s, (120 + r1 * 780)::int AS service_s, 'Ruang ' || (1 + s.i %% 3) AS counter
	FROM s JOIN ur ON ur.facility_id = s.facility_id AND ur.k = s.i %% 6;
CREATE TEMP TABLE tk AS SELECT st.*,
	issued + wait_s * interval '1 second' AS called,
	issued + (wait_s + 60) * interval '1 second' AS started,
	issued + (wait_s + 60 + service_s) * interval '1 second' AS finished,
	CASE WHEN issued + wait_s * interval '1 second' > '2026-11-30 11:00+07' THEN 'waiting'
		WHEN outcome = 'done' AND issued + (wait_s + 60 + service_s) * interval '1 second' > '2026-11-30 11:00+07' THEN 'serving'
		ELSE outcome END AS status
	FROM st;
INSERT INTO tickets (id, facility_id, unit_id, service_date, number, code, status, channel, visit_id, order_key, issued_at,
		called_at, started_at, finished_at, counter)
	SELECT 'seed-' || unit_id || '-' || day || '-' || i, facility_id, unit_id, day, number, prefix || '-' || lpad(number::text, 3, '0'),
		status, channel, 'v-' || unit_id || '-' || day || '-' || i, (extract(epoch FROM issued) * 1000)::bigint, issued,
		CASE WHEN status IN ('waiting', 'cancelled') THEN NULL ELSE called END,
		CASE WHEN status IN ('done', 'serving', 'transferred') THEN started END,
		CASE WHEN status = 'done' THEN finished END,
		CASE WHEN status IN ('waiting', 'cancelled') THEN '' ELSE counter END
	FROM tk;
CREATE TEMP TABLE ev AS
	SELECT facility_id, unit_id, day, 'seed-' || unit_id || '-' || day || '-' || i AS ticket_id, prefix || '-' || lpad(number::text, 3, '0') AS code,
		kind, at, actor, CASE WHEN kind = 'booked' THEN '' ELSE counter END AS counter, ord
	FROM tk CROSS JOIN LATERAL (VALUES
		('booked', issued, channel, 0, true),
		('called', called, 'petugas', 1, status NOT IN ('waiting', 'cancelled')),
		('started', started, 'petugas', 2, status IN ('done', 'serving', 'transferred')),
		('finished', finished, 'petugas', 3, status = 'done'),
		('skipped', called + interval '2 minutes', 'petugas', 3, status = 'skipped'),
		('cancelled', issued + wait_s * interval '0.5 second', 'patient', 3, status = 'cancelled'),
		('transferred', started + interval '3 minutes', 'petugas', 3, status = 'transferred')) e(kind, at, actor, ord, happened)
	WHERE happened;
INSERT INTO ticket_events (facility_id, seq, unit_id, service_date, kind, ticket_id, code, counter, actor, at, waiting)
	SELECT facility_id, row_number() OVER (PARTITION BY facility_id ORDER BY at, ticket_id, ord), unit_id, day, kind, ticket_id, code,
		counter, actor, at, 0 FROM ev;
UPDATE facilities f SET event_seq = (SELECT coalesce(max(seq), 0) FROM ticket_events e WHERE e.facility_id = f.id);
ANALYZE;
`

// TestDistrictDashboardLoad measures the district dashboard over a month
// of a whole district (45 facilities x 300 tickets a day, about 400,000
// tickets and 1.6 million events). It is slow to seed, so it runs only
// with ANTRIAN_LOAD_TEST=1 (facilities: ANTRIAN_LOAD_FACILITIES, default
// 45). The numbers go to BENCHMARKS.md.
func TestDistrictDashboardLoad(t *testing.T) {
	if os.Getenv("ANTRIAN_LOAD_TEST") != "1" {
		t.Skip("set ANTRIAN_LOAD_TEST=1 to seed a month of a district and time the dashboard")
	}
	facilities := 45
	if v, err := strconv.Atoi(os.Getenv("ANTRIAN_LOAD_FACILITIES")); err == nil && v > 0 {
		facilities = v
	}
	env := newEnv(t, backend{name: "embedded"})
	env.clock.Set(time.Date(2026, 11, 30, 11, 0, 0, 0, time.FixedZone("WIB", 7*3600)))
	app := env.start()
	ctx := context.Background()
	start := time.Now()
	if _, err := app.DB.Pool.Exec(ctx, fmt.Sprintf(seedDistrictSQL, facilities)); err != nil {
		t.Fatalf("seed: %v", err)
	}
	t.Logf("seeded %d facilities: %d tickets, %d events in %v", facilities,
		dbCount(t, app, `SELECT count(*) FROM tickets`), dbCount(t, app, `SELECT count(*) FROM ticket_events`), time.Since(start).Round(time.Second))
	hash, _ := account.HashPassword("rahasia-dinas")
	if _, err := app.DB.CreateUser(ctx, "", "dinas", account.Dinkes, hash); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB.CreateUser(ctx, "", "kabupaten", account.Admin, hash); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, app.URL())
	c.login("dinas", "rahasia-dinas")
	get := func(path string) time.Duration {
		t.Helper()
		req, _ := http.NewRequest("GET", app.URL()+path, nil)
		s := time.Now()
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(s)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: status %d", path, resp.StatusCode)
		}
		return d
	}
	cold := get("/dinkes?month=2026-11")
	t.Logf("first render (rolls up 29 days x %d facilities): %v", facilities, cold.Round(time.Millisecond))
	for name, path := range map[string]string{"page": "/dinkes?month=2026-11", "json": "/api/v1/district/reports?month=2026-11",
		"xlsx": "/api/v1/district/reports/all?format=xlsx&month=2026-11"} {
		var ds []time.Duration
		for range 7 {
			ds = append(ds, get(path))
		}
		slices.Sort(ds)
		t.Logf("%s: median %v, worst %v over %d renders", name, ds[len(ds)/2].Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond), len(ds))
		if name == "page" && ds[len(ds)/2] > time.Second {
			t.Errorf("district dashboard: median %v, want under 1 s", ds[len(ds)/2])
		}
	}
	c = newClient(t, app.URL())
	c.login("kabupaten", "rahasia-dinas")
	fc := get("/api/v1/facilities/pkm001/reports?from=2026-11-01&to=2026-11-30")
	t.Logf("facility report of a month (from the history): %v", fc.Round(time.Millisecond))
	st, _ := newClient(t, app.URL()).raw("GET", "/metrics", nil, nil)
	ms := time.Now()
	newClient(t, app.URL()).raw("GET", "/metrics", nil, nil)
	t.Logf("metrics scrape: status %d, %v", st, time.Since(ms).Round(time.Millisecond))
}
