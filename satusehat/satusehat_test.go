package satusehat_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/antrian/antrian/satusehat"
	"github.com/antrian/antrian/satusehat/satusehattest"
)

func TestClient(t *testing.T) {
	ctx := context.Background()
	fake := satusehattest.New(t, "cid", "csecret", map[string]string{"3510011203900001": "P0001"})
	c := satusehat.New(satusehat.Config{BaseURL: fake.URL, ClientID: "cid", ClientSecret: "csecret", OrganizationID: "ORG1"}, fake.Client())

	t.Run("the token is cached until shortly before it expires", func(t *testing.T) {
		now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
		c.Now = func() time.Time { return now }
		for range 3 {
			if _, err := c.Token(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := fake.TokenRequests(); n != 1 {
			t.Errorf("token requests: got %d, want 1", n)
		}
		now = now.Add(14399*time.Second - 4*time.Minute)
		c.Token(ctx)
		if n := fake.TokenRequests(); n != 2 {
			t.Errorf("token requests near expiry: got %d, want 2", n)
		}
	})
	t.Run("patient by NIK", func(t *testing.T) {
		p, err := c.PatientByNIK(ctx, "3510011203900001")
		if err != nil || p.IHS != "P0001" {
			t.Errorf("got %+v, %v", p, err)
		}
		if _, err := c.PatientByNIK(ctx, "3510011203900002"); !errors.Is(err, satusehat.ErrNotFound) {
			t.Errorf("unknown NIK: got %v, want ErrNotFound", err)
		}
	})
	t.Run("encounter create is conditional, update replaces", func(t *testing.T) {
		at := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
		v := satusehat.Visit{ID: "tk1", OrganizationID: "ORG1", PatientIHS: "P0001", LocationID: "L1", Arrived: at}
		id, err := c.CreateEncounter(ctx, v.Encounter())
		if err != nil {
			t.Fatal(err)
		}
		again, err := c.CreateEncounter(ctx, v.Encounter())
		if err != nil || again != id {
			t.Errorf("second create: got %q, %v, want the same id %q", again, err, id)
		}
		called, done := at.Add(10*time.Minute), at.Add(25*time.Minute)
		v.InProgress, v.Finished = &called, &done
		if err := c.UpdateEncounter(ctx, id, v.Encounter()); err != nil {
			t.Fatal(err)
		}
		es := fake.Encounters()
		if len(es) != 1 || es[0].Status != "finished" || len(es[0].StatusHistory) != 3 {
			t.Fatalf("encounters: %+v", es)
		}
		h := es[0].StatusHistory
		if h[0].Period.End != "2026-11-27T01:10:00+00:00" || h[1].Period.Start != h[0].Period.End ||
			h[1].Period.End != "2026-11-27T01:25:00+00:00" || es[0].Period.End != h[1].Period.End {
			t.Errorf("history: %+v", h)
		}
	})
	t.Run("a wrong secret is rejected, a 503 is temporary", func(t *testing.T) {
		bad := satusehat.New(satusehat.Config{BaseURL: fake.URL, ClientID: "cid", ClientSecret: "x"}, fake.Client())
		if _, err := bad.Token(ctx); !errors.Is(err, satusehat.ErrRejected) {
			t.Errorf("got %v, want ErrRejected", err)
		}
		fake.FailNext(1)
		if _, err := c.PatientByNIK(ctx, "3510011203900001"); !errors.Is(err, satusehat.ErrTemporary) {
			t.Errorf("got %v, want ErrTemporary", err)
		}
	})
}
