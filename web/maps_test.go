package web

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// square is a GeoJSON feature: a 0.1 degree square at lon, lat named by
// the property kode.
func square(kode string, lon, lat float64) string {
	return fmt.Sprintf(`{"type":"Feature","properties":{"kode":%q},"geometry":{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}`,
		kode, lon, lat, lon+0.1, lat, lon+0.1, lat+0.1, lon, lat+0.1, lon, lat)
}

func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

// areaFills are the fills of the map's areas by desa code.
func areaFills(svg string) map[string]string {
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`<path class="area" data-code="([^"]+)" fill="([^"]+)"`).FindAllStringSubmatch(svg, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// The district admin uploads desa boundaries; good files are stored and
// matched to the registered desa, bad ones are refused with a stable code
// and nothing changes; the Dinas Kesehatan reads the map coloured by the
// month's figures of each desa, on /dinkes and in the month's workbook.
func TestDistrictMapUploadAndRender(t *testing.T) {
	e := newBTSEnv(t)
	e.call("district", "PUT", "/api/v1/bts/desa/desa-2", `{"name":"Desa Dua","kecamatan":"kec-a","facility":"sobo"}`).want(200)
	// Desa Satu: one child, stunted (100 %); Desa Tiga: one child, not
	// stunted (0 %); Desa Dua: nobody measured.
	var ayu, bayu childJSON
	e.call("petugas", "POST", "/api/v1/bts/facilities/sobo/children", btsChild).into(201, &ayu)
	e.call("petugas", "POST", fmt.Sprintf("/api/v1/bts/facilities/sobo/children/%d/measurements", ayu.ID), `{"lenhei_cm":68,"weight_kg":7.5,"measure":"l"}`).want(201)
	e.call("petugas-kabat", "POST", "/api/v1/bts/facilities/kabat/children", `{"name":"Bayu","sex":"L","birth_date":"2025-03-10","desa":"desa-3"}`).into(201, &bayu)
	e.call("petugas-kabat", "POST", fmt.Sprintf("/api/v1/bts/facilities/kabat/children/%d/measurements", bayu.ID), `{"lenhei_cm":76,"weight_kg":9.6,"measure":"l"}`).want(201)

	good := collection(square("desa-1", 114.3, -8.2), square("desa-2", 114.4, -8.2), square("desa-3", 114.3, -8.3), square("desa-x", 114.4, -8.3))
	const upload = "/api/v1/district/map/boundaries"
	t.Run("bad files are refused", func(t *testing.T) {
		e.t = t
		for _, tc := range []struct{ name, body, code string }{
			{"not GeoJSON", `{"type":"FeatureCollection","features":[`, "map_not_geojson"},
			{"a point", collection(`{"type":"Feature","properties":{"kode":"desa-1"},"geometry":{"type":"Point","coordinates":[114.3,-8.2]}}`), "map_geometry"},
			{"projected metres", collection(square("desa-1", 188000, 9090000)), "map_coordinates"},
			{"no desa", collection(square("atlantis", 114.3, -8.2)), "map_no_desa_match"},
		} {
			e.call("district", "PUT", upload, tc.body).wantError(400, tc.code, "geojson", "")
		}
		e.call("dinkes", "PUT", upload, good).wantError(403, "forbidden", "", "")
		e.call("admin-sobo", "PUT", upload, good).wantError(403, "forbidden", "", "")
		var fc struct {
			Features []any `json:"features"`
		}
		e.call("dinkes", "GET", upload, "").into(200, &fc)
		if len(fc.Features) != 0 {
			t.Errorf("refused uploads stored %d boundaries", len(fc.Features))
		}
	})
	e.t = t

	var up boundariesAnswer
	req := httptest.NewRequest("PUT", upload, strings.NewReader(good))
	req.Header.Set("Content-Type", "application/geo+json") // as GIS tools name the file's type
	e.do("district", req).into(200, &up)
	if up.Property != "kode" || len(up.Areas) != 3 || len(up.Unmatched) != 1 || up.Unmatched[0] != "desa-x" {
		t.Errorf("upload answer %+v: want property kode, 3 desa, desa-x unmatched", up)
	}

	svgOf := func(path string) string {
		a := e.call("dinkes", "GET", path, "")
		body := string(a.want(200))
		if ct := a.rec.Header().Get("Content-Type"); ct != "image/svg+xml" {
			t.Errorf("%s: content type %q", path, ct)
		}
		return body
	}
	svg := svgOf("/api/v1/district/map.svg?month=2026-03")
	want := map[string]string{"desa-1": "#d73027", "desa-2": "url(#nodata)", "desa-3": "#1a9850"}
	if got := areaFills(svg); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stunting fills = %v, want %v", got, want)
	}
	if !strings.Contains(svg, `href="/dinkes?month=2026-03&amp;map=stunting#map-desa-desa-1"`) {
		t.Error("an area does not link to its table")
	}
	compliance := svgOf("/api/v1/district/map.svg?month=2026-03&map=compliance")
	if fills := areaFills(compliance); len(fills) != len(want) {
		t.Errorf("compliance map draws %d areas, want %d", len(fills), len(want))
	}
	for code, fill := range areaFills(compliance) {
		if fill != "url(#nodata)" {
			t.Errorf("compliance of %s = %s with nobody enrolled, want no data", code, fill)
		}
	}
	e.call("dinkes", "GET", "/api/v1/district/map.svg?map=bogus", "").wantError(400, "invalid", "map", "")
	e.call("petugas", "GET", "/api/v1/district/map.svg", "").wantError(403, "forbidden", "", "")

	page := string(e.call("dinkes", "GET", "/dinkes?month=2026-03", "").want(200))
	for _, s := range []string{`<section class="card map-card" id="map">`, `<path class="area" data-code="desa-1" fill="#d73027"`,
		`href="#map-desa-desa-1"`, `<tr id="map-desa-desa-1"><th scope="row">Desa Satu</th><td>1</td><td>100</td>`, `map=compliance`} {
		if !strings.Contains(page, s) {
			t.Errorf("/dinkes lacks %s", s)
		}
	}

	wb := e.call("dinkes", "GET", "/api/v1/district/reports/all?format=xlsx&month=2026-03", "").want(200)
	f, err := excelize.OpenReader(bytes.NewReader(wb))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 5 || sheets[3] != "4-map-stunting" || sheets[4] != "5-map-compliance" {
		t.Fatalf("sheets %v: want the three tables and two maps", sheets)
	}
	pics, err := f.GetPictures("4-map-stunting", "A3")
	if err != nil || len(pics) != 1 || pics[0].Extension != ".png" || len(pics[0].File) < 1000 {
		t.Errorf("map sheet pictures = %d, %v: want one PNG", len(pics), err)
	}
	if v, _ := f.GetCellValue("4-map-stunting", "O7"); v != "≥ 30 % (sangat tinggi)" {
		t.Errorf("legend O7 = %q", v)
	}

	var fc struct {
		Features []struct {
			Properties map[string]string `json:"properties"`
		} `json:"features"`
	}
	e.call("dinkes", "GET", upload, "").into(200, &fc)
	if len(fc.Features) != 3 || fc.Features[0].Properties["kode"] != "desa-2" || fc.Features[0].Properties["nama"] != "Desa Dua" {
		t.Errorf("stored boundaries %+v: want the three desa by name", fc.Features)
	}
	e.call("dinkes", "DELETE", upload, "").wantError(403, "forbidden", "", "")
	e.call("district", "DELETE", upload, "").want(204)
	if fills := areaFills(svgOf("/api/v1/district/map.svg?month=2026-03")); len(fills) != 0 {
		t.Errorf("after removing the boundaries the map still draws areas %v", fills)
	}
}

// Without boundaries the map shows the Puskesmas and posyandu that have
// coordinates, sized by the children measured.
func TestDistrictMapPoints(t *testing.T) {
	e := newBTSEnv(t)
	var ayu childJSON
	e.call("petugas", "POST", "/api/v1/bts/facilities/sobo/children", btsChild).into(201, &ayu)
	e.call("petugas", "POST", fmt.Sprintf("/api/v1/bts/facilities/sobo/children/%d/measurements", ayu.ID), `{"lenhei_cm":68,"weight_kg":7.5,"measure":"l"}`).want(201)
	empty := string(e.call("dinkes", "GET", "/api/v1/district/map.svg?month=2026-03", "").want(200))
	if !strings.Contains(empty, "Belum ada batas desa atau koordinat") {
		t.Errorf("map without boundaries or places: %s", empty)
	}
	const places = "/api/v1/district/map/places"
	e.call("district", "PUT", places, `{"puskesmas":[{"code":"sobo","lat":-8.2}]}`).wantError(400, "invalid", "puskesmas[0]", "")
	e.call("district", "PUT", places, `{"puskesmas":[{"code":"nope","lat":-8.2,"lon":114.3}]}`).wantError(404, "not_found", "", "")
	e.call("dinkes", "PUT", places, `{"puskesmas":[{"code":"sobo","lat":-8.2,"lon":114.3}]}`).wantError(403, "forbidden", "", "")
	e.call("district", "PUT", places, `{"puskesmas":[{"code":"sobo","lat":-8.2,"lon":114.3},{"code":"kabat","lat":-8.25,"lon":114.35}]}`).want(200)
	svg := string(e.call("dinkes", "GET", "/api/v1/district/map.svg?month=2026-03", "").want(200))
	for _, s := range []string{`<rect class="point puskesmas" data-code="sobo"`, `fill="#d73027"`, `<rect class="point puskesmas" data-code="kabat"`,
		`href="/dinkes?month=2026-03&amp;map=stunting#map-pkm-sobo"`, "Ukuran titik"} {
		if !strings.Contains(svg, s) {
			t.Errorf("points map lacks %s", s)
		}
	}
}
