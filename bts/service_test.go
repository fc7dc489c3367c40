package bts_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/bts/photo"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
)

// fixture is a bts.Service on a fresh database with two Puskesmas (sobo
// in kec-a with desa-1, kabat in kec-b with desa-3), their accounts, and a
// clock the test sets: 10 March 2026, 10:00 WIB unless a test moves it.
type fixture struct {
	t      *testing.T
	db     *postgres.DB
	svc    *bts.Service
	now    time.Time
	photos photo.Store
	// Accounts: two cadres and a staff member of sobo, a cadre of kabat.
	kader1, kader2, staff, kabatKader bts.Actor
}

var wib = time.FixedZone("WIB", 7*3600)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, db: testenv.DB(t), now: time.Date(2026, 3, 10, 10, 0, 0, 0, wib), photos: photo.Store{Dir: t.TempDir()}}
	f.svc = &bts.Service{Store: f.db, Photos: f.photos, Now: func() time.Time { return f.now }}
	for _, fc := range []queue.Facility{{Code: "sobo", Name: "Puskesmas Sobo"}, {Code: "kabat", Name: "Puskesmas Kabat"}} {
		if _, err := f.db.CreateFacility(ctx, fc); err != nil {
			t.Fatal(err)
		}
	}
	f.must(f.svc.SaveKecamatan(ctx, bts.Kecamatan{Code: "kec-a", Name: "Kecamatan A"}))
	f.must(f.svc.SaveKecamatan(ctx, bts.Kecamatan{Code: "kec-b", Name: "Kecamatan B"}))
	f.must(f.svc.SetFacility(ctx, "sobo", "kec-a", "daily"))
	f.must(f.svc.SetFacility(ctx, "kabat", "kec-b", ""))
	f.must(f.svc.SaveDesa(ctx, bts.Desa{Code: "desa-1", Name: "Desa Satu", Kecamatan: "kec-a", Facility: "sobo"}))
	f.must(f.svc.SaveDesa(ctx, bts.Desa{Code: "desa-3", Name: "Desa Tiga", Kecamatan: "kec-b", Facility: "kabat"}))
	user := func(facility, name string, role account.Role) bts.Actor {
		u, err := f.db.CreateUser(ctx, facility, name, role, "x")
		if err != nil {
			t.Fatal(err)
		}
		return bts.Actor{ID: u.ID, Username: name, Cadre: role == account.Kader}
	}
	f.kader1, f.kader2 = user("sobo", "kader1", account.Kader), user("sobo", "kader2", account.Kader)
	f.staff, f.kabatKader = user("sobo", "petugas", account.Staff), user("kabat", "kader3", account.Kader)
	return f
}

// must fails the test on a setup error.
func (f *fixture) must(_ any, err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// child registers a child of facility (desa-1 for sobo, desa-3 for kabat)
// born ageDays before the clock's day.
func (f *fixture) child(facility, nik string, sex anthro.Sex, ageDays int) bts.Child {
	f.t.Helper()
	desa := map[string]string{"sobo": "desa-1", "kabat": "desa-3"}[facility]
	c, err := f.svc.RegisterChild(context.Background(), bts.Child{Facility: facility, NIK: nik, Name: " Anak " + nik + " ",
		Sex: sex, BirthDate: bts.Date(f.now, wib).AddDate(0, 0, -ageDays), Address: bts.Address{Desa: desa}})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// enrolled enrols a stunted baduta of sobo from the clock's day, assigned
// to cadre ("" for no one).
func (f *fixture) enrolled(nik, cadre string) bts.Enrolment {
	f.t.Helper()
	c := f.child("sobo", nik, anthro.Female, 365)
	e, err := f.svc.Enrol(context.Background(), bts.Enrolment{Facility: "sobo", Target: bts.Baduta, ChildID: c.ID, Cadre: cadre})
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func isField(err error, kind error, field string) bool {
	fe, ok := fault.As(err)
	return errors.Is(err, kind) && ok && fe.Field == field
}

func TestServiceRegistry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	t.Run("a child, checked on the facility's today", func(t *testing.T) {
		c := f.child("sobo", "3510010101250001", anthro.Male, 30)
		if c.ID == 0 || c.Name != "Anak 3510010101250001" || c.Address.Kecamatan != "kec-a" {
			t.Errorf("registered %+v, want an id, the name trimmed and the desa's kecamatan", c)
		}
		// 23:30 WIB on 10 March is still 10 March in Banyuwangi, though
		// 11 March has begun in no zone yet: a birth on the 11th is future.
		f.now = time.Date(2026, 3, 10, 23, 30, 0, 0, wib)
		_, err := f.svc.RegisterChild(ctx, bts.Child{Facility: "sobo", Name: "Besok", Sex: anthro.Female,
			BirthDate: day(t, "2026-03-11"), Address: bts.Address{Desa: "desa-1"}})
		if !isField(err, fault.ErrInvalid, "birth_date") {
			t.Errorf("born tomorrow: got %v, want invalid birth_date", err)
		}
		f.now = time.Date(2026, 3, 10, 10, 0, 0, 0, wib)
	})
	t.Run("a NIK registered twice", func(t *testing.T) {
		f.child("kabat", "3510010101250002", anthro.Female, 100)
		for facility, want := range map[string]string{
			"kabat": "NIK anak ini sudah terdaftar. Cari anak dengan NIK ini.",
			"sobo":  "NIK anak ini sudah terdaftar di Puskesmas Kabat.",
		} {
			_, err := f.svc.RegisterChild(ctx, bts.Child{Facility: facility, NIK: "3510010101250002", Name: "Lagi",
				Sex: anthro.Female, BirthDate: day(t, "2025-12-01"), Address: bts.Address{Desa: "desa-1"}})
			fe, _ := fault.As(err)
			if !isField(err, fault.ErrConflict, "nik") || !strings.HasPrefix(fe.Message, want) {
				t.Errorf("at %s: got %v, want a conflict on nik starting %q", facility, err, want)
			}
		}
	})
	t.Run("an unknown facility", func(t *testing.T) {
		_, err := f.svc.RegisterChild(ctx, bts.Child{Facility: "nowhere", Name: "X", Sex: anthro.Male,
			BirthDate: day(t, "2025-12-01"), Address: bts.Address{Desa: "desa-1"}})
		if !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("a measurement with the defaults and a suggestion", func(t *testing.T) {
		c := f.child("sobo", "3510010101250003", anthro.Female, 548)
		m, err := f.svc.Measure(ctx, f.staff, "sobo", c.ID, bts.MeasurementInput{LenHeiCm: 74.0, Measure: anthro.MeasureLying})
		if err != nil {
			t.Fatal(err)
		}
		if !m.MeasuredOn.Equal(day(t, "2026-03-10")) || m.Place != bts.AtPuskesmas || m.MeasuredBy != "petugas" ||
			m.Result.AgeDays != 548 || m.Result.Method != anthro.MethodDaily || !m.Result.Stunted() {
			t.Errorf("measurement %+v: want today, at the Puskesmas, by petugas, 548 days, daily, stunted", m)
		}
		r, err := f.svc.ChildRecord(ctx, "sobo", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Measurements) != 1 || r.Suggestion == nil || r.Suggestion.Target != bts.Baduta {
			t.Errorf("record %+v: want the measurement and a baduta suggestion", r)
		}
		if _, err := f.svc.ChildRecord(ctx, "kabat", c.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("the child from another facility: got %v, want ErrNotFound", err)
		}
		if _, err := f.svc.Measure(ctx, f.staff, "kabat", c.ID, bts.MeasurementInput{WeightKg: 9}); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("measured at another facility: got %v, want ErrNotFound", err)
		}
	})
	t.Run("the facility's method", func(t *testing.T) {
		f.must(f.svc.SetFacility(ctx, "kabat", "kec-b", "monthly"))
		c := f.child("kabat", "", anthro.Male, 60)
		m, err := f.svc.Measure(ctx, f.staff, "kabat", c.ID, bts.MeasurementInput{LenHeiCm: 52, Measure: anthro.MeasureLying})
		if err != nil || m.Result.Method != anthro.MethodMonthly {
			t.Errorf("got %v, %v; want a monthly result", m.Result.Method, err)
		}
		if _, err := f.svc.SetFacility(ctx, "kabat", "kec-b", "weekly"); !isField(err, fault.ErrInvalid, "method") {
			t.Errorf("method weekly: got %v, want invalid method", err)
		}
	})
	t.Run("pregnancies", func(t *testing.T) {
		p := bts.Pregnancy{Facility: "sobo", NIK: "3510014101900001", Name: " Ibu ", HPHT: day(t, "2026-01-06"),
			LiLACm: 22, Address: bts.Address{Desa: "desa-1"}}
		r, err := f.svc.RegisterPregnancy(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if r.Pregnancy.Name != "Ibu" || r.Weeks != 9 || r.Suggestion == nil || r.Suggestion.Target != bts.BumilRisti {
			t.Errorf("got %+v, want 9 weeks (63 days since the HPHT) and a bumil risti suggestion", r)
		}
		p.Facility, p.HPHT = "kabat", day(t, "2026-01-20")
		_, err = f.svc.RegisterPregnancy(ctx, p)
		fe, _ := fault.As(err)
		if !isField(err, fault.ErrConflict, "nik") || !strings.Contains(fe.Message, "Puskesmas Sobo") {
			t.Errorf("the same pregnancy at another facility: got %v, want a conflict naming Puskesmas Sobo", err)
		}
		rs, err := f.svc.Pregnancies(ctx, "sobo", " 351001 ")
		if err != nil || len(rs) != 1 || rs[0].Weeks != 9 {
			t.Errorf("search by NIK: got %+v, %v", rs, err)
		}
	})
	t.Run("areas", func(t *testing.T) {
		f.must(f.svc.AddPosyandu(ctx, bts.Posyandu{Desa: "desa-1", Name: "Melati"}))
		as, err := f.svc.Areas(ctx, "sobo")
		if err != nil || len(as) != 1 || as[0].Desa.Code != "desa-1" || len(as[0].Posyandu) != 1 || as[0].Posyandu[0].Name != "Melati" {
			t.Errorf("got %+v, %v; want desa-1 with Melati", as, err)
		}
		if _, err := f.svc.AddPosyandu(ctx, bts.Posyandu{Desa: "desa-1", Name: " "}); !isField(err, fault.ErrInvalid, "name") {
			t.Errorf("a posyandu without a name: got %v", err)
		}
	})
}

func TestServiceEnrolment(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mine := f.enrolled("3510010101250011", "kader1")
	theirs := f.enrolled("3510010101250012", "kader2")
	nobodys := f.enrolled("3510010101250013", "")

	if !mine.Start.Equal(day(t, "2026-03-10")) || !mine.End.Equal(day(t, "2027-03-09")) || mine.AllowanceRp != bts.DefaultAllowanceRp {
		t.Errorf("defaults: %+v, want a year from today at the default allowance", mine)
	}
	t.Run("a cadre sees their targets and the unassigned", func(t *testing.T) {
		es, err := f.svc.Enrolments(ctx, f.kader1, "sobo", bts.Period{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]bool{}
		for _, e := range es {
			got[e.ID] = true
		}
		if len(es) != 2 || !got[mine.ID] || !got[nobodys.ID] {
			t.Errorf("kader1 sees %v, want %d and %d", got, mine.ID, nobodys.ID)
		}
		if es, _ := f.svc.Enrolments(ctx, f.staff, "sobo", bts.Period{}); len(es) != 3 {
			t.Errorf("staff see %d, want all 3", len(es))
		}
		_, err = f.svc.Enrolments(ctx, f.staff, "sobo", bts.Period{From: day(t, "2026-03-10"), To: day(t, "2026-03-09")})
		if !isField(err, fault.ErrInvalid, "from") {
			t.Errorf("a period that ends before it starts: got %v", err)
		}
	})
	t.Run("leaving early, once", func(t *testing.T) {
		e, err := f.svc.ExitEnrolment(ctx, "sobo", theirs.ID, time.Time{}, " Pindah domisili ")
		if err != nil || !e.ExitedOn.Equal(day(t, "2026-03-10")) || e.ExitReason != "Pindah domisili" {
			t.Fatalf("exit: %+v, %v; want today, the reason trimmed", e, err)
		}
		if _, err := f.svc.ExitEnrolment(ctx, "sobo", theirs.ID, time.Time{}, "lagi"); !errors.Is(err, fault.ErrConflict) {
			t.Errorf("second exit: got %v, want ErrConflict", err)
		}
		if _, err := f.svc.ExitEnrolment(ctx, "kabat", mine.ID, time.Time{}, "x"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("exit at another facility: got %v, want ErrNotFound", err)
		}
	})
	t.Run("cadres to assign", func(t *testing.T) {
		names, err := f.svc.Cadres(ctx, "sobo")
		if err != nil || strings.Join(names, ",") != "kader1,kader2" {
			t.Errorf("got %q, %v; want kader1,kader2", names, err)
		}
	})
}

func gpsJPEG(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("photo/testdata/gps.jpg") // EXIF: 2026-03-14 07:15:30, -8.2192, 114.3691
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// upload is a report of an egg delivery for enrolment e on date ("" for
// today) with img as its photo (nil for none).
func upload(clientID string, e bts.Enrolment, date string, img []byte) bts.Upload {
	u := bts.Upload{ClientID: clientID, EnrolmentID: strconv.FormatInt(e.ID, 10), Date: date,
		Items: `[{"kind":"telur","qty":2,"price_rp":5000}]`, Consumption: "habis", Notes: "dimakan siang"}
	if img != nil {
		u.Photo = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(img)), nil }
	}
	return u
}

func TestServiceDeliver(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.enrolled("3510010101250021", "kader1")
	img := gpsJPEG(t)

	first, err := f.svc.Deliver(ctx, f.kader1, "sobo", upload("client-0001", e, "", img))
	if err != nil {
		t.Fatal(err)
	}
	d := first.Delivery
	if !first.Created || d.ID == 0 || !d.DeliveredOn.Equal(day(t, "2026-03-10")) || d.TotalRp != 5000 ||
		d.Status != bts.Pending || d.Cadre != "kader1" || d.TargetName != "Anak 3510010101250021" || first.Zone.String() != "Asia/Jakarta" {
		t.Errorf("first upload: %+v in %v; want a new pending report of today by kader1, 5000, in Asia/Jakarta", d, first.Zone)
	}
	if !d.ReceivedAt.Equal(f.now) || d.Late(first.Zone) {
		t.Errorf("received at %v, want the clock's %v, not late", d.ReceivedAt, f.now)
	}
	if d.Photo.Meta.TakenAt != "2026-03-14T07:15:30+07:00" || d.Photo.Meta.Lat == nil {
		t.Errorf("the EXIF was not kept: %+v", d.Photo.Meta)
	}
	stored, err := f.photos.Open(context.Background(), d.Photo.Hash)
	if err != nil {
		t.Fatalf("the photo was not stored: %v", err)
	}
	served, _ := io.ReadAll(stored)
	stored.Close()
	if bytes.Contains(served, []byte("Exif")) || bytes.Equal(served, img) {
		t.Error("the stored photo keeps the upload's EXIF")
	}

	t.Run("a retry answers with the first report and reads nothing", func(t *testing.T) {
		u := upload("client-0001", e, "garbage", nil)
		u.Items, u.EnrolmentID = "not json", "x"
		u.Photo = func() (io.ReadCloser, error) {
			t.Error("the retry's photo was read")
			return nil, errors.New("not to be read")
		}
		again, err := f.svc.Deliver(ctx, f.kader1, "sobo", u)
		if err != nil || again.Created || again.Delivery.ID != d.ID {
			t.Errorf("retry: %+v, %v; want report %d, not created", again, err, d.ID)
		}
	})
	t.Run("a client id of another facility", func(t *testing.T) {
		f.must(nil, f.db.SetBTSFacility(ctx, "kabat", "kec-b", anthro.MethodDaily))
		_, err := f.svc.Deliver(ctx, f.kabatKader, "kabat", upload("client-0001", e, "", img))
		if !errors.Is(err, fault.ErrConflict) {
			t.Errorf("got %v, want ErrConflict", err)
		}
	})
	t.Run("a second report of the day", func(t *testing.T) {
		_, err := f.svc.Deliver(ctx, f.kader1, "sobo", upload("client-0002", e, "2026-03-10", img))
		if !isField(err, fault.ErrConflict, "date") {
			t.Errorf("got %v, want a conflict on date", err)
		}
	})
	t.Run("what is refused", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			u     bts.Upload
			kind  error
			field string
		}{
			{"no photo", upload("client-0003", e, "", nil), fault.ErrInvalid, "photo"},
			{"not an image", upload("client-0003", e, "", []byte("GIF89a")), fault.ErrInvalid, "photo"},
			{"no target", bts.Upload{ClientID: "client-0003"}, fault.ErrInvalid, "enrolment_id"},
			{"a bad date", upload("client-0003", e, "9-3-2026", img), fault.ErrInvalid, "date"},
			{"before the enrolment", upload("client-0003", e, "2026-03-09", img), fault.ErrInvalid, "date"},
			{"tomorrow", upload("client-0003", e, "2026-03-11", img), fault.ErrInvalid, "date"},
			{"a short client id", upload("c1", e, "", img), fault.ErrInvalid, "client_id"},
		} {
			if _, err := f.svc.Deliver(ctx, f.kader1, "sobo", tc.u); !isField(err, tc.kind, tc.field) {
				t.Errorf("%s: got %v, want %v on %q", tc.name, err, tc.kind, tc.field)
			}
		}
		big := upload("client-0003", e, "", make([]byte, photo.MaxBytes+1))
		if _, err := f.svc.Deliver(ctx, f.kader1, "sobo", big); !errors.Is(err, fault.ErrTooLarge) {
			t.Errorf("a photo over the limit: got %v, want ErrTooLarge", err)
		}
		u := upload("client-0003", e, "", img)
		u.EnrolmentID = "999999"
		if _, err := f.svc.Deliver(ctx, f.kader1, "sobo", u); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("an unknown enrolment: got %v, want ErrNotFound", err)
		}
	})
	t.Run("a report sent the next morning is late", func(t *testing.T) {
		f.now = time.Date(2026, 3, 12, 6, 0, 0, 0, wib)
		r, err := f.svc.Deliver(ctx, f.kader1, "sobo", upload("client-0004", e, "2026-03-11", img))
		if err != nil || !r.Delivery.Late(r.Zone) {
			t.Errorf("got %+v, %v; want a late report", r.Delivery, err)
		}
	})
}

func TestServiceDeliveriesAndReview(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e1, e2 := f.enrolled("3510010101250031", "kader1"), f.enrolled("3510010101250032", "kader2")
	img := gpsJPEG(t)
	r1, err := f.svc.Deliver(ctx, f.kader1, "sobo", upload("client-1001", e1, "", img))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Deliver(ctx, f.kader2, "sobo", upload("client-2001", e2, "", img)); err != nil {
		t.Fatal(err)
	}

	t.Run("a cadre lists only their own", func(t *testing.T) {
		ds, loc, err := f.svc.Deliveries(ctx, f.kader1, "sobo", "", bts.Period{})
		if err != nil || len(ds) != 1 || ds[0].ID != r1.Delivery.ID || loc.String() != "Asia/Jakarta" {
			t.Errorf("kader1 lists %+v, %v, %v; want only report %d", ds, loc, err, r1.Delivery.ID)
		}
		if ds, _, _ := f.svc.Deliveries(ctx, f.staff, "sobo", bts.Pending, bts.Period{}); len(ds) != 2 {
			t.Errorf("staff list %d pending, want 2", len(ds))
		}
	})
	t.Run("a cadre opens only their own photos", func(t *testing.T) {
		p, err := f.svc.Photo(ctx, f.kader1, "sobo", r1.Delivery.ID)
		if err != nil {
			t.Fatal(err)
		}
		p.Close()
		if _, err := f.svc.Photo(ctx, f.kader2, "sobo", r1.Delivery.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("kader2 opens kader1's photo: got %v, want ErrNotFound", err)
		}
		p, err = f.svc.Photo(ctx, f.staff, "sobo", r1.Delivery.ID)
		if err != nil {
			t.Fatal(err)
		}
		p.Close()
	})
	t.Run("verify, once", func(t *testing.T) {
		if _, _, err := f.svc.Review(ctx, f.staff, "sobo", r1.Delivery.ID, bts.Rejected, "  "); !isField(err, fault.ErrInvalid, "note") {
			t.Errorf("a rejection without a reason: got %v", err)
		}
		f.now = f.now.Add(time.Hour)
		d, loc, err := f.svc.Review(ctx, f.staff, "sobo", r1.Delivery.ID, bts.Verified, "")
		if err != nil || d.Status != bts.Verified || d.ReviewedBy != "petugas" || d.ReviewedAt == nil || !d.ReviewedAt.Equal(f.now) || loc == nil {
			t.Fatalf("review: %+v, %v; want verified by petugas at the clock's time", d, err)
		}
		if _, _, err := f.svc.Review(ctx, f.staff, "sobo", r1.Delivery.ID, bts.Rejected, "x"); !errors.Is(err, fault.ErrConflict) {
			t.Errorf("second review: got %v, want ErrConflict", err)
		}
	})
}

func TestServiceReports(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.enrolled("3510010101250041", "kader1") // a girl of 365 days
	if _, err := f.svc.Measure(ctx, f.staff, "sobo", e.ChildID, bts.MeasurementInput{LenHeiCm: 68, Measure: anthro.MeasureLying}); err != nil {
		t.Fatal(err) // -2.33: stunted
	}
	if _, err := f.svc.Deliver(ctx, f.kader1, "sobo", upload("client-3001", e, "", gpsJPEG(t))); err != nil {
		t.Fatal(err)
	}
	month := bts.ReportQuery{Facility: "sobo"}

	p, err := f.svc.Prevalence(ctx, month, bts.LevelDesa)
	if err != nil {
		t.Fatal(err)
	}
	if !p.From.Equal(day(t, "2026-03-01")) || !p.To.Equal(day(t, "2026-03-10")) || len(p.Rows) != 1 || p.Rows[0].All.Stunting.Cases != 1 {
		t.Errorf("prevalence %+v: want 1-10 March (this month so far) with one stunted child in desa-1", p)
	}
	tr, err := f.svc.Trend(ctx, month)
	if err != nil || !tr.From.Equal(day(t, "2025-04-01")) || len(tr.Months) != 12 || tr.Months[11].Counts.Stunting.Cases != 1 {
		t.Errorf("trend from %v, %d months, %v; want 12 months from April 2025 ending with the case", tr.From, len(tr.Months), err)
	}
	cases, err := f.svc.Cases(ctx, month, bts.Stunting)
	if err != nil || len(cases) != 1 || cases[0].Child.ID != e.ChildID {
		t.Errorf("cases: %+v, %v", cases, err)
	}
	if cases, _ := f.svc.Cases(ctx, bts.ReportQuery{Facility: "kabat"}, bts.Stunting); len(cases) != 0 {
		t.Errorf("kabat has %d cases, want none", len(cases))
	}
	c, err := f.svc.Compliance(ctx, month)
	if err != nil || len(c.Targets) != 1 || c.Targets[0].Planned != 1 || c.Targets[0].Delivered != 1 || c.Total.Percent != 100 {
		t.Errorf("compliance %+v, %v; want one target, planned and delivered today", c, err)
	}
	o, err := f.svc.Outcome(ctx, "")
	if err != nil || o.Children != 1 || o.WithChange != 0 {
		t.Errorf("outcome %+v, %v; want one child, no change yet", o, err)
	}
	x, err := f.svc.Export(ctx, bts.ReportQuery{Period: bts.Period{From: day(t, "2026-03-10")}})
	if err != nil || x.Facility != "" || len(x.Observations) != 1 {
		t.Errorf("district export: %+v, %v", x, err)
	}
	_, err = f.svc.Prevalence(ctx, bts.ReportQuery{Period: bts.Period{From: day(t, "2020-01-01")}}, bts.LevelDistrict)
	if !isField(err, fault.ErrInvalid, "from") {
		t.Errorf("a period over five years: got %v, want invalid from", err)
	}
}

// rivalStore is the real store as it looks when another upload with the
// same client id lands between Deliver's lookup and its insert.
type rivalStore struct{ bts.Store }

func (rivalStore) DeliveryByClientID(context.Context, string) (bts.Delivery, error) {
	return bts.Delivery{}, fault.ErrNotFound
}

// A client id is one phone's key for its retries. Another account of the
// same facility that guesses it must neither get that report back nor
// have its upload taken for a retry of it.
func TestServiceDeliverClientIDOfAnotherCadre(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.enrolled("3510010101250051", "") // not assigned: any cadre of sobo may report for it
	img := gpsJPEG(t)
	first, err := f.svc.Deliver(ctx, f.kader1, "sobo", upload("client-5001", e, "", img))
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []bts.Actor{f.kader2, f.staff} {
		r, err := f.svc.Deliver(ctx, who, "sobo", upload("client-5001", e, "", img))
		if !errors.Is(err, fault.ErrConflict) || r.Delivery.ID != 0 {
			t.Errorf("%s replays kader1's client id: got report %d, %v; want ErrConflict and no report", who.Username, r.Delivery.ID, err)
		}
	}
	t.Run("when the uploads cross", func(t *testing.T) {
		rival := &bts.Service{Store: rivalStore{f.db}, Photos: f.photos, Now: func() time.Time { return f.now }}
		r, err := rival.Deliver(ctx, f.kader2, "sobo", upload("client-5001", e, "", img))
		if !errors.Is(err, fault.ErrConflict) || r.Delivery.ID != 0 {
			t.Errorf("kader2's upload under kader1's client id: got report %d, %v; want ErrConflict and no report", r.Delivery.ID, err)
		}
		r, err = rival.Deliver(ctx, f.kader1, "sobo", upload("client-5001", e, "", img))
		if err != nil || r.Created || r.Delivery.ID != first.Delivery.ID {
			t.Errorf("kader1's own retry: got %+v, %v; want the first report", r, err)
		}
	})
	again, err := f.svc.Deliver(ctx, f.kader1, "sobo", upload("client-5001", e, "", nil))
	if err != nil || again.Created || again.Delivery.ID != first.Delivery.ID {
		t.Errorf("kader1's retry: got %+v, %v; want the first report", again, err)
	}
}

// A phone that shrank the photo (dropping its EXIF) sends the time and
// position it read from the original beside it: they are kept with the
// report, and a malformed one refuses the upload before anything is stored.
func TestServiceDeliverPhoneMeta(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.enrolled("3510010101250031", "kader1")
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, nil); err != nil {
		t.Fatal(err)
	}

	bad := upload("client-phone-1", e, "", plain.Bytes())
	bad.TakenAt, bad.Lat, bad.Lon = "2026-03-10T09:30:00+07:00", "-95", "114.3"
	if _, err := f.svc.Deliver(ctx, f.kader1, "sobo", bad); !isField(err, fault.ErrInvalid, "lat") {
		t.Fatalf("latitude out of range: got %v, want invalid lat", err)
	}

	u := upload("client-phone-1", e, "", plain.Bytes())
	u.TakenAt, u.Lat, u.Lon = "2026-03-10T09:30:00+07:00", "-8.25", "114.3"
	r, err := f.svc.Deliver(ctx, f.kader1, "sobo", u)
	if err != nil {
		t.Fatal(err)
	}
	m := r.Delivery.Photo.Meta
	if m.TakenAt != u.TakenAt || m.Lat == nil || *m.Lat != -8.25 || m.Lon == nil || *m.Lon != 114.3 {
		t.Errorf("stored meta %+v, want the phone's time and position", m)
	}
	if w := r.Delivery.PhotoWarning(); w != nil {
		t.Errorf("photo warning %+v for a capture time of the delivery day", w)
	}
}
