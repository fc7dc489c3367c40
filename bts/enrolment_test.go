package bts

import (
	"errors"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
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
	if _, err := left.Exit(today, "lagi", today); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("a second exit: %v, want fault.ErrConflict", err)
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
		var fe *fault.Error
		if _, err := e.Exit(tc.on, tc.reason, today); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("Exit(%s, %.10q): %v, want an error on %s", tc.on.Format(time.DateOnly), tc.reason, err, tc.field)
		}
	}
	if !e.ExitedOn.IsZero() {
		t.Error("Exit changed the enrolment it was called on")
	}

	// A family that declines before the start leaves on the start day.
	later := Enrolment{ID: 8, Target: Balita, ChildID: 2, Start: day("2026-12-01"), End: day("2027-11-30")}
	if d, err := later.Exit(time.Time{}, "Keluarga menolak", today); err != nil || !d.ExitedOn.Equal(later.Start) || d.ActiveOn(later.Start) {
		t.Errorf("exit before the start: %v %v, want the start day and never active", d.ExitedOn, err)
	}
	if _, err := later.Exit(day("2026-12-02"), "Keluarga menolak", today); err == nil {
		t.Error("exit after the start of an enrolment not started yet: accepted")
	}
}

// A report for a day the target was not enrolled on (here: after a
// back-dated exit) is neither delivered nor spent, and compliance stays a
// share of the planned days.
func TestComplianceAfterExit(t *testing.T) {
	day := func(s string) time.Time {
		d, _ := time.Parse(time.DateOnly, s)
		return d
	}
	e := Enrolment{ID: 1, Target: Baduta, ChildID: 1, Start: day("2026-11-01"), End: day("2027-10-31"), AllowanceRp: 15000,
		ExitedOn: day("2026-11-03"), ExitReason: "Pindah"}
	var ds []Delivery
	for _, d := range []string{"2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"} {
		ds = append(ds, Delivery{EnrolmentID: 1, DeliveredOn: day(d), Status: Verified, TotalRp: 15000,
			ReceivedAt: day(d).Add(12 * time.Hour)})
	}
	c := ComputeCompliance([]Enrolment{e}, ds, day("2026-11-01"), day("2026-11-30"), day("2026-11-27"), time.UTC)
	tc := c.Targets[0]
	if tc.Planned != 2 || tc.Delivered != 2 || tc.Percent != 100 || tc.SpentRp != 30000 || tc.BudgetRp != 30000 {
		t.Errorf("got planned %d, delivered %d, %v %%, spent %d of %d; want 2, 2, 100 %%, 30000 of 30000",
			tc.Planned, tc.Delivered, tc.Percent, tc.SpentRp, tc.BudgetRp)
	}
}

// Compliance is also summed per facility: the district map's Puskesmas.
func TestComplianceByFacility(t *testing.T) {
	day := func(s string) time.Time {
		d, _ := time.Parse(time.DateOnly, s)
		return d
	}
	es := []Enrolment{
		{ID: 1, Facility: "sobo", Desa: "a", Start: day("2026-11-01"), End: day("2027-10-31")},
		{ID: 2, Facility: "sobo", Desa: "b", Start: day("2026-11-01"), End: day("2027-10-31")},
		{ID: 3, Facility: "kalipuro", Desa: "c", Start: day("2026-11-01"), End: day("2027-10-31")},
	}
	ds := []Delivery{
		{EnrolmentID: 1, DeliveredOn: day("2026-11-01"), Status: Verified, ReceivedAt: day("2026-11-01").Add(time.Hour)},
		{EnrolmentID: 1, DeliveredOn: day("2026-11-02"), Status: Verified, ReceivedAt: day("2026-11-02").Add(time.Hour)},
		{EnrolmentID: 2, DeliveredOn: day("2026-11-01"), Status: Verified, ReceivedAt: day("2026-11-01").Add(time.Hour)},
	}
	c := ComputeCompliance(es, ds, day("2026-11-01"), day("2026-11-30"), day("2026-11-02"), time.UTC)
	got := map[string]GroupCompliance{}
	for _, g := range c.ByFacility {
		got[g.Code] = g
	}
	if s := got["sobo"]; s.Targets != 2 || s.Planned != 4 || s.Delivered != 3 || s.Percent != 75 {
		t.Errorf("sobo = %+v, want 2 targets, 3 of 4 days, 75 %%", s)
	}
	if k := got["kalipuro"]; k.Targets != 1 || k.Delivered != 0 || k.Percent != 0 {
		t.Errorf("kalipuro = %+v, want 1 target, nothing delivered", k)
	}
}
