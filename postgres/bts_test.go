package postgres

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/bts/photo"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
)

func openTestDB(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, testDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return db
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// district seeds two kecamatan, two Puskesmas and three desa:
// kec-a: sobo (desa-1, desa-2); kec-b: kabat (desa-3).
func district(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	for _, f := range []queue.Facility{{Code: "sobo", Name: "Puskesmas Sobo"}, {Code: "kabat", Name: "Puskesmas Kabat"}} {
		if _, err := db.CreateFacility(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	must := func(_ int64, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.SaveKecamatan(ctx, bts.Kecamatan{Code: "kec-a", Name: "Kecamatan A"}))
	must(db.SaveKecamatan(ctx, bts.Kecamatan{Code: "kec-b", Name: "Kecamatan B"}))
	if err := db.SetBTSFacility(ctx, "sobo", "kec-a", anthro.MethodDaily); err != nil {
		t.Fatal(err)
	}
	if err := db.SetBTSFacility(ctx, "kabat", "kec-b", anthro.MethodDaily); err != nil {
		t.Fatal(err)
	}
	must(db.SaveDesa(ctx, bts.Desa{Code: "desa-1", Name: "Desa Satu", Kecamatan: "kec-a", Facility: "sobo"}))
	must(db.SaveDesa(ctx, bts.Desa{Code: "desa-2", Name: "Desa Dua", Kecamatan: "kec-a", Facility: "sobo"}))
	must(db.SaveDesa(ctx, bts.Desa{Code: "desa-3", Name: "Desa Tiga", Kecamatan: "kec-b", Facility: "kabat"}))
}

// measured registers a child born ageDays before the date on and measures
// it there.
func measured(t *testing.T, db *DB, facility, desa string, sex anthro.Sex, on string, ageDays int, in bts.MeasurementInput) bts.Child {
	t.Helper()
	ctx := context.Background()
	birth := day(on).AddDate(0, 0, -ageDays)
	c, err := db.CreateChild(ctx, bts.Child{Facility: facility, Name: "Anak", Sex: sex, BirthDate: birth,
		Address: bts.Address{Desa: desa}})
	if err != nil {
		t.Fatal(err)
	}
	measure(t, db, c, on, in)
	return c
}

func measure(t *testing.T, db *DB, c bts.Child, on string, in bts.MeasurementInput) {
	t.Helper()
	in.MeasuredOn, in.Place = day(on), bts.AtPosyandu
	m, err := bts.NewMeasurement(c, in, anthro.MethodDaily, day("2026-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddMeasurement(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// TestPrevalenceSeededDistrict checks prevalence on a small district whose
// numbers were worked out by hand from the WHO test vectors (z in comments).
func TestPrevalenceSeededDistrict(t *testing.T) {
	db := openTestDB(t)
	district(t, db)
	const on = "2026-03-10"
	L := func(cm float64, m anthro.Measure) bts.MeasurementInput {
		return bts.MeasurementInput{LenHeiCm: cm, Measure: m}
	}
	lying, standing := anthro.MeasureLying, anthro.MeasureStanding
	// desa-1 (sobo, kec-a)
	measured(t, db, "sobo", "desa-1", anthro.Female, on, 365, L(68.0, lying)) // -2.33 pendek, 11 mo
	measured(t, db, "sobo", "desa-1", anthro.Female, on, 548, L(74.9, lying)) // -2.00 normal, 18 mo
	measured(t, db, "sobo", "desa-1", anthro.Male, on, 400, L(70.0, lying))   // -2.91 pendek, 13 mo
	measured(t, db, "sobo", "desa-1", anthro.Male, on, 365,                   // weight only
		bts.MeasurementInput{WeightKg: 7.7}) //                                  BB/U -2.05 kurang
	// desa-2 (sobo, kec-a)
	measured(t, db, "sobo", "desa-2", anthro.Female, on, 1461, L(89.0, standing)) // -3.19 sangat pendek, 48 mo
	measured(t, db, "sobo", "desa-2", anthro.Male, on, 1096, L(88.7, standing))   // -1.99 normal, 36 mo
	measured(t, db, "sobo", "desa-2", anthro.Male, on, 400, L(45.0, lying))       // below -6: flagged, left out
	// desa-3 (kabat, kec-b)
	measured(t, db, "kabat", "desa-3", anthro.Male, on, 731, L(81.0, standing))               // -2.01 pendek, 24 mo
	measured(t, db, "kabat", "desa-3", anthro.Male, on, 700, L(81.0, standing))               // -1.75 normal, 23 mo
	c := measured(t, db, "kabat", "desa-3", anthro.Female, "2026-03-01", 365, L(68.0, lying)) // -2.33 ...
	measure(t, db, c, "2026-03-20", L(72.0, lying))                                           // ... then normal: the latest counts
	measured(t, db, "kabat", "desa-3", anthro.Female, "2026-02-10", 365, L(68.0, lying))      // before the period
	measured(t, db, "kabat", "desa-3", anthro.Female, on, 183,                                // oedema: severe for wasting and underweight
		bts.MeasurementInput{WeightKg: 6.5, LenHeiCm: 65, Measure: lying, Oedema: true})

	obs, err := db.Observations(context.Background(), "", day("2026-03-01"), day("2026-03-31"))
	if err != nil {
		t.Fatal(err)
	}
	rate := func(den, cases, moderate, severe int, pct float64) bts.Rate {
		return bts.Rate{Denominator: den, Cases: cases, Moderate: moderate, Severe: severe, Percent: pct}
	}
	check := func(t *testing.T, what string, got, want bts.Rate) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %+v, want %+v", what, got, want)
		}
	}
	t.Run("district", func(t *testing.T) {
		rows := bts.Prevalence(obs, bts.LevelDistrict)
		if len(rows) != 1 {
			t.Fatalf("got %d rows, want 1", len(rows))
		}
		r := rows[0]
		// The oedema child (65 cm at 183 days) also has a valid length.
		// Its zlen: girl 183 d, 65.0 cm is about -0.6: not stunted.
		check(t, "stunting", r.All.Stunting, rate(9, 4, 3, 1, 44.4))
		check(t, "wasting", r.All.Wasting, rate(1, 1, 0, 1, 100))
		check(t, "underweight", r.All.Underweight, rate(2, 2, 1, 1, 100))
		check(t, "stunting girls", r.Female.Stunting, rate(5, 2, 1, 1, 40))
		check(t, "stunting boys", r.Male.Stunting, rate(4, 2, 2, 0, 50))
		// 183 days is 6 completed months (183 / 30.4375 = 6.01), so the
		// oedema child is in 6-11 with the girl of 365 days (11 months).
		wantAges := []bts.Rate{
			rate(0, 0, 0, 0, 0),   // 0-5
			rate(2, 1, 1, 0, 50),  // 6-11
			rate(4, 1, 1, 0, 25),  // 12-23: 18, 13, 23 and 12 months; only the boy of 400 days
			rate(1, 1, 1, 0, 100), // 24-35
			rate(1, 0, 0, 0, 0),   // 36-47
			rate(1, 1, 0, 1, 100), // 48-59
		}
		for i, g := range bts.AgeGroups {
			check(t, "stunting "+g.Label, r.Ages[i].Stunting, wantAges[i])
		}
	})
	t.Run("desa", func(t *testing.T) {
		rows := bts.Prevalence(obs, bts.LevelDesa)
		want := map[string]bts.Rate{
			"desa-2": rate(2, 1, 0, 1, 50),
			"desa-1": rate(3, 2, 2, 0, 66.7),
			"desa-3": rate(4, 1, 1, 0, 25),
		}
		if len(rows) != 3 {
			t.Fatalf("got %d rows, want 3", len(rows))
		}
		for _, r := range rows {
			check(t, r.Code, r.All.Stunting, want[r.Code])
		}
		if rows[0].Name != "Desa Dua" {
			t.Errorf("rows not sorted by name: first %q", rows[0].Name)
		}
	})
	t.Run("puskesmas and kecamatan", func(t *testing.T) {
		for _, l := range []bts.Level{bts.LevelFacility, bts.LevelKecamatan} {
			rows := bts.Prevalence(obs, l)
			if len(rows) != 2 {
				t.Fatalf("%s: got %d rows, want 2", l, len(rows))
			}
			got := map[string]bts.Rate{rows[0].Name: rows[0].All.Stunting, rows[1].Name: rows[1].All.Stunting}
			a, b := "Puskesmas Sobo", "Puskesmas Kabat"
			if l == bts.LevelKecamatan {
				a, b = "Kecamatan A", "Kecamatan B"
			}
			check(t, string(l)+" "+a, got[a], rate(5, 3, 2, 1, 60))
			check(t, string(l)+" "+b, got[b], rate(4, 1, 1, 0, 25))
		}
	})
	t.Run("scoped to a facility", func(t *testing.T) {
		obs, err := db.Observations(context.Background(), "kabat", day("2026-03-01"), day("2026-03-31"))
		if err != nil {
			t.Fatal(err)
		}
		check(t, "kabat", bts.Prevalence(obs, bts.LevelDistrict)[0].All.Stunting, rate(4, 1, 1, 0, 25))
	})
}

func TestDeliveryOnce(t *testing.T) {
	db := openTestDB(t)
	district(t, db)
	ctx := context.Background()
	kader, err := db.CreateUser(ctx, "sobo", "kader1", account.Kader, "x")
	if err != nil {
		t.Fatal(err)
	}
	c := measured(t, db, "sobo", "desa-1", anthro.Female, "2026-03-01", 365, bts.MeasurementInput{LenHeiCm: 68, Measure: anthro.MeasureLying})
	e, err := db.CreateEnrolment(ctx, bts.Enrolment{Facility: "sobo", Target: bts.Baduta, ChildID: c.ID,
		Start: day("2026-03-01"), End: day("2027-02-28"), AllowanceRp: 15000, Cadre: "kader1"})
	if err != nil {
		t.Fatal(err)
	}
	if e.CadreID != kader.ID || e.TargetName != "Anak" || e.Desa != "desa-1" {
		t.Errorf("enrolment = %+v", e)
	}
	lat := -8.2
	d := bts.Delivery{ClientID: "client-0001", EnrolmentID: e.ID, Facility: "sobo", DeliveredOn: day("2026-03-02"),
		CadreID: kader.ID, Items: []bts.Item{{Kind: bts.Telur, Qty: 2, PriceRp: 5000}}, TotalRp: 5000,
		Consumption: bts.Habis, Photo: bts.PhotoRef{Hash: "ab", Bytes: 10, Meta: photo.Meta{Lat: &lat, Lon: &lat}},
		ReceivedAt: time.Now()}
	first, created, err := db.CreateDelivery(ctx, d)
	if err != nil || !created {
		t.Fatalf("first: created %v, %v", created, err)
	}
	again, created, err := db.CreateDelivery(ctx, d)
	if err != nil || created || again.ID != first.ID {
		t.Fatalf("retry: got id %d created %v err %v, want id %d not created", again.ID, created, err, first.ID)
	}
	d.ClientID = "client-0002"
	if _, _, err := db.CreateDelivery(ctx, d); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("second report for the same day: got %v, want ErrConflict", err)
	}
	if first.Photo.Meta.Lat == nil || *first.Photo.Meta.Lat != lat {
		t.Errorf("GPS not kept: %+v", first.Photo.Meta)
	}
	r, err := db.ReviewDelivery(ctx, "sobo", first.ID, bts.Verified, "", kader.ID, time.Now())
	if err != nil || r.Status != bts.Verified {
		t.Fatalf("review: %v %v", r.Status, err)
	}
	if _, err := db.ReviewDelivery(ctx, "sobo", first.ID, bts.Rejected, "x", kader.ID, time.Now()); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("second review: got %v, want ErrConflict", err)
	}
	if _, err := db.ReviewDelivery(ctx, "kabat", first.ID, bts.Rejected, "x", kader.ID, time.Now()); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("review from another facility: got %v, want ErrNotFound", err)
	}
}

// A list of reports names each report's target, a child or a pregnant
// woman, in the same query: the review page needs nothing more.
func TestDeliveriesNameTheirTargets(t *testing.T) {
	db := openTestDB(t)
	district(t, db)
	ctx := context.Background()
	kader, err := db.CreateUser(ctx, "sobo", "kader1", account.Kader, "x")
	if err != nil {
		t.Fatal(err)
	}
	c := measured(t, db, "sobo", "desa-1", anthro.Female, "2026-03-01", 365, bts.MeasurementInput{LenHeiCm: 68, Measure: anthro.MeasureLying})
	p, err := db.CreatePregnancy(ctx, bts.Pregnancy{Facility: "sobo", Name: "Ibu Rina", HPHT: day("2026-01-05"),
		Address: bts.Address{Desa: "desa-2"}}, day("2026-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	var enrolments []bts.Enrolment
	for _, e := range []bts.Enrolment{{Target: bts.Baduta, ChildID: c.ID}, {Target: bts.BumilRisti, PregnancyID: p.ID}} {
		e.Facility, e.Start, e.End, e.AllowanceRp = "sobo", day("2026-03-01"), day("2027-02-28"), 15000
		e, err := db.CreateEnrolment(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		enrolments = append(enrolments, e)
	}
	for i, e := range enrolments {
		d := bts.Delivery{ClientID: "client-000" + string(rune('1'+i)), EnrolmentID: e.ID, Facility: "sobo",
			DeliveredOn: day("2026-03-02"), CadreID: kader.ID, Items: []bts.Item{{Kind: bts.Ikan, Qty: 1, PriceRp: 10000}},
			TotalRp: 10000, Consumption: bts.Sisa, Photo: bts.PhotoRef{Hash: "ab"}, ReceivedAt: time.Now()}
		stored, _, err := db.CreateDelivery(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if stored.TargetName != e.TargetName {
			t.Errorf("stored report names %q, want %q", stored.TargetName, e.TargetName)
		}
	}
	ds, err := db.Deliveries(ctx, "sobo", 0, bts.Pending, day("2026-03-01"), day("2026-03-31"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, d := range ds {
		got[d.EnrolmentID] = d.TargetName
	}
	if len(ds) != 2 || got[enrolments[0].ID] != "Anak" || got[enrolments[1].ID] != "Ibu Rina" {
		t.Errorf("targets named %v, want Anak and Ibu Rina", got)
	}
}

// The cadres a target can be assigned to: the facility's kader accounts
// that are not disabled, by username.
func TestCadres(t *testing.T) {
	db := openTestDB(t)
	district(t, db)
	ctx := context.Background()
	for _, u := range []struct {
		facility, name string
		role           account.Role
	}{{"sobo", "kader-b", account.Kader}, {"sobo", "kader-a", account.Kader}, {"sobo", "kader-off", account.Kader},
		{"sobo", "petugas", account.Staff}, {"kabat", "kader-kabat", account.Kader}} {
		if _, err := db.CreateUser(ctx, u.facility, u.name, u.role, "x"); err != nil {
			t.Fatal(err)
		}
	}
	off := true
	if err := db.UpdateUser(ctx, "sobo", "kader-off", UserChange{Disabled: &off}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Cadres(ctx, "sobo")
	if err != nil || len(got) != 2 || got[0] != "kader-a" || got[1] != "kader-b" {
		t.Errorf("got %q, %v; want kader-a, kader-b", got, err)
	}
	if got, err := db.Cadres(ctx, "nowhere"); err != nil || len(got) != 0 {
		t.Errorf("an unknown facility: got %q, %v; want none", got, err)
	}
}

// BTSFacility gives a facility's zone, kecamatan and method, with the
// defaults of a facility BTS has not been set up for.
func TestBTSFacility(t *testing.T) {
	db := openTestDB(t)
	district(t, db)
	ctx := context.Background()
	if err := db.SetBTSFacility(ctx, "kabat", "kec-b", anthro.MethodMonthly); err != nil {
		t.Fatal(err)
	}
	f, err := db.BTSFacility(ctx, "kabat")
	if err != nil || f.Name != "Puskesmas Kabat" || f.Location.String() != "Asia/Jakarta" || f.Kecamatan != "kec-b" ||
		f.KecamatanName != "Kecamatan B" || f.Method != anthro.MethodMonthly {
		t.Errorf("got %+v, %v", f, err)
	}
	if _, err := db.CreateFacility(ctx, queue.Facility{Code: "baru", Name: "Puskesmas Baru", Timezone: "Asia/Makassar"}); err != nil {
		t.Fatal(err)
	}
	f, err = db.BTSFacility(ctx, "baru")
	if err != nil || f.Kecamatan != "" || f.Method != anthro.MethodDaily || f.Location.String() != "Asia/Makassar" {
		t.Errorf("a facility not set up: got %+v, %v; want no kecamatan, daily, its own zone", f, err)
	}
	if _, err := db.BTSFacility(ctx, "nowhere"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("an unknown facility: got %v, want ErrNotFound", err)
	}
	if err := db.SetBTSFacility(ctx, "sobo", "kec-z", anthro.MethodDaily); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("an unknown kecamatan: got %v, want ErrNotFound", err)
	}
}
