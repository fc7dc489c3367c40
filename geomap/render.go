package geomap

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/project"
	"github.com/paulmach/orb/simplify"
)

// Class is one colour class of a Scale: values from From (included) up to
// the next class's From.
type Class struct {
	From  float64
	Fill  string // CSS colour, #rrggbb
	Label string
}

// Scale colours values by class; Classes ascend by From.
type Scale struct {
	Classes []Class
	NoData  string // the legend's label for an area without a value
}

// Class returns the index of v's class, or -1 when v is below every class
// or not a number.
func (s Scale) Class(v float64) int {
	out := -1
	for i, c := range s.Classes {
		if v >= c.From {
			out = i
		}
	}
	return out
}

// StuntingScale is the WHO thresholds of public health significance for
// stunting prevalence (de Onis et al. 2019): very low under 2.5 %, low
// under 10, medium under 20, high under 30, very high from 30.
func StuntingScale(labels [5]string, noData string) Scale {
	return Scale{NoData: noData, Classes: []Class{
		{0, "#1a9850", labels[0]}, {2.5, "#91cf60", labels[1]}, {10, "#fee08b", labels[2]},
		{20, "#fc8d59", labels[3]}, {30, "#d73027", labels[4]},
	}}
}

// ComplianceScale classes the share of planned delivery days delivered:
// the programme aims at 80 %, so 80 and 90 bound the good classes.
func ComplianceScale(labels [5]string, noData string) Scale {
	return Scale{NoData: noData, Classes: []Class{
		{0, "#d73027", labels[0]}, {50, "#fc8d59", labels[1]}, {70, "#fee08b", labels[2]},
		{80, "#91cf60", labels[3]}, {90, "#1a9850", labels[4]},
	}}
}

// Value is an area's or a point's figure: a percentage of Count people.
type Value struct {
	Percent float64
	Count   int
	Known   bool // false: no data (nothing measured, nobody enrolled)
}

// Point is a Puskesmas or a posyandu at its coordinates.
type Point struct {
	Code, Name string
	Lon, Lat   float64
	Puskesmas  bool // drawn as a square; a posyandu as a circle
	Value      Value
	Size       int // what the point's area is proportional to (children)
	Link       string
}

// Map is one district map: areas coloured by Values (by area code), or,
// with no areas, Points. Link gives each area's link (its table).
type Map struct {
	Title     string
	Width     float64 // of the drawing in px; 0 means 720
	Height    float64 // of the map part; 0 means 520
	Scale     Scale
	Areas     []Area
	Values    map[string]Value
	Link      func(code string) string
	Points    []Point
	SizeLabel string // the legend's note on point sizes ("size: children measured")
	Empty     string // shown when there is nothing to draw
	Unit      string // after a value in a tooltip ("%")
	CountWord string // after a count in a tooltip ("children")
}

const (
	pad          = 12.0
	legendRow    = 20.0
	minRadius    = 3.0
	maxRadius    = 16.0
	labelCharPx  = 5.6 // average width of a label character at 10 px
	defaultWidth = 720.0
)

// frame projects WGS84 to Web Mercator and fits the projected bound into
// the drawing, north up. Web Mercator is conformal, and across a kabupaten
// (under a degree or two) its scale changes by well under one per cent, so
// shapes and relative areas are true to the eye.
type frame struct {
	minX, maxY, k float64
	offX, offY    float64
}

func newFrame(b orb.Bound, w, h float64) frame {
	lo, hi := project.WGS84.ToMercator(b.Min), project.WGS84.ToMercator(b.Max)
	dx, dy := hi[0]-lo[0], hi[1]-lo[1]
	k := 1.0
	switch {
	case dx > 0 && dy > 0:
		k = math.Min((w-2*pad)/dx, (h-2*pad)/dy)
	case dx > 0:
		k = (w - 2*pad) / dx
	case dy > 0:
		k = (h - 2*pad) / dy
	}
	return frame{minX: lo[0], maxY: hi[1], k: k, offX: (w - dx*k) / 2, offY: (h - dy*k) / 2}
}

// px is a WGS84 point in the drawing's pixels.
func (f frame) px(p orb.Point) orb.Point {
	m := project.WGS84.ToMercator(p)
	return orb.Point{f.offX + (m[0]-f.minX)*f.k, f.offY + (f.maxY-m[1])*f.k}
}

// shape is an area in pixels, simplified to half a pixel.
func (f frame) shape(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, 0, len(mp))
	for _, poly := range mp {
		var p orb.Polygon
		for _, r := range poly {
			ring := make(orb.Ring, len(r))
			for i, pt := range r {
				ring[i] = f.px(pt)
			}
			ring = simplify.DouglasPeucker(0.5).Ring(ring)
			if len(ring) >= 4 {
				p = append(p, ring)
			}
		}
		if len(p) > 0 {
			out = append(out, p)
		}
	}
	return out
}

func (m Map) size() (float64, float64) {
	w, h := m.Width, m.Height
	if w == 0 {
		w = defaultWidth
	}
	if h == 0 {
		h = 520
	}
	return w, h
}

// bound is the WGS84 bound of what the map draws; ok is false when there
// is nothing.
func (m Map) bound() (orb.Bound, bool) {
	var b orb.Bound
	n := 0
	for _, a := range m.Areas {
		for _, p := range a.Shape {
			if n == 0 {
				b = p.Bound()
			} else {
				b = b.Union(p.Bound())
			}
			n++
		}
	}
	if len(m.Areas) == 0 {
		for _, p := range m.Points {
			pt := orb.Point{p.Lon, p.Lat}
			if n == 0 {
				b = orb.Bound{Min: pt, Max: pt}
			} else {
				b = b.Extend(pt)
			}
			n++
		}
	}
	return b, n > 0
}

// fill is the colour of v, or the hatched pattern for no data.
func (m Map) fill(v Value) string {
	if c := m.Scale.Class(v.Percent); v.Known && c >= 0 {
		return m.Scale.Classes[c].Fill
	}
	return "url(#nodata)"
}

// radius of a point of size n when the largest is max: the circle's area
// grows with n.
func radius(n, max int) float64 {
	if max <= 0 {
		return minRadius
	}
	return minRadius + (maxRadius-minRadius)*math.Sqrt(float64(n)/float64(max))
}

// SVG draws the map with its title and legend. Every text is escaped.
func (m Map) SVG() string {
	w, h := m.size()
	legendH := legendRow*float64(len(m.Scale.Classes)+2) + pad
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="district-map" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="%s">`,
		num(w), num(h+legendH), num(w), num(h+legendH), esc(m.Title))
	b.WriteString(`<defs><pattern id="nodata" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
		`<rect width="6" height="6" fill="#e5e5e5"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9a9a9a" stroke-width="2"/></pattern></defs>`)
	fmt.Fprintf(&b, `<title>%s</title>`, esc(m.Title))
	bd, ok := m.bound()
	if !ok {
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-size="14" fill="#555">%s</text>`, num(w/2), num(h/2), esc(m.Empty))
	} else {
		f := newFrame(bd, w, h)
		if len(m.Areas) > 0 {
			m.drawAreas(&b, f)
		} else {
			m.drawPoints(&b, f)
		}
	}
	m.drawLegend(&b, h)
	b.WriteString(`</svg>`)
	return b.String()
}

func (m Map) drawAreas(b *strings.Builder, f frame) {
	type label struct {
		at   orb.Point
		text string
	}
	var labels []label
	b.WriteString(`<g class="areas" stroke="#ffffff" stroke-width="0.8" stroke-linejoin="round">`)
	for _, a := range m.Areas {
		shape := f.shape(a.Shape)
		if len(shape) == 0 {
			continue
		}
		v := m.Values[a.Code]
		if m.Link != nil {
			fmt.Fprintf(b, `<a href="%s">`, esc(m.Link(a.Code)))
		}
		fmt.Fprintf(b, `<path class="area" data-code="%s" fill="%s" fill-rule="evenodd" d="%s"><title>%s</title></path>`,
			esc(a.Code), m.fill(v), pathData(shape), esc(a.Name+": "+m.valueText(v)))
		if m.Link != nil {
			b.WriteString(`</a>`)
		}
		c, _ := planar.CentroidArea(largest(shape))
		if bw := largest(shape).Bound(); bw.Max[0]-bw.Min[0] > labelCharPx*float64(len([]rune(a.Name))) {
			labels = append(labels, label{c, a.Name})
		}
	}
	b.WriteString(`</g><g class="labels" font-size="10" text-anchor="middle" fill="#222" stroke="#fff" stroke-width="2.5" paint-order="stroke" pointer-events="none">`)
	for _, l := range labels {
		fmt.Fprintf(b, `<text x="%s" y="%s">%s</text>`, num(l.at[0]), num(l.at[1]+3), esc(l.text))
	}
	b.WriteString(`</g>`)
}

func (m Map) drawPoints(b *strings.Builder, f frame) {
	most := 0
	for _, p := range m.Points {
		most = max(most, p.Size)
	}
	b.WriteString(`<g class="points" stroke="#333" stroke-width="1">`)
	// Puskesmas last, so that they sit on top of their posyandu.
	for _, pkm := range []bool{false, true} {
		for _, p := range m.Points {
			if p.Puskesmas != pkm {
				continue
			}
			at, r := f.px(orb.Point{p.Lon, p.Lat}), radius(p.Size, most)
			if p.Link != "" {
				fmt.Fprintf(b, `<a href="%s">`, esc(p.Link))
			}
			tip := esc(p.Name + ": " + m.valueText(p.Value))
			if pkm {
				fmt.Fprintf(b, `<rect class="point puskesmas" data-code="%s" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`,
					esc(p.Code), num(at[0]-r), num(at[1]-r), num(2*r), num(2*r), m.fill(p.Value), tip)
			} else {
				fmt.Fprintf(b, `<circle class="point posyandu" data-code="%s" cx="%s" cy="%s" r="%s" fill="%s" fill-opacity="0.85"><title>%s</title></circle>`,
					esc(p.Code), num(at[0]), num(at[1]), num(r), m.fill(p.Value), tip)
			}
			if p.Link != "" {
				b.WriteString(`</a>`)
			}
		}
	}
	b.WriteString(`</g>`)
}

func (m Map) drawLegend(b *strings.Builder, top float64) {
	y := top + pad
	b.WriteString(`<g class="legend" font-size="12" fill="#222">`)
	row := func(fill, text string) {
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="16" height="14" fill="%s" stroke="#666" stroke-width="0.5"/><text x="%s" y="%s">%s</text>`,
			num(pad), num(y), fill, num(pad+24), num(y+11), esc(text))
		y += legendRow
	}
	for _, c := range m.Scale.Classes {
		row(c.Fill, c.Label)
	}
	row("url(#nodata)", m.Scale.NoData)
	if len(m.Areas) == 0 && len(m.Points) > 0 {
		fmt.Fprintf(b, `<text x="%s" y="%s">%s</text>`, num(pad), num(y+11), esc(m.SizeLabel))
	}
	b.WriteString(`</g>`)
}

// valueText is a value as a tooltip shows it.
func (m Map) valueText(v Value) string {
	if !v.Known {
		return m.Scale.NoData
	}
	return strconv.FormatFloat(v.Percent, 'f', 1, 64) + m.Unit + " (" + strconv.Itoa(v.Count) + " " + m.CountWord + ")"
}

// largest is the polygon of mp with the largest area.
func largest(mp orb.MultiPolygon) orb.Polygon {
	best, area := mp[0], -1.0
	for _, p := range mp {
		if a := math.Abs(planar.Area(p)); a > area {
			best, area = p, a
		}
	}
	return best
}

// pathData is the SVG path of a shape in pixels, to 0.1 px.
func pathData(mp orb.MultiPolygon) string {
	var b strings.Builder
	for _, p := range mp {
		for _, r := range p {
			for i, pt := range r[:len(r)-1] {
				if i == 0 {
					b.WriteByte('M')
				} else {
					b.WriteByte('L')
				}
				b.WriteString(num(pt[0]))
				b.WriteByte(' ')
				b.WriteString(num(pt[1]))
			}
			b.WriteByte('Z')
		}
	}
	return b.String()
}

// num is a coordinate to one decimal, without a trailing ".0".
func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func esc(s string) string { return html.EscapeString(s) }
