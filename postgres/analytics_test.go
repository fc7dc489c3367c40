package postgres_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
)

var wib = time.FixedZone("WIB", 7*3600)

func nov(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, wib) }

// reportDB is a migrated database with Puskesmas Sobo (WIB, its UMUM open
// 07:00-15:00) and Puskesmas 001 (WITA).
func reportDB(t *testing.T) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t)
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.SeedDistrict(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateFacility(ctx, queue.Facility{Code: "pkm001", Name: "Puskesmas 001", Timezone: "Asia/Makassar"}); err != nil {
		t.Fatal(err)
	}
	f, units, err := db.Facility(ctx, "sobo")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		if u.Code == "UMUM" {
			u.Opens, u.Closes = 7*60, 15*60
			if err := db.SaveUnit(ctx, f.ID, u); err != nil {
				t.Fatal(err)
			}
		}
	}
	return db
}

// book issues a ticket of unit at issued for date, straight through the
// store.
func book(t *testing.T, db *postgres.DB, facility, unit, date string, issued time.Time) queue.Ticket {
	t.Helper()
	ctx := context.Background()
	f, units, err := db.Facility(ctx, facility)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(units, func(u queue.Unit) bool { return u.Code == unit })
	if i < 0 {
		t.Fatalf("no unit %s", unit)
	}
	nt := queue.NewTicket{Prefix: units[i].Prefix}
	nt.ID = queue.NewID()
	nt.VisitID = nt.ID
	nt.FacilityID, nt.Facility, nt.UnitID, nt.Unit, nt.ServiceDate = f.ID, f.Code, units[i].ID, unit, date
	nt.Status, nt.Channel, nt.IssuedAt, nt.OrderKey = queue.Waiting, queue.ChannelOnline, issued, issued.UnixMilli()
	tk, _, _, err := db.Book(ctx, nt, issued)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func apply(t *testing.T, db *postgres.DB, tk queue.Ticket, a queue.Action, counter, actor string, at time.Time) {
	t.Helper()
	c := queue.Change{Action: a, Counter: counter, Actor: actor, OrderKey: at.UnixMilli()}
	if _, _, err := db.Apply(context.Background(), tk.ID, c, at); err != nil {
		t.Fatalf("%s %s: %v", a, tk.Code, err)
	}
}

func facilityIDs(t *testing.T, db *postgres.DB) []int64 {
	t.Helper()
	fs, err := db.AnalyticsFacilities(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return ids
}

func TestAnalyticsFacilities(t *testing.T) {
	db := reportDB(t)
	ctx := context.Background()
	fs, err := db.AnalyticsFacilities(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 || fs[0].Code != "pkm001" || fs[1].Code != "sobo" {
		t.Fatalf("facilities: got %+v, want pkm001 and sobo, by name", fs)
	}
	if fs[0].Location.String() != "Asia/Makassar" || fs[1].Location.String() != "Asia/Jakarta" {
		t.Errorf("zones: got %v and %v", fs[0].Location, fs[1].Location)
	}
	var units []string
	for _, u := range fs[1].Units {
		units = append(units, u.Code)
	}
	if fmt.Sprint(units) != "[LOKET UMUM GIGI KIA LAB FARMASI]" {
		t.Errorf("sobo's units: got %v, want the order they were made in", units)
	}
	if one, err := db.AnalyticsFacilities(ctx, "sobo"); err != nil || len(one) != 1 || one[0].Name != "Puskesmas Sobo" {
		t.Errorf("sobo alone: got %+v, %v", one, err)
	}
	if _, err := db.AnalyticsFacilities(ctx, "nope"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("unknown facility: got %v, want fault.ErrNotFound", err)
	}
}

func TestVisits(t *testing.T) {
	db := reportDB(t)
	ctx := context.Background()
	book(t, db, "sobo", "UMUM", "2026-11-26", nov(25, 15, 0))          // booked the day before
	early := book(t, db, "sobo", "UMUM", "2026-11-26", nov(26, 6, 30)) // before opening
	late := book(t, db, "sobo", "UMUM", "2026-11-26", nov(26, 8, 0))
	apply(t, db, late, queue.ActionCall, "Ruang 1", "ani", nov(26, 8, 10))
	apply(t, db, late, queue.ActionSkip, "", "ani", nov(26, 8, 15))
	apply(t, db, late, queue.ActionRequeue, "", "ani", nov(26, 8, 20))
	apply(t, db, late, queue.ActionCall, "Ruang 2", "budi", nov(26, 8, 40))
	apply(t, db, late, queue.ActionStart, "", "budi", nov(26, 8, 41))
	apply(t, db, late, queue.ActionFinish, "", "budi", nov(26, 8, 50))
	f, units, _ := db.Facility(ctx, "sobo")
	gigi := units[slices.IndexFunc(units, func(u queue.Unit) bool { return u.Code == "GIGI" })]
	nt := queue.NewTicket{Prefix: gigi.Prefix}
	nt.ID, nt.VisitID = queue.NewID(), early.VisitID
	nt.FacilityID, nt.Facility, nt.UnitID, nt.Unit, nt.ServiceDate = f.ID, "sobo", gigi.ID, "GIGI", "2026-11-26"
	apply(t, db, early, queue.ActionCall, "Ruang 1", "ani", nov(26, 9, 0))
	if _, _, _, err := db.Transfer(ctx, early.ID, nt, "ani", nov(26, 9, 5)); err != nil {
		t.Fatal(err)
	}
	book(t, db, "sobo", "UMUM", "2026-11-27", nov(27, 8, 0))   // another day
	book(t, db, "pkm001", "UMUM", "2026-11-26", nov(26, 8, 0)) // another facility
	sobo := []int64{f.ID}

	vs, err := db.Visits(ctx, sobo, "2026-11-26", "2026-11-26", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 4 {
		t.Fatalf("visits of sobo on 26 November: got %d, want 4", len(vs))
	}
	byUnit := map[string][]postgres.Visit{}
	for _, v := range vs {
		if v.Facility != "sobo" || v.Date != "2026-11-26" || v.Channel != "online" {
			t.Errorf("visit %+v: want sobo, 2026-11-26, online", v)
		}
		byUnit[v.Unit] = append(byUnit[v.Unit], v)
	}
	arrived := map[string]time.Time{}
	for _, v := range byUnit["UMUM"] {
		arrived[v.Status] = v.Arrived
		switch v.Status {
		case "done":
			if !v.Called.Equal(nov(26, 8, 40)) || !v.Started.Equal(nov(26, 8, 41)) || !v.Finished.Equal(nov(26, 8, 50)) {
				t.Errorf("served ticket: called %v, started %v, finished %v; want the latest call, 08:40-08:50", v.Called, v.Started, v.Finished)
			}
			if v.Counter != "Ruang 2" || v.Staff != "budi" {
				t.Errorf("served ticket: counter %q, staff %q; want the latest call's, Ruang 2 by budi", v.Counter, v.Staff)
			}
			if !v.Arrived.Equal(nov(26, 8, 0)) {
				t.Errorf("ticket issued after opening: arrived %v, want its issue time 08:00", v.Arrived)
			}
		case "waiting":
			if !v.Arrived.Equal(nov(26, 7, 0)) || v.Called != nil || v.Staff != "" {
				t.Errorf("ticket booked the day before: arrived %v, called %v, staff %q; want the opening time 07:00, never called", v.Arrived, v.Called, v.Staff)
			}
		case "transferred":
			if !v.Arrived.Equal(nov(26, 7, 0)) || v.TransferIn || v.Staff != "ani" {
				t.Errorf("ticket booked before opening and sent on: arrived %v, transfer in %v, staff %q", v.Arrived, v.TransferIn, v.Staff)
			}
		}
	}
	if len(arrived) != 3 {
		t.Errorf("UMUM statuses: got %v, want done, waiting and transferred", arrived)
	}
	if g := byUnit["GIGI"]; len(g) != 1 || !g[0].TransferIn || g[0].Status != "waiting" || !g[0].Arrived.Equal(nov(26, 9, 5)) {
		t.Errorf("GIGI: got %+v, want the transfer in, waiting since 09:05", g)
	}

	cheap, err := db.Visits(ctx, sobo, "2026-11-26", "2026-11-27", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(cheap) != 5 {
		t.Errorf("visits of 26 and 27 November: got %d, want 5", len(cheap))
	}
	for _, v := range cheap {
		if v.Staff != "" {
			t.Errorf("visit read without staff names %q", v.Staff)
		}
	}
	all, err := db.Visits(ctx, facilityIDs(t, db), "2026-11-26", "2026-11-26", false)
	if err != nil || len(all) != 5 {
		t.Errorf("visits of both facilities on 26 November: got %d, %v; want 5", len(all), err)
	}
}

func TestRollupDays(t *testing.T) {
	db := reportDB(t)
	ctx := context.Background()
	ids := facilityIDs(t, db)
	// 23:30 WIB on 27 November is already 28 November in WITA.
	now := nov(27, 23, 30)
	missing, err := db.MissingDays(ctx, ids, "2026-11-26", "2026-11-28", now)
	if err != nil {
		t.Fatal(err)
	}
	want := []postgres.FacilityDay{{"pkm001", "2026-11-26"}, {"pkm001", "2026-11-27"}, {"sobo", "2026-11-26"}}
	if !slices.Equal(missing, want) {
		t.Fatalf("missing days: got %v, want %v (the days over in each facility's zone)", missing, want)
	}

	umum := postgres.UnitDay{Facility: "sobo", Unit: "UMUM", Date: "2026-11-26", Booked: map[string]int{"online": 2, "kiosk": 1, "desk": 0, "jkn": 1, "whatsapp": 0},
		TransfersIn: 1, Called: 3, Served: 2, Skipped: 1, Cancelled: 1, Transferred: 0, Unserved: 0,
		Waits: []int32{60, 600, 1800}, Services: []int32{300, 420}}
	umum.Arrivals[7], umum.Arrivals[8] = 2, 3
	gigi := postgres.UnitDay{Facility: "sobo", Unit: "GIGI", Date: "2026-11-26", Booked: map[string]int{"online": 1, "kiosk": 0, "desk": 0, "jkn": 0, "whatsapp": 2},
		Cancelled: 1, Waits: []int32{}, Services: []int32{}}
	gigi.Arrivals[9] = 1
	if err := db.SaveDays(ctx, missing, []postgres.UnitDay{umum, gigi}, now); err != nil {
		t.Fatal(err)
	}
	if again, err := db.MissingDays(ctx, ids, "2026-11-26", "2026-11-28", now); err != nil || len(again) != 0 {
		t.Errorf("missing days once stored: got %v, %v; want none (a day without tickets is marked too)", again, err)
	}
	stored, err := db.UnitDays(ctx, ids, "2026-11-01", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(stored, func(a, b postgres.UnitDay) int { return cmp.Compare(b.Unit, a.Unit) })
	if len(stored) != 2 || fmt.Sprint(stored[0]) != fmt.Sprint(umum) || fmt.Sprint(stored[1]) != fmt.Sprint(gigi) {
		t.Errorf("stored rollups:\n got %+v\nwant %+v", stored, []postgres.UnitDay{umum, gigi})
	}

	// A second instance that computed the same day keeps out: the first
	// rows stay, and the day is not counted twice.
	other := umum
	other.Called = 99
	if err := db.SaveDays(ctx, missing[2:], []postgres.UnitDay{other}, now); err != nil {
		t.Fatal(err)
	}
	if again, _ := db.UnitDays(ctx, ids, "2026-11-26", "2026-11-26"); len(again) != 2 || again[0].Called+again[1].Called != 3 {
		t.Errorf("after a late second rollup: got %+v, want the first one's rows", again)
	}

	odd := postgres.UnitDay{Facility: "pkm001", Unit: "NOPE", Date: "2026-11-25", Booked: map[string]int{}}
	err = db.SaveDays(ctx, []postgres.FacilityDay{{"pkm001", "2026-11-25"}}, []postgres.UnitDay{odd}, now)
	if !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("a rollup of an unknown unit: got %v, want fault.ErrNotFound", err)
	}
	if m, _ := db.MissingDays(ctx, ids, "2026-11-25", "2026-11-25", now); len(m) != 2 {
		t.Errorf("after the refused rollup: missing %v, want both facilities' 25 November (nothing kept)", m)
	}
}

func TestSendCounts(t *testing.T) {
	db := reportDB(t)
	ctx := context.Background()
	type send struct {
		box               func(*postgres.DB) *postgres.Outbox
		enqueue           func(*postgres.Tx, context.Context, outbox.Message) error
		channel, facility string
		created           time.Time
		state             string
	}
	notify, integration := (*postgres.DB).NotifyOutbox, (*postgres.DB).IntegrationOutbox
	msg, call := (*postgres.Tx).EnqueueNotification, (*postgres.Tx).EnqueueCall
	sends := []send{
		{notify, msg, "webhook", "sobo", nov(26, 8, 0), outbox.StateSent},
		{notify, msg, "webhook", "sobo", nov(26, 9, 0), outbox.StateSent},
		{notify, msg, "webhook", "sobo", nov(26, 10, 0), outbox.StateDead},
		{notify, msg, "webhook", "sobo", nov(25, 23, 59), outbox.StateSent}, // the day before
		{notify, msg, "webhook", "pkm001", nov(26, 8, 0), outbox.StateSent}, // another facility
		{integration, call, "bpjs", "sobo", nov(26, 8, 0), outbox.StateSent},
		{integration, call, "satusehat", "sobo", nov(26, 23, 59), outbox.StateDead},
		{notify, msg, "webhook", "sobo", nov(26, 12, 0), outbox.StateStale},
		{notify, msg, "webhook", "sobo", nov(26, 11, 0), outbox.StatePending}, // last: the claims above would take it
	}
	later := time.Now().AddDate(10, 0, 0) // every row is due
	for i, s := range sends {
		m := outbox.Message{Channel: s.channel, Kind: "booked", Facility: s.facility, Unit: "UMUM", TicketID: fmt.Sprint("t", i),
			Code: "B-001", To: "+6281234567890", Text: "teks", CreatedAt: s.created}
		if err := db.WithTx(ctx, func(tx *postgres.Tx) error { return s.enqueue(tx, ctx, m) }); err != nil {
			t.Fatal(err)
		}
		if s.state == outbox.StatePending {
			continue
		}
		ds, err := s.box(db).Claim(ctx, "w", later, later.Add(time.Minute), 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("claim: %d rows, %v", len(ds), err)
		}
		if ok, err := s.box(db).Finish(ctx, ds[0].ID, "w", s.state, "", later); err != nil || !ok {
			t.Fatalf("finish: %v, %v", ok, err)
		}
	}
	got, err := db.SendCounts(ctx, "sobo", nov(26, 0, 0), nov(27, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []postgres.SendCount{{"bpjs", "sent", 1}, {"notify", "dead", 1}, {"notify", "pending", 1}, {"notify", "sent", 2},
		{"notify", "stale", 1}, {"satusehat", "dead", 1}}
	if !slices.Equal(got, want) {
		t.Errorf("send counts of sobo on 26 November:\n got %v\nwant %v", got, want)
	}
}

func TestLiveUnits(t *testing.T) {
	db := reportDB(t)
	ctx := context.Background()
	a := book(t, db, "sobo", "UMUM", "2026-11-27", nov(27, 7, 30))
	book(t, db, "sobo", "UMUM", "2026-11-27", nov(27, 8, 0))
	apply(t, db, a, queue.ActionCall, "Ruang 1", "ani", nov(27, 8, 10))
	b := book(t, db, "sobo", "GIGI", "2026-11-27", nov(27, 8, 5))
	apply(t, db, b, queue.ActionCall, "Ruang 2", "ani", nov(27, 8, 15))
	apply(t, db, b, queue.ActionStart, "", "ani", nov(27, 8, 16))
	done := book(t, db, "sobo", "LAB", "2026-11-27", nov(27, 8, 20))
	apply(t, db, done, queue.ActionCancel, "", "", nov(27, 8, 25))
	book(t, db, "sobo", "KIA", "2026-11-26", nov(26, 8, 0))   // yesterday's, never called
	book(t, db, "sobo", "KIA", "2026-11-28", nov(27, 8, 0))   // tomorrow's
	book(t, db, "sobo", "UMUM", "2026-11-27", nov(26, 20, 0)) // booked ahead: waits from 07:00

	got, err := db.LiveUnits(ctx, nov(27, 9, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("live units: got %+v, want GIGI and UMUM", got)
	}
	g, u := got[0], got[1]
	if g.Unit != "GIGI" || g.Waiting != 0 || g.Serving != 1 || g.OldestSince != nil {
		t.Errorf("GIGI: got %+v, want one in service and nobody waiting", g)
	}
	if u.Unit != "UMUM" || u.Facility != "sobo" || u.Waiting != 2 || u.Serving != 1 || u.OldestSince == nil || !u.OldestSince.Equal(nov(27, 7, 0)) {
		t.Errorf("UMUM: got %+v, want 2 waiting since 07:00 (the opening, for the ticket booked ahead) and 1 called", u)
	}
}
