package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/geomap"
	"github.com/antrian/antrian/postgres"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"
)

// The district map's API: a district admin uploads the desa boundaries
// (GeoJSON) and the coordinates of Puskesmas and posyandu; the Dinas
// Kesehatan reads the map as SVG. The map on /dinkes and in the district
// workbook is web/mapdata.go's.

// mapUploadRoute takes a boundary file, capped at mapUploadLimit: a
// kabupaten's desa boundaries, as the national sources publish them, are a
// few megabytes.
const (
	mapUploadRoute = "/api/v1/district/map/boundaries"
	mapUploadLimit = 16 << 20
)

// mapRoutes are the district map's routes, for the route table.
func (s *Server) mapRoutes() []route {
	districtAdmin := allow(account.PermDistrictAdmin, own)
	return []route{
		on("PUT", mapUploadRoute, s.putBoundaries, districtAdmin,
			api(tagReport, "Replace the desa boundaries: a GeoJSON FeatureCollection of Polygon/MultiPolygon in WGS84, "+
				"each feature naming its desa by code or name (?property= names the property; default: the one that matches most)").in("object").out("object")).limit(mapUploadLimit),
		on("GET", mapUploadRoute, s.getBoundaries, districtReports, api(tagReport, "The stored desa boundaries (GeoJSON FeatureCollection)").out("object")),
		on("DELETE", mapUploadRoute, s.deleteBoundaries, districtAdmin, api(tagReport, "Remove the desa boundaries (the map shows points)").status(204, "Removed")),
		on("PUT", "/api/v1/district/map/places", s.putPlaces, districtAdmin,
			api(tagReport, "Set the coordinates of Puskesmas (by code) and posyandu (by id)").in("object").out("object")),
		on("GET", "/api/v1/district/map.svg", s.mapSVG, districtReports,
			api(tagReport, "The district map of a month (?month=yyyy-mm&map=stunting|compliance)").as("image/svg+xml")),
	}
}

// boundariesAnswer is what an upload matched.
type boundariesAnswer struct {
	Property  string     `json:"property"`
	Areas     []areaJSON `json:"areas"`
	Unmatched []string   `json:"unmatched"`
	At        time.Time  `json:"uploaded_at"`
}

type areaJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (s *Server) putBoundaries(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return errTooLarge
	} else if err != nil {
		return err
	}
	u, _ := currentUser(c)
	up, err := s.saveBoundaries(c.Request().Context(), body, c.QueryParam("property"), u.Username)
	if err != nil {
		return err
	}
	out := boundariesAnswer{Property: up.Property, Areas: []areaJSON{}, Unmatched: up.Unmatched, At: s.now()}
	if out.Unmatched == nil {
		out.Unmatched = []string{}
	}
	for _, a := range up.Areas {
		out.Areas = append(out.Areas, areaJSON{a.Code, a.Name})
	}
	return c.JSON(http.StatusOK, out)
}

// saveBoundaries checks an uploaded boundary file against the registered
// desa and stores what matched in place of the boundaries before.
func (s *Server) saveBoundaries(ctx context.Context, data []byte, property, by string) (geomap.Upload, error) {
	ds, _, err := s.db.Desas(ctx, "")
	if err != nil {
		return geomap.Upload{}, err
	}
	known := make([]geomap.Desa, len(ds))
	for i, d := range ds {
		known[i] = geomap.Desa{Code: d.Code, Name: d.Name}
	}
	up, err := geomap.Parse(data, property, known)
	if err != nil {
		return up, err
	}
	return up, s.db.SaveBoundaries(ctx, up.Areas, up.Property, by, s.now())
}

func (s *Server) getBoundaries(c echo.Context) error {
	areas, err := s.db.Boundaries(c.Request().Context())
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	for _, a := range areas {
		f := geojson.NewFeature(a.Shape)
		f.Properties["kode"], f.Properties["nama"] = a.Code, a.Name
		fc.Append(f)
	}
	return c.JSON(http.StatusOK, fc)
}

func (s *Server) deleteBoundaries(c echo.Context) error {
	if err := s.db.DeleteBoundaries(c.Request().Context()); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// placesRequest sets coordinates: Puskesmas by facility code, posyandu by
// id. A null lat and lon clears them.
type placesRequest struct {
	Puskesmas []struct {
		Code string   `json:"code"`
		Lat  *float64 `json:"lat"`
		Lon  *float64 `json:"lon"`
	} `json:"puskesmas"`
	Posyandu []struct {
		ID  int64    `json:"id"`
		Lat *float64 `json:"lat"`
		Lon *float64 `json:"lon"`
	} `json:"posyandu"`
}

func (s *Server) putPlaces(c echo.Context) error {
	var req placesRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	var places []postgres.Place
	for i, p := range req.Puskesmas {
		places = append(places, postgres.Place{Code: p.Code, Lat: p.Lat, Lon: p.Lon, Puskesmas: true})
		if err := checkLatLon(fmt.Sprintf("puskesmas[%d]", i), p.Lat, p.Lon); err != nil {
			return err
		}
	}
	for i, p := range req.Posyandu {
		places = append(places, postgres.Place{ID: p.ID, Lat: p.Lat, Lon: p.Lon})
		if err := checkLatLon(fmt.Sprintf("posyandu[%d]", i), p.Lat, p.Lon); err != nil {
			return err
		}
	}
	if err := s.db.SetPlaces(c.Request().Context(), places); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"updated": len(places)})
}

// checkLatLon requires both coordinates or neither, in range.
func checkLatLon(field string, lat, lon *float64) error {
	switch {
	case (lat == nil) != (lon == nil):
		return fault.Invalid(field, "Isi lintang (lat) dan bujur (lon) bersama, atau kosongkan keduanya.")
	case lat != nil && (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180):
		return fault.Invalid(field, "Lintang harus -90..90 dan bujur -180..180 (WGS84, derajat desimal).")
	}
	return nil
}

func (s *Server) mapSVG(c echo.Context) error {
	month, err := reportMonth(c, s.now())
	if err != nil {
		return err
	}
	layer, err := parseLayer(c.QueryParam("map"))
	if err != nil {
		return err
	}
	d, err := s.loadDistrictMap(c.Request().Context(), month)
	if err != nil {
		return err
	}
	page := "/dinkes?month=" + month.Format("2006-01") + "&map=" + string(layer)
	svg := d.drawing(layer, s.reportLang(c), page).SVG()
	c.Response().Header().Set("Cache-Control", "no-store")
	if c.QueryParam("download") != "" {
		return download(c, "peta-"+string(layer)+"-"+month.Format("2006-01")+".svg", "image/svg+xml", []byte(svg))
	}
	return c.Blob(http.StatusOK, "image/svg+xml", []byte(svg))
}
