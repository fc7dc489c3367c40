package geomap

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"golang.org/x/image/vector"
)

// PNG draws the map's areas or points without text, for a spreadsheet
// (which shows SVG in few programs); the legend and the figures go in the
// sheet's cells beside it. No data is light grey.
func (m Map) PNG() ([]byte, error) {
	w, h := m.size()
	iw, ih := int(w), int(h)
	img := image.NewRGBA(image.Rect(0, 0, iw, ih))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	if bd, ok := m.bound(); ok {
		f := newFrame(bd, w, h)
		if len(m.Areas) > 0 {
			for _, a := range m.Areas {
				shape := f.shape(a.Shape)
				fillShape(img, shape, m.pngFill(m.Values[a.Code]))
				outline(img, shape, color.RGBA{255, 255, 255, 255})
			}
		} else {
			most := 0
			for _, p := range m.Points {
				most = max(most, p.Size)
			}
			for _, pkm := range []bool{false, true} {
				for _, p := range m.Points {
					if p.Puskesmas == pkm {
						at := f.px(orb.Point{p.Lon, p.Lat})
						dot := marker(at, radius(p.Size, most), pkm)
						fillShape(img, dot, m.pngFill(p.Value))
						outline(img, dot, color.RGBA{51, 51, 51, 255})
					}
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("map png: %w", err)
	}
	return buf.Bytes(), nil
}

func (m Map) pngFill(v Value) color.RGBA {
	if c := m.Scale.Class(v.Percent); v.Known && c >= 0 {
		return ParseColour(m.Scale.Classes[c].Fill)
	}
	return color.RGBA{220, 220, 220, 255}
}

// ParseColour reads #rrggbb; anything else is black.
func ParseColour(s string) color.RGBA {
	if len(s) != 7 || s[0] != '#' {
		return color.RGBA{A: 255}
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return color.RGBA{A: 255}
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
}

// marker is a point's square (Puskesmas) or circle (posyandu) as a shape.
func marker(at orb.Point, r float64, square bool) orb.MultiPolygon {
	var ring orb.Ring
	if square {
		ring = orb.Ring{{at[0] - r, at[1] - r}, {at[0] + r, at[1] - r}, {at[0] + r, at[1] + r}, {at[0] - r, at[1] + r}}
	} else {
		for i := 0; i < 24; i++ {
			a := 2 * math.Pi * float64(i) / 24
			ring = append(ring, orb.Point{at[0] + r*math.Cos(a), at[1] + r*math.Sin(a)})
		}
	}
	ring = append(ring, ring[0])
	return orb.MultiPolygon{{ring}}
}

// fillShape fills mp in c. Holes are drawn against their outer ring's
// winding, so that the rasterizer's non-zero rule leaves them empty. Only
// the shape's bounding box is rasterized: a district is hundreds of small
// shapes on one picture.
func fillShape(img *image.RGBA, mp orb.MultiPolygon, c color.RGBA) {
	bd := mp.Bound()
	box := image.Rect(int(math.Floor(bd.Min[0])), int(math.Floor(bd.Min[1])), int(math.Ceil(bd.Max[0]))+1, int(math.Ceil(bd.Max[1]))+1).
		Intersect(img.Bounds())
	if box.Empty() {
		return
	}
	z := vector.NewRasterizer(box.Dx(), box.Dy())
	at := func(p orb.Point) (float32, float32) {
		return float32(p[0] - float64(box.Min.X)), float32(p[1] - float64(box.Min.Y))
	}
	for _, p := range mp {
		outer := p[0].Orientation()
		for i, r := range p {
			pts := []orb.Point(r)
			if i > 0 && r.Orientation() == outer {
				pts = reversed(pts)
			}
			z.MoveTo(at(pts[0]))
			for _, pt := range pts[1:] {
				z.LineTo(at(pt))
			}
			z.ClosePath()
		}
	}
	z.Draw(img, box, image.NewUniform(c), box.Min)
}

func reversed(pts []orb.Point) []orb.Point {
	out := make([]orb.Point, len(pts))
	for i, p := range pts {
		out[len(pts)-1-i] = p
	}
	return out
}

// outline draws the rings of mp one pixel wide.
func outline(img *image.RGBA, mp orb.MultiPolygon, c color.RGBA) {
	for _, p := range mp {
		for _, r := range p {
			for i := 1; i < len(r); i++ {
				line(img, r[i-1], r[i], c)
			}
		}
	}
}

// line draws a one-pixel line from a to b.
func line(img *image.RGBA, a, b orb.Point, c color.RGBA) {
	n := int(math.Max(math.Abs(b[0]-a[0]), math.Abs(b[1]-a[1]))) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		img.SetRGBA(int(a[0]+(b[0]-a[0])*t), int(a[1]+(b[1]-a[1])*t), c)
	}
}
