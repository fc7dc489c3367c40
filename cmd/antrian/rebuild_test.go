package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/antrian/antrian/internal/testenv"
	"github.com/jackc/pgx/v5"
)

// seedWaiting writes n waiting tickets for today, spread over every unit
// of a 45-Puskesmas district, straight into Postgres.
func seedWaiting(tb testing.TB, app *App, n int) {
	tb.Helper()
	ctx := context.Background()
	if err := app.DB.SeedDistrict(ctx, 45); err != nil {
		tb.Fatal(err)
	}
	rows, _ := app.DB.Pool.Query(ctx, `SELECT u.id, u.facility_id, u.prefix FROM units u ORDER BY u.id`)
	type unit struct {
		id, facility int64
		prefix       string
	}
	units, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (unit, error) {
		var u unit
		err := r.Scan(&u.id, &u.facility, &u.prefix)
		return u, err
	})
	if err != nil {
		tb.Fatal(err)
	}
	today := time.Now().In(time.FixedZone("WIB", 7*3600)).Format(time.DateOnly)
	now := time.Now()
	src := make([][]any, 0, n)
	for i := range n {
		u := units[i%len(units)]
		num := i/len(units) + 1
		id := fmt.Sprintf("seed%07d", i)
		pr := ""
		if i%5 == 0 {
			pr = "lansia"
		}
		src = append(src, []any{id, u.facility, u.id, today, num, fmt.Sprintf("%s-%03d", u.prefix, num), "waiting", pr,
			"online", id, now.UnixMilli() + int64(i), now})
	}
	if _, err := app.DB.Pool.CopyFrom(ctx, pgx.Identifier{"tickets"},
		[]string{"id", "facility_id", "unit_id", "service_date", "number", "code", "status", "priority", "channel", "visit_id", "order_key", "issued_at"},
		pgx.CopyFromRows(src)); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkRebuild100k measures rebuilding every live queue of a district
// from Postgres after Redis lost its data, with 100,000 tickets waiting
// (the target is under a second).
func BenchmarkRebuild100k(b *testing.B) {
	rs := testenv.Redis(b, false)
	e := &env{dbURL: testenv.Postgres(b), redis: rs, clock: &clock{}, logs: &syncBuffer{},
		vars: map[string]string{"ANTRIAN_RECONCILE_INTERVAL": "1h", "ANTRIAN_LOG_LEVEL": "warn"}}
	app := startBench(b, e)
	seedWaiting(b, app, 100_000)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		rs.Flush(b)
		b.StartTimer()
		n, err := app.Queue.RebuildAll(ctx)
		if err != nil || n != 270 {
			b.Fatalf("rebuilt %d units, %v; want 270", n, err)
		}
	}
	b.StopTimer()
	// Every waiting ticket is back in the live queues.
	total := 0
	_, units, _ := app.Queue.Facility(ctx, "pkm001")
	for f := 1; f <= 45; f++ {
		for _, u := range units {
			ls, err := app.Queue.Live.Read(ctx, fmt.Sprintf("pkm%03d", f), u.Code, time.Now().In(time.FixedZone("WIB", 7*3600)).Format(time.DateOnly))
			if err != nil {
				b.Fatal(err)
			}
			total += ls.Count()
		}
	}
	if total != 100_000 {
		b.Fatalf("live queues hold %d tickets after the rebuild, want 100000", total)
	}
}
