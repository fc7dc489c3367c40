package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/notify"
	"github.com/antrian/antrian/outbox"
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

// Front reads in one round trip what a call tells a unit's patients: the
// called ticket's push subscription, the unit's threshold, the first
// threshold+1 waiting tickets of each lane, which of them a channel can
// still reach, and the calls since the last priority call (none counted
// under FIFO).
func TestFront(t *testing.T) {
	ctx := context.Background()
	db, tr := tracedDB(t)
	u := newBookUnit(t, db, "depan", 99)
	ids := map[string]string{}
	var first queue.Ticket
	for _, p := range []struct {
		name   string
		pr     queue.Priority
		notify bool
	}{
		{"n0", "", false}, {"n1", "", true}, {"n2", "", true}, {"n3", "", false}, {"n4", "", false}, {"n5", "", true},
		{"p1", queue.PriorityLansia, true}, {"p2", queue.PriorityHamil, false},
	} {
		nt := u.booking(p.name, "", "")
		nt.Priority, nt.Notify = p.pr, p.notify
		if p.notify {
			nt.Phone = "6281234567890"
		}
		tk, _, _, err := db.Book(ctx, nt, bookNow)
		if err != nil {
			t.Fatal(err)
		}
		ids[p.name] = tk.ID
		if p.name == "n0" {
			first = tk
		}
	}
	names := map[string]string{}
	for n, id := range ids {
		names[id] = n
	}
	for _, n := range []string{"n0", "n4"} {
		if err := db.SavePushSubscription(ctx, ids[n], "https://push.example/"+n, json.RawMessage(`{"endpoint":"x"}`)); err != nil {
			t.Fatal(err)
		}
	}
	told := func(n, channel string) {
		t.Helper()
		err := db.WithTx(ctx, func(tx *postgres.Tx) error {
			return tx.EnqueueNotification(ctx, outbox.Message{Channel: channel, Kind: "near", Facility: "depan", Unit: "UMUM",
				TicketID: ids[n], Code: "B", To: "+6281234567890", Text: "dekat", Dedupe: ids[n] + "|near|" + channel})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	told("n2", "whatsapp")
	called, _, err := db.Apply(ctx, first.ID, queue.Change{Action: queue.ActionCall, Counter: "Ruang 1"}, bookNow.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	front := func(q notify.FrontQuery) (fr notify.Front, heads, due []string) {
		t.Helper()
		err := db.WithTx(ctx, func(tx *postgres.Tx) error {
			tr.take()
			var err error
			fr, err = tx.Front(ctx, called, q)
			if n, s := tr.take(); n != 1 || s != 3 {
				t.Errorf("Front took %d round trips of %d statements, want 1 of 3", n, s)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range fr.Heads {
			heads = append(heads, names[h.ID])
			if (h.Lane == queue.LanePriority) != (names[h.ID][0] == 'p' && fr.Unit.Policy.Mode != queue.FIFO) {
				t.Errorf("%s in lane %v under %s", names[h.ID], h.Lane, fr.Unit.Policy.Mode)
			}
		}
		for id := range fr.Due {
			due = append(due, names[id])
		}
		slices.Sort(heads)
		slices.Sort(due)
		return fr, heads, due
	}
	check := func(what string, q notify.FrontQuery, near int, wantHeads, wantDue string, since int) {
		t.Helper()
		fr, heads, due := front(q)
		if !fr.Subscribed || fr.Facility.Code != "depan" || fr.Unit.Code != "UMUM" || fr.NearAhead != near || fr.SincePriority != since {
			t.Errorf("%s: subscribed %v, %s/%s, near %d, since priority %d; want true, depan/UMUM, %d, %d",
				what, fr.Subscribed, fr.Facility.Code, fr.Unit.Code, fr.NearAhead, fr.SincePriority, near, since)
		}
		if got := strings.Join(heads, ","); got != wantHeads {
			t.Errorf("%s: heads %s, want %s", what, got, wantHeads)
		}
		if got := strings.Join(due, ","); got != wantDue {
			t.Errorf("%s: due %s, want %s", what, got, wantDue)
		}
	}
	phone := notify.FrontQuery{DefaultNear: 3, PhoneKey: "|near|whatsapp", PushKey: "|near|push"}
	// Four of each lane; n2 was told, n3 did not consent.
	check("default threshold", phone, 3, "n1,n2,n3,n4,p1,p2", "n1,n4,p1", 1)
	if err := db.SaveNearAhead(ctx, "depan", "UMUM", 4); err != nil {
		t.Fatal(err)
	}
	check("the unit's threshold", phone, 4, "n1,n2,n3,n4,n5,p1,p2", "n1,n4,n5,p1", 1)
	// Without a phone channel only push reaches anyone; once told, nobody.
	push := notify.FrontQuery{DefaultNear: 3, PushKey: "|near|push"}
	check("push only", push, 4, "n1,n2,n3,n4,n5,p1,p2", "n4", 1)
	told("n4", "push")
	check("push told", push, 4, "n1,n2,n3,n4,n5,p1,p2", "", 1)
	// Under FIFO there is one lane and no count of calls since priority.
	if _, err := db.Pool.Exec(ctx, `UPDATE units SET policy_mode = 'fifo' WHERE id = $1`, u.unitID); err != nil {
		t.Fatal(err)
	}
	check("fifo", phone, 4, "n1,n2,n3,n4,n5,p1,p2", "n1,n5,p1", 0)
}

// The patients' hook on a call reads what it tells in one round trip, and
// does per-ticket work only for tickets it will tell: none while the
// facility has near messages switched off (asked once), and none for a
// ticket already told. Each near message reuses the Front's unit.
func TestNearHookReads(t *testing.T) {
	ctx := context.Background()
	db, tr := tracedDB(t)
	hook := &notify.QueueHook{Templates: notify.NewTemplates(db), PhoneChannel: "whatsapp", Log: slog.New(slog.DiscardHandler)}
	db.Hooks = append(db.Hooks, func(ctx context.Context, tx *postgres.Tx, e queue.Event, tk queue.Ticket, actor string) error {
		return hook.Event(ctx, tx, e, tk, actor)
	})
	u := newBookUnit(t, db, "dekat", 99)
	var ids []string
	for _, n := range []string{"a", "b", "c", "d"} {
		nt := u.booking(n, "", "")
		nt.Notify, nt.Phone = true, "6281234567890"
		tk, _, _, err := db.Book(ctx, nt, bookNow)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	near := func() int {
		return count(t, db, `SELECT count(*) FROM notify_outbox WHERE kind = 'near'`)
	}
	call := func(i int, wantTrips int) {
		t.Helper()
		tr.take()
		if _, _, err := db.Apply(ctx, ids[i], queue.Change{Action: queue.ActionCall, Counter: "Ruang 1"}, bookNow.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n, _ := tr.take(); n != wantTrips {
			t.Errorf("calling %d took %d round trips, want %d", i, n, wantTrips)
		}
	}
	if err := notify.SetTemplate(ctx, db, "dekat", notify.KindNear, "", false); err != nil {
		t.Fatal(err)
	}
	// Apply's four, Front, the called message's template and row, and one
	// look at whether near messages are on.
	call(0, 4+1+2+1)
	if n := near(); n != 0 {
		t.Fatalf("%d near messages while they are off", n)
	}
	if err := notify.SetTemplate(ctx, db, "dekat", notify.KindNear, "", true); err != nil {
		t.Fatal(err)
	}
	// The same, then for each of c and d: the ticket, its push
	// subscription, the template and the row.
	call(1, 4+1+2+1+2*4)
	if n := near(); n != 2 {
		t.Fatalf("%d near messages, want 2 (c and d)", n)
	}
	// d was told: no near work at all.
	call(2, 4+1+2)
	if n := near(); n != 2 {
		t.Fatalf("%d near messages after d was told, want 2", n)
	}
}
