package queue_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
)

// A valid NIK (a woman born 1 January 1990 in Banyuwangi), BPJS card and
// mobile number.
const (
	nik   = "3510014101900001"
	bpjs  = "0001234567890"
	phone = "081234567890"
)

func numbers(ts []queue.Ticket) []int {
	out := make([]int, len(ts))
	for i, tk := range ts {
		out[i] = tk.Number
	}
	return out
}

func TestBook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	t.Run("numbers run 1..n per unit and date", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"), unit("GIGI", "C"))
		var umum, gigi, later []queue.Ticket
		for range 3 {
			umum = append(umum, e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"}))
			gigi = append(gigi, e.book(t, queue.BookRequest{Facility: fac, Unit: "GIGI"}))
			later = append(later, e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", ServiceDate: tomorrow}))
		}
		for name, got := range map[string][]queue.Ticket{"UMUM today": umum, "GIGI today": gigi, "UMUM tomorrow": later} {
			if !slices.Equal(numbers(got), []int{1, 2, 3}) {
				t.Errorf("%s: got numbers %v, want [1 2 3]", name, numbers(got))
			}
		}
		if got, want := umum[2].Code, "B-003"; got != want {
			t.Errorf("got code %s, want %s", got, want)
		}
		if got, want := gigi[0].Code, "C-001"; got != want {
			t.Errorf("got code %s, want %s", got, want)
		}
		if got := later[0].ServiceDate; got != tomorrow {
			t.Errorf("got service date %s, want %s", got, tomorrow)
		}
	})

	t.Run("the answer carries the place in line and the patient's token", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		e.pub.take()
		first := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: "Siti"})
		tk, token, created, err := e.svc.Book(ctx, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: "Budi"})
		if err != nil || !created {
			t.Fatalf("book: created %v, %v", created, err)
		}
		if tk.Position != 2 || tk.Ahead != 1 || tk.EstimatedWaitS != 300 {
			t.Errorf("got position %d, ahead %d, wait %d s; want 2, 1, 300 s", tk.Position, tk.Ahead, tk.EstimatedWaitS)
		}
		if tk.Status != queue.Waiting || tk.Channel != queue.ChannelOnline || tk.Name != "Budi" || tk.VisitID != tk.ID {
			t.Errorf("got status %s, channel %s, name %q, visit %s; want waiting, online, Budi, its own id",
				tk.Status, tk.Channel, tk.Name, tk.VisitID)
		}
		if !e.svc.CheckToken(tk.ID, token) || e.svc.CheckToken(first.ID, token) {
			t.Error("the token is not the ticket's own")
		}
		got := e.stored(t, tk.ID)
		if got.Number != 2 || got.Name != "Budi" || got.OrderKey != tk.OrderKey || !got.IssuedAt.Equal(friday) {
			t.Errorf("stored %+v, want number 2, name Budi, order key %d, issued at %v", got, tk.OrderKey, friday)
		}
		if got := kinds(e.pub.take()); !slices.Equal(got, []string{"booked", "booked"}) {
			t.Errorf("published %v, want [booked booked]", got)
		}
	})

	t.Run("50 concurrent bookings get 1..50", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		const n = 50
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			got  []int
			errs []error
		)
		for range n {
			wg.Go(func() {
				tk, _, _, err := e.svc.Book(ctx, queue.BookRequest{Facility: fac, Unit: "UMUM"})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				got = append(got, tk.Number)
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d bookings failed, the first: %v", len(errs), errs[0])
		}
		slices.Sort(got)
		want := make([]int, n)
		for i := range want {
			want[i] = i + 1
		}
		if !slices.Equal(got, want) {
			t.Errorf("got numbers %v, want 1..%d", got, n)
		}
		if got := e.lanes(t, fac, "UMUM", today).Count(); got != n {
			t.Errorf("the live index holds %d tickets, want %d", got, n)
		}
		// The line follows the numbers: a later number never goes first.
		waiting, _, err := e.svc.Queue(ctx, fac, "UMUM")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(numbers(waiting), want) {
			t.Errorf("got call order %v, want 1..%d", numbers(waiting), n)
		}
	})

	t.Run("the day starts at midnight in the facility's zone", func(t *testing.T) {
		fac := e.facility(t, unit("UMUM", "B"))
		e.clock.Set(time.Date(2026, 11, 27, 23, 59, 0, 0, jakarta))
		late := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		// 17:30 UTC is still the 27th in UTC, but the 28th in Banyuwangi.
		e.clock.Set(time.Date(2026, 11, 27, 17, 30, 0, 0, time.UTC))
		early := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		if late.ServiceDate != today || late.Number != 1 {
			t.Errorf("at 23:59: got %s number %d, want %s number 1", late.ServiceDate, late.Number, today)
		}
		if early.ServiceDate != tomorrow || early.Number != 1 {
			t.Errorf("at 00:30 the next day: got %s number %d, want %s number 1", early.ServiceDate, early.Number, tomorrow)
		}
	})

	t.Run("the quota counts tickets issued", func(t *testing.T) {
		e.clock.Set(friday)
		u := unit("UMUM", "B")
		u.DailyQuota = 3
		fac := e.facility(t, u)
		var ts []queue.Ticket
		for range 3 {
			ts = append(ts, e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"}))
		}
		// A cancelled ticket keeps its number: the quota is of numbers issued.
		if _, err := e.svc.Act(ctx, ts[0].ID, queue.Change{Action: queue.ActionCancel, Actor: "staff"}); err != nil {
			t.Fatal(err)
		}
		_, _, _, err := e.svc.Book(ctx, queue.BookRequest{Facility: fac, Unit: "UMUM"})
		if !errors.Is(err, queue.ErrQuotaFull) || !errors.Is(err, fault.ErrConflict) {
			t.Fatalf("4th booking: got %v, want ErrQuotaFull", err)
		}
		if got := e.tickets(t, fac); got != 3 {
			t.Errorf("got %d tickets stored, want 3", got)
		}
		if tk := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", ServiceDate: tomorrow}); tk.Number != 1 {
			t.Errorf("tomorrow: got number %d, want 1 (the quota is per day)", tk.Number)
		}
	})

	t.Run("a closed unit takes no bookings", func(t *testing.T) {
		e.clock.Set(friday)
		weekdays := unit("UMUM", "B")
		weekdays.OpenDays = 0b0111110 // Monday to Friday
		hours := unit("GIGI", "C")
		hours.Opens, hours.Closes = 7*60, 14*60
		fac := e.facility(t, weekdays, hours)
		tests := []struct {
			name       string
			at         time.Time
			unit, date string
			closed     bool
		}{
			{"on a day it does not serve", friday, "UMUM", tomorrow, true},
			{"on a day it serves", friday, "UMUM", today, false},
			{"today after closing", friday.Add(6*time.Hour + 30*time.Minute), "GIGI", today, true},
			{"tomorrow, after closing today", friday.Add(6*time.Hour + 30*time.Minute), "GIGI", tomorrow, false},
			{"today before opening", friday.Add(-2 * time.Hour), "GIGI", today, false},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e.clock.Set(tc.at)
				_, _, _, err := e.svc.Book(ctx, queue.BookRequest{Facility: fac, Unit: tc.unit, ServiceDate: tc.date})
				if tc.closed && !errors.Is(err, queue.ErrClosed) {
					t.Errorf("got %v, want ErrClosed", err)
				}
				if !tc.closed && err != nil {
					t.Errorf("got %v, want a ticket", err)
				}
			})
		}
	})

	t.Run("a booking before opening waits from the opening", func(t *testing.T) {
		u := unit("GIGI", "C")
		u.Opens, u.Closes = 7*60, 14*60
		fac := e.facility(t, u)
		e.clock.Set(friday.Add(-2 * time.Hour)) // 06:00
		tk := e.book(t, queue.BookRequest{Facility: fac, Unit: "GIGI"})
		if want := time.Date(2026, 11, 27, 7, 0, 0, 0, jakarta).UnixMilli(); tk.OrderKey != want {
			t.Errorf("got order key %d, want %d (07:00)", tk.OrderKey, want)
		}
	})

	t.Run("the service date lies in the booking window", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		for _, tc := range []struct {
			date string
			ok   bool
		}{
			{"", true}, {today, true}, {"2026-12-04", true}, // the window is 7 days
			{"2026-12-05", false}, {"2026-11-26", false}, {"27-11-2026", false}, {"2026-02-30", false},
		} {
			t.Run("date "+tc.date, func(t *testing.T) {
				_, _, _, err := e.svc.Book(ctx, queue.BookRequest{Facility: fac, Unit: "UMUM", ServiceDate: tc.date})
				if tc.ok {
					if err != nil {
						t.Errorf("got %v, want a ticket", err)
					}
					return
				}
				wantField(t, err, "service_date")
			})
		}
	})

	t.Run("a person holds one active ticket per unit and date", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"), unit("GIGI", "C"))
		first := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", NIK: nik, BPJS: bpjs, Phone: phone, Name: "Siti"})
		duplicates := []struct {
			name string
			r    queue.BookRequest
		}{
			{"the same NIK", queue.BookRequest{NIK: nik}},
			{"the same BPJS card", queue.BookRequest{BPJS: bpjs}},
			{"the same phone, written otherwise", queue.BookRequest{Phone: "+62 812-3456-7890"}},
		}
		for _, tc := range duplicates {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.r
				r.Facility, r.Unit = fac, "UMUM"
				_, _, _, err := e.svc.Book(ctx, r)
				var dup *queue.DuplicateError
				if !errors.As(err, &dup) || !errors.Is(err, queue.ErrDuplicate) || !errors.Is(err, fault.ErrConflict) {
					t.Fatalf("got %v, want a DuplicateError", err)
				}
				if dup.Existing.ID != first.ID || dup.Existing.Code != "B-001" {
					t.Errorf("got existing ticket %s (%s), want %s (B-001)", dup.Existing.ID, dup.Existing.Code, first.ID)
				}
			})
		}
		t.Run("another unit or date is another place", func(t *testing.T) {
			e.book(t, queue.BookRequest{Facility: fac, Unit: "GIGI", NIK: nik})
			e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", NIK: nik, ServiceDate: tomorrow})
		})
		t.Run("a skipped ticket still holds the place", func(t *testing.T) {
			if _, err := e.svc.Act(ctx, first.ID, queue.Change{Action: queue.ActionCall, Counter: "1"}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Act(ctx, first.ID, queue.Change{Action: queue.ActionSkip}); err != nil {
				t.Fatal(err)
			}
			if _, _, _, err := e.svc.Book(ctx, queue.BookRequest{Facility: fac, Unit: "UMUM", NIK: nik}); !errors.Is(err, queue.ErrDuplicate) {
				t.Errorf("got %v, want ErrDuplicate", err)
			}
		})
		t.Run("a finished ticket frees the place", func(t *testing.T) {
			if _, err := e.svc.Act(ctx, first.ID, queue.Change{Action: queue.ActionCancel}); err != nil {
				t.Fatal(err)
			}
			// The refused duplicates took no number.
			if tk := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", NIK: nik}); tk.Number != 2 {
				t.Errorf("got number %d, want 2", tk.Number)
			}
		})
	})

	t.Run("an Idempotency-Key replays its booking", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		other := e.facility(t, unit("UMUM", "B"))
		r := queue.BookRequest{Facility: fac, Unit: "UMUM", Name: "Siti", Phone: phone, IdempotencyKey: "k-1"}
		first, token, created, err := e.svc.Book(ctx, r)
		if err != nil || !created {
			t.Fatalf("first: created %v, %v", created, err)
		}
		e.pub.take()
		t.Run("the same body again", func(t *testing.T) {
			e.clock.Advance(time.Minute)
			again, token2, created, err := e.svc.Book(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if created || again.ID != first.ID || again.Number != 1 || token2 != token {
				t.Errorf("got ticket %s number %d created %v, want %s number 1 not created, same token",
					again.ID, again.Number, created, first.ID)
			}
			if again.Position != 1 {
				t.Errorf("got position %d, want 1", again.Position)
			}
			if got := e.tickets(t, fac); got != 1 {
				t.Errorf("got %d tickets stored, want 1", got)
			}
			if got := e.pub.take(); len(got) != 0 {
				t.Errorf("a replay published %v", kinds(got))
			}
		})
		t.Run("the key with another body", func(t *testing.T) {
			changed := r
			changed.Name = "Budi"
			_, _, _, err := e.svc.Book(ctx, changed)
			if !errors.Is(err, fault.ErrConflict) || errors.Is(err, queue.ErrDuplicate) {
				t.Errorf("got %v, want fault.ErrConflict", err)
			}
			if got := e.tickets(t, fac); got != 1 {
				t.Errorf("got %d tickets stored, want 1", got)
			}
		})
		t.Run("keys are the facility's own", func(t *testing.T) {
			r := r
			r.Facility = other
			tk, _, created, err := e.svc.Book(ctx, r)
			if err != nil || !created || tk.ID == first.ID {
				t.Errorf("got ticket %s created %v, %v; want a new ticket", tk.ID, created, err)
			}
		})
		t.Run("a key of over 200 characters", func(t *testing.T) {
			r := r
			r.IdempotencyKey = strings.Repeat("k", 201)
			_, _, _, err := e.svc.Book(ctx, r)
			wantField(t, err, "Idempotency-Key")
		})
	})

	t.Run("priority groups", func(t *testing.T) {
		ratio := unit("UMUM", "B")
		ratio.Policy = queue.Policy{Mode: queue.Ratio, Every: 2}
		for _, pr := range []queue.Priority{queue.PriorityLansia, queue.PriorityHamil, queue.PriorityDisabilitas, queue.PriorityBalita} {
			t.Run(string(pr)+" under ratio 2: called after two others", func(t *testing.T) {
				e.clock.Set(friday)
				fac := e.facility(t, ratio)
				for range 3 {
					e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM"})
					e.clock.Advance(time.Minute)
				}
				tk := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Priority: string(pr), Channel: "kiosk"})
				if got := e.stored(t, tk.ID); got.Priority != pr || got.Channel != queue.ChannelKiosk {
					t.Errorf("got priority %q channel %q, want %q kiosk", got.Priority, got.Channel, pr)
				}
				if got := e.lanes(t, fac, "UMUM", today).Priority; len(got) != 1 || got[0].ID != tk.ID {
					t.Errorf("got priority lane %v, want the ticket alone", got)
				}
				if tk.Position != 3 {
					t.Errorf("got position %d, want 3", tk.Position)
				}
			})
		}
		t.Run("fifo: a group changes nothing", func(t *testing.T) {
			e.clock.Set(friday)
			fac := e.facility(t, unit("GIGI", "C"))
			for range 3 {
				e.book(t, queue.BookRequest{Facility: fac, Unit: "GIGI"})
				e.clock.Advance(time.Minute)
			}
			tk := e.book(t, queue.BookRequest{Facility: fac, Unit: "GIGI", Priority: "lansia"})
			if tk.Position != 4 || tk.Priority != queue.PriorityLansia {
				t.Errorf("got position %d priority %q, want 4 (behind everyone) lansia", tk.Position, tk.Priority)
			}
			if ls := e.lanes(t, fac, "GIGI", today); len(ls.Priority) != 0 {
				t.Errorf("fifo unit has a priority lane %v", ls.Priority)
			}
		})
	})

	t.Run("every input is validated", func(t *testing.T) {
		e.clock.Set(friday)
		fac := e.facility(t, unit("UMUM", "B"))
		tests := []struct {
			name  string
			r     queue.BookRequest
			field string
		}{
			{"a NIK of 15 digits", queue.BookRequest{NIK: "351001410190000"}, "nik"},
			{"a NIK with letters", queue.BookRequest{NIK: "35100141019000a1"}, "nik"},
			{"a NIK of an unknown province", queue.BookRequest{NIK: "9910014101900001"}, "nik"},
			{"a NIK born on 31 February", queue.BookRequest{NIK: "3510013102900001"}, "nik"},
			{"a NIK with serial 0000", queue.BookRequest{NIK: "3510014101900000"}, "nik"},
			{"a BPJS number of 12 digits", queue.BookRequest{BPJS: "000123456789"}, "bpjs"},
			{"a BPJS number with letters", queue.BookRequest{BPJS: "000123456789x"}, "bpjs"},
			{"a foreign phone", queue.BookRequest{Phone: "+1 555 0100 200"}, "phone"},
			{"a landline", queue.BookRequest{Phone: "0333-424242"}, "phone"},
			{"a phone with letters", queue.BookRequest{Phone: "0812abc4567"}, "phone"},
			{"messages without a phone", queue.BookRequest{Notify: true}, "phone"},
			{"a name of 101 letters", queue.BookRequest{Name: strings.Repeat("a", 101)}, "name"},
			{"a name with markup", queue.BookRequest{Name: "<b>Siti</b>"}, "name"},
			{"a name that is not UTF-8", queue.BookRequest{Name: "Siti\xff"}, "name"},
			{"a name with a NUL", queue.BookRequest{Name: "Siti\x00"}, "name"},
			{"an unknown priority group", queue.BookRequest{Priority: "vip"}, "priority"},
			{"a priority group in capitals", queue.BookRequest{Priority: "Lansia"}, "priority"},
			{"an unknown channel", queue.BookRequest{Channel: "tv"}, "channel"},
			{"an unknown unit", queue.BookRequest{Unit: "NOPE"}, "unit"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.r
				r.Facility = fac
				if r.Unit == "" {
					r.Unit = "UMUM"
				}
				_, _, _, err := e.svc.Book(ctx, r)
				wantField(t, err, tc.field)
			})
		}
		t.Run("the limits themselves are accepted", func(t *testing.T) {
			tk := e.book(t, queue.BookRequest{Facility: fac, Unit: "UMUM", Name: "  " + strings.Repeat("é", 100) + " ",
				Phone: "0812-3456-7890", Notify: true, NIK: "3510010101000001", BPJS: "0000000000001",
				IdempotencyKey: strings.Repeat("k", 200)})
			if got := e.stored(t, tk.ID); got.Name != strings.Repeat("é", 100) || got.Phone != "6281234567890" || !got.Notify {
				t.Errorf("stored name %q phone %q notify %v, want the name trimmed, 6281234567890, true", got.Name, got.Phone, got.Notify)
			}
			// Nothing refused above was stored or took a number.
			if tk.Number != 1 {
				t.Errorf("got number %d, want 1", tk.Number)
			}
		})
		t.Run("an unknown facility", func(t *testing.T) {
			_, _, _, err := e.svc.Book(ctx, queue.BookRequest{Facility: "nope", Unit: "UMUM"})
			if !errors.Is(err, fault.ErrNotFound) {
				t.Errorf("got %v, want fault.ErrNotFound", err)
			}
		})
	})
}
