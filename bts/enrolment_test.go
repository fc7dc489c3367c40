package bts

import (
	"errors"
	"testing"
	"time"
)

func TestEnrolmentExit(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	today := day("2026-11-27")
	e := Enrolment{ID: 7, Target: Baduta, ChildID: 1, Start: day("2026-11-01"), End: day("2027-10-31")}

	left, err := e.Exit(day("2026-11-20"), "  Sudah tidak stunting ", today)
	if err != nil {
		t.Fatal(err)
	}
	if !left.ExitedOn.Equal(day("2026-11-20")) || left.ExitReason != "Sudah tidak stunting" {
		t.Errorf("exit: %v %q", left.ExitedOn, left.ExitReason)
	}
	if !left.ActiveOn(day("2026-11-19")) || left.ActiveOn(day("2026-11-20")) || left.ActiveOn(day("2026-11-25")) {
		t.Error("the exit day and after must not be planned, the day before must")
	}
	if d, err := e.Exit(time.Time{}, "Pindah", today); err != nil || !d.ExitedOn.Equal(today) {
		t.Errorf("exit without a date: %v %v, want today", d.ExitedOn, err)
	}
	if _, err := left.Exit(today, "lagi", today); !errors.Is(err, ErrConflict) {
		t.Errorf("a second exit: %v, want ErrConflict", err)
	}
	for _, tc := range []struct {
		on     time.Time
		reason string
		field  string
	}{
		{today, "", "exit_reason"},
		{today, "   ", "exit_reason"},
		{today, string(make([]rune, 301)), "exit_reason"},
		{day("2026-10-31"), "Pindah", "exited_on"},
		{day("2026-11-28"), "Pindah", "exited_on"},
	} {
		var fe *FieldError
		if _, err := e.Exit(tc.on, tc.reason, today); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("Exit(%s, %.10q): %v, want an error on %s", tc.on.Format(time.DateOnly), tc.reason, err, tc.field)
		}
	}
	if !e.ExitedOn.IsZero() {
		t.Error("Exit changed the enrolment it was called on")
	}
}
