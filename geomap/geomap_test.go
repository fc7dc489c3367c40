package geomap

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/antrian/antrian/fault"
	"github.com/paulmach/orb"
)

var desas = []Desa{{"sobo", "Sobo"}, {"kepatihan", "Kepatihan"}, {"pakis", "Pakis"}, {"tukang-kayu", "Tukang Kayu"}}

func fixture(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/desa.geojson")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var labels = [5]string{"sangat rendah", "rendah", "sedang", "tinggi", "sangat tinggi"}

func TestParseMatchesByCodeProperty(t *testing.T) {
	up, err := Parse(fixture(t), "", desas)
	if err != nil {
		t.Fatal(err)
	}
	if up.Property != "KODE" {
		t.Errorf("property = %q, want KODE (codes match all three, names only some)", up.Property)
	}
	var got []string
	for _, a := range up.Areas {
		got = append(got, a.Code)
	}
	if want := "kepatihan pakis sobo"; strings.Join(got, " ") != want {
		t.Errorf("areas = %v, want %s", got, want)
	}
	if len(up.Unmatched) != 1 || up.Unmatched[0] != "luar" {
		t.Errorf("unmatched = %v, want [luar]", up.Unmatched)
	}
	if n := len(up.Areas[0].Shape); n != 2 {
		t.Errorf("kepatihan has %d polygons, want 2 (the island kept)", n)
	}
}

func TestParseMatchesByNameProperty(t *testing.T) {
	up, err := Parse(fixture(t), "NAMA", desas)
	if err != nil {
		t.Fatal(err)
	}
	if len(up.Areas) != 3 {
		t.Fatalf("areas = %d, want 3 (\"Desa Sobo\" matches Sobo)", len(up.Areas))
	}
	if up.Areas[2].Code != "sobo" || up.Areas[2].Name != "Sobo" {
		t.Errorf("area = %+v, want the project's code and name", up.Areas[2])
	}
}

func TestParseRejects(t *testing.T) {
	square := `[[[114.3,-8.2],[114.4,-8.2],[114.4,-8.1],[114.3,-8.1],[114.3,-8.2]]]`
	for _, tc := range []struct{ name, body, code string }{
		{"not json", `{"type":`, CodeNotGeoJSON},
		{"a single feature", `{"type":"Feature","properties":{},"geometry":null}`, CodeNotGeoJSON},
		{"no features", `{"type":"FeatureCollection","features":[]}`, CodeEmpty},
		{"a point", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kode":"sobo"},"geometry":{"type":"Point","coordinates":[114.3,-8.2]}}]}`, CodeGeometry},
		{"no geometry", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kode":"sobo"},"geometry":null}]}`, CodeGeometry},
		{"short ring", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kode":"sobo"},"geometry":{"type":"Polygon","coordinates":[[[114.3,-8.2],[114.4,-8.2],[114.3,-8.2]]]}}]}`, CodeGeometry},
		{"UTM metres", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kode":"sobo"},"geometry":{"type":"Polygon","coordinates":[[[188000,9090000],[189000,9090000],[189000,9091000],[188000,9090000]]]}}]}`, CodeCoordinate},
		{"no desa named", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kode":"atlantis"},"geometry":{"type":"Polygon","coordinates":` + square + `}}]}`, CodeNoMatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.body), "", desas)
			fe, ok := fault.As(err)
			if !ok || !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("err = %v, want an invalid *fault.Error", err)
			}
			if fe.Code != tc.code || fe.Message == "" {
				t.Errorf("code = %q (%q), want %s with a message", fe.Code, fe.Message, tc.code)
			}
		})
	}
}

func TestParseAmbiguousNameIsUnmatched(t *testing.T) {
	two := append([]Desa{{"sobo-2", "Sobo"}}, desas...)
	up, err := Parse(fixture(t), "NAMA", two)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range up.Areas {
		if a.Code == "sobo" || a.Code == "sobo-2" {
			t.Errorf("a name two desa share matched %s", a.Code)
		}
	}
}

// fills returns the fill of each area's path by its data-code.
func fills(svg string) map[string]string {
	out := map[string]string{}
	re := regexp.MustCompile(`<path class="area" data-code="([^"]+)" fill="([^"]+)"`)
	for _, m := range re.FindAllStringSubmatch(svg, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestSVGColoursEachAreaByItsClass(t *testing.T) {
	up, err := Parse(fixture(t), "", desas)
	if err != nil {
		t.Fatal(err)
	}
	m := Map{Title: "Prevalensi stunting", Scale: StuntingScale(labels, "tidak ada data"), Areas: up.Areas,
		Values: map[string]Value{"sobo": {Percent: 31.2, Count: 16, Known: true}, "kepatihan": {Percent: 8, Count: 25, Known: true}},
		Link:   func(code string) string { return "#map-desa-" + code }, Unit: "%", CountWord: "anak"}
	svg := m.SVG()
	got := fills(svg)
	want := map[string]string{"sobo": "#d73027", "kepatihan": "#91cf60", "pakis": "url(#nodata)"}
	for code, fill := range want {
		if got[code] != fill {
			t.Errorf("%s fill = %q, want %q", code, got[code], fill)
		}
	}
	for _, s := range []string{`href="#map-desa-sobo"`, `<title>Sobo: 31.2% (16 anak)</title>`, `id="nodata"`, ">sangat tinggi</text>", ">tidak ada data</text>", ">Kepatihan</text>"} {
		if !strings.Contains(svg, s) {
			t.Errorf("svg lacks %s", s)
		}
	}
}

func TestScaleBoundaries(t *testing.T) {
	s := StuntingScale(labels, "")
	for _, tc := range []struct {
		v    float64
		want int
	}{{0, 0}, {2.49, 0}, {2.5, 1}, {19.9, 2}, {20, 3}, {30, 4}, {100, 4}, {-1, -1}, {math.NaN(), -1}} {
		if got := s.Class(tc.v); got != tc.want {
			t.Errorf("Class(%v) = %d, want %d", tc.v, got, tc.want)
		}
	}
}

func TestSVGPointsSizedByChildren(t *testing.T) {
	m := Map{Scale: StuntingScale(labels, "tidak ada data"), SizeLabel: "ukuran: jumlah anak", Points: []Point{
		{Code: "sobo", Name: "Puskesmas Sobo", Lon: 114.35, Lat: -8.2, Puskesmas: true, Size: 100, Value: Value{Percent: 12, Known: true, Count: 100}, Link: "#map-pkm-sobo"},
		{Code: "p1", Name: "Posyandu Mawar", Lon: 114.36, Lat: -8.21, Size: 25, Value: Value{Percent: 35, Known: true, Count: 25}},
		{Code: "p2", Name: "Posyandu Melati", Lon: 114.34, Lat: -8.19, Size: 0},
	}}
	svg := m.SVG()
	r := map[string]float64{}
	for _, mm := range regexp.MustCompile(`data-code="(p\d)" cx="[^"]+" cy="[^"]+" r="([^"]+)" fill="([^"]+)"`).FindAllStringSubmatch(svg, -1) {
		var v float64
		if _, err := fmt.Sscan(mm[2], &v); err != nil {
			t.Fatal(err)
		}
		r[mm[1]] = v
		if mm[1] == "p1" && mm[3] != "#d73027" || mm[1] == "p2" && mm[3] != "url(#nodata)" {
			t.Errorf("%s fill = %s", mm[1], mm[3])
		}
	}
	// Area proportional to children: 25 of 100 is half the radius span.
	if want := minRadius + (maxRadius-minRadius)/2; math.Abs(r["p1"]-want) > 0.05 || r["p2"] != minRadius {
		t.Errorf("radii = %v, want p1 %.1f and p2 %.1f", r, want, minRadius)
	}
	if !strings.Contains(svg, `<rect class="point puskesmas" data-code="sobo"`) || !strings.Contains(svg, `href="#map-pkm-sobo"`) {
		t.Errorf("no linked Puskesmas square in %s", svg)
	}
	if !strings.Contains(svg, "ukuran: jumlah anak") {
		t.Error("legend lacks the note on sizes")
	}
}

func TestFrameKeepsNorthUpAndShapes(t *testing.T) {
	// 0.1 degree of longitude and of latitude near 8°S: on the ground
	// 11.0 km east-west and 11.1 km north-south; projected conformally,
	// the drawing keeps that ratio.
	b := orb.Bound{Min: orb.Point{114.3, -8.3}, Max: orb.Point{114.4, -8.2}}
	f := newFrame(b, 600, 600)
	sw, ne := f.px(b.Min), f.px(b.Max)
	if ne[1] >= sw[1] || ne[0] <= sw[0] {
		t.Fatalf("north-east %v not up and right of south-west %v", ne, sw)
	}
	w, h := ne[0]-sw[0], sw[1]-ne[1]
	if ground := 1 / math.Cos(8.25*math.Pi/180); math.Abs(h/w-ground) > 0.001 {
		t.Errorf("height/width = %.4f, want %.4f", h/w, ground)
	}
	if math.Max(w, h) < 600-2*pad-0.01 || math.Max(w, h) > 600-2*pad+0.01 {
		t.Errorf("drawing %v x %v does not fill the viewport", w, h)
	}
	if mid := f.px(orb.Point{114.35, -8.25}); math.Abs(mid[0]-300) > 0.01 || math.Abs(mid[1]-300) > 0.5 {
		t.Errorf("centre at %v, want about (300, 300)", mid)
	}
}

func TestSVGEscapesNamesAndHandlesNothing(t *testing.T) {
	svg := Map{Title: `<script>`, Empty: "Belum ada peta", Scale: StuntingScale(labels, "x")}.SVG()
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, "Belum ada peta") {
		t.Errorf("svg = %s", svg)
	}
}

func TestPNGColoursAreas(t *testing.T) {
	up, err := Parse(fixture(t), "", desas)
	if err != nil {
		t.Fatal(err)
	}
	m := Map{Width: 400, Height: 300, Scale: StuntingScale(labels, ""), Areas: up.Areas,
		Values: map[string]Value{"sobo": {Percent: 31.2, Count: 16, Known: true}}}
	data, err := m.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	f := newFrame(orb.Bound{Min: orb.Point{114.30, -8.30}, Max: orb.Point{114.60, -8.10}}, 400, 300)
	at := f.px(orb.Point{114.35, -8.15}) // inside Sobo
	r, g, b, _ := img.At(int(at[0]), int(at[1])).RGBA()
	if want := ParseColour("#d73027"); uint8(r>>8) != want.R || uint8(g>>8) != want.G || uint8(b>>8) != want.B {
		t.Errorf("Sobo pixel = %d,%d,%d, want %v", r>>8, g>>8, b>>8, want)
	}
	at = f.px(orb.Point{114.40, -8.25}) // inside Pakis, no data
	if r, _, _, _ := img.At(int(at[0]), int(at[1])).RGBA(); r>>8 != 220 {
		t.Errorf("Pakis pixel red = %d, want the grey of no data", r>>8)
	}
}

func TestShapeRoundTrip(t *testing.T) {
	up, err := Parse(fixture(t), "", desas)
	if err != nil {
		t.Fatal(err)
	}
	data, err := EncodeShape(up.Areas[0].Shape)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeShape(data)
	if err != nil || !orb.Equal(back, up.Areas[0].Shape) {
		t.Errorf("round trip = %v, %v", back, err)
	}
	if _, err := DecodeShape([]byte(`{"type":"Point","coordinates":[1,2]}`)); !errors.Is(err, ErrNoShape) {
		t.Errorf("point decoded: %v", err)
	}
}

// district is a made-up kabupaten of n×n desa, each a wobbly ring of
// vertices points, about 0.05 degree across: the size of a real one
// (Banyuwangi has 217 desa and kelurahan) with surveyed detail.
func district(n, vertices int) ([]Area, map[string]Value) {
	var areas []Area
	values := map[string]Value{}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			cx, cy := 114.0+0.05*float64(i), -8.6+0.05*float64(j)
			var ring orb.Ring
			for k := 0; k < vertices; k++ {
				a := 2 * math.Pi * float64(k) / float64(vertices)
				r := 0.025 * (1 + 0.05*math.Sin(7*a) + 0.01*math.Sin(97*a))
				ring = append(ring, orb.Point{cx + r*math.Cos(a), cy + r*math.Sin(a)})
			}
			ring = append(ring, ring[0])
			code := fmt.Sprintf("d%d-%d", i, j)
			areas = append(areas, Area{Code: code, Name: "Desa " + code, Shape: orb.MultiPolygon{{ring}}})
			values[code] = Value{Percent: float64((i*n + j) % 40), Count: 30, Known: (i+j)%5 != 0}
		}
	}
	return areas, values
}

// BenchmarkSVG draws a 225-desa district of 2000 vertices each; it
// reports the SVG's size.
func BenchmarkSVG(b *testing.B) {
	areas, values := district(15, 2000)
	m := Map{Scale: StuntingScale(labels, "tidak ada data"), Areas: areas, Values: values, Link: func(c string) string { return "#" + c }}
	var n int
	for b.Loop() {
		n = len(m.SVG())
	}
	b.ReportMetric(float64(n), "svg-bytes")
}

// BenchmarkPNG draws the same district as the workbook's picture.
func BenchmarkPNG(b *testing.B) {
	areas, values := district(15, 2000)
	m := Map{Scale: StuntingScale(labels, "tidak ada data"), Areas: areas, Values: values}
	var n int
	for b.Loop() {
		data, err := m.PNG()
		if err != nil {
			b.Fatal(err)
		}
		n = len(data)
	}
	b.ReportMetric(float64(n), "png-bytes")
}
