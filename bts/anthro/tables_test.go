package anthro

import "testing"

// StandingFromDays is the day the WHO tables switch from length to height.
func TestStandingFromDays(t *testing.T) {
	if got := lengthOrHeightByAge(StandingFromDays - 1); got != "L" {
		t.Errorf("day %d: %s, want L (length, lying)", StandingFromDays-1, got)
	}
	if got := lengthOrHeightByAge(StandingFromDays); got != "H" {
		t.Errorf("day %d: %s, want H (height, standing)", StandingFromDays, got)
	}
}
