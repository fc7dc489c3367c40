package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
)

func TestTemplates(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	if _, _, err := db.Template(ctx, "sobo", "near"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("Template before any override = %v, want fault.ErrNotFound", err)
	}
	if err := db.SaveTemplate(ctx, "sobo", "near", "{{.Code}} hampir", true); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveTemplate(ctx, "sobo", "near", "", false); err != nil { // replaces the first
		t.Fatal(err)
	}
	body, enabled, err := db.Template(ctx, "sobo", "near")
	if err != nil || body != "" || enabled {
		t.Errorf("Template = %q, %v, %v; want the latest override: empty and off", body, enabled, err)
	}
	// Inside a transaction, as the queue hook reads it.
	err = db.WithTx(ctx, func(tx *postgres.Tx) error {
		_, enabled, err := tx.Template(ctx, "sobo", "near")
		if err == nil && enabled {
			t.Error("the transaction sees the kind on")
		}
		_, _, err2 := tx.Template(ctx, "other", "near")
		if !errors.Is(err2, fault.ErrNotFound) {
			t.Errorf("another facility's Template = %v, want fault.ErrNotFound", err2)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveTemplate(ctx, "sobo", "reminder", "", true); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("SaveTemplate of an unknown kind = %v, want fault.ErrInvalid (the table's check)", err)
	}
}

func TestNearAhead(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	if _, err := db.NearAhead(ctx, "sobo", "UMUM"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("NearAhead before any setting = %v, want fault.ErrNotFound", err)
	}
	for _, n := range []int{5, 2} {
		if err := db.SaveNearAhead(ctx, "sobo", "UMUM", n); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.NearAhead(ctx, "sobo", "UMUM"); err != nil || n != 2 {
		t.Errorf("NearAhead = %d, %v; want 2", n, err)
	}
	_ = db.WithTx(ctx, func(tx *postgres.Tx) error {
		if n, err := tx.NearAhead(ctx, "sobo", "UMUM"); err != nil || n != 2 {
			t.Errorf("NearAhead in a transaction = %d, %v; want 2", n, err)
		}
		return nil
	})
}

func TestPushSubscriptions(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	sub := func(endpoint, auth string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"endpoint": endpoint, "keys": map[string]string{"p256dh": "k", "auth": auth}})
		return b
	}
	subscribed := func(ticket string) bool {
		var ok bool
		if err := db.WithTx(ctx, func(tx *postgres.Tx) (err error) {
			ok, err = tx.PushSubscribed(ctx, ticket)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if subscribed("P1") {
		t.Error("a ticket without subscriptions is subscribed")
	}
	for _, s := range []struct{ endpoint, auth string }{{"https://push.example/a", "1"}, {"https://push.example/b", "1"},
		{"https://push.example/a", "2"}} { // the same endpoint again replaces it
		if err := db.SavePushSubscription(ctx, "P1", s.endpoint, sub(s.endpoint, s.auth)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.PushSubscriptions(ctx, "P1")
	if err != nil || len(got) != 2 {
		t.Fatalf("PushSubscriptions = %d, %v; want 2", len(got), err)
	}
	var first struct {
		Endpoint string            `json:"endpoint"`
		Keys     map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(got[0], &first); err != nil || first.Endpoint != "https://push.example/a" || first.Keys["auth"] != "2" {
		t.Errorf("first subscription = %s, %v; want endpoint a with the replaced keys", got[0], err)
	}
	if !subscribed("P1") || subscribed("P2") {
		t.Error("PushSubscribed does not tell P1 (subscribed) from P2 (not)")
	}
	if err := db.DeletePushSubscription(ctx, "P1", "https://push.example/a"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.PushSubscriptions(ctx, "P1"); len(got) != 1 {
		t.Errorf("after deleting one, %d subscriptions are left, want 1", len(got))
	}
}

func TestIntegrationSettings(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	if _, err := db.BPJSSettings(ctx, "sobo"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("BPJSSettings before saving = %v, want fault.ErrNotFound", err)
	}
	if _, err := db.SATUSEHATSettings(ctx, "sobo"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("SATUSEHATSettings before saving = %v, want fault.ErrNotFound", err)
	}
	bpjs := queue.BPJSSettings{Enabled: true, BaseURL: "https://bpjs.example/", ConsID: "c", Secret: "s", UserKey: "u",
		PCareUser: "pu", PCarePassword: "pp"}
	for _, enabled := range []bool{false, true} {
		bpjs.Enabled = enabled
		if err := db.SaveBPJSSettings(ctx, "sobo", bpjs); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := db.BPJSSettings(ctx, "sobo"); err != nil || got != bpjs {
		t.Errorf("BPJSSettings = %+v, %v; want %+v", got, err, bpjs)
	}

	ss := queue.SATUSEHATSettings{Enabled: true, Environment: "sandbox", BaseURL: "https://ss.example", ClientID: "id",
		ClientSecret: "sec", OrganizationID: "org", Locations: []queue.SATUSEHATLocation{
			{Unit: "UMUM", LocationID: "L1", Practitioner: "P1"}, {Unit: "GIGI", LocationID: "L2"}}}
	if err := db.SaveSATUSEHATSettings(ctx, "sobo", ss); err != nil {
		t.Fatal(err)
	}
	ss.Locations = ss.Locations[1:] // saving again replaces the locations
	if err := db.SaveSATUSEHATSettings(ctx, "sobo", ss); err != nil {
		t.Fatal(err)
	}
	got, err := db.SATUSEHATSettings(ctx, "sobo")
	if err != nil || got.ClientSecret != "sec" || got.Environment != "sandbox" || !slices.Equal(got.Locations, ss.Locations) {
		t.Errorf("SATUSEHATSettings = %+v, %v; want %+v", got, err, ss)
	}

	// What the integration hook reads inside the queue transaction.
	if err := db.SaveJKNPoli(ctx, "sobo", []queue.Poli{{KodePoli: "001", Unit: "UMUM"}}); err != nil {
		t.Fatal(err)
	}
	err = db.WithTx(ctx, func(tx *postgres.Tx) error {
		if on, err := tx.SATUSEHATEnabled(ctx, "sobo"); err != nil || !on {
			t.Errorf("SATUSEHATEnabled(sobo) = %v, %v; want true", on, err)
		}
		if on, _ := tx.SATUSEHATEnabled(ctx, "kabat"); on {
			t.Error("SATUSEHATEnabled(kabat) = true, want false")
		}
		if p, err := tx.BPJSPoli(ctx, "sobo", "UMUM"); err != nil || p != "001" {
			t.Errorf("BPJSPoli(UMUM) = %q, %v; want 001", p, err)
		}
		if _, err := tx.BPJSPoli(ctx, "sobo", "GIGI"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("BPJSPoli of an unmapped unit = %v, want fault.ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	bpjs.Enabled = false
	if err := db.SaveBPJSSettings(ctx, "sobo", bpjs); err != nil {
		t.Fatal(err)
	}
	_ = db.WithTx(ctx, func(tx *postgres.Tx) error {
		if _, err := tx.BPJSPoli(ctx, "sobo", "UMUM"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("BPJSPoli with BPJS off = %v, want fault.ErrNotFound", err)
		}
		return nil
	})
}

func TestSATUSEHATCaches(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	hash := []byte("keyed hash of a NIK")
	if _, _, err := db.SATUSEHATPatient(ctx, hash); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("SATUSEHATPatient before caching = %v, want fault.ErrNotFound", err)
	}
	for _, name := range []string{"Siti", "Siti Aminah"} {
		if err := db.SaveSATUSEHATPatient(ctx, hash, "P0001", name); err != nil {
			t.Fatal(err)
		}
	}
	if ihs, name, err := db.SATUSEHATPatient(ctx, hash); err != nil || ihs != "P0001" || name != "Siti Aminah" {
		t.Errorf("SATUSEHATPatient = %q, %q, %v", ihs, name, err)
	}
	if _, err := db.SATUSEHATEncounter(ctx, "T1"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("SATUSEHATEncounter before one = %v, want fault.ErrNotFound", err)
	}
	for _, status := range []string{"arrived", "in-progress"} {
		if err := db.SaveSATUSEHATEncounter(ctx, "T1", "E1", status); err != nil {
			t.Fatal(err)
		}
	}
	if id, err := db.SATUSEHATEncounter(ctx, "T1"); err != nil || id != "E1" {
		t.Errorf("SATUSEHATEncounter = %q, %v; want E1", id, err)
	}
}
