package web

import (
	"context"
	"net/http"

	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/chart"
	"github.com/labstack/echo/v4"
)

// The BTS API of the district's geography, the registry of children and
// pregnant women, and measurements.

type nameJSON struct {
	Name      string `json:"name"`
	Kecamatan string `json:"kecamatan"`
	Facility  string `json:"facility"`
	Method    string `json:"method"`
}

// geography answers a change to the district's geography: the body goes to
// save, whose answer is rendered as JSON.
func geography(c echo.Context, save func(context.Context, nameJSON) (any, error)) error {
	var req nameJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := save(c.Request().Context(), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) btsSaveKecamatan(c echo.Context) error {
	return geography(c, func(ctx context.Context, req nameJSON) (any, error) {
		k, err := s.bts.SaveKecamatan(ctx, bts.Kecamatan{Code: c.Param("code"), Name: req.Name})
		return map[string]any{"id": k.ID, "code": k.Code, "name": k.Name}, err
	})
}

func (s *Server) btsSaveDesa(c echo.Context) error {
	return geography(c, func(ctx context.Context, req nameJSON) (any, error) {
		d, err := s.bts.SaveDesa(ctx, bts.Desa{Code: c.Param("code"), Name: req.Name, Kecamatan: req.Kecamatan, Facility: req.Facility})
		return map[string]any{"id": d.ID, "code": d.Code, "name": d.Name, "kecamatan": d.Kecamatan, "facility": d.Facility}, err
	})
}

func (s *Server) btsAddPosyandu(c echo.Context) error {
	return geography(c, func(ctx context.Context, req nameJSON) (any, error) {
		p, err := s.bts.AddPosyandu(ctx, bts.Posyandu{Desa: c.Param("code"), Name: req.Name})
		return map[string]any{"id": p.ID, "desa": p.Desa, "name": p.Name}, err
	})
}

func (s *Server) btsSetFacility(c echo.Context) error {
	facility := c.Param("facility")
	return geography(c, func(ctx context.Context, req nameJSON) (any, error) {
		m, err := s.bts.SetFacility(ctx, facility, req.Kecamatan, req.Method)
		return map[string]any{"facility": facility, "kecamatan": req.Kecamatan, "method": m.String()}, err
	})
}

type posyanduJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type desaJSON struct {
	Code      string         `json:"code"`
	Name      string         `json:"name"`
	Kecamatan string         `json:"kecamatan"`
	Posyandu  []posyanduJSON `json:"posyandu"`
}

func (s *Server) btsAreas(c echo.Context) error {
	areas, err := s.bts.Areas(c.Request().Context(), c.Param("facility"))
	if err != nil {
		return err
	}
	out := make([]desaJSON, 0, len(areas))
	for _, a := range areas {
		d := desaJSON{Code: a.Desa.Code, Name: a.Desa.Name, Kecamatan: a.Desa.Kecamatan, Posyandu: []posyanduJSON{}}
		for _, p := range a.Posyandu {
			d.Posyandu = append(d.Posyandu, posyanduJSON{p.ID, p.Name})
		}
		out = append(out, d)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) btsCreateChild(c echo.Context) error {
	var req childJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	child, err := req.domain(c.Param("facility"))
	if err != nil {
		return err
	}
	if child, err = s.bts.RegisterChild(c.Request().Context(), child); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toChildJSON(child))
}

func (s *Server) btsListChildren(c echo.Context) error {
	return searched(c, s.bts.Children, toChildJSON)
}

// searched answers the records of the path's facility that find matches
// with ?q=, each rendered by render.
func searched[R, O any](c echo.Context, find func(context.Context, string, string) ([]R, error), render func(R) O) error {
	rs, err := find(c.Request().Context(), c.Param("facility"), c.QueryParam("q"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, each(rs, render))
}

func (s *Server) btsGetChild(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.bts.ChildRecord(c.Request().Context(), c.Param("facility"), id)
	if err != nil {
		return err
	}
	ms := make([]measurementJSON, 0, len(r.Measurements))
	for _, m := range r.Measurements {
		ms = append(ms, toMeasurementJSON(m))
	}
	return c.JSON(http.StatusOK, map[string]any{"child": toChildJSON(r.Child), "measurements": ms,
		"suggestion": toSuggestionJSON(r.Suggestion)})
}

func (s *Server) btsMeasure(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	var req measurementJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	in, err := req.domain()
	if err != nil {
		return err
	}
	m, err := s.bts.Measure(c.Request().Context(), actor(c), c.Param("facility"), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toMeasurementJSON(m))
}

// btsGrowthChart draws a child's length/height-for-age (?indicator=lhfa,
// the default) or weight-for-age (wfa) chart.
func (s *Server) btsGrowthChart(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.bts.ChildRecord(c.Request().Context(), c.Param("facility"), id)
	if err != nil {
		return err
	}
	ind := chart.Indicator(c.QueryParam("indicator"))
	if ind == "" {
		ind = chart.LenHei
	}
	svg, err := chart.SVG(r.Child.Sex, ind, chart.Points(r.Measurements, ind))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	return c.Blob(http.StatusOK, "image/svg+xml", svg)
}

func (s *Server) btsCreatePregnancy(c echo.Context) error {
	var req pregnancyJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	p, err := req.domain(c.Param("facility"))
	if err != nil {
		return err
	}
	r, err := s.bts.RegisterPregnancy(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toPregnancyJSON(r))
}

// btsListPregnancies lists a facility's pregnant women, filtered by ?q=
// (part of the name, or the start of the NIK), each with her bumil-risti
// suggestion.
func (s *Server) btsListPregnancies(c echo.Context) error {
	return searched(c, s.bts.Pregnancies, toPregnancyJSON)
}

func (s *Server) btsGetPregnancy(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.bts.PregnancyRecord(c.Request().Context(), c.Param("facility"), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPregnancyJSON(r))
}
