package anthro

import (
	"math"
	"testing"
)

// The curves are the WHO tables' values: the median is M, and k SD is
// M (1 + L S k)^(1/L) (for length, L = 1: M (1 + S k)).
func TestCurveAt(t *testing.T) {
	tests := []struct {
		name    string
		c       Curve
		sex     Sex
		day     int
		k, want float64
	}{
		{"boys' length at birth, median", LengthForAge, Male, 0, 0, 49.8842},
		{"girls' length at birth, median", LengthForAge, Female, 0, 0, 49.1477},
		{"boys' length at birth, -2 SD", LengthForAge, Male, 0, -2, 49.8842 * (1 - 2*0.03795)},
		{"girls' weight at birth, median", WeightForAge, Female, 0, 0, 3.2322},
		{"boys' weight at birth, +3 SD", WeightForAge, Male, 0, 3, 3.3464 * math.Pow(1+0.3487*0.14602*3, 1/0.3487)},
	}
	for _, tc := range tests {
		got, ok := CurveAt(tc.c, tc.sex, tc.day, tc.k)
		if !ok || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: got %v, %v; want %v", tc.name, got, ok, tc.want)
		}
	}
	for _, bad := range []struct {
		c   Curve
		sex Sex
		day int
	}{{0, Male, 0}, {LengthForAge, 0, 0}, {LengthForAge, Male, -1}, {WeightForAge, Female, MaxAgeDays + 1}} {
		if v, ok := CurveAt(bad.c, bad.sex, bad.day, 0); ok {
			t.Errorf("CurveAt(%d, %d, %d) = %v, true; want not ok", bad.c, bad.sex, bad.day, v)
		}
	}
	if _, ok := CurveAt(WeightForAge, Female, MaxAgeDays, 0); !ok {
		t.Error("the last day of the tables has no curve value")
	}
}
