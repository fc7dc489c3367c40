// Package geomap draws the district map: desa boundaries uploaded as
// GeoJSON, coloured by a figure of each desa (stunting prevalence, delivery
// compliance), or, where no boundaries are uploaded, points at the
// Puskesmas and posyandu sized by the number of children. Everything here
// is a pure function of its arguments: Parse checks and matches an upload,
// Map.SVG draws the page's map and Map.PNG the picture of a spreadsheet.
package geomap

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/antrian/antrian/fault"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/simplify"
)

// Desa is a desa a boundary may be matched to: the project's code and name.
type Desa struct {
	Code string
	Name string
}

// Area is one desa's boundary, in WGS84 longitude and latitude.
type Area struct {
	Code  string // desa code
	Name  string
	Shape orb.MultiPolygon
}

// Upload is what Parse found in a file.
type Upload struct {
	Property  string   // the property of each feature that names its desa
	Areas     []Area   // one per desa, sorted by name
	Unmatched []string // property values that name no known desa (or several)
}

// uploadTolerance is the simplification applied at upload, in degrees
// (about 5 m at the equator): far below what a district map can show, and
// it keeps a surveyed boundary of thousands of vertices small in storage.
const uploadTolerance = 0.00005

// maxFeatures bounds an upload: a kabupaten has a few hundred desa.
const maxFeatures = 5000

// The codes of an upload's errors, stable for programs; the messages are
// for people, in Bahasa Indonesia.
const (
	CodeNotGeoJSON = "map_not_geojson"
	CodeEmpty      = "map_empty"
	CodeTooMany    = "map_too_many_features"
	CodeGeometry   = "map_geometry"
	CodeCoordinate = "map_coordinates"
	CodeNoMatch    = "map_no_desa_match"
)

func invalid(code, message string) error {
	return &fault.Error{Kind: fault.ErrInvalid, Code: code, Field: "geojson", Message: message}
}

// Parse reads a GeoJSON FeatureCollection of desa boundaries and matches
// each feature to one of desas by a property. property names it; when
// empty, the property whose values match the most desa (by code, else by
// name, ignoring case and a "Desa"/"Kelurahan" prefix) is taken. Features
// of one desa are merged (a desa may have islands). Every geometry must be
// a Polygon or MultiPolygon in WGS84 longitude/latitude (RFC 7946).
// It returns an ErrInvalid *fault.Error with one of the Code* codes.
func Parse(data []byte, property string, desas []Desa) (Upload, error) {
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		return Upload{}, invalid(CodeNotGeoJSON, "Berkas bukan GeoJSON FeatureCollection yang sah.")
	}
	switch {
	case len(fc.Features) == 0:
		return Upload{}, invalid(CodeEmpty, "FeatureCollection tidak memuat satu pun fitur.")
	case len(fc.Features) > maxFeatures:
		return Upload{}, invalid(CodeTooMany, fmt.Sprintf("Paling banyak %d fitur dalam satu berkas.", maxFeatures))
	}
	shapes := make([]orb.MultiPolygon, len(fc.Features))
	for i, f := range fc.Features {
		if shapes[i], err = shapeOf(i, f.Geometry); err != nil {
			return Upload{}, err
		}
	}
	idx := newDesaIndex(desas)
	if property == "" {
		property = idx.bestProperty(fc.Features)
	}
	up := Upload{Property: property}
	byCode := map[string]*Area{}
	for i, f := range fc.Features {
		label := propertyText(f.Properties[property])
		d, ok := idx.find(label)
		if !ok {
			up.Unmatched = append(up.Unmatched, cmp.Or(label, fmt.Sprintf("#%d", i+1)))
			continue
		}
		a := byCode[d.Code]
		if a == nil {
			a = &Area{Code: d.Code, Name: d.Name}
			byCode[d.Code] = a
		}
		a.Shape = append(a.Shape, shapes[i]...)
	}
	if len(byCode) == 0 {
		return Upload{}, invalid(CodeNoMatch, "Tidak ada fitur yang cocok dengan kode atau nama desa yang terdaftar. "+
			"Beri tiap fitur properti kode desa (mis. \"kode\") atau nama desa, sama seperti di daftar desa BTS.")
	}
	for _, a := range byCode {
		a.Shape = simplify.DouglasPeucker(uploadTolerance).MultiPolygon(a.Shape)
		up.Areas = append(up.Areas, *a)
	}
	slices.SortFunc(up.Areas, func(a, b Area) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Code, b.Code)) })
	return up, nil
}

// shapeOf checks feature i's geometry and returns it as a MultiPolygon.
func shapeOf(i int, g orb.Geometry) (orb.MultiPolygon, error) {
	var mp orb.MultiPolygon
	switch x := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{x}
	case orb.MultiPolygon:
		mp = x
	default:
		kind := "kosong"
		if g != nil {
			kind = g.GeoJSONType()
		}
		return nil, invalid(CodeGeometry, fmt.Sprintf("Fitur ke-%d: geometri harus Polygon atau MultiPolygon, bukan %s.", i+1, kind))
	}
	if len(mp) == 0 {
		return nil, invalid(CodeGeometry, fmt.Sprintf("Fitur ke-%d: poligon kosong.", i+1))
	}
	for _, p := range mp {
		if len(p) == 0 {
			return nil, invalid(CodeGeometry, fmt.Sprintf("Fitur ke-%d: poligon kosong.", i+1))
		}
		for _, r := range p {
			if len(r) < 4 {
				return nil, invalid(CodeGeometry, fmt.Sprintf("Fitur ke-%d: cincin poligon kurang dari 4 titik.", i+1))
			}
			for _, pt := range r {
				if !(pt[0] >= -180 && pt[0] <= 180 && pt[1] >= -85 && pt[1] <= 85) {
					return nil, invalid(CodeCoordinate, fmt.Sprintf("Fitur ke-%d: koordinat (%g, %g) di luar bujur/lintang. "+
						"Simpan berkas dalam WGS84 (EPSG:4326), bukan UTM atau proyeksi lain.", i+1, pt[0], pt[1]))
				}
			}
		}
	}
	return mp, nil
}

// desaIndex finds a desa by code or by name.
type desaIndex struct {
	byCode map[string]Desa
	byName map[string][]Desa
}

func newDesaIndex(desas []Desa) desaIndex {
	idx := desaIndex{byCode: map[string]Desa{}, byName: map[string][]Desa{}}
	for _, d := range desas {
		idx.byCode[strings.ToLower(d.Code)] = d
		n := normalName(d.Name)
		idx.byName[n] = append(idx.byName[n], d)
	}
	return idx
}

// find returns the desa a property value names: its code, or a name that
// only one desa has.
func (idx desaIndex) find(v string) (Desa, bool) {
	if v == "" {
		return Desa{}, false
	}
	if d, ok := idx.byCode[strings.ToLower(strings.TrimSpace(v))]; ok {
		return d, true
	}
	if ds := idx.byName[normalName(v)]; len(ds) == 1 {
		return ds[0], true
	}
	return Desa{}, false
}

// bestProperty is the property whose values name the most desa; ties go
// to the name that sorts first, so the choice does not depend on map
// order.
func (idx desaIndex) bestProperty(fs []*geojson.Feature) string {
	hits := map[string]int{}
	for _, f := range fs {
		for k, v := range f.Properties {
			if _, ok := idx.find(propertyText(v)); ok {
				hits[k]++
			}
		}
	}
	best := ""
	for k, n := range hits {
		if n > hits[best] || (n == hits[best] && k < best) {
			best = k
		}
	}
	return best
}

// propertyText is a property value as text: strings as they are, whole
// numbers without a decimal point (a numeric code), anything else empty.
func propertyText(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return fmt.Sprintf("%.0f", x)
		}
	}
	return ""
}

// normalName is a desa name for matching: lower case, single spaces,
// without a leading "desa" or "kelurahan"/"kel.".
func normalName(s string) string {
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	for _, p := range []string{"desa ", "kelurahan ", "kel. ", "kel "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// ErrNoShape is returned by DecodeShape for stored text that is not a
// Polygon or MultiPolygon.
var ErrNoShape = errors.New("geomap: not a polygon or multipolygon")

// EncodeShape is a boundary as a GeoJSON geometry, for storage.
func EncodeShape(mp orb.MultiPolygon) ([]byte, error) {
	return geojson.NewGeometry(mp).MarshalJSON()
}

// DecodeShape reads a boundary EncodeShape wrote. ErrNoShape when it is
// not one.
func DecodeShape(data []byte) (orb.MultiPolygon, error) {
	g, err := geojson.UnmarshalGeometry(data)
	if err != nil {
		return nil, fmt.Errorf("decode shape: %w", err)
	}
	switch x := g.Geometry().(type) {
	case orb.MultiPolygon:
		return x, nil
	case orb.Polygon:
		return orb.MultiPolygon{x}, nil
	}
	return nil, ErrNoShape
}
