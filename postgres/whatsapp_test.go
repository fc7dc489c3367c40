package postgres_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/whatsapp"
)

func reply(k whatsapp.Key, text string) whatsapp.Outcome {
	return whatsapp.Outcome{Reply: outbox.Message{Channel: "whatsapp", Kind: "reply", Facility: k.Facility,
		TicketID: "wa:test", To: "+" + k.Phone, Text: text, Dedupe: "reply|" + k.Gateway + "|" + k.MessageID}}
}

func outboxTo(t *testing.T, db *postgres.DB, phone string) (pending, stale []string) {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT body, state FROM notify_outbox WHERE recipient = '+'||$1 ORDER BY seq`, phone)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var body, state string
		if err := rows.Scan(&body, &state); err != nil {
			t.Fatal(err)
		}
		if state == "stale" {
			stale = append(stale, body)
		} else {
			pending = append(pending, body)
		}
	}
	return pending, stale
}

func TestConverseAnswersAMessageOnce(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	k := whatsapp.Key{Gateway: "fonnte", MessageID: "m1", Facility: "sobo", Phone: "6281234567890"}
	calls := 0
	answer := func(c *whatsapp.Conversation) (whatsapp.Outcome, error) {
		calls++
		c.State, c.Units = whatsapp.StateUnit, []string{"UMUM", "GIGI"}
		return reply(k, "daftar layanan"), nil
	}
	for i, want := range []bool{true, false} {
		answered, err := db.Converse(ctx, k, answer)
		if err != nil || answered != want {
			t.Fatalf("delivery %d: answered %v, %v; want %v", i+1, answered, err, want)
		}
	}
	if calls != 1 {
		t.Errorf("answered %d times, want once", calls)
	}
	// The next message sees the state the first one left.
	k2 := k
	k2.MessageID = "m2"
	if _, err := db.Converse(ctx, k2, func(c *whatsapp.Conversation) (whatsapp.Outcome, error) {
		if c.State != whatsapp.StateUnit || !slices.Equal(c.Units, []string{"UMUM", "GIGI"}) || c.Stopped {
			t.Errorf("conversation: got %+v, want the listed units", *c)
		}
		return whatsapp.Outcome{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	// A failing answer rolls back the message id too: the retry is answered.
	k3 := k
	k3.MessageID = "m3"
	boom := errors.New("queue down")
	if _, err := db.Converse(ctx, k3, func(*whatsapp.Conversation) (whatsapp.Outcome, error) { return reply(k3, "x"), boom }); !errors.Is(err, boom) {
		t.Fatalf("failing answer: got %v, want its error", err)
	}
	if answered, err := db.Converse(ctx, k3, func(*whatsapp.Conversation) (whatsapp.Outcome, error) { return reply(k3, "lagi"), nil }); !answered || err != nil {
		t.Errorf("retry after a failed answer: %v, %v; want answered", answered, err)
	}
	if pending, _ := outboxTo(t, db, k.Phone); !slices.Equal(pending, []string{"daftar layanan", "lagi"}) {
		t.Errorf("replies: got %q", pending)
	}
}

func TestConverseOneMessageOfANumberAtATime(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	// Twenty messages of one number at once, each adding a unit to what
	// the conversation holds: none may overwrite another's change.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := whatsapp.Key{Gateway: "generic", MessageID: string(rune('a' + i)), Facility: "sobo", Phone: "6281234567890"}
			_, err := db.Converse(ctx, k, func(c *whatsapp.Conversation) (whatsapp.Outcome, error) {
				c.Units = append(c.Units, k.MessageID)
				return whatsapp.Outcome{}, nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	k := whatsapp.Key{Gateway: "generic", MessageID: "last", Facility: "sobo", Phone: "6281234567890"}
	if _, err := db.Converse(ctx, k, func(c *whatsapp.Conversation) (whatsapp.Outcome, error) {
		if len(c.Units) != 20 {
			t.Errorf("the conversation holds %d changes, want all 20", len(c.Units))
		}
		return whatsapp.Outcome{}, nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestStopWithdrawsConsent(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	const phone = "6281234567890"
	enqueue := func(dedupe string) {
		t.Helper()
		err := db.WithTx(ctx, func(tx *postgres.Tx) error {
			return tx.EnqueueNotification(ctx, outbox.Message{Channel: "whatsapp", Kind: "near", Facility: "sobo", Unit: "UMUM",
				TicketID: "t1", Code: "B-001", To: "+" + phone, Text: dedupe, Dedupe: dedupe})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	enqueue("before")
	k := whatsapp.Key{Gateway: "fonnte", MessageID: "stop", Facility: "sobo", Phone: phone}
	if _, err := db.Converse(ctx, k, func(c *whatsapp.Conversation) (whatsapp.Outcome, error) {
		c.Stopped = true
		return reply(k, "berhenti"), nil
	}); err != nil {
		t.Fatal(err)
	}
	enqueue("after")
	pending, stale := outboxTo(t, db, phone)
	if !slices.Equal(pending, []string{"berhenti"}) || !slices.Equal(stale, []string{"before"}) {
		t.Errorf("after STOP: pending %q, stale %q; want only the STOP reply pending, the earlier message dropped", pending, stale)
	}
	// Asking again is consent again.
	k.MessageID = "antri"
	if _, err := db.Converse(ctx, k, func(c *whatsapp.Conversation) (whatsapp.Outcome, error) {
		if !c.Stopped {
			t.Error("the conversation does not know the number stopped")
		}
		c.Stopped = false
		return reply(k, "daftar"), nil
	}); err != nil {
		t.Fatal(err)
	}
	enqueue("resumed")
	if pending, _ := outboxTo(t, db, phone); !slices.Equal(pending, []string{"berhenti", "daftar", "resumed"}) {
		t.Errorf("after ANTRI again: pending %q", pending)
	}
}

func TestForgetConversations(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	for i, phone := range []string{"6281234567890", "6281234567891"} {
		k := whatsapp.Key{Gateway: "fonnte", MessageID: phone, Facility: "sobo", Phone: phone}
		if _, err := db.Converse(ctx, k, func(c *whatsapp.Conversation) (whatsapp.Outcome, error) {
			c.Stopped = i == 0
			return whatsapp.Outcome{}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE whatsapp_conversations SET updated_at = '2026-01-01' WHERE phone = '6281234567890'`); err != nil {
		t.Fatal(err)
	}
	n, err := db.ForgetConversations(ctx, "2026-02-01")
	if err != nil || n != 1 {
		t.Fatalf("forgot %d, %v; want the one idle conversation", n, err)
	}
	var left, optouts int
	db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM whatsapp_conversations), (SELECT count(*) FROM whatsapp_optouts)`).Scan(&left, &optouts)
	if left != 1 || optouts != 1 {
		t.Errorf("left %d conversations and %d opt-outs, want 1 and 1 (the STOP is kept)", left, optouts)
	}
}
