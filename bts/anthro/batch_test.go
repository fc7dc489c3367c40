package anthro

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/antrian/antrian/fault"
)

const batchHeader = "sex,age_days,weight_kg,lenhei_cm,measure,oedema"

// convert runs ConvertCSV and parses its output into records keyed by
// column name.
func convert(t *testing.T, input string) (rows []map[string]string, stderr string, bad int) {
	t.Helper()
	var out, errw bytes.Buffer
	bad, err := ConvertCSV(strings.NewReader(input), &out, &errw)
	if err != nil {
		t.Fatalf("ConvertCSV: %v", err)
	}
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, out.String())
	}
	wantHeader := batchHeader + "," + strings.Join(batchOutputColumns, ",")
	if got := strings.Join(recs[0], ","); got != wantHeader {
		t.Fatalf("got header %s, want %s", got, wantHeader)
	}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, name := range recs[0] {
			row[name] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows, errw.String(), bad
}

func TestConvertCSVVectors(t *testing.T) {
	vs := readVectors(t)
	var in strings.Builder
	in.WriteString(batchHeader + "\n")
	num := func(v float64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	for _, v := range vs {
		m := map[Measure]string{MeasureLying: "l", MeasureStanding: "h"}[v.in.Measure]
		fmt.Fprintf(&in, "%d,%d,%s,%s,%s,n\n", v.in.Sex, v.in.AgeDays, num(v.in.WeightKg), num(v.in.LenHeiCm), m)
	}
	rows, stderr, bad := convert(t, in.String())
	if bad != 0 || stderr != "" {
		t.Fatalf("got %d bad rows, stderr %q; want none", bad, stderr)
	}
	if len(rows) != len(vs) {
		t.Fatalf("got %d rows, want %d", len(rows), len(vs))
	}
	for i, v := range vs {
		col := map[string]string{"LHFA": "zlen", "WFA": "zwei", "WFLH": "zwfl"}[v.indicator]
		want := strconv.FormatFloat(v.want2, 'f', 2, 64)
		if got := rows[i][col]; got != want {
			t.Errorf("%s: got %s %q, want %q", v.desc, col, got, want)
		}
	}
}

func TestConvertCSV(t *testing.T) {
	input := batchHeader + "\n" +
		"1,300,8.1,75.0,l,n\n" + // line 2: all indices
		"P,1000,11.7,95,h,\n" + // line 3: girl as P, WFH
		"l,731,,81.7,L,N\n" + // line 4: lying after 731 days, no weight
		"2,548,,74.9,,\n" + // line 5: -2.0014 is normal
		"1,300,8.1,75.0,l,y\n" + // line 6: oedema
		"1,1827,18,110,h,n\n" + // line 7: too old, no z-scores but not bad
		"1,100,5.5,40,l,n\n" // line 8: below the WFL table
	rows, stderr, bad := convert(t, input)
	if bad != 0 || stderr != "" {
		t.Fatalf("got %d bad rows, stderr %q; want none", bad, stderr)
	}
	want := []string{
		"1,300,8.1,75.0,l,n,75.00,0.84,-1.09,-1.98,-2.17,0,0,0,0,normal,berat badan normal,gizi baik",
		"P,1000,11.7,95,h,,95.00,0.60,-1.00,-1.98,-2.19,0,0,0,0,normal,berat badan normal,gizi baik",
		"l,731,,81.7,L,N,81.00,-2.01,,,,0,,,,pendek,,",
		"2,548,,74.9,,,74.90,-2.00,,,,0,,,,normal,,",
		"1,300,8.1,75.0,l,y,75.00,0.84,,,,0,,,,normal,berat badan sangat kurang,gizi buruk",
		"1,1827,18,110,h,n,110.00,,,,,,,,,,,",
		"1,100,5.5,40,l,n,40.00,-10.79,-1.51,,9.99,1,0,,1,sangat pendek,berat badan normal,",
	}
	for i, w := range want {
		cols := append(append([]string{}, batchInputHeader...), batchOutputColumns...)
		var got []string
		for _, c := range cols {
			got = append(got, rows[i][c])
		}
		if g := strings.Join(got, ","); g != w {
			t.Errorf("line %d:\n got %s\nwant %s", i+2, g, w)
		}
	}
}

func TestConvertCSVBadRows(t *testing.T) {
	input := batchHeader + "\n" +
		"X,300,8.1,75.0,l,n\n" + // 2: bad sex
		"1,-1,8.1,75.0,l,n\n" + // 3: negative age
		"1,300,abc,75.0,l,n\n" + // 4: non-numeric weight
		"1,300,8.1,75.0,l,n\n" + // 5: good
		"1,300,8.1,75.0\n" + // 6: too few fields
		"1,300,8.1,75.0,s,maybe\n" + // 7: bad measure and oedema
		"1,30.5,0,NaN,l,n\n" + // 8: fractional age, zero weight, NaN length
		"1,300,8.1,7\"5,l,n\n" + // 9: broken quoting
		"2,365,,68.0,l,\n" // 10: good
	var out, errw bytes.Buffer
	bad, err := ConvertCSV(strings.NewReader(input), &out, &errw)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 7 {
		t.Errorf("got %d bad rows, want 7", bad)
	}
	lines := strings.Split(strings.TrimSuffix(errw.String(), "\n"), "\n")
	wantErr := []string{
		`line 2: sex "X"`,
		`line 3: age_days "-1"`,
		`line 4: weight_kg "abc"`,
		`line 6: want 6 fields, got 4`,
		`line 7: measure "s"`,
		`line 8: age_days "30.5"`,
		`line 9: `,
	}
	if len(lines) != len(wantErr) {
		t.Fatalf("got %d error lines, want %d:\n%s", len(lines), len(wantErr), errw.String())
	}
	for i, w := range wantErr {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("got error line %q, want it to start with %q", lines[i], w)
		}
	}
	for _, w := range []string{`oedema "maybe"`, `weight_kg "0"`, `lenhei_cm "NaN"`} {
		if !strings.Contains(errw.String(), w) {
			t.Errorf("errors do not mention %s:\n%s", w, errw.String())
		}
	}

	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(recs), 10; got != want {
		t.Fatalf("got %d output records, want %d (header and one per row)", got, want)
	}
	empty := strings.Repeat(",", len(batchOutputColumns)-1)
	wantRows := []string{
		"X,300,8.1,75.0,l,n," + empty,
		"1,-1,8.1,75.0,l,n," + empty,
		"1,300,abc,75.0,l,n," + empty,
		"1,300,8.1,75.0,l,n,75.00,0.84,-1.09,-1.98,-2.17,0,0,0,0,normal,berat badan normal,gizi baik",
		"1,300,8.1,75.0,,," + empty,
		"1,300,8.1,75.0,s,maybe," + empty,
		"1,30.5,0,NaN,l,n," + empty,
		",,,,,," + empty,
		"2,365,,68.0,l,,68.00,-2.33,,,,0,,,,pendek,,",
	}
	for i, w := range wantRows {
		if got := strings.Join(recs[i+1], ","); got != w {
			t.Errorf("line %d:\n got %s\nwant %s", i+2, got, w)
		}
	}
}

func TestConvertCSVHeader(t *testing.T) {
	tests := []struct {
		name, input string
		wantErr     bool
	}{
		{"exact", batchHeader + "\n", false},
		{"byte-order mark and spaces", "\ufeffsex, age_days,weight_kg,lenhei_cm,measure,oedema\r\n", false},
		{"empty input", "", true},
		{"columns swapped", "age_days,sex,weight_kg,lenhei_cm,measure,oedema\n", true},
		{"column missing", "sex,age_days,weight_kg,lenhei_cm,measure\n", true},
		{"extra column", batchHeader + ",note\n", true},
		{"no header", "1,300,8.1,75.0,l,n\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errw bytes.Buffer
			_, err := ConvertCSV(strings.NewReader(tt.input), &out, &errw)
			if tt.wantErr {
				if !errors.Is(err, fault.ErrInvalid) {
					t.Errorf("got error %v, want fault.ErrInvalid", err)
				}
				if out.Len() != 0 {
					t.Errorf("got output %q, want none", out.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestConvertCSVWriteError(t *testing.T) {
	in := batchHeader + "\n" + strings.Repeat("1,300,8.1,75.0,l,n\n", 1000)
	if _, err := ConvertCSV(strings.NewReader(in), failWriter{}, &bytes.Buffer{}); err == nil {
		t.Error("got no error writing to a failing writer, want one")
	}
	if _, err := ConvertCSV(strings.NewReader(batchHeader+"\nX,1,,,,\n"), &bytes.Buffer{}, failWriter{}); err == nil {
		t.Error("got no error reporting to a failing errw, want one")
	}
}

func FuzzConvertCSV(f *testing.F) {
	f.Add(batchHeader + "\n1,300,8.1,75.0,l,n\n")
	f.Add(batchHeader + "\nP,1000,11.7,95,h,y\n2,0,,45,,\n")
	f.Add(batchHeader + "\n1,1e9,1e308,1e308,h,n\n")
	f.Add(batchHeader + "\n1,300,1e308,75,l,n\n") // a z-score near MaxFloat64
	f.Add(batchHeader + "\n\"1,2\",\"3\n4\",x\n")
	f.Add(batchHeader + "\n1,300,8.1,7\"5,l,n\n1,2,3\n")
	f.Fuzz(func(t *testing.T, input string) {
		var out, errw bytes.Buffer
		bad, err := ConvertCSV(strings.NewReader(input), &out, &errw)
		if err != nil {
			if out.Len() != 0 {
				t.Fatalf("wrote output before failing: %v", err)
			}
			return
		}
		recs, rerr := csv.NewReader(&out).ReadAll()
		if rerr != nil {
			t.Fatalf("output is not CSV: %v", rerr)
		}
		width := len(batchInputHeader) + len(batchOutputColumns)
		for _, rec := range recs[1:] {
			if len(rec) != width {
				t.Fatalf("got a row of %d fields, want %d", len(rec), width)
			}
			for _, f := range rec[7:11] { // z-scores
				if f == "" {
					continue
				}
				if v, err := strconv.ParseFloat(f, 64); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("got z-score %q", f)
				}
			}
		}
		if got := strings.Count(errw.String(), "\n"); got != bad {
			t.Fatalf("got %d error lines, want %d (bad)", got, bad)
		}
	})
}
