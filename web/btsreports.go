package web

import (
	"bytes"
	"mime"
	"net/http"

	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/eppgbm"
	"github.com/antrian/antrian/fault"
	"github.com/labstack/echo/v4"
)

// The BTS reports of the Dinas Kesehatan, under /api/v1/bts/reports/: each
// covers the facility reportScope chooses, over ?from=..?to=.

func (s *Server) btsPrevalence(c echo.Context) error {
	level, err := bts.ParseLevel(c.QueryParam("by"))
	if err != nil {
		return err
	}
	q, err := reportQuery(c)
	if err != nil {
		return err
	}
	r, err := s.bts.Prevalence(c.Request().Context(), q, level)
	if err != nil {
		return err
	}
	ages := make([]string, len(bts.AgeGroups))
	for i, g := range bts.AgeGroups {
		ages[i] = g.Label
	}
	return c.JSON(http.StatusOK, map[string]any{"facility": r.Facility, "from": dateString(r.From), "to": dateString(r.To),
		"by": r.Level, "age_groups": ages, "rows": r.Rows})
}

func (s *Server) btsTrend(c echo.Context) error {
	q, err := reportQuery(c)
	if err != nil {
		return err
	}
	r, err := s.bts.Trend(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"facility": r.Facility, "from": dateString(r.From), "to": dateString(r.To),
		"months": r.Months})
}

type caseJSON struct {
	Child       childJSON       `json:"child"`
	Kecamatan   string          `json:"kecamatan_name"`
	Facility    string          `json:"facility_name"`
	Measurement measurementJSON `json:"measurement"`
}

func (s *Server) btsCases(c echo.Context) error {
	ind, err := bts.ParseIndicator(c.QueryParam("indicator"))
	if err != nil {
		return err
	}
	q, err := reportQuery(c)
	if err != nil {
		return err
	}
	cases, err := s.bts.Cases(c.Request().Context(), q, ind)
	if err != nil {
		return err
	}
	out := []caseJSON{}
	for _, o := range cases {
		out = append(out, caseJSON{toChildJSON(o.Child), o.KecamatanName, o.FacilityName, toMeasurementJSON(o.Measurement)})
	}
	return c.JSON(http.StatusOK, out)
}

// btsExport sends the e-PPGBM export as a download: ?format=csv (the
// default) or xlsx.
func (s *Server) btsExport(c echo.Context) error {
	q, err := reportQuery(c)
	if err != nil {
		return err
	}
	x, err := s.bts.Export(c.Request().Context(), q)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	name := "bts-eppgbm-" + dateString(x.From) + "-" + dateString(x.To)
	if x.Facility != "" {
		name = "bts-eppgbm-" + x.Facility + "-" + dateString(x.From) + "-" + dateString(x.To)
	}
	contentType := "text/csv; charset=utf-8"
	switch c.QueryParam("format") {
	case "", "csv":
		err = eppgbm.WriteCSV(&buf, x.Observations)
		name += ".csv"
	case "xlsx":
		err = eppgbm.WriteXLSX(&buf, x.Observations)
		name += ".xlsx"
		contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		return fault.Invalid("format", "Format ekspor harus csv atau xlsx.")
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}

type groupComplianceJSON struct {
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	Targets     int     `json:"targets"`
	TargetsAt80 int     `json:"targets_at_80"`
	Planned     int     `json:"planned_days"`
	Delivered   int     `json:"delivered_days"`
	Rejected    int     `json:"rejected"`
	Late        int     `json:"late"`
	Percent     float64 `json:"percent"`
	SpentRp     int     `json:"spent_rp"`
	BudgetRp    int     `json:"budget_rp"`
}

func toGroupsJSON(gs []bts.GroupCompliance) []groupComplianceJSON {
	out := []groupComplianceJSON{}
	for _, g := range gs {
		out = append(out, groupComplianceJSON(g))
	}
	return out
}

type targetComplianceJSON struct {
	Enrolment enrolmentJSON  `json:"enrolment"`
	Planned   int            `json:"planned_days"`
	Delivered int            `json:"delivered_days"`
	Verified  int            `json:"verified"`
	Rejected  int            `json:"rejected"`
	Late      int            `json:"late"`
	Percent   float64        `json:"percent"`
	SpentRp   int            `json:"spent_rp"`
	BudgetRp  int            `json:"budget_rp"`
	Eaten     map[string]int `json:"consumption"`
}

func (s *Server) btsCompliance(c echo.Context) error {
	q, err := reportQuery(c)
	if err != nil {
		return err
	}
	r, err := s.bts.Compliance(c.Request().Context(), q)
	if err != nil {
		return err
	}
	targets := []targetComplianceJSON{}
	for _, t := range r.Targets {
		eaten := map[string]int{}
		for k, v := range t.Eaten {
			eaten[string(k)] = v
		}
		targets = append(targets, targetComplianceJSON{toEnrolmentJSON(t.Enrolment), t.Planned, t.Delivered, t.Verified,
			t.Rejected, t.Late, t.Percent, t.SpentRp, t.BudgetRp, eaten})
	}
	items := map[string]float64{}
	for k, v := range r.Items {
		items[string(k)] = v
	}
	return c.JSON(http.StatusOK, map[string]any{"targets": targets, "by_cadre": toGroupsJSON(r.ByCadre),
		"by_desa": toGroupsJSON(r.ByDesa), "total": groupComplianceJSON(r.Total), "items": items})
}

type outcomeRowJSON struct {
	Enrolment      enrolmentJSON    `json:"enrolment"`
	Baseline       *measurementJSON `json:"baseline"`
	Latest         *measurementJSON `json:"latest"`
	Delta          *float64         `json:"delta_zlen"`
	StuntedAtStart bool             `json:"stunted_at_start"`
	StuntedNow     bool             `json:"stunted_now"`
}

func toOutcomeRowJSON(r bts.OutcomeRow) outcomeRowJSON {
	row := outcomeRowJSON{Enrolment: toEnrolmentJSON(r.Enrolment), StuntedAtStart: r.StuntedAtStart, StuntedNow: r.StuntedNow}
	if r.Baseline != nil {
		m := toMeasurementJSON(*r.Baseline)
		row.Baseline = &m
	}
	if r.Latest != nil {
		m := toMeasurementJSON(*r.Latest)
		row.Latest = &m
		d := r.Delta
		row.Delta = &d
	}
	return row
}

// btsOutcome is the change in length/height-for-age since enrolment of
// every child ever enrolled in the scope (the period does not apply).
func (s *Server) btsOutcome(c echo.Context) error {
	o, err := s.bts.Outcome(c.Request().Context(), reportScope(c))
	if err != nil {
		return err
	}
	rows := []outcomeRowJSON{}
	for _, r := range o.Rows {
		rows = append(rows, toOutcomeRowJSON(r))
	}
	return c.JSON(http.StatusOK, map[string]any{"children": o.Children, "with_change": o.WithChange,
		"mean_delta_zlen": o.MeanDelta, "stunted_at_start": o.StuntedAtStart, "no_longer_stunted": o.NoLongerStunted,
		"percent_no_longer_stunted": o.Percent, "rows": rows})
}
