package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/notify"
	"github.com/antrian/antrian/postgres"
)

func TestEnqueue(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	count := func() int {
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM notify_outbox`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	try := func(m notify.Message) error {
		return db.WithTx(ctx, func(tx *postgres.Tx) error { return notify.Enqueue(ctx, tx, m) })
	}

	t.Run("invalid", func(t *testing.T) {
		bad := []func(*notify.Message){
			func(m *notify.Message) { m.Kind = "reminder" },
			func(m *notify.Message) { m.Channel = "telegram" },
			func(m *notify.Message) { m.To = "+1 555 0100" },
			func(m *notify.Message) { m.To = "" },
			func(m *notify.Message) { m.TicketID = "" },
			func(m *notify.Message) { m.Text = "" },
		}
		for i, f := range bad {
			m := msg("E1", notify.KindBooked)
			f(&m)
			if err := try(m); !errors.Is(err, fault.ErrInvalid) {
				t.Errorf("case %d: Enqueue = %v, want fault.ErrInvalid", i, err)
			}
		}
	})
	t.Run("no opt-in sends nothing", func(t *testing.T) {
		m := msg("E2", notify.KindBooked)
		m.OptIn = false
		if err := try(m); err != nil || count() != 0 {
			t.Errorf("Enqueue without opt-in = %v with %d rows, want nil and 0", err, count())
		}
		m.Channel = notify.ChannelPush
		m.OptIn = true
		if err := try(m); err != nil || count() != 0 {
			t.Errorf("push Enqueue without subscription = %v with %d rows, want nil and 0", err, count())
		}
	})
	t.Run("dedupe", func(t *testing.T) {
		before := count()
		for range 2 {
			for _, k := range []string{notify.KindBooked, notify.KindNear, notify.KindCancelled} {
				if err := try(msg("E3", k)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got := count() - before; got != 3 {
			t.Errorf("once-only kinds enqueued twice made %d rows, want 3", got)
		}
		before = count()
		called := msg("E3", notify.KindCalled)
		_ = try(called)
		_ = try(called) // a recall without an event id is a new message
		called.Event = "2"
		_ = try(called)
		_ = try(called) // the same recall replayed
		if got := count() - before; got != 3 {
			t.Errorf("called enqueued 4 times (2 without event, 2 with one) made %d rows, want 3", got)
		}
	})
}

func TestNearAhead(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	if n, err := notify.NearAhead(ctx, db, "sobo", "UMUM"); err != nil || n != notify.DefaultNearAhead {
		t.Errorf("NearAhead default = %d, %v; want %d", n, err, notify.DefaultNearAhead)
	}
	if err := notify.SetNearAhead(ctx, db, "sobo", "UMUM", 5); err != nil {
		t.Fatal(err)
	}
	if n, err := notify.NearAhead(ctx, db, "sobo", "UMUM"); err != nil || n != 5 {
		t.Errorf("NearAhead = %d, %v; want 5", n, err)
	}
	if err := notify.SetNearAhead(ctx, db, "sobo", "UMUM", 0); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("SetNearAhead(0) = %v, want fault.ErrInvalid", err)
	}
}

func TestTemplates(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	tpl := notify.NewTemplates(db)
	data := notify.TemplateData{Code: "C-007", UnitName: "Poli Gigi", Ahead: 3, Link: "https://x/t/1"}

	t.Run("defaults for every kind", func(t *testing.T) {
		for _, k := range notify.Kinds {
			text, enabled, err := tpl.Render(ctx, "sobo", k, data)
			if err != nil || !enabled || !strings.Contains(text, "C-007") {
				t.Errorf("Render(%s) = %q, %v, %v", k, text, enabled, err)
			}
		}
		text, _, _ := tpl.Render(ctx, "sobo", notify.KindNear, data)
		if want := "Antrian C-007 di Poli Gigi: tinggal 3 orang lagi sebelum giliran Anda. Mohon bersiap di ruang tunggu. https://x/t/1"; text != want {
			t.Errorf("near = %q, want %q", text, want)
		}
	})
	t.Run("override and switch off per facility", func(t *testing.T) {
		if err := notify.SetTemplate(ctx, db, "sobo", notify.KindCalled, "{{.Code}} ke {{.Counter}}", true); err != nil {
			t.Fatal(err)
		}
		if err := notify.SetTemplate(ctx, db, "sobo", notify.KindNear, "", false); err != nil {
			t.Fatal(err)
		}
		d := data
		d.Counter = "Ruang 3"
		if text, enabled, err := tpl.Render(ctx, "sobo", notify.KindCalled, d); text != "C-007 ke Ruang 3" || !enabled || err != nil {
			t.Errorf("overridden called = %q, %v, %v", text, enabled, err)
		}
		if text, enabled, err := tpl.Render(ctx, "sobo", notify.KindNear, d); text != "" || enabled || err != nil {
			t.Errorf("disabled near = %q, %v, %v; want off", text, enabled, err)
		}
		if _, enabled, _ := tpl.Render(ctx, "other", notify.KindNear, d); !enabled {
			t.Error("another facility's near was switched off too")
		}
	})
	t.Run("broken templates are refused", func(t *testing.T) {
		for _, body := range []string{"{{.Code", "{{.Nomor}}"} {
			if err := notify.SetTemplate(ctx, db, "sobo", notify.KindBooked, body, true); !errors.Is(err, fault.ErrInvalid) {
				t.Errorf("SetTemplate(%q) = %v, want fault.ErrInvalid", body, err)
			}
		}
		if _, _, err := tpl.Render(ctx, "sobo", "reminder", data); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("Render(unknown kind) = %v, want fault.ErrInvalid", err)
		}
	})
}
