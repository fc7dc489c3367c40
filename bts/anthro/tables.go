package anthro

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"sync"
)

// whodata holds the WHO Child Growth Standards tables, copied unchanged from
// the WHO distribution (see whodata/README.md).
//
//go:embed whodata/*.csv whodata/monthly/*.csv
var whodata embed.FS

// lms is one row of a WHO LMS table: Box-Cox power L, median M, coefficient
// of variation S.
type lms struct{ l, m, s float64 }

// grid is an LMS table keyed by an evenly spaced value (age in days, age in
// completed months, or length/height in cm), one slice per sex: rows[sex-1][i]
// holds the row for key start + i*step.
type grid struct {
	start, step float64
	rows        [2][]lms
}

// row returns the row for an integer key (days or months); ok is false when
// the key is outside the table.
func (g *grid) row(sex Sex, key int) (lms, bool) {
	i := key - int(g.start)
	rows := g.rows[sex-1]
	if i < 0 || i >= len(rows) {
		return lms{}, false
	}
	return rows[i], true
}

// at returns L, M and S for x, interpolated linearly between the two
// neighbouring rows; ok is false when x is outside the table. The position is
// rounded to 1e-6 of a step so that binary residue (80.55 cm is not exactly
// representable) neither pushes a value off the ends of the table nor
// changes the result in any visible digit.
func (g *grid) at(sex Sex, x float64) (lms, bool) {
	rows := g.rows[sex-1]
	pos := math.Round((x-g.start)/g.step*1e6) / 1e6
	if !(pos >= 0 && pos <= float64(len(rows)-1)) {
		return lms{}, false
	}
	i := int(pos)
	f := pos - float64(i)
	if f == 0 {
		return rows[i], true
	}
	a, b := rows[i], rows[i+1]
	return lms{
		l: a.l + f*(b.l-a.l),
		m: a.m + f*(b.m-a.m),
		s: a.s + f*(b.s-a.s),
	}, true
}

// whoTables are the parsed tables. Daily tables are keyed by age in days
// (0-1826) or by length/height in 0.1 cm; monthly tables by completed months
// or by length/height in 0.5 cm.
type whoTables struct {
	lenDaily, weiDaily, bmiDaily grid // age in days
	wflDaily, wfhDaily           grid // cm, step 0.1
	lenMonthly, heiMonthly       grid // completed months 0-24 (length), 24-60 (height)
	weiMonthly                   grid // completed months 0-60
	wflMonthly, wfhMonthly       grid // cm, step 0.5
}

// tables parses the embedded tables on first use. The data is part of the
// program, so a malformed table is a programming error and panics.
var tables = sync.OnceValue(func() *whoTables {
	t, err := parseTables()
	if err != nil {
		panic("bts: embedded WHO tables: " + err.Error())
	}
	return t
})

func parseTables() (*whoTables, error) {
	t := new(whoTables)
	daily := []struct {
		file, key string
		dst       *grid
		start     float64
		step      float64
		loh       func(key float64) string // expected loh/lorh column, nil if none
	}{
		{"lenanthro.csv", "age", &t.lenDaily, 0, 1, lengthOrHeightByAge},
		{"weianthro.csv", "age", &t.weiDaily, 0, 1, nil},
		// BMI rows up to 730 days are computed from recumbent length and
		// later rows from standing height ("loh"); the adjusted length
		// used for BMI follows the same 731-day switch, so the row for the
		// age is always the matching one. parseGrid checks that it is.
		{"bmianthro.csv", "age", &t.bmiDaily, 0, 1, lengthOrHeightByAge},
		{"wflanthro.csv", "length", &t.wflDaily, 45, 0.1, nil},
		{"wfhanthro.csv", "height", &t.wfhDaily, 65, 0.1, nil},
	}
	for _, d := range daily {
		if err := parseGrid("whodata/"+d.file, d.key, "l", "m", "s", 0, d.dst, d.start, d.step, d.loh); err != nil {
			return nil, err
		}
	}
	monthly := []struct {
		file, key string
		dst       *grid
		start     float64
		step      float64
	}{
		{"lhfa_%s_0_2_zscores.csv", "Month", &t.lenMonthly, 0, 1},
		{"lhfa_%s_2_5_zscores.csv", "Month", &t.heiMonthly, 24, 1},
		{"wfa_%s_0_5_zscores.csv", "Month", &t.weiMonthly, 0, 1},
		{"wfl_%s_0_2_zscores.csv", "Length", &t.wflMonthly, 45, 0.5},
		{"wfh_%s_2_5_zscores.csv", "Height", &t.wfhMonthly, 65, 0.5},
	}
	for _, m := range monthly {
		for sex, name := range map[Sex]string{Male: "boys", Female: "girls"} {
			file := "whodata/monthly/" + fmt.Sprintf(m.file, name)
			if err := parseGrid(file, m.key, "L", "M", "S", sex, m.dst, m.start, m.step, nil); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

// StandingFromDays is the age in days from which the WHO standards measure
// a child standing (height) rather than lying (length).
const StandingFromDays = 731

// lengthOrHeightByAge is the "loh" value a daily row must carry: L (length)
// before StandingFromDays, H (height) from it.
func lengthOrHeightByAge(day float64) string {
	if day < StandingFromDays {
		return "L"
	}
	return "H"
}

// parseGrid reads one CSV table into dst. Daily tables carry a sex column and
// are read with onlySex 0; monthly tables are one file per sex. Rows must be
// contiguous and in key order.
func parseGrid(file, key, lcol, mcol, scol string, onlySex Sex, dst *grid, start, step float64, loh func(float64) string) error {
	b, err := whodata.ReadFile(file)
	if err != nil {
		return err
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if len(recs) < 2 {
		return fmt.Errorf("%s: no rows", file)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	need := []string{key, lcol, mcol, scol}
	if onlySex == 0 {
		need = append(need, "sex")
	}
	for _, h := range need {
		if _, ok := col[h]; !ok {
			return fmt.Errorf("%s: no column %q", file, h)
		}
	}
	lohCol, hasLoh := col["loh"]
	if !hasLoh {
		lohCol, hasLoh = col["lorh"]
	}
	dst.start, dst.step = start, step
	for n, rec := range recs[1:] {
		line := n + 2
		num := func(name string) (float64, error) {
			v, err := strconv.ParseFloat(rec[col[name]], 64)
			if err != nil {
				return 0, fmt.Errorf("%s line %d: %s: %w", file, line, name, err)
			}
			return v, nil
		}
		sex := onlySex
		if sex == 0 {
			v, err := num("sex")
			if err != nil {
				return err
			}
			sex = Sex(v)
			if sex != Male && sex != Female {
				return fmt.Errorf("%s line %d: sex %v", file, line, v)
			}
		}
		k, err := num(key)
		if err != nil {
			return err
		}
		var r lms
		if r.l, err = num(lcol); err != nil {
			return err
		}
		if r.m, err = num(mcol); err != nil {
			return err
		}
		if r.s, err = num(scol); err != nil {
			return err
		}
		if r.m <= 0 || r.s <= 0 {
			return fmt.Errorf("%s line %d: M and S must be positive", file, line)
		}
		rows := &dst.rows[sex-1]
		if want := start + float64(len(*rows))*step; math.Abs(k-want) > step/1000 {
			return fmt.Errorf("%s line %d: key %v, want %v", file, line, k, want)
		}
		if loh != nil && hasLoh && rec[lohCol] != loh(k) {
			return fmt.Errorf("%s line %d: loh %q, want %q", file, line, rec[lohCol], loh(k))
		}
		*rows = append(*rows, r)
	}
	return nil
}
