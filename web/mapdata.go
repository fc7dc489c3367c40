package web

import (
	"context"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"time"

	"github.com/antrian/antrian/analytics"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/geomap"
	"github.com/antrian/antrian/postgres"
)

// The district map (package geomap) of a month: stunting prevalence or
// delivery compliance per desa, drawn on the uploaded desa boundaries, or,
// without them, at the Puskesmas and posyandu coordinates. What is read
// here is turned into a geomap.Map; the page, the SVG download and the
// district workbook all draw the same one.

// mapLayer is the figure the map colours by.
type mapLayer string

const (
	layerStunting   mapLayer = "stunting"
	layerCompliance mapLayer = "compliance"
)

var mapLayers = []mapLayer{layerStunting, layerCompliance}

// parseLayer reads ?map= (default stunting). A *fault.Error for another.
func parseLayer(v string) (mapLayer, error) {
	switch l := mapLayer(v); l {
	case "":
		return layerStunting, nil
	case layerStunting, layerCompliance:
		return l, nil
	}
	return "", fault.Invalid("map", "Peta harus stunting atau compliance.")
}

// districtMapData is what the maps of a month are drawn from.
type districtMapData struct {
	month      time.Time
	areas      []geomap.Area
	places     []postgres.Place
	desas      []bts.Desa
	stunting   map[string]bts.Rate // by desa code, and by facility code under "pkm:"
	children   map[string]int      // children measured: by facility code, and by posyandu under "pos:<id>"
	compliance map[string]bts.GroupCompliance
}

// loadDistrictMap reads the boundaries, places and figures of month (its
// first day, midnight UTC), from the reports' store (a read replica where
// there is one), as the district report does.
func (s *Server) loadDistrictMap(ctx context.Context, month time.Time) (*districtMapData, error) {
	d := &districtMapData{month: month, stunting: map[string]bts.Rate{}, children: map[string]int{}, compliance: map[string]bts.GroupCompliance{}}
	db := s.db.Reports()
	var err error
	if d.areas, err = db.Boundaries(ctx); err != nil {
		return nil, err
	}
	if d.places, err = db.Places(ctx); err != nil {
		return nil, err
	}
	if d.desas, _, err = db.Desas(ctx, ""); err != nil {
		return nil, err
	}
	last := month.AddDate(0, 1, -1)
	obs, err := db.Observations(ctx, "", month, last)
	if err != nil {
		return nil, err
	}
	for _, r := range bts.Prevalence(obs, bts.LevelDesa) {
		d.stunting[r.Code] = r.All.Stunting
	}
	for _, r := range bts.Prevalence(obs, bts.LevelFacility) {
		d.stunting["pkm:"+r.Code] = r.All.Stunting
	}
	seen := map[int64]bool{}
	for _, o := range obs {
		if seen[o.Child.ID] {
			continue
		}
		seen[o.Child.ID] = true
		d.children[o.Child.Facility]++
		if o.Child.Address.PosyanduID != 0 {
			d.children["pos:"+strconv.FormatInt(o.Child.Address.PosyanduID, 10)]++
		}
	}
	if s.bts != nil {
		c, err := s.bts.Compliance(ctx, bts.ReportQuery{Period: bts.Period{From: month, To: last}})
		if err != nil {
			return nil, err
		}
		for _, g := range c.ByDesa {
			d.compliance[g.Code] = g
		}
		for _, g := range c.ByFacility {
			d.compliance["pkm:"+g.Code] = g
		}
	}
	return d, nil
}

// value is the figure of layer for key (a desa code, or "pkm:" and a
// facility code).
func (d *districtMapData) value(layer mapLayer, key string) geomap.Value {
	if layer == layerCompliance {
		g, ok := d.compliance[key]
		return geomap.Value{Percent: g.Percent, Count: g.Targets, Known: ok && g.Planned > 0}
	}
	r := d.stunting[key]
	return geomap.Value{Percent: r.Percent, Count: r.Denominator, Known: r.Denominator > 0}
}

// drawing is the map of layer in lang; page is the address its links go
// to ("" on the page itself, where they are fragments).
func (d *districtMapData) drawing(layer mapLayer, lang, page string) geomap.Map {
	t := func(k string) string { return tr(lang, k) }
	var labels [5]string
	for i := range labels {
		labels[i] = t(fmt.Sprintf("map.%s.c%d", layer, i))
	}
	m := geomap.Map{Title: t("map.title." + string(layer)), Empty: t("map.empty"), Unit: "%",
		CountWord: t("map.count." + string(layer)), SizeLabel: t("map.size")}
	if layer == layerCompliance {
		m.Scale = geomap.ComplianceScale(labels, t("map.nodata"))
	} else {
		m.Scale = geomap.StuntingScale(labels, t("map.nodata"))
	}
	if len(d.areas) > 0 {
		m.Areas, m.Values = d.areas, map[string]geomap.Value{}
		for _, a := range d.areas {
			m.Values[a.Code] = d.value(layer, a.Code)
		}
		m.Link = func(code string) string { return page + "#map-desa-" + code }
		return m
	}
	for _, p := range d.places {
		if p.Lat == nil || p.Lon == nil {
			continue
		}
		pt := geomap.Point{Name: p.Name, Lon: *p.Lon, Lat: *p.Lat, Puskesmas: p.Puskesmas}
		if p.Puskesmas {
			pt.Code, pt.Value, pt.Size, pt.Link = p.Code, d.value(layer, "pkm:"+p.Code), d.children[p.Code], page+"#map-pkm-"+p.Code
		} else {
			id := strconv.FormatInt(p.ID, 10)
			pt.Code, pt.Value, pt.Size, pt.Link = "posyandu-"+id, d.value(layer, p.Code), d.children["pos:"+id], page+"#map-desa-"+p.Code
		}
		m.Points = append(m.Points, pt)
	}
	return m
}

// mapView is the map section of /dinkes.
type mapView struct {
	Layer    string
	SVG      template.HTML
	Links    []mapLink // the switch between the layers
	Download string
	Points   bool       // no boundaries uploaded: drawn as points
	Tables   []mapTable // per desa, per Puskesmas
}

// mapTable is a table under the map; Title and Head (its first column's
// heading) are message keys.
type mapTable struct {
	ID, Title, Head string
	Rows            []mapRow
}

type mapLink struct {
	Label, Href string
	Current     bool
}

// mapRow is a desa or a Puskesmas in the tables under the map, which its
// area or point links to.
type mapRow struct {
	Anchor, Name         string
	Measured, Targets    int
	Stunting, Compliance string
}

// pageMap is the map section of the district page for month and layer.
func (s *Server) pageMap(ctx context.Context, month time.Time, layer mapLayer, lang string) (*mapView, error) {
	d, err := s.loadDistrictMap(ctx, month)
	if err != nil {
		return nil, err
	}
	ym := month.Format("2006-01")
	v := &mapView{Layer: string(layer), SVG: template.HTML(d.drawing(layer, lang, "").SVG()), // geomap escapes every text
		Download: "/api/v1/district/map.svg?" + url.Values{"month": {ym}, "map": {string(layer)}, "download": {"1"}}.Encode(),
		Points:   len(d.areas) == 0}
	for _, l := range mapLayers {
		v.Links = append(v.Links, mapLink{Label: tr(lang, "map.layer."+string(l)), Current: l == layer,
			Href: "/dinkes?" + url.Values{"month": {ym}, "map": {string(l)}}.Encode() + "#map"})
	}
	row := func(anchor, name, key string) mapRow {
		st, co := d.value(layerStunting, key), d.value(layerCompliance, key)
		return mapRow{Anchor: anchor, Name: name, Measured: st.Count, Targets: co.Count, Stunting: percentText(st), Compliance: percentText(co)}
	}
	desa := mapTable{ID: "table-map-desa", Title: "map.t.desa", Head: "map.col.desa"}
	for _, ds := range d.desas {
		desa.Rows = append(desa.Rows, row("map-desa-"+ds.Code, ds.Name, ds.Code))
	}
	pkm := mapTable{ID: "table-map-puskesmas", Title: "map.t.puskesmas", Head: "rep.facility"}
	for _, p := range d.places {
		if p.Puskesmas {
			pkm.Rows = append(pkm.Rows, row("map-pkm-"+p.Code, p.Name, "pkm:"+p.Code))
		}
	}
	v.Tables = []mapTable{desa, pkm}
	return v, nil
}

func percentText(v geomap.Value) string {
	if !v.Known {
		return "–"
	}
	return analytics.Number(v.Percent)
}

// mapPictures are the maps of month for the district workbook: a PNG of
// each layer with its legend, and the address of the SVG under base (the
// service's address as the caller reached it).
func (s *Server) mapPictures(ctx context.Context, month time.Time, lang, base string) ([]analytics.Picture, error) {
	d, err := s.loadDistrictMap(ctx, month)
	if err != nil {
		return nil, err
	}
	ym := month.Format("2006-01")
	var out []analytics.Picture
	for _, l := range mapLayers {
		m := d.drawing(l, lang, base+"/dinkes?"+url.Values{"month": {ym}, "map": {string(l)}}.Encode())
		png, err := m.PNG()
		if err != nil {
			return nil, err
		}
		p := analytics.Picture{Name: "map-" + string(l), Title: m.Title + " " + ym, PNG: png,
			Note: tr(lang, "map.svg") + ": " + base + "/api/v1/district/map.svg?" + url.Values{"month": {ym}, "map": {string(l)}}.Encode()}
		for _, c := range m.Scale.Classes {
			p.Legend = append(p.Legend, [2]string{c.Fill, c.Label})
		}
		p.Legend = append(p.Legend, [2]string{"#dcdcdc", m.Scale.NoData})
		out = append(out, p)
	}
	return out, nil
}
