package analytics

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// The charts are plain SVG drawn on the server: no script, no inline CSS
// (the pages' Content-Security-Policy forbids both), presentation
// attributes only. They are made to be read at a glance and on paper:
// dark ink on white, every bar and cell labelled with its number, series
// told apart by shade and by a legend, and a <title> for screen readers.

// Series is one named row of values in a chart.
type Series struct {
	Name   string
	Values []float64
}

// BarChart is a chart of vertical bars, one group per label, with an
// optional line (on its own scale, labelled on the right) for a second
// measure such as the median wait.
type BarChart struct {
	Title  string
	Labels []string
	Bars   []Series // stacked
	Line   *Series  // NaN values leave gaps
	Unit   string   // of the line, e.g. "menit"
	Width  int      // default 720
	Height int      // default 260
}

// Ink colours: distinguishable in colour, and by lightness when printed in grey.
var palette = []string{"#1f4e79", "#6fa8dc", "#b45f06", "#f6b26b", "#38761d", "#93c47d"}

const (
	ink      = "#111111"
	gridInk  = "#bbbbbb"
	lineInk  = "#b00020"
	fontAttr = `font-family="sans-serif"`
)

// SVG renders the chart.
func (c BarChart) SVG() string {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 720
	}
	if h == 0 {
		h = 260
	}
	const left, right, top, bottom = 48, 56, 28, 44
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" %s font-size="12">`,
		w, h, w, h, html.EscapeString(c.Title), fontAttr)
	fmt.Fprintf(&b, `<title>%s</title><rect width="%d" height="%d" fill="#ffffff"/>`, html.EscapeString(c.Title), w, h)
	n := len(c.Labels)
	max := 0.0
	for i := 0; i < n; i++ {
		sum := 0.0
		for _, s := range c.Bars {
			if i < len(s.Values) && !math.IsNaN(s.Values[i]) {
				sum += s.Values[i]
			}
		}
		max = math.Max(max, sum)
	}
	top1 := niceCeil(max)
	// Grid and left axis.
	for i := 0; i <= 4; i++ {
		v := top1 * float64(i) / 4
		y := float64(top) + ph - ph*float64(i)/4
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="0.5"/>`, left, y, float64(left)+pw, y, gridInk)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="%s">%s</text>`, left-4, y+4, ink, Number(v))
	}
	if n > 0 {
		slot := pw / float64(n)
		bw := math.Max(1, slot*0.7)
		every := labelStep(n, pw)
		for i, label := range c.Labels {
			x := float64(left) + slot*float64(i) + (slot-bw)/2
			y := float64(top) + ph
			sum := 0.0
			for si, s := range c.Bars {
				if i >= len(s.Values) || math.IsNaN(s.Values[i]) || s.Values[i] <= 0 {
					continue
				}
				bh := ph * s.Values[i] / top1
				y -= bh
				sum += s.Values[i]
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" stroke="%s" stroke-width="0.5"><title>%s %s: %s</title></rect>`,
					x, y, bw, bh, palette[si%len(palette)], ink, html.EscapeString(label), html.EscapeString(s.Name), Number(s.Values[i]))
			}
			if sum > 0 && bw >= 14 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s" font-size="10">%s</text>`, x+bw/2, y-3, ink, Number(sum))
			}
			if i%every == 0 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>`, x+bw/2, h-bottom+16, ink, html.EscapeString(label))
			}
		}
		if c.Line != nil {
			lmax := 0.0
			for _, v := range c.Line.Values {
				if !math.IsNaN(v) {
					lmax = math.Max(lmax, v)
				}
			}
			ltop := niceCeil(lmax)
			for i := 0; i <= 4; i++ {
				y := float64(top) + ph - ph*float64(i)/4
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s">%s</text>`, float64(left)+pw+4, y+4, lineInk, Number(ltop*float64(i)/4))
			}
			var pts []string
			flush := func() {
				if len(pts) > 1 {
					fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2" stroke-dasharray="6 3"/>`, strings.Join(pts, " "), lineInk)
				}
				pts = pts[:0]
			}
			for i, v := range c.Line.Values {
				if i >= n || math.IsNaN(v) {
					flush()
					continue
				}
				x := float64(left) + slot*float64(i) + slot/2
				y := float64(top) + ph - ph*v/ltop
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %s: %s %s</title></circle>`, x, y, lineInk,
					html.EscapeString(c.Labels[i]), html.EscapeString(c.Line.Name), Number(v), html.EscapeString(c.Unit))
			}
			flush()
		}
	}
	// Legend.
	x := float64(left)
	for i, s := range c.Bars {
		fmt.Fprintf(&b, `<rect x="%.1f" y="8" width="12" height="12" fill="%s" stroke="%s" stroke-width="0.5"/><text x="%.1f" y="18" fill="%s">%s</text>`,
			x, palette[i%len(palette)], ink, x+16, ink, html.EscapeString(s.Name))
		x += 24 + 7*float64(len([]rune(s.Name)))
	}
	if c.Line != nil {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="14" x2="%.1f" y2="14" stroke="%s" stroke-width="2" stroke-dasharray="6 3"/><text x="%.1f" y="18" fill="%s">%s</text>`,
			x, x+18, lineInk, x+22, lineInk, html.EscapeString(c.Line.Name+" ("+c.Unit+")"))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// HBarChart is a chart of horizontal bars, one per label, sorted as given:
// for comparing facilities.
type HBarChart struct {
	Title  string
	Labels []string
	Values []float64 // NaN: no data, drawn as "–"
	Unit   string
	Width  int // default 720
}

// SVG renders the chart.
func (c HBarChart) SVG() string {
	w := c.Width
	if w == 0 {
		w = 720
	}
	const rowH, labelW, top = 20, 180, 8
	h := top*2 + rowH*len(c.Labels)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" %s font-size="12">`,
		w, h, w, h, html.EscapeString(c.Title), fontAttr)
	fmt.Fprintf(&b, `<title>%s</title><rect width="%d" height="%d" fill="#ffffff"/>`, html.EscapeString(c.Title), w, h)
	max := 0.0
	for _, v := range c.Values {
		if !math.IsNaN(v) {
			max = math.Max(max, v)
		}
	}
	max = niceCeil(max)
	pw := float64(w - labelW - 80)
	for i, label := range c.Labels {
		y := float64(top + i*rowH)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="%s">%s</text>`, labelW-6, y+14, ink, html.EscapeString(label))
		v := math.NaN()
		if i < len(c.Values) {
			v = c.Values[i]
		}
		if math.IsNaN(v) {
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" fill="%s">–</text>`, labelW+4, y+14, ink)
			continue
		}
		bw := pw * v / max
		fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%.1f" height="%d" fill="%s" stroke="%s" stroke-width="0.5"/>`, labelW, y+3, bw, rowH-6, palette[0], ink)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s">%s %s</text>`, float64(labelW)+bw+4, y+14, ink, Number(v), html.EscapeString(c.Unit))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// Heatmap is a grid of numbers shaded by size: rows (units, weekdays) by
// columns (hours of the day).
type Heatmap struct {
	Title  string
	Rows   []string
	Cols   []string
	Values [][]float64 // [row][col]; NaN: empty cell
}

// SVG renders the heatmap. Every cell shows its number, so the chart reads
// the same in grey on paper.
func (c Heatmap) SVG() string {
	const labelW, top, cellH = 110, 22, 24
	cellW := 34
	w := labelW + cellW*len(c.Cols) + 4
	h := top + cellH*len(c.Rows) + 4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" %s font-size="11">`,
		w, h, w, h, html.EscapeString(c.Title), fontAttr)
	fmt.Fprintf(&b, `<title>%s</title><rect width="%d" height="%d" fill="#ffffff"/>`, html.EscapeString(c.Title), w, h)
	max := 0.0
	for _, row := range c.Values {
		for _, v := range row {
			if !math.IsNaN(v) {
				max = math.Max(max, v)
			}
		}
	}
	for j, col := range c.Cols {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="%s">%s</text>`, labelW+cellW*j+cellW/2, top-7, ink, html.EscapeString(col))
	}
	for i, row := range c.Rows {
		y := top + cellH*i
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="%s">%s</text>`, labelW-6, y+16, ink, html.EscapeString(row))
		for j := range c.Cols {
			v := math.NaN()
			if i < len(c.Values) && j < len(c.Values[i]) {
				v = c.Values[i][j]
			}
			x := labelW + cellW*j
			if math.IsNaN(v) || v == 0 {
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#ffffff" stroke="#dddddd" stroke-width="0.5"/>`, x, y, cellW, cellH)
				continue
			}
			f := 0.0
			if max > 0 {
				f = v / max
			}
			fill, text := shade(f)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#ffffff" stroke-width="1"><title>%s %s: %s</title></rect>`,
				x, y, cellW, cellH, fill, html.EscapeString(row), html.EscapeString(c.Cols[j]), Number(v))
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="%s">%s</text>`, x+cellW/2, y+16, text, Number(v))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// shade maps 0..1 to a blue from pale to dark, and the text colour that
// keeps at least 4.5:1 contrast on it.
func shade(f float64) (fill, text string) {
	f = math.Max(0, math.Min(1, f))
	lo := [3]float64{0xe8, 0xf0, 0xfa}
	hi := [3]float64{0x0b, 0x30, 0x60}
	var c [3]int
	for i := range c {
		c[i] = int(math.Round(lo[i] + (hi[i]-lo[i])*f))
	}
	text = ink
	if f > 0.45 {
		text = "#ffffff"
	}
	return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2]), text
}

// niceCeil rounds v up to 1, 2, 4, 6 or 8 times a power of ten (at least
// 1), so that the four grid steps are round numbers too.
func niceCeil(v float64) float64 {
	if v <= 1 || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 4, 6, 8, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// labelStep is how many bars share one axis label so that labels do not
// overlap.
func labelStep(n int, width float64) int {
	step := 1
	for float64(n)/float64(step)*40 > width {
		step++
	}
	return step
}

// Number formats a value for a chart or table: whole numbers without
// decimals, others with one; "–" for NaN.
func Number(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
