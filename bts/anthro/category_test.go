package anthro

import (
	"fmt"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		z              float64
		tbu, bbu, bbtb Category
	}{
		{-3.01, SangatPendek, BBSangatKurang, GiziBuruk},
		{-3.006, SangatPendek, BBSangatKurang, GiziBuruk}, // rounds to -3.01
		{-3.004, Pendek, BBKurang, GiziKurang},            // rounds to -3.00
		{-3.00, Pendek, BBKurang, GiziKurang},
		{-2.01, Pendek, BBKurang, GiziKurang},
		{-2.006, Pendek, BBKurang, GiziKurang},
		{-2.0014, TBNormal, BBNormal, GiziBaik}, // bts.md: shown as -2.00, not stunted
		{-2.00, TBNormal, BBNormal, GiziBaik},
		{0, TBNormal, BBNormal, GiziBaik},
		{1.00, TBNormal, BBNormal, GiziBaik},
		{1.004, TBNormal, BBNormal, GiziBaik},
		{1.006, TBNormal, RisikoBBLebih, BerisikoGiziLebih},
		{1.01, TBNormal, RisikoBBLebih, BerisikoGiziLebih},
		{2.00, TBNormal, RisikoBBLebih, BerisikoGiziLebih},
		{2.004, TBNormal, RisikoBBLebih, BerisikoGiziLebih},
		{2.01, TBNormal, RisikoBBLebih, GiziLebih},
		{3.00, TBNormal, RisikoBBLebih, GiziLebih},
		{3.004, TBNormal, RisikoBBLebih, GiziLebih},
		{3.006, Tinggi, RisikoBBLebih, Obesitas},
		{3.01, Tinggi, RisikoBBLebih, Obesitas},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.z), func(t *testing.T) {
			if got := ClassifyTBU(tt.z); got != tt.tbu {
				t.Errorf("TB/U: got %q, want %q", got, tt.tbu)
			}
			if got := ClassifyBBU(tt.z); got != tt.bbu {
				t.Errorf("BB/U: got %q, want %q", got, tt.bbu)
			}
			if got := ClassifyBBTB(tt.z); got != tt.bbtb {
				t.Errorf("BB/TB: got %q, want %q", got, tt.bbtb)
			}
		})
	}
}

// valueAt is the measurement that has restricted z-score z in row p, the
// inverse of zscoreRestricted.
func valueAt(p lms, z float64) float64 {
	switch {
	case z > 3:
		return sd(p, 3) + (z-3)*(sd(p, 3)-sd(p, 2))
	case z < -3:
		return sd(p, -3) + (z+3)*(sd(p, -2)-sd(p, -3))
	}
	return sd(p, z)
}

// TestComputeCategoryBoundaries builds, for every index, measurements whose
// z falls just inside and just outside each cut-off, and checks the category
// Compute gives: the cut-offs apply to z rounded to 2 decimals.
func TestComputeCategoryBoundaries(t *testing.T) {
	tb := tables()
	const age, cm = 400, 75.0 // a boy of 400 days, 75.0 cm lying
	lenRow, _ := tb.lenDaily.row(Male, age)
	weiRow, _ := tb.weiDaily.row(Male, age)
	wflRow, _ := tb.wflDaily.at(Male, cm)
	bmiRow, _ := tb.bmiDaily.row(Male, age)
	h2 := (cm / 100) * (cm / 100)

	tests := []struct {
		index string
		z     float64
		want  Category
	}{
		{"TB/U", -3.006, SangatPendek},
		{"TB/U", -3.004, Pendek},
		{"TB/U", -2.006, Pendek},
		{"TB/U", -2.004, TBNormal},
		{"TB/U", 3.004, TBNormal},
		{"TB/U", 3.006, Tinggi},
		{"BB/U", -3.006, BBSangatKurang},
		{"BB/U", -3.004, BBKurang},
		{"BB/U", -2.006, BBKurang},
		{"BB/U", -2.004, BBNormal},
		{"BB/U", 1.004, BBNormal},
		{"BB/U", 1.006, RisikoBBLebih},
		{"BB/PB", -3.006, GiziBuruk},
		{"BB/PB", -3.004, GiziKurang},
		{"BB/PB", -2.006, GiziKurang},
		{"BB/PB", -2.004, GiziBaik},
		{"BB/PB", 1.004, GiziBaik},
		{"BB/PB", 1.006, BerisikoGiziLebih},
		{"BB/PB", 2.004, BerisikoGiziLebih},
		{"BB/PB", 2.006, GiziLebih},
		{"BB/PB", 3.004, GiziLebih},
		{"BB/PB", 3.006, Obesitas},
		{"IMT/U", -3.006, GiziBuruk},
		{"IMT/U", -3.004, GiziKurang},
		{"IMT/U", -2.004, GiziBaik},
		{"IMT/U", 1.006, BerisikoGiziLebih},
		{"IMT/U", 2.006, GiziLebih},
		{"IMT/U", 3.006, Obesitas},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.index, tt.z), func(t *testing.T) {
			in := Input{Sex: Male, AgeDays: age, Measure: MeasureLying}
			var got func(Result) (Score, Category)
			switch tt.index {
			case "TB/U":
				in.LenHeiCm = valueAt(lenRow, tt.z)
				got = func(r Result) (Score, Category) { return r.ZLen, r.TBU }
			case "BB/U":
				in.WeightKg = valueAt(weiRow, tt.z)
				got = func(r Result) (Score, Category) { return r.ZWei, r.BBU }
			case "BB/PB":
				in.LenHeiCm, in.WeightKg = cm, valueAt(wflRow, tt.z)
				got = func(r Result) (Score, Category) { return r.ZWFL, r.BBTB }
			case "IMT/U":
				in.LenHeiCm, in.WeightKg = cm, valueAt(bmiRow, tt.z)*h2
				got = func(r Result) (Score, Category) { return r.ZBMI, r.IMTU }
			}
			r, err := Compute(in, MethodDaily)
			if err != nil {
				t.Fatal(err)
			}
			s, cat := got(r)
			if want := fmt.Sprintf("%.2f", round2(tt.z)); s.String() != want {
				t.Errorf("got z %s (%.5f), want %s", s, s.Z, want)
			}
			if cat != tt.want {
				t.Errorf("got %q, want %q", cat, tt.want)
			}
		})
	}
}

// TestComputeCategoriesFromVectors checks categories end to end on cases
// from the checked test vectors.
func TestComputeCategoriesFromVectors(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		get  func(Result) Category
		want Category
	}{
		{"girl 548 d 74.9 cm, -2.00", Input{Sex: Female, AgeDays: 548, LenHeiCm: 74.9, Measure: MeasureLying}, func(r Result) Category { return r.TBU }, TBNormal},
		{"girl 365 d 68.0 cm, -2.33", Input{Sex: Female, AgeDays: 365, LenHeiCm: 68.0, Measure: MeasureLying}, func(r Result) Category { return r.TBU }, Pendek},
		{"girl 1461 d 89.0 cm, -3.19", Input{Sex: Female, AgeDays: 1461, LenHeiCm: 89.0, Measure: MeasureStanding}, func(r Result) Category { return r.TBU }, SangatPendek},
		{"boy 365 d 7.7 kg, -2.05", Input{Sex: Male, AgeDays: 365, WeightKg: 7.7}, func(r Result) Category { return r.BBU }, BBKurang},
		{"boy 365 d 6.0 kg, -4.14", Input{Sex: Male, AgeDays: 365, WeightKg: 6.0}, func(r Result) Category { return r.BBU }, BBSangatKurang},
		{"girl 1096 d 22.0 kg, 3.37", Input{Sex: Female, AgeDays: 1096, WeightKg: 22.0}, func(r Result) Category { return r.BBU }, RisikoBBLebih},
		{"boy 300 d 75.0 cm 8.1 kg, -1.98", Input{Sex: Male, AgeDays: 300, LenHeiCm: 75, WeightKg: 8.1, Measure: MeasureLying}, func(r Result) Category { return r.BBTB }, GiziBaik},
		{"boy 300 d 75.0 cm 7.0 kg, -3.81", Input{Sex: Male, AgeDays: 300, LenHeiCm: 75, WeightKg: 7.0, Measure: MeasureLying}, func(r Result) Category { return r.BBTB }, GiziBuruk},
		{"girl 1000 d 85.0 cm 16.0 kg, 3.64", Input{Sex: Female, AgeDays: 1000, LenHeiCm: 85, WeightKg: 16.0, Measure: MeasureStanding}, func(r Result) Category { return r.BBTB }, Obesitas},
		{"girl 400 d 80 cm 10 kg, BMI -0.43", Input{Sex: Female, AgeDays: 400, LenHeiCm: 80, WeightKg: 10}, func(r Result) Category { return r.IMTU }, GiziBaik},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compute(tt.in, MethodDaily)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.get(r); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
