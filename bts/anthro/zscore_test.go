package anthro

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
)

// vector is one row of testdata/test-vectors.csv, checked cases computed
// from the daily WHO tables.
type vector struct {
	desc      string
	indicator string // LHFA, WFA or WFLH
	in        Input
	want2     float64 // z to 2 decimals
	want4     float64 // z to 4 decimals
}

func readVectors(t testing.TB) []vector {
	t.Helper()
	f, err := os.Open("testdata/test-vectors.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	num := func(s string) float64 {
		if s == "" {
			return 0
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var vs []vector
	for _, r := range recs[1:] {
		v := vector{desc: r[0], indicator: r[1], want2: num(r[7]), want4: num(r[8])}
		v.in.Sex = map[string]Sex{"M": Male, "F": Female}[r[2]]
		v.in.AgeDays = int(num(r[3]))
		v.in.Measure = map[string]Measure{"": MeasureUnknown, "l": MeasureLying, "h": MeasureStanding}[r[4]]
		switch v.indicator {
		case "LHFA":
			v.in.LenHeiCm = num(r[5])
		case "WFA":
			v.in.WeightKg = num(r[5])
		case "WFLH":
			v.in.LenHeiCm, v.in.WeightKg = num(r[5]), num(r[6])
		default:
			t.Fatalf("unknown indicator %q", v.indicator)
		}
		vs = append(vs, v)
	}
	if len(vs) != 22 {
		t.Fatalf("got %d test vectors, want 22", len(vs))
	}
	return vs
}

func (v vector) score(r Result) Score {
	switch v.indicator {
	case "LHFA":
		return r.ZLen
	case "WFA":
		return r.ZWei
	}
	return r.ZWFL
}

func TestComputeVectors(t *testing.T) {
	for _, v := range readVectors(t) {
		t.Run(v.desc, func(t *testing.T) {
			r, err := Compute(v.in, MethodDaily)
			if err != nil {
				t.Fatal(err)
			}
			s := v.score(r)
			if !s.Valid {
				t.Fatalf("got no z-score, want %v", v.want4)
			}
			if got := s.Rounded(); got != v.want2 {
				t.Errorf("got z %v to 2 dp, want %v", got, v.want2)
			}
			if got := s.Z; math.Abs(got-v.want4) > 0.0001 {
				t.Errorf("got z %.6f, want %v within 0.0001", got, v.want4)
			}
		})
	}
}

func TestComputeMethods(t *testing.T) {
	// bts.md: a boy of 60 days and 52.0 cm is -3.17 by days and -1.40 by
	// completed months (1 month: M 54.7244, S 0.03557).
	in := Input{Sex: Male, AgeDays: 60, LenHeiCm: 52.0, Measure: MeasureLying}
	for _, tt := range []struct {
		m    Method
		want string
		cat  Category
	}{
		{MethodDaily, "-3.17", SangatPendek},
		{MethodMonthly, "-1.40", TBNormal},
	} {
		t.Run(tt.m.String(), func(t *testing.T) {
			r, err := Compute(in, tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.ZLen.String(); got != tt.want {
				t.Errorf("got zlen %s, want %s", got, tt.want)
			}
			if r.TBU != tt.cat {
				t.Errorf("got TB/U %q, want %q", r.TBU, tt.cat)
			}
			if r.Method != tt.m || r.AgeMonths != 1 {
				t.Errorf("got method %v, %d months, want %v, 1 month", r.Method, r.AgeMonths, tt.m)
			}
		})
	}
}

func TestComputeMonthly(t *testing.T) {
	tests := []struct {
		name            string
		in              Input
		zlen, zwei, wfl string
	}{
		// Month 24 is the first height row; the lying length is adjusted.
		{"731 days is 24 months, height table", Input{Sex: Male, AgeDays: 731, LenHeiCm: 81.7, Measure: MeasureLying}, "-2.00", "", ""},
		// 730 days is 23 completed months, a length row.
		{"730 days is 23 months, length table", Input{Sex: Male, AgeDays: 730, LenHeiCm: 81.7}, "-1.75", "", ""},
		// On a 0.5 cm row the monthly WFL table equals the daily one.
		{"WFL on a table row", Input{Sex: Male, AgeDays: 300, LenHeiCm: 75.0, WeightKg: 8.1}, "", "-0.86", "-1.98"},
		// 80.25 cm lies halfway between the 80.0 and 80.5 rows.
		{"WFL between 0.5 cm rows", Input{Sex: Male, AgeDays: 400, LenHeiCm: 80.25, WeightKg: 9.5}, "", "-0.35", "-1.22"},
		{"WFH", Input{Sex: Female, AgeDays: 1000, LenHeiCm: 95.0, Measure: MeasureStanding, WeightKg: 11.7}, "", "-0.90", "-1.98"},
		{"weight restricted below -3", Input{Sex: Male, AgeDays: 365, WeightKg: 6.0}, "", "-3.95", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compute(tt.in, MethodMonthly)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.ZLen.String(); tt.zlen != "" && got != tt.zlen {
				t.Errorf("got zlen %s, want %s", got, tt.zlen)
			}
			if got := r.ZWei.String(); tt.zwei != "" && got != tt.zwei {
				t.Errorf("got zwei %s, want %s", got, tt.zwei)
			}
			if got := r.ZWFL.String(); tt.wfl != "" && got != tt.wfl {
				t.Errorf("got zwfl %s, want %s", got, tt.wfl)
			}
		})
	}
}

func TestMonthlyTablesMatchDaily(t *testing.T) {
	// The monthly WFL/WFH tables are the daily ones on every 0.5 cm row,
	// so interpolating either gives the same answer on those rows.
	tb := tables()
	for _, tt := range []struct {
		name           string
		daily, monthly *grid
	}{
		{"WFL", &tb.wflDaily, &tb.wflMonthly},
		{"WFH", &tb.wfhDaily, &tb.wfhMonthly},
	} {
		for _, sex := range []Sex{Male, Female} {
			for i, mrow := range tt.monthly.rows[sex-1] {
				cm := tt.monthly.start + float64(i)*tt.monthly.step
				drow, ok := tt.daily.at(sex, cm)
				if !ok || drow != mrow {
					t.Errorf("%s sex %d %.1f cm: got daily %+v, monthly %+v", tt.name, sex, cm, drow, mrow)
				}
			}
		}
	}
}

func TestTablesShape(t *testing.T) {
	tb := tables()
	for _, tt := range []struct {
		name string
		g    *grid
		rows int
	}{
		{"length daily", &tb.lenDaily, 1827},
		{"weight daily", &tb.weiDaily, 1827},
		{"BMI daily", &tb.bmiDaily, 1827},
		{"WFL daily", &tb.wflDaily, 651},
		{"WFH daily", &tb.wfhDaily, 551},
		{"length monthly", &tb.lenMonthly, 25},
		{"height monthly", &tb.heiMonthly, 37},
		{"weight monthly", &tb.weiMonthly, 61},
		{"WFL monthly", &tb.wflMonthly, 131},
		{"WFH monthly", &tb.wfhMonthly, 111},
	} {
		for _, sex := range []Sex{Male, Female} {
			if got := len(tt.g.rows[sex-1]); got != tt.rows {
				t.Errorf("%s sex %d: got %d rows, want %d", tt.name, sex, got, tt.rows)
			}
		}
	}
}

func TestComputeAges(t *testing.T) {
	tests := []struct {
		name    string
		age     int
		measure Measure
		clenhei float64
		hasZ    bool
	}{
		{"birth, standing adds 0.7", 0, MeasureStanding, 80.7, true},
		{"730 days, standing adds 0.7", 730, MeasureStanding, 80.7, true},
		{"730 days, lying unchanged", 730, MeasureLying, 80, true},
		{"731 days, lying takes 0.7", 731, MeasureLying, 79.3, true},
		{"731 days, standing unchanged", 731, MeasureStanding, 80, true},
		{"731 days, unknown unchanged", 731, MeasureUnknown, 80, true},
		{"1826 days still computed", 1826, MeasureStanding, 80, true},
		{"1827 days no z-scores", 1827, MeasureLying, 79.3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Sex: Female, AgeDays: tt.age, LenHeiCm: 80, WeightKg: 10, Measure: tt.measure}
			r, err := Compute(in, MethodDaily)
			if err != nil {
				t.Fatal(err)
			}
			if r.AdjustedLenHei != tt.clenhei {
				t.Errorf("got clenhei %v, want %v", r.AdjustedLenHei, tt.clenhei)
			}
			for name, s := range map[string]Score{"zlen": r.ZLen, "zwei": r.ZWei, "zbmi": r.ZBMI} {
				if s.Valid != tt.hasZ {
					t.Errorf("got %s valid %v, want %v", name, s.Valid, tt.hasZ)
				}
			}
			if wantCat := tt.hasZ; (r.TBU != "") != wantCat || (r.BBU != "") != wantCat {
				t.Errorf("got TB/U %q, BB/U %q; want categories %v", r.TBU, r.BBU, wantCat)
			}
		})
	}
}

func TestComputeDayBoundary(t *testing.T) {
	// The same child measured lying the day before and the day of 731 days:
	// the length row then the height row, 0.7 cm apart.
	lying := Input{Sex: Male, AgeDays: 730, LenHeiCm: 81.7, Measure: MeasureLying}
	standing := Input{Sex: Male, AgeDays: 731, LenHeiCm: 81.7, Measure: MeasureLying}
	for _, tt := range []struct {
		in   Input
		want string
	}{{lying, "-2.00"}, {standing, "-2.01"}} {
		r, err := Compute(tt.in, MethodDaily)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.ZLen.String(); got != tt.want {
			t.Errorf("%d days: got zlen %s, want %s", tt.in.AgeDays, got, tt.want)
		}
	}
}

func TestComputeMissing(t *testing.T) {
	tests := []struct {
		name                   string
		in                     Input
		zlen, zwei, zwfl, zbmi bool
	}{
		{"both", Input{Sex: Male, AgeDays: 300, WeightKg: 8.1, LenHeiCm: 75}, true, true, true, true},
		{"no weight", Input{Sex: Male, AgeDays: 300, LenHeiCm: 75}, true, false, false, false},
		{"no length", Input{Sex: Male, AgeDays: 300, WeightKg: 8.1}, false, true, false, false},
		{"neither", Input{Sex: Male, AgeDays: 300}, false, false, false, false},
		{"oedema", Input{Sex: Male, AgeDays: 300, WeightKg: 8.1, LenHeiCm: 75, Oedema: true}, true, false, false, false},
		{"WFL below 45 cm", Input{Sex: Male, AgeDays: 0, WeightKg: 2, LenHeiCm: 44.9}, true, true, false, true},
		{"WFL at 45 cm", Input{Sex: Male, AgeDays: 0, WeightKg: 2, LenHeiCm: 45}, true, true, true, true},
		{"WFL at 110 cm", Input{Sex: Male, AgeDays: 700, WeightKg: 18, LenHeiCm: 110}, true, true, true, true},
		{"WFL above 110 cm", Input{Sex: Male, AgeDays: 700, WeightKg: 18, LenHeiCm: 110.1}, true, true, false, true},
		{"WFL 109.5 standing becomes 110.2", Input{Sex: Male, AgeDays: 700, WeightKg: 18, LenHeiCm: 109.5, Measure: MeasureStanding}, true, true, false, true},
		{"WFH below 65 cm", Input{Sex: Male, AgeDays: 731, WeightKg: 7, LenHeiCm: 64.9}, true, true, false, true},
		{"WFH 65.6 lying becomes 64.9", Input{Sex: Male, AgeDays: 731, WeightKg: 7, LenHeiCm: 65.6, Measure: MeasureLying}, true, true, false, true},
		{"WFH at 65 cm", Input{Sex: Male, AgeDays: 731, WeightKg: 7, LenHeiCm: 65}, true, true, true, true},
		{"WFH at 120 cm", Input{Sex: Male, AgeDays: 1800, WeightKg: 22, LenHeiCm: 120}, true, true, true, true},
		{"WFH above 120 cm", Input{Sex: Male, AgeDays: 1800, WeightKg: 22, LenHeiCm: 120.1}, true, true, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, m := range []Method{MethodDaily, MethodMonthly} {
				r, err := Compute(tt.in, m)
				if err != nil {
					t.Fatal(err)
				}
				got := [4]bool{r.ZLen.Valid, r.ZWei.Valid, r.ZWFL.Valid, r.ZBMI.Valid}
				want := [4]bool{tt.zlen, tt.zwei, tt.zwfl, tt.zbmi}
				if got != want {
					t.Errorf("%v: got valid zlen, zwei, zwfl, zbmi %v, want %v", m, got, want)
				}
			}
		})
	}
}

func TestComputeOedema(t *testing.T) {
	r, err := Compute(Input{Sex: Female, AgeDays: 400, WeightKg: 7, LenHeiCm: 72, Oedema: true}, MethodDaily)
	if err != nil {
		t.Fatal(err)
	}
	if r.ZWei.Valid || r.ZWFL.Valid || r.ZBMI.Valid {
		t.Errorf("got weight-based z-scores %v %v %v, want none", r.ZWei, r.ZWFL, r.ZBMI)
	}
	if !r.ZLen.Valid || r.TBU == "" {
		t.Errorf("got zlen %v TB/U %q, want a length-for-age score", r.ZLen, r.TBU)
	}
	if r.BBU != BBSangatKurang || r.BBTB != GiziBuruk || r.IMTU != GiziBuruk {
		t.Errorf("got BB/U %q, BB/TB %q, IMT/U %q; want counted below -3 SD", r.BBU, r.BBTB, r.IMTU)
	}
	if r.FWei || r.FWFL || r.FBMI {
		t.Errorf("got weight flags set without scores")
	}
}

func TestComputeBMI(t *testing.T) {
	// 10 kg at 80 cm is 15.625 kg/m²; a girl of 1000 days is on the
	// height rows, a girl of 400 days on the length rows.
	for _, tt := range []struct {
		age  int
		want string
	}{
		{400, "-0.43"},
		{1000, "0.12"},
	} {
		r, err := Compute(Input{Sex: Female, AgeDays: tt.age, WeightKg: 10, LenHeiCm: 80}, MethodDaily)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.BMI-15.625) > 1e-9 {
			t.Errorf("%d days: got BMI %v, want 15.625", tt.age, r.BMI)
		}
		row, _ := tables().bmiDaily.row(Female, tt.age)
		if want := zscoreRestricted(15.625, row); math.Abs(r.ZBMI.Z-want) > 1e-9 {
			t.Errorf("%d days: got zbmi %v, want %v", tt.age, r.ZBMI.Z, want)
		}
		if got := r.ZBMI.String(); got != tt.want {
			t.Errorf("%d days: got zbmi %s, want %s", tt.age, got, tt.want)
		}
	}
}

func TestComputeFlags(t *testing.T) {
	tests := []struct {
		name                         string
		in                           Input
		flen, fwei, fwfl, fbmi, f9mo bool
	}{
		{"plausible", Input{Sex: Male, AgeDays: 300, WeightKg: 8.1, LenHeiCm: 75, Measure: MeasureLying}, false, false, false, false, false},
		{"very short", Input{Sex: Male, AgeDays: 1000, LenHeiCm: 60}, true, false, false, false, false},
		{"very tall", Input{Sex: Male, AgeDays: 300, LenHeiCm: 95}, true, false, false, false, false},
		{"very light", Input{Sex: Male, AgeDays: 1000, WeightKg: 4}, false, true, false, false, false},
		{"very heavy", Input{Sex: Male, AgeDays: 300, WeightKg: 20}, false, true, false, false, false},
		{"heavy for length", Input{Sex: Male, AgeDays: 700, WeightKg: 25, LenHeiCm: 85}, false, true, true, true, false},
		{"standing at 273 days", Input{Sex: Male, AgeDays: 273, WeightKg: 8, LenHeiCm: 70, Measure: MeasureStanding}, true, false, true, true, true},
		{"standing at 274 days", Input{Sex: Male, AgeDays: 274, WeightKg: 8, LenHeiCm: 70, Measure: MeasureStanding}, false, false, false, false, false},
		{"lying at 100 days", Input{Sex: Male, AgeDays: 100, WeightKg: 6, LenHeiCm: 60, Measure: MeasureLying}, false, false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compute(tt.in, MethodDaily)
			if err != nil {
				t.Fatal(err)
			}
			got := [5]bool{r.FLen, r.FWei, r.FWFL, r.FBMI, r.FMeasure}
			want := [5]bool{tt.flen, tt.fwei, tt.fwfl, tt.fbmi, tt.f9mo}
			if got != want {
				t.Errorf("got flen, fwei, fwfl, fbmi, fmeasure %v, want %v (z %v %v %v %v)",
					got, want, r.ZLen, r.ZWei, r.ZWFL, r.ZBMI)
			}
		})
	}
}

func TestFlagThresholdsOnRoundedZ(t *testing.T) {
	// WHO Anthro flags the rounded z: 6.004 shows as 6.00 and is not > 6.
	p := lms{l: 1, m: 100, s: 0.01}
	for _, tt := range []struct {
		z    float64
		want bool
	}{{6.004, false}, {6.006, true}, {-6.004, false}, {-6.006, true}} {
		y := p.m * (1 + p.s*tt.z)
		s := score(zscore(y, p))
		if got := math.Abs(s.Rounded()) > 6; got != tt.want {
			t.Errorf("z %v: got flagged %v, want %v", tt.z, got, tt.want)
		}
	}
}

func TestScoreHugeStaysFinite(t *testing.T) {
	// An absurd weight (1e308 kg) gives a finite z-score near MaxFloat64;
	// rounding it must not overflow to ±Inf, which JSON cannot carry.
	for _, z := range []float64{math.MaxFloat64, -math.MaxFloat64, 1e307, 1 << 53} {
		s := Score{Z: z, Valid: true}
		if r := s.Rounded(); math.IsInf(r, 0) || r != z {
			t.Errorf("Score{%g}.Rounded() = %g, want %g", z, r, z)
		}
		if v, err := strconv.ParseFloat(s.String(), 64); err != nil || v != z {
			t.Errorf("Score{%g}.String() = %.20s..., want it to parse back", z, s.String())
		}
	}
	r, err := Compute(Input{Sex: Male, AgeDays: 300, WeightKg: 1e308, LenHeiCm: 75, Measure: MeasureLying}, MethodDaily)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Score{r.ZWei, r.ZWFL, r.ZBMI} {
		if s.Valid && math.IsInf(s.Rounded(), 0) {
			t.Errorf("got rounded z-score %v for 1e308 kg", s.Rounded())
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("marshal result for 1e308 kg: %v", err)
	}
}

func TestComputeInvalid(t *testing.T) {
	ok := Input{Sex: Male, AgeDays: 100, WeightKg: 6, LenHeiCm: 60}
	tests := []struct {
		name string
		in   func(Input) Input
		m    Method
	}{
		{"sex 0", func(in Input) Input { in.Sex = 0; return in }, MethodDaily},
		{"sex 3", func(in Input) Input { in.Sex = 3; return in }, MethodDaily},
		{"negative age", func(in Input) Input { in.AgeDays = -1; return in }, MethodDaily},
		{"negative weight", func(in Input) Input { in.WeightKg = -6; return in }, MethodDaily},
		{"NaN weight", func(in Input) Input { in.WeightKg = math.NaN(); return in }, MethodDaily},
		{"infinite length", func(in Input) Input { in.LenHeiCm = math.Inf(1); return in }, MethodDaily},
		{"NaN length", func(in Input) Input { in.LenHeiCm = math.NaN(); return in }, MethodDaily},
		{"measure 7", func(in Input) Input { in.Measure = 7; return in }, MethodDaily},
		{"method 9", func(in Input) Input { return in }, Method(9)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compute(tt.in(ok), tt.m)
			if !errors.Is(err, fault.ErrInvalid) {
				t.Errorf("got error %v, want fault.ErrInvalid", err)
			}
		})
	}
	if _, err := Compute(ok, MethodDaily); err != nil {
		t.Errorf("got error %v for a valid input, want nil", err)
	}
}

func TestAgeDays(t *testing.T) {
	jkt := time.FixedZone("WIB", 7*3600)
	tests := []struct {
		name            string
		birth, measured time.Time
		want            int
	}{
		{"same day", time.Date(2024, 1, 1, 23, 0, 0, 0, jkt), time.Date(2024, 1, 1, 1, 0, 0, 0, jkt), 0},
		{"late birth, early measurement", time.Date(2024, 1, 1, 23, 59, 0, 0, jkt), time.Date(2024, 1, 2, 0, 1, 0, 0, jkt), 1},
		{"leap year", time.Date(2024, 1, 1, 0, 0, 0, 0, jkt), time.Date(2025, 1, 1, 0, 0, 0, 0, jkt), 366},
		{"five years", time.Date(2019, 3, 1, 0, 0, 0, 0, jkt), time.Date(2024, 3, 1, 0, 0, 0, 0, jkt), 1827},
		{"before birth", time.Date(2024, 1, 10, 0, 0, 0, 0, jkt), time.Date(2024, 1, 9, 0, 0, 0, 0, jkt), -1},
		{"each in its own zone", time.Date(2024, 1, 1, 0, 0, 0, 0, jkt), time.Date(2024, 1, 1, 20, 0, 0, 0, time.UTC), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AgeDays(tt.birth, tt.measured); got != tt.want {
				t.Errorf("got %d days, want %d", got, tt.want)
			}
		})
	}
}

func TestScoreString(t *testing.T) {
	for _, tt := range []struct {
		s    Score
		want string
	}{
		{Score{}, ""},
		{Score{Z: -2.0014, Valid: true}, "-2.00"},
		{Score{Z: 3.3725, Valid: true}, "3.37"},
		{Score{Z: -0.001, Valid: true}, "0.00"},
		{Score{Z: 0.005, Valid: true}, "0.01"},
		{Score{Z: -4.1366, Valid: true}, "-4.14"},
	} {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("Score{%v}: got %q, want %q", tt.s.Z, got, tt.want)
		}
	}
}

func BenchmarkCompute(b *testing.B) {
	ins := []Input{
		{Sex: Male, AgeDays: 300, WeightKg: 8.1, LenHeiCm: 75.05, Measure: MeasureLying},
		{Sex: Female, AgeDays: 1000, WeightKg: 11.7, LenHeiCm: 95, Measure: MeasureStanding},
	}
	tables()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Compute(ins[i%len(ins)], MethodDaily); err != nil {
			b.Fatal(err)
		}
	}
}
