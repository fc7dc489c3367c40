package queue_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
)

var allStatuses = []queue.Status{queue.Waiting, queue.Called, queue.Serving, queue.Done, queue.Skipped,
	queue.Cancelled, queue.Transferred}

// into books a ticket in unit UMUM of fac and takes it, through the
// service, to status s (a transferred ticket goes to unit LAB).
func (e *env) into(t *testing.T, fac string, s queue.Status) queue.Ticket {
	t.Helper()
	ctx := context.Background()
	tk := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"})
	act := func(a queue.Action) {
		t.Helper()
		var err error
		if tk, err = e.svc.Act(ctx, tk.ID, queue.Change{Action: a, Counter: "1", Actor: "staff"}); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	var steps []queue.Action
	switch s {
	case queue.Called:
		steps = []queue.Action{queue.ActionCall}
	case queue.Serving:
		steps = []queue.Action{queue.ActionCall, queue.ActionStart}
	case queue.Done:
		steps = []queue.Action{queue.ActionCall, queue.ActionStart, queue.ActionFinish}
	case queue.Skipped:
		steps = []queue.Action{queue.ActionCall, queue.ActionSkip}
	case queue.Cancelled:
		steps = []queue.Action{queue.ActionCancel}
	case queue.Transferred:
		steps = []queue.Action{queue.ActionCall}
	}
	for _, a := range steps {
		act(a)
	}
	if s == queue.Transferred {
		from, _, err := e.svc.Transfer(ctx, tk.ID, "LAB", "staff")
		if err != nil {
			t.Fatalf("transfer: %v", err)
		}
		tk = from
	}
	if tk.Status != s {
		t.Fatalf("set-up reached %s, want %s", tk.Status, s)
	}
	return tk
}

func TestAct(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	t.Run("every action from every status", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"), unit("LAB", "E"))
		// The lifecycle of the v1 contract: the status each action may
		// start from, the status it leads to, and the event it records.
		legal := map[queue.Action]map[queue.Status]queue.Status{
			queue.ActionCall:        {queue.Waiting: queue.Called},
			queue.ActionRecall:      {queue.Called: queue.Called},
			queue.ActionStart:       {queue.Called: queue.Serving},
			queue.ActionFinish:      {queue.Called: queue.Done, queue.Serving: queue.Done},
			queue.ActionSkip:        {queue.Called: queue.Skipped},
			queue.ActionRequeue:     {queue.Skipped: queue.Waiting},
			queue.ActionCancel:      {queue.Waiting: queue.Cancelled, queue.Called: queue.Cancelled, queue.Skipped: queue.Cancelled},
			queue.ActionPatientDrop: {queue.Waiting: queue.Cancelled},
		}
		event := map[queue.Action]string{
			queue.ActionCall: "called", queue.ActionRecall: "recalled", queue.ActionStart: "started",
			queue.ActionFinish: "finished", queue.ActionSkip: "skipped", queue.ActionRequeue: "requeued",
			queue.ActionCancel: "cancelled", queue.ActionPatientDrop: "cancelled",
		}
		actions := []queue.Action{queue.ActionCall, queue.ActionRecall, queue.ActionStart, queue.ActionFinish,
			queue.ActionSkip, queue.ActionRequeue, queue.ActionCancel, queue.ActionPatientDrop}
		for _, a := range actions {
			for _, from := range allStatuses {
				to, ok := legal[a][from]
				name := fmt.Sprintf("%s from %s", a, from)
				if ok {
					name += " leads to " + string(to)
				} else {
					name += " is refused"
				}
				t.Run(name, func(t *testing.T) {
					tk := e.into(t, fac, from)
					before, lanes, seq := e.stored(t, tk.ID), e.lanes(t, fac, "UMUM", today), e.eventSeq(t, fac)
					e.clock.Advance(time.Minute)
					e.pub.take()
					got, err := e.svc.Act(ctx, tk.ID, queue.Change{Action: a, Counter: "2", Actor: "staff"})
					if !ok {
						if !errors.Is(err, queue.ErrTransition) || !errors.Is(err, fault.ErrConflict) {
							t.Fatalf("got %v, want ErrTransition", err)
						}
						sameTicket(t, e.stored(t, tk.ID), before)
						if after := e.lanes(t, fac, "UMUM", today); !reflect.DeepEqual(after, lanes) {
							t.Errorf("the live index changed from %+v to %+v", lanes, after)
						}
						if after := e.eventSeq(t, fac); after != seq {
							t.Errorf("the event seq moved from %d to %d", seq, after)
						}
						if published := e.pub.take(); len(published) != 0 {
							t.Errorf("published %v", kinds(published))
						}
						return
					}
					if err != nil {
						t.Fatalf("got %v, want status %s", err, to)
					}
					if stored := e.stored(t, tk.ID); got.Status != to || stored.Status != to {
						t.Errorf("got status %s, stored %s, want %s", got.Status, stored.Status, to)
					}
					if published := kinds(e.pub.take()); !slices.Equal(published, []string{event[a]}) {
						t.Errorf("published %v, want [%s]", published, event[a])
					}
					if got := e.indexed(t, fac, "UMUM", today, tk.ID); got != (to == queue.Waiting) {
						t.Errorf("in the live index: %v, want %v", got, to == queue.Waiting)
					}
					if after := e.eventSeq(t, fac); after != seq+1 {
						t.Errorf("the event seq moved from %d to %d, want one step", seq, after)
					}
				})
			}
		}
	})

	t.Run("an unknown ticket", func(t *testing.T) {
		if _, err := e.svc.Act(ctx, "nope", queue.Change{Action: queue.ActionCall}); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("got %v, want fault.ErrNotFound", err)
		}
	})

	t.Run("what each step records", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"), unit("LAB", "E"))
		tk := e.into(t, fac, queue.Waiting)
		steps := []struct {
			action  queue.Action
			counter string
			check   func(t *testing.T, got queue.Ticket, at time.Time)
		}{
			{queue.ActionCall, "1", func(t *testing.T, got queue.Ticket, at time.Time) {
				if got.Counter != "1" || got.CallCount != 1 || got.CalledAt == nil || !got.CalledAt.Equal(at) {
					t.Errorf("got counter %q, %d calls, called at %v; want 1, 1, %v", got.Counter, got.CallCount, got.CalledAt, at)
				}
			}},
			{queue.ActionRecall, "2", func(t *testing.T, got queue.Ticket, at time.Time) {
				if got.Counter != "2" || got.CallCount != 2 || !got.CalledAt.Equal(friday.Add(time.Minute)) {
					t.Errorf("got counter %q, %d calls, called at %v; want 2, 2, the first call", got.Counter, got.CallCount, got.CalledAt)
				}
			}},
			{queue.ActionRecall, "", func(t *testing.T, got queue.Ticket, at time.Time) {
				if got.Counter != "2" || got.CallCount != 3 {
					t.Errorf("got counter %q, %d calls; want the counter kept, 3", got.Counter, got.CallCount)
				}
			}},
			{queue.ActionStart, "", func(t *testing.T, got queue.Ticket, at time.Time) {
				if got.StartedAt == nil || !got.StartedAt.Equal(at) {
					t.Errorf("got started at %v, want %v", got.StartedAt, at)
				}
			}},
			{queue.ActionFinish, "", func(t *testing.T, got queue.Ticket, at time.Time) {
				if got.FinishedAt == nil || !got.FinishedAt.Equal(at) || got.Counter != "2" {
					t.Errorf("got finished at %v at counter %q, want %v at 2", got.FinishedAt, got.Counter, at)
				}
			}},
		}
		for _, st := range steps {
			t.Run(fmt.Sprintf("%s %q", st.action, st.counter), func(t *testing.T) {
				e.clock.Advance(time.Minute)
				if _, err := e.svc.Act(ctx, tk.ID, queue.Change{Action: st.action, Counter: st.counter}); err != nil {
					t.Fatal(err)
				}
				st.check(t, e.stored(t, tk.ID), e.clock.Now())
			})
		}
	})

	t.Run("a requeued ticket comes back behind requeue_ahead others", func(t *testing.T) {
		tests := []struct {
			ahead, waiting int
			wantPosition   int
		}{
			{3, 5, 4},
			{3, 3, 4},
			{3, 2, 3}, // fewer wait: at the end
			{3, 0, 1},
			{1, 4, 2},
			{0, 3, 1}, // at the front
		}
		for _, tc := range tests {
			t.Run(fmt.Sprintf("ahead %d with %d waiting", tc.ahead, tc.waiting), func(t *testing.T) {
				e.clock.Set(friday)
				u := unit("UMUM", "B")
				u.Policy.RequeueAhead = tc.ahead
				fac := e.facility(t, u)
				late := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: "late"})
				var want []string
				for i := range tc.waiting {
					e.clock.Advance(time.Minute)
					name := fmt.Sprintf("p%d", i+1)
					e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: name})
					want = append(want, name)
				}
				if tk, _, err := e.svc.CallNext(ctx, fac, "UMUM", "1", "staff"); err != nil || tk.ID != late.ID {
					t.Fatalf("call next: got %q, %v; want the late patient", tk.Name, err)
				}
				if _, err := e.svc.Act(ctx, late.ID, queue.Change{Action: queue.ActionSkip}); err != nil {
					t.Fatal(err)
				}
				e.clock.Advance(time.Minute)
				got, err := e.svc.Act(ctx, late.ID, queue.Change{Action: queue.ActionRequeue, Actor: "staff"})
				if err != nil {
					t.Fatal(err)
				}
				if got.Position != tc.wantPosition || got.Counter != "" {
					t.Errorf("got position %d counter %q, want %d and no counter", got.Position, got.Counter, tc.wantPosition)
				}
				want = slices.Insert(want, tc.wantPosition-1, "late")
				if names := e.waitingNames(t, fac, "UMUM"); !slices.Equal(names, want) {
					t.Errorf("got line %v, want %v", names, want)
				}
				// The place is stored: a rebuild keeps it.
				e.redis.FlushAll()
				if names := e.waitingNames(t, fac, "UMUM"); !slices.Equal(names, want) {
					t.Errorf("after a rebuild: got line %v, want %v", names, want)
				}
			})
		}
	})

	t.Run("a patient cancels with the token", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		tk, token, _, err := e.svc.Book(ctx, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		if err != nil {
			t.Fatal(err)
		}
		other, otherToken, _, err := e.svc.Book(ctx, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ name, token string }{
			{"no token", ""}, {"a wrong token", "AAAAAAAAAAAAAAAAAAAAAAAA"}, {"another ticket's token", otherToken},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := e.stored(t, tk.ID)
				if _, err := e.svc.CancelByPatient(ctx, tk.ID, tc.token); !errors.Is(err, fault.ErrNotFound) {
					t.Errorf("got %v, want fault.ErrNotFound", err)
				}
				sameTicket(t, e.stored(t, tk.ID), before)
			})
		}
		t.Run("the right token", func(t *testing.T) {
			e.pub.take()
			got, err := e.svc.CancelByPatient(ctx, tk.ID, token)
			if err != nil || got.Status != queue.Cancelled {
				t.Fatalf("got status %s, %v; want cancelled", got.Status, err)
			}
			if e.indexed(t, fac, "UMUM", today, tk.ID) {
				t.Error("the cancelled ticket is still in the live index")
			}
			if events := e.pub.take(); len(events) != 1 || events[0].Kind != "cancelled" || events[0].Waiting != 1 {
				t.Errorf("published %+v, want one cancelled event with one waiting", events)
			}
		})
		t.Run("the right token once called", func(t *testing.T) {
			if _, _, err := e.svc.CallNext(ctx, fac, "UMUM", "1", "staff"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.CancelByPatient(ctx, other.ID, otherToken); !errors.Is(err, queue.ErrTransition) {
				t.Errorf("got %v, want ErrTransition", err)
			}
			if got := e.stored(t, other.ID); got.Status != queue.Called {
				t.Errorf("got status %s, want called", got.Status)
			}
		})
	})
}

func TestTransfer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	t.Run("the patient keeps the place of first arrival", func(t *testing.T) {
		e.clock.Set(friday)
		loket, umum := unit("LOKET", "A"), unit("UMUM", "B")
		umum.Policy = queue.DefaultPolicy()
		fac := e.facility(t, loket, umum)
		first := e.book(t, queue.BookRequest{Facility: fac, Unit: "LOKET", Name: "Siti", Phone: phone, Priority: "lansia", Notify: true})
		e.clock.Advance(5 * time.Minute)
		e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: "Budi", Priority: "hamil"})
		e.clock.Advance(5 * time.Minute)
		if tk, _, err := e.svc.CallNext(ctx, fac, "LOKET", "1", "staff"); err != nil || tk.ID != first.ID {
			t.Fatalf("call next: %q, %v", tk.Name, err)
		}
		e.pub.take()
		from, to, err := e.svc.Transfer(ctx, first.ID, "UMUM", "staff")
		if err != nil {
			t.Fatal(err)
		}
		if from.Status != queue.Transferred || from.TransferTo != to.ID || from.TransferRef != "UMUM" ||
			from.FinishedAt == nil || !from.FinishedAt.Equal(e.clock.Now()) {
			t.Errorf("old ticket %+v, want transferred to %s (UMUM), finished now", from, to.ID)
		}
		if to.Unit != "UMUM" || to.Status != queue.Waiting || to.Number != 2 || to.Code != "B-002" || to.FromUnit != "LOKET" {
			t.Errorf("new ticket %s %s number %d code %s from %q, want UMUM waiting 2 B-002 from LOKET",
				to.Unit, to.Status, to.Number, to.Code, to.FromUnit)
		}
		if to.OrderKey != first.OrderKey || to.VisitID != first.VisitID {
			t.Errorf("new ticket order key %d visit %s, want %d %s (the first arrival's)", to.OrderKey, to.VisitID, first.OrderKey, first.VisitID)
		}
		if to.Name != "Siti" || to.Phone != "6281234567890" || to.Priority != queue.PriorityLansia || !to.Notify {
			t.Errorf("new ticket %q %q %q notify %v, want the patient's", to.Name, to.Phone, to.Priority, to.Notify)
		}
		if to.Position != 1 || to.CallCount != 0 || to.Counter != "" || to.CalledAt != nil {
			t.Errorf("new ticket position %d, %d calls, counter %q; want 1, fresh", to.Position, to.CallCount, to.Counter)
		}
		if got := kinds(e.pub.take()); !slices.Equal(got, []string{"transferred", "transfer_in"}) {
			t.Errorf("published %v, want [transferred transfer_in]", got)
		}
		if got := e.waitingNames(t, fac, "UMUM"); !slices.Equal(got, []string{"Siti", "Budi"}) {
			t.Errorf("got line %v, want [Siti Budi]", got)
		}
		if tk, _, err := e.svc.CallNext(ctx, fac, "UMUM", "3", "staff"); err != nil || tk.ID != to.ID {
			t.Errorf("call next at UMUM: got %q, %v; want Siti's new ticket", tk.Name, err)
		}
	})

	t.Run("only a called or serving ticket moves", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"), unit("LAB", "E"))
		for _, s := range allStatuses {
			t.Run(string(s), func(t *testing.T) {
				tk := e.into(t, fac, s)
				before, seq := e.stored(t, tk.ID), e.eventSeq(t, fac)
				from, to, err := e.svc.Transfer(ctx, tk.ID, "LAB", "staff")
				if s == queue.Called || s == queue.Serving {
					if err != nil || from.Status != queue.Transferred || to.Status != queue.Waiting {
						t.Errorf("got %s -> %s, %v; want transferred -> waiting", from.Status, to.Status, err)
					}
					if got := e.eventSeq(t, fac); got != seq+2 {
						t.Errorf("event seq %d after a transfer, want %d (two events)", got, seq+2)
					}
					return
				}
				if !errors.Is(err, queue.ErrTransition) {
					t.Errorf("got %v, want ErrTransition", err)
				}
				sameTicket(t, e.stored(t, tk.ID), before)
				if after := e.eventSeq(t, fac); after != seq {
					t.Errorf("the event seq moved from %d to %d", seq, after)
				}
			})
		}
	})

	t.Run("the destination is another unit of the facility", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"), unit("LAB", "E"))
		tk := e.into(t, fac, queue.Called)
		for _, to := range []string{"UMUM", "NOPE"} {
			t.Run(to, func(t *testing.T) {
				_, _, err := e.svc.Transfer(ctx, tk.ID, to, "staff")
				wantField(t, err, "unit")
				if got := e.stored(t, tk.ID); got.Status != queue.Called {
					t.Errorf("got status %s, want called", got.Status)
				}
			})
		}
		if _, _, err := e.svc.Transfer(ctx, "nope", "LAB", "staff"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("unknown ticket: got %v, want fault.ErrNotFound", err)
		}
	})
}
