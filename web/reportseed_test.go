package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
)

var wib = time.FixedZone("WIB", 7*3600)

// reportWorld is a server on a real database with a small history, signed-in
// callers of every kind, and a clock standing at Friday 27 November 2026,
// 09:00 WIB.
type reportWorld struct {
	s        *Server
	db       *postgres.DB
	sessions map[string]string // username -> session cookie
}

// newReportWorld seeds Puskesmas Sobo and Puskesmas 001 with this history:
//
//	Fri 20 Nov  sobo UMUM  online 07:30 waiting, kiosk 10:00 waiting (never called)
//	Wed 25 Nov  pkm001 UMUM online 08:00, called 08:20 at Ruang 1, 08:20-08:30 served
//	Thu 26 Nov  sobo UMUM  B-001 online 07:50, called 08:00 at Ruang 1, 08:02-08:12 served      wait 10, service 10
//	                       B-002 kiosk  08:05, called 08:35 at Ruang 1, 08:36-08:41 served      wait 30, service 5
//	                       B-003 online 08:10, called 08:40 at Ruang 2, skipped 08:45            wait 30 (no-show)
//	                       B-004 desk   09:20, called 09:30 at Ruang 1, started, sent to GIGI    wait 10
//	            sobo GIGI  C-001 transfer in 09:40, called 10:00 by kepala, 10:00-10:20 served   wait 20, service 20
//	            sobo LAB   E-001 online 10:15, cancelled 10:20
//	Fri 27 Nov  sobo UMUM  online 08:00, called 08:10 at Ruang 1, serving since 08:15
//	                       kiosk 08:30, waiting
//
// Every call but C-001's is made by petugas.
func newReportWorld(t *testing.T) *reportWorld {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t)
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.SeedDistrict(ctx, 1); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, wib)
	s, err := New(Config{}, Deps{DB: db, Log: discard(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	w := &reportWorld{s: s, db: db, sessions: map[string]string{}}
	for _, u := range []struct {
		facility, name string
		role           account.Role
	}{
		{"sobo", "kepala", account.Admin}, {"sobo", "petugas", account.Staff}, {"pkm001", "kepala001", account.Admin},
		{"", "dinas", account.Dinkes}, {"", "kabupaten", account.Admin},
	} {
		user, err := db.CreateUser(ctx, u.facility, u.name, u.role, "x")
		if err != nil {
			t.Fatal(err)
		}
		secret := "session-of-" + u.name
		if err := db.CreateSession(ctx, account.HashSecret(secret), user.ID, "csrf", now); err != nil {
			t.Fatal(err)
		}
		w.sessions[u.name] = secret
	}

	h := history{t: t, db: db}
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 11, day, hour, minute, 0, 0, wib) }
	h.book("sobo", "UMUM", "online", at(20, 7, 30))
	h.book("sobo", "UMUM", "kiosk", at(20, 10, 0))
	p := h.book("pkm001", "UMUM", "online", at(25, 8, 0))
	h.act(p, queue.ActionCall, "Ruang 1", "petugas", at(25, 8, 20))
	h.act(p, queue.ActionStart, "", "petugas", at(25, 8, 20))
	h.act(p, queue.ActionFinish, "", "petugas", at(25, 8, 30))

	b1 := h.book("sobo", "UMUM", "online", at(26, 7, 50))
	h.act(b1, queue.ActionCall, "Ruang 1", "petugas", at(26, 8, 0))
	h.act(b1, queue.ActionStart, "", "petugas", at(26, 8, 2))
	b2 := h.book("sobo", "UMUM", "kiosk", at(26, 8, 5))
	b3 := h.book("sobo", "UMUM", "online", at(26, 8, 10))
	h.act(b1, queue.ActionFinish, "", "petugas", at(26, 8, 12))
	h.act(b2, queue.ActionCall, "Ruang 1", "petugas", at(26, 8, 35))
	h.act(b2, queue.ActionStart, "", "petugas", at(26, 8, 36))
	h.act(b3, queue.ActionCall, "Ruang 2", "petugas", at(26, 8, 40))
	h.act(b2, queue.ActionFinish, "", "petugas", at(26, 8, 41))
	h.act(b3, queue.ActionSkip, "", "petugas", at(26, 8, 45))
	b4 := h.book("sobo", "UMUM", "desk", at(26, 9, 20))
	h.act(b4, queue.ActionCall, "Ruang 1", "petugas", at(26, 9, 30))
	h.act(b4, queue.ActionStart, "", "petugas", at(26, 9, 31))
	c1 := h.transfer(b4, "GIGI", at(26, 9, 40))
	h.act(c1, queue.ActionCall, "Ruang Gigi", "kepala", at(26, 10, 0))
	h.act(c1, queue.ActionStart, "", "kepala", at(26, 10, 0))
	e1 := h.book("sobo", "LAB", "online", at(26, 10, 15))
	h.act(c1, queue.ActionFinish, "", "kepala", at(26, 10, 20))
	h.act(e1, queue.ActionCancel, "", "", at(26, 10, 20))

	t1 := h.book("sobo", "UMUM", "online", at(27, 8, 0))
	h.act(t1, queue.ActionCall, "Ruang 1", "petugas", at(27, 8, 10))
	h.act(t1, queue.ActionStart, "", "petugas", at(27, 8, 15))
	h.book("sobo", "UMUM", "kiosk", at(27, 8, 30))
	return w
}

// get requests url as user ("" for nobody).
func (w *reportWorld) get(t *testing.T, user, url string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, url, nil)
	if user != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: w.sessions[user]})
	}
	rec := httptest.NewRecorder()
	w.s.ServeHTTP(rec, req)
	return rec
}

// history writes tickets straight through the store, at given times.
type history struct {
	t  *testing.T
	db *postgres.DB
}

func (h history) book(facility, unit, channel string, at time.Time) queue.Ticket {
	h.t.Helper()
	ctx := context.Background()
	f, units, err := h.db.Facility(ctx, facility)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, u := range units {
		if u.Code != unit {
			continue
		}
		nt := queue.NewTicket{Prefix: u.Prefix}
		nt.ID = queue.NewID()
		nt.VisitID = nt.ID
		nt.FacilityID, nt.Facility, nt.UnitID, nt.Unit = f.ID, f.Code, u.ID, u.Code
		nt.ServiceDate = at.Format(time.DateOnly)
		nt.Status, nt.Channel = queue.Waiting, queue.Channel(channel)
		nt.IssuedAt, nt.OrderKey = at, at.UnixMilli()
		tk, _, _, err := h.db.Book(ctx, nt, at)
		if err != nil {
			h.t.Fatal(err)
		}
		return tk
	}
	h.t.Fatalf("no unit %s at %s", unit, facility)
	return queue.Ticket{}
}

func (h history) act(tk queue.Ticket, a queue.Action, counter, actor string, at time.Time) {
	h.t.Helper()
	if _, _, err := h.db.Apply(context.Background(), tk.ID, queue.Change{Action: a, Counter: counter, Actor: actor}, at); err != nil {
		h.t.Fatalf("%s %s: %v", a, tk.Code, err)
	}
}

func (h history) transfer(tk queue.Ticket, unit string, at time.Time) queue.Ticket {
	h.t.Helper()
	ctx := context.Background()
	_, units, err := h.db.Facility(ctx, tk.Facility)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, u := range units {
		if u.Code == unit {
			nt := queue.NewTicket{Prefix: u.Prefix}
			nt.ID, nt.VisitID = queue.NewID(), tk.VisitID
			nt.FacilityID, nt.Facility, nt.UnitID, nt.Unit, nt.ServiceDate = tk.FacilityID, tk.Facility, u.ID, u.Code, tk.ServiceDate
			_, to, _, err := h.db.Transfer(ctx, tk.ID, nt, "petugas", at)
			if err != nil {
				h.t.Fatal(err)
			}
			return to
		}
	}
	h.t.Fatalf("no unit %s", unit)
	return queue.Ticket{}
}
