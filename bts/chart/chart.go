// Package chart draws a child's growth chart: the WHO reference curves
// from bts/anthro with the child's measurements on them, as a
// self-contained SVG document the server sends.
package chart

import (
	"fmt"
	"math"
	"strings"

	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/fault"
)

// Indicator selects the growth chart drawn.
type Indicator string

// Growth charts.
const (
	LenHei Indicator = "lhfa" // length/height-for-age, cm
	Weight Indicator = "wfa"  // weight-for-age, kg
)

// Point is one of the child's measurements on a chart.
type Point struct {
	AgeDays int
	Value   float64 // cm (adjusted length/height) or kg
	Flagged bool    // implausible: drawn hollow
}

// Points returns the points of ms for chart ind: the adjusted
// length/height or the weight at each age within 0-1826 days.
func Points(ms []bts.Measurement, ind Indicator) []Point {
	var out []Point
	for _, m := range ms {
		r := m.Result
		if r.AgeDays > anthro.MaxAgeDays {
			continue
		}
		switch {
		case ind == LenHei && r.AdjustedLenHei > 0:
			out = append(out, Point{r.AgeDays, r.AdjustedLenHei, r.FLen})
		case ind == Weight && m.WeightKg > 0:
			out = append(out, Point{r.AgeDays, m.WeightKg, r.FWei})
		}
	}
	return out
}

// SVG draws the WHO curves at -3, -2, 0, +2 and +3 SD (and ±1
// lightly) for sex and indicator ind from 0 to 60 months, with the child's
// points, as a self-contained SVG document. Labels are in Bahasa
// Indonesia. It returns a *fault.Error for an unknown sex or indicator.
func SVG(sex anthro.Sex, ind Indicator, points []Point) ([]byte, error) {
	if sex != anthro.Male && sex != anthro.Female {
		return nil, fault.Invalid("sex", "Jenis kelamin tidak dikenal.")
	}
	var curve anthro.Curve
	var title, unit string
	switch ind {
	case LenHei:
		curve, title, unit = anthro.LengthForAge, "Panjang/Tinggi Badan menurut Umur (PB/U, TB/U)", "cm"
	case Weight:
		curve, title, unit = anthro.WeightForAge, "Berat Badan menurut Umur (BB/U)", "kg"
	default:
		return nil, fault.Invalid("indicator", "Grafik harus lhfa atau wfa.")
	}
	const (
		w, h                   = 720.0, 480.0
		left, right, top, foot = 56.0, 16.0, 40.0, 44.0
		step                   = 7 // days between curve samples
	)
	// Value range from the curves, widened to the points.
	lo, hi := math.Inf(1), math.Inf(-1)
	for d := 0; d <= anthro.MaxAgeDays; d += step {
		lo, hi = math.Min(lo, at(curve, sex, d, -3)), math.Max(hi, at(curve, sex, d, 3))
	}
	for _, p := range points {
		lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
	}
	tick := 10.0
	if ind == Weight {
		tick = 2
	}
	lo, hi = math.Floor(lo/tick)*tick, math.Ceil(hi/tick)*tick
	x := func(days float64) float64 { return left + days/float64(anthro.MaxAgeDays)*(w-left-right) }
	y := func(v float64) float64 { return h - foot - (v-lo)/(hi-lo)*(h-top-foot) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" width="%g" height="%g" font-family="sans-serif" font-size="12">`, w, h, w, h)
	fmt.Fprintf(&b, `<title>%s</title><rect width="100%%" height="100%%" fill="#fff"/>`, title)
	fmt.Fprintf(&b, `<text x="%g" y="22" font-size="15" font-weight="bold">%s</text>`, left, title)
	// Grid: every 6 months, every tick.
	for m := 0; m <= 60; m += 6 {
		xx := x(float64(m) * anthro.DaysPerMonth)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="#ddd"/>`, xx, top, xx, h-foot)
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="middle">%d</text>`, xx, h-foot+16, m)
	}
	for v := lo; v <= hi+1e-9; v += tick {
		yy := y(v)
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#ddd"/>`, left, yy, w-right, yy)
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" text-anchor="end">%g</text>`, left-6, yy+4, v)
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle">Umur (bulan)</text>`, (left+w-right)/2, h-8)
	fmt.Fprintf(&b, `<text x="14" y="%g" transform="rotate(-90 14 %g)" text-anchor="middle">%s</text>`, (top+h-foot)/2, (top+h-foot)/2, unit)
	// Curves.
	curves := []struct {
		k     float64
		color string
		width float64
	}{{-3, "#000", 1.5}, {-2, "#c00", 1.5}, {-1, "#e0a000", 0.8}, {0, "#080", 1.8}, {1, "#e0a000", 0.8}, {2, "#c00", 1.5}, {3, "#000", 1.5}}
	for _, c := range curves {
		var pts []string
		for d := 0; d <= anthro.MaxAgeDays; d += step {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(float64(d)), y(at(curve, sex, d, c.k))))
		}
		end := at(curve, sex, anthro.MaxAgeDays, c.k)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(anthro.MaxAgeDays), y(end)))
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="%g" points="%s"/>`, c.color, c.width, strings.Join(pts, " "))
		label := fmt.Sprintf("%+g", c.k)
		if c.k == 0 {
			label = "0"
		}
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" font-size="10" fill="%s">%s</text>`, w-right-14, y(end)-3, c.color, label)
	}
	// The child's points, joined in age order.
	if len(points) > 0 {
		var pts []string
		for _, p := range points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(float64(p.AgeDays)), y(p.Value)))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="#1a4fd6" stroke-width="1.5" points="%s"/>`, strings.Join(pts, " "))
		for _, p := range points {
			fill := "#1a4fd6"
			if p.Flagged {
				fill = "#fff"
			}
			fmt.Fprintf(&b, `<circle class="point" cx="%.1f" cy="%.1f" r="4.5" fill="%s" stroke="#1a4fd6" stroke-width="2"/>`,
				x(float64(p.AgeDays)), y(p.Value), fill)
		}
	}
	b.WriteString(`</svg>`)
	return []byte(b.String()), nil
}

// at is the curve's value at k SD on day d, which SVG asks only within the
// tables (0 to anthro.MaxAgeDays) for a sex it has checked.
func at(c anthro.Curve, sex anthro.Sex, d int, k float64) float64 {
	v, _ := anthro.CurveAt(c, sex, d, k)
	return v
}
