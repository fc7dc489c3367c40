package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/postgres"
	"github.com/jackc/pgx/v5"
)

// pgPairPort is the primary's port of the Postgres pair the test starts;
// its replica listens on the next one.
const pgPairPort = 7150

// With DATABASE_URL naming a primary and its streaming replica
// (target_session_attrs=read-write), the service keeps booking after the
// primary crashes and the replica is promoted, without a restart, and
// loses no acknowledged booking.
func TestPostgresPrimarySwitch(t *testing.T) {
	pair := testenv.NewPostgresPair(t, pgPairPort)
	e := &env{t: t, dbURL: pair.URL("antrian"), clock: &clock{}, logs: &syncBuffer{}}
	app := e.start()
	e.seed(app)
	pub, staff := publicClients(t, app)[0], staffClients(t, app)[0]
	var booked []ticket
	book := func() int {
		st, tk := pub.book("UMUM", nil)
		if st == 201 {
			booked = append(booked, tk)
		}
		return st
	}
	for i := range 20 {
		if st := book(); st != 201 {
			t.Fatalf("booking %d before the switch: status %d", i, st)
		}
	}
	pair.CrashPrimary()
	pair.Promote()
	failed := 0
	for deadline := time.Now().Add(30 * time.Second); book() != 201; failed++ {
		if time.Now().After(deadline) {
			t.Fatalf("no booking succeeded within 30 s of the promotion (%d failed)", failed)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d bookings failed before the service reached the new primary", failed)
	for i := range 20 {
		if st := book(); st != 201 {
			t.Errorf("booking %d after the switch: status %d", i, st)
		}
	}
	checkNumbers(t, booked, len(booked))
	if n := dbCount(t, app, `SELECT count(*) FROM tickets`); n != len(booked) {
		t.Errorf("the new primary holds %d tickets, %d were acknowledged", n, len(booked))
	}
	if st, tk := staff.callNext("UMUM", "Ruang 1"); st != 200 || tk.Number != 1 {
		t.Errorf("call after the switch: status %d, number %d, want 200 and 1", st, tk.Number)
	}
}

// With DATABASE_REPLICA_URL, the facility report reads from the replica:
// while the replica's replay is paused the report shows the bookings it
// had, and after it resumes, the new ones; the queue meanwhile works on
// the primary.
func TestReportsReadTheReplica(t *testing.T) {
	pair := testenv.NewPostgresPair(t, pgPairPort)
	ctx := context.Background()
	// The database is made and migrated first, so that the replica has it
	// when the service opens its pool there.
	db, err := postgres.Open(ctx, pair.URL("antrian"))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Migrate(ctx, slog.New(slog.DiscardHandler))
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	replicaURL := strings.Replace(pair.URL("antrian"), "target_session_attrs=read-write", "target_session_attrs=standby", 1)
	replica, err := pgx.Connect(ctx, replicaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close(ctx)
	e := &env{t: t, dbURL: pair.URL("antrian"), clock: &clock{}, logs: &syncBuffer{},
		vars: map[string]string{"DATABASE_REPLICA_URL": replicaURL}}
	app := e.start()
	e.seed(app)
	pub := publicClients(t, app)[0]
	hash, _ := account.HashPassword("rahasia-admin")
	if _, err := app.DB.CreateUser(ctx, "sobo", "kepala", account.Admin, hash); err != nil {
		t.Fatal(err)
	}
	head := newClient(t, app.URL())
	head.login("kepala", "rahasia-admin")
	today := time.Now().In(jakarta(t)).Format(time.DateOnly)
	reported := func() float64 {
		var rep struct {
			Tables map[string]reportTable `json:"tables"`
		}
		if st := head.do("GET", "/api/v1/facilities/sobo/reports?lang=en&from="+today+"&to="+today, nil, nil, &rep); st != 200 {
			t.Fatalf("facility report: status %d", st)
		}
		n, _ := rep.Tables["units"].row(t, "All units")["Tickets"].(float64)
		return n
	}
	replayed := func(want int) {
		t.Helper()
		var n int
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if replica.QueryRow(ctx, `SELECT count(*) FROM tickets`).Scan(&n) == nil && n == want {
				return
			}
		}
		t.Fatalf("the replica holds %d tickets, want %d", n, want)
	}
	for range 2 {
		if st, _ := pub.book("UMUM", nil); st != 201 {
			t.Fatalf("booking: status %d", st)
		}
	}
	replayed(2)
	if _, err := replica.Exec(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if st, _ := pub.book("UMUM", nil); st != 201 {
			t.Fatalf("booking with the replica paused: status %d", st)
		}
	}
	if got := reported(); got != 2 {
		t.Errorf("report with the replica paused: %v tickets, want the replica's 2", got)
	}
	if _, err := replica.Exec(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	replayed(5)
	if got := reported(); got != 5 {
		t.Errorf("report after the replica caught up: %v tickets, want 5", got)
	}
}
