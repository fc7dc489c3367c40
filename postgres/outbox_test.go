package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/postgres"
)

// box is one of the two outboxes under the same tests.
type box struct {
	name    string
	channel string
	kinds   [2]string // a first and a second kind of row for one ticket
	outbox  func(*postgres.DB) *postgres.Outbox
	enqueue func(*postgres.Tx, context.Context, outbox.Message) error
}

var boxes = []box{
	{"notify", "webhook", [2]string{"booked", "near"}, (*postgres.DB).NotifyOutbox, (*postgres.Tx).EnqueueNotification},
	{"integration", "bpjs", [2]string{"antrean_add", "panggil"}, (*postgres.DB).IntegrationOutbox, (*postgres.Tx).EnqueueCall},
}

// add enqueues one row of kind about ticket in a committed transaction.
func (b box) add(t *testing.T, db *postgres.DB, ticket, kind, facility string) {
	t.Helper()
	ctx := context.Background()
	m := outbox.Message{Channel: b.channel, Kind: kind, Facility: facility, Unit: "UMUM", TicketID: ticket, Code: "B-001",
		To: "+6281234567890", Text: "teks", Payload: map[string]any{"status": 1},
		CreatedAt: time.Now().Add(-time.Minute)}
	if err := db.WithTx(ctx, func(tx *postgres.Tx) error { return b.enqueue(tx, ctx, m) }); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
}

func ids(ds []outbox.Delivery) map[string]outbox.Delivery {
	out := map[string]outbox.Delivery{}
	for _, d := range ds {
		out[d.ID] = d
	}
	return out
}

// soon is a claim time every row enqueued so far is due by.
func soon() time.Time { return time.Now().Add(time.Second) }

func TestOutboxClaimIsFIFOAndLeased(t *testing.T) {
	for _, b := range boxes {
		t.Run(b.name, func(t *testing.T) {
			db := testenv.DB(t)
			o := b.outbox(db)
			ctx := context.Background()
			b.add(t, db, "A", b.kinds[0], "sobo")
			b.add(t, db, "A", b.kinds[1], "sobo")
			b.add(t, db, "B", b.kinds[0], "sobo")
			now := soon()
			lease := now.Add(time.Minute)

			got, err := o.Claim(ctx, "w1", now, lease, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 {
				t.Fatalf("first claim got %d rows, want 2 (the first of each ticket)", len(got))
			}
			var a, bRow outbox.Delivery
			for _, d := range got {
				if d.Kind != b.kinds[0] || d.Attempt != 1 || d.Channel != b.channel {
					t.Errorf("claimed %+v, want a first attempt at a %s row", d, b.kinds[0])
				}
				if d.TicketID == "A" {
					a = d
				} else {
					bRow = d
				}
			}
			if b.name == "notify" && (a.To != "+6281234567890" || a.Text != "teks") {
				t.Errorf("notification claimed as %+v, want its recipient and text", a)
			}
			if b.name == "integration" && a.Payload["status"] != float64(1) {
				t.Errorf("call claimed with payload %v, want status 1", a.Payload)
			}

			if again, err := o.Claim(ctx, "w2", now, lease, 10); err != nil || len(again) != 0 {
				t.Fatalf("claim during the lease = %d rows, %v; want none", len(again), err)
			}
			if ok, err := o.Finish(ctx, a.ID, "w2", outbox.StateSent, "", now); err != nil || ok {
				t.Errorf("Finish by a worker without the lease = %v, %v; want false", ok, err)
			}
			if ok, err := o.Finish(ctx, a.ID, "w1", outbox.StateSent, "", now); err != nil || !ok {
				t.Fatalf("Finish by the lease holder = %v, %v; want true", ok, err)
			}
			next, err := o.Claim(ctx, "w2", now, lease, 10)
			if err != nil || len(next) != 1 || next[0].TicketID != "A" || next[0].Kind != b.kinds[1] {
				t.Fatalf("claim after the first was sent = %+v, %v; want A's second row", next, err)
			}

			// w1's lease on B's row runs out: w2 takes it over, and w1's
			// late outcome does not overwrite w2's.
			late := lease.Add(time.Second)
			taken, err := o.Claim(ctx, "w2", late, late.Add(time.Minute), 10)
			if err != nil || len(taken) != 2 {
				t.Fatalf("claim after the lease = %d rows, %v; want B's row and A's second again", len(taken), err)
			}
			if d := ids(taken)[bRow.ID]; d.Attempt != 2 {
				t.Errorf("taken over row has attempt %d, want 2", d.Attempt)
			}
			if ok, _ := o.Finish(ctx, bRow.ID, "w2", outbox.StateDead, "ditolak", late); !ok {
				t.Fatal("the new holder could not record its outcome")
			}
			if ok, _ := o.Finish(ctx, bRow.ID, "w1", outbox.StateSent, "", late); ok {
				t.Error("the worker whose lease ran out overwrote the outcome")
			}
			rec, err := o.Get(ctx, bRow.ID)
			if err != nil || rec.State != outbox.StateDead || rec.LastError != "ditolak" || rec.Attempts != 2 {
				t.Errorf("Get = %+v, %v; want dead with the new holder's reason after 2 attempts", rec, err)
			}
		})
	}
}

func TestOutboxTwoWorkersNeverClaimOneRowTwice(t *testing.T) {
	for _, b := range boxes {
		t.Run(b.name, func(t *testing.T) {
			db := testenv.DB(t)
			o := b.outbox(db)
			ctx := context.Background()
			const tickets = 40
			for i := range tickets {
				b.add(t, db, fmt.Sprintf("T%02d", i), b.kinds[0], "sobo")
			}
			now := soon()
			var mu sync.Mutex
			owner := map[string]string{}
			var wg sync.WaitGroup
			for _, w := range []string{"w1", "w2"} {
				wg.Go(func() {
					for {
						got, err := o.Claim(ctx, w, now, now.Add(time.Minute), 3)
						if err != nil {
							t.Error(err)
							return
						}
						if len(got) == 0 {
							return
						}
						mu.Lock()
						for _, d := range got {
							if prev, ok := owner[d.ID]; ok {
								t.Errorf("row %s claimed by %s and %s", d.ID, prev, w)
							}
							owner[d.ID] = w
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(owner) != tickets {
				t.Errorf("%d rows claimed, want %d", len(owner), tickets)
			}
		})
	}
}

func TestOutboxReschedule(t *testing.T) {
	for _, b := range boxes {
		t.Run(b.name, func(t *testing.T) {
			db := testenv.DB(t)
			o := b.outbox(db)
			ctx := context.Background()
			b.add(t, db, "A", b.kinds[0], "sobo")
			b.add(t, db, "A", b.kinds[1], "sobo")
			now := soon()
			got, err := o.Claim(ctx, "w1", now, now.Add(time.Minute), 10)
			if err != nil || len(got) != 1 {
				t.Fatalf("Claim = %d rows, %v", len(got), err)
			}
			next := now.Add(10 * time.Second)
			if ok, err := o.Reschedule(ctx, got[0].ID, "w2", next, "HTTP 503", now); err != nil || ok {
				t.Errorf("Reschedule by a worker without the lease = %v, %v; want false", ok, err)
			}
			if ok, err := o.Reschedule(ctx, got[0].ID, "w1", next, "HTTP 503", now); err != nil || !ok {
				t.Fatalf("Reschedule = %v, %v", ok, err)
			}
			// Still pending, the first row keeps the second waiting.
			if early, _ := o.Claim(ctx, "w2", now.Add(5*time.Second), now.Add(time.Minute), 10); len(early) != 0 {
				t.Errorf("claim before the retry is due = %+v, want none", early)
			}
			due, err := o.Claim(ctx, "w2", next, next.Add(time.Minute), 10)
			if err != nil || len(due) != 1 || due[0].ID != got[0].ID || due[0].Attempt != 2 {
				t.Fatalf("claim when the retry is due = %+v, %v; want the first row, attempt 2", due, err)
			}
			rec, _ := o.Get(ctx, got[0].ID)
			if rec.LastError != "HTTP 503" {
				t.Errorf("last error %q, want the rescheduled attempt's", rec.LastError)
			}
		})
	}
}

func TestOutboxRetry(t *testing.T) {
	for _, b := range boxes {
		t.Run(b.name, func(t *testing.T) {
			db := testenv.DB(t)
			o := b.outbox(db)
			ctx := context.Background()
			b.add(t, db, "A", b.kinds[0], "sobo")
			b.add(t, db, "B", b.kinds[0], "kabat")
			now := soon()
			got, err := o.Claim(ctx, "w1", now, now.Add(time.Minute), 10)
			if err != nil || len(got) != 2 {
				t.Fatalf("Claim = %d rows, %v", len(got), err)
			}
			var dead outbox.Delivery
			for _, d := range got {
				state := outbox.StateSent
				if d.TicketID == "A" {
					state, dead = outbox.StateDead, d
				}
				if ok, err := o.Finish(ctx, d.ID, "w1", state, "", now); err != nil || !ok {
					t.Fatalf("Finish = %v, %v", ok, err)
				}
			}
			list, err := o.Dead(ctx, "sobo", 0)
			if err != nil || len(list) != 1 || list[0].ID != dead.ID {
				t.Fatalf("Dead(sobo) = %+v, %v; want A's row", list, err)
			}
			if other, _ := o.Dead(ctx, "kabat", 0); len(other) != 0 {
				t.Errorf("Dead(kabat) = %+v, want none (its row was sent)", other)
			}

			if err := o.Retry(ctx, dead.ID); err != nil {
				t.Fatalf("Retry of a dead row: %v", err)
			}
			rec, err := o.Get(ctx, dead.ID)
			if err != nil || rec.State != outbox.StatePending || rec.Attempts != 0 {
				t.Errorf("after Retry: %+v, %v; want pending with a fresh budget", rec, err)
			}
			if !rec.CreatedAt.Equal(dead.CreatedAt) {
				t.Errorf("Retry changed the event time to %v", rec.CreatedAt)
			}
			if again, _ := o.Claim(ctx, "w2", soon(), soon().Add(time.Minute), 10); len(again) != 1 || again[0].Attempt != 1 {
				t.Errorf("claim after Retry = %+v, want the row at attempt 1", again)
			}
			if err := o.Retry(ctx, dead.ID); !errors.Is(err, fault.ErrConflict) {
				t.Errorf("Retry of a row that is not dead = %v, want fault.ErrConflict", err)
			}
			for _, id := range []string{"not-an-id", "00000000-0000-4000-8000-000000000000", "999999"} {
				if err := o.Retry(ctx, id); !errors.Is(err, fault.ErrNotFound) {
					t.Errorf("Retry(%q) = %v, want fault.ErrNotFound", id, err)
				}
				if _, err := o.Get(ctx, id); !errors.Is(err, fault.ErrNotFound) {
					t.Errorf("Get(%q) = %v, want fault.ErrNotFound", id, err)
				}
			}
		})
	}
}

func TestOutboxEnqueue(t *testing.T) {
	for _, b := range boxes {
		t.Run(b.name, func(t *testing.T) {
			db := testenv.DB(t)
			o := b.outbox(db)
			ctx := context.Background()
			m := outbox.Message{Channel: b.channel, Kind: b.kinds[0], Facility: "sobo", Unit: "UMUM", TicketID: "A",
				Code: "B-001", Text: "teks", Dedupe: "A|once"}
			// A rolled-back transaction leaves nothing.
			errRollback := errors.New("the queue change failed")
			err := db.WithTx(ctx, func(tx *postgres.Tx) error {
				if err := b.enqueue(tx, ctx, m); err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatalf("WithTx = %v, want the function's error", err)
			}
			if recs, _ := o.ForTicket(ctx, "A"); len(recs) != 0 {
				t.Fatalf("a rolled-back enqueue left %d rows", len(recs))
			}
			// A key seen before is a no-op; no key never dedupes.
			for range 2 {
				if err := db.WithTx(ctx, func(tx *postgres.Tx) error { return b.enqueue(tx, ctx, m) }); err != nil {
					t.Fatal(err)
				}
			}
			m.Dedupe, m.Kind = "", b.kinds[1]
			for range 2 {
				if err := db.WithTx(ctx, func(tx *postgres.Tx) error { return b.enqueue(tx, ctx, m) }); err != nil {
					t.Fatal(err)
				}
			}
			recs, err := o.ForTicket(ctx, "A")
			if err != nil || len(recs) != 3 {
				t.Fatalf("ForTicket = %d rows, %v; want 3 (one deduped)", len(recs), err)
			}
			if recs[0].Kind != b.kinds[0] || recs[1].Kind != b.kinds[1] || recs[0].State != outbox.StatePending {
				t.Errorf("ForTicket = %+v, want the rows oldest first, pending", recs)
			}
		})
	}
}
