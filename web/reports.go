package web

import (
	"bytes"
	"fmt"
	"math"
	"mime"
	"net/http"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/analytics"
	"github.com/antrian/antrian/fault"
	"github.com/labstack/echo/v4"
)

// The facility dashboard (/admin/reports) and the district dashboard
// (/dinkes) are server-rendered pages: tables and SVG charts, readable
// without JavaScript and on paper (web/reportpages.go). Every table is also
// an API answer (JSON) and a download (CSV, XLSX) at
// .../reports/{table}?format=. Package analytics computes them from what
// web/reportdata.go reads.

// Who may see the reports: a facility's admins theirs (district admins
// any facility's), dinkes and district admins the district's. The pages are
// public, so that they can offer a sign-in, and show a report only to a
// caller the API route's rule allows.
var (
	facilityReports = allow(account.PermAdmin, fromPath)
	districtReports = allow(account.PermDistrict, own)
)

// reportRoutes are the dashboards' routes, for the route table.
func (s *Server) reportRoutes() []route {
	return []route{
		on("GET", "/api/v1/facilities/:facility/reports", s.facilityReportJSON, facilityReports,
			api(tagReport, "Facility dashboard: every table (?from=&to=, at most 92 days)").out("Report")),
		on("GET", "/api/v1/facilities/:facility/reports/:table", s.facilityReportTable, facilityReports,
			api(tagReport, "One table (units, days, hours, staff, sends; all for XLSX) as ?format=json|csv|xlsx").out("ReportTable")),
		on("GET", "/api/v1/district/reports", s.districtReportJSON, districtReports,
			api(tagReport, "District dashboard: every table (?month=yyyy-mm)").out("Report")),
		on("GET", "/api/v1/district/reports/:table", s.districtReportTable, districtReports,
			api(tagReport, "One table (live, facilities, trend; all for XLSX) as ?format=json|csv|xlsx").out("ReportTable")),
		on("GET", "/admin/reports", s.facilityReportPage, public, nil),
		on("GET", "/dinkes", s.districtReportPage, public, nil),
	}
}

// maxReportDays is the longest period of a facility report.
const maxReportDays = 92

// reportDates is a facility report's ?from= and ?to= as given; they are read
// against the facility's today (reportPeriod).
type reportDates struct{ from, to string }

func reportDatesQuery(c echo.Context) reportDates {
	return reportDates{c.QueryParam("from"), c.QueryParam("to")}
}

// reportPeriod reads p (default: this month up to today) as service dates,
// midnight UTC.
func reportPeriod(p reportDates, today time.Time) (time.Time, time.Time, error) {
	from := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	to := today
	var err error
	if p.from != "" {
		if from, err = time.Parse(time.DateOnly, p.from); err != nil {
			return from, to, fault.Invalid("from", "Tanggal awal harus yyyy-mm-dd.")
		}
	}
	if p.to != "" {
		if to, err = time.Parse(time.DateOnly, p.to); err != nil {
			return from, to, fault.Invalid("to", "Tanggal akhir harus yyyy-mm-dd.")
		}
	}
	if to.Before(from) {
		return from, to, fault.Invalid("to", "Tanggal akhir sebelum tanggal awal.")
	}
	if to.Sub(from) > maxReportDays*24*time.Hour {
		return from, to, fault.Invalid("from", fmt.Sprintf("Periode paling lama %d hari.", maxReportDays))
	}
	return from, to, nil
}

// reportMonth reads ?month= (yyyy-mm, default the current one in WIB) as
// its first day, midnight UTC.
func reportMonth(c echo.Context, now time.Time) (time.Time, error) {
	v := c.QueryParam("month")
	if v == "" {
		y, m, _ := now.In(analytics.Jakarta).Date()
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC), nil
	}
	m, err := time.Parse("2006-01", v)
	if err != nil {
		return m, fault.Invalid("month", "Bulan harus yyyy-mm.")
	}
	return m, nil
}

// reportLang is the language of an API answer: ?lang=, then the cookie
// the pages set; it sets no cookie itself.
func (s *Server) reportLang(c echo.Context) string {
	if l := c.QueryParam("lang"); l == "en" || l == "id" {
		return l
	}
	if ck, err := c.Cookie("lang"); err == nil && ck.Value == "en" {
		return "en"
	}
	return "id"
}

func (s *Server) facilityReportJSON(c echo.Context) error {
	r, err := s.facilityReportOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, reportJSON(r))
}

func (s *Server) facilityReportTable(c echo.Context) error {
	r, err := s.facilityReportOf(c)
	if err != nil {
		return err
	}
	return sendTable(c, r, "antrian-"+r.Scope)
}

func (s *Server) districtReportJSON(c echo.Context) error {
	r, err := s.districtReportOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, reportJSON(r))
}

func (s *Server) districtReportTable(c echo.Context) error {
	r, err := s.districtReportOf(c)
	if err != nil {
		return err
	}
	if c.Param("table") == "all" && c.QueryParam("format") == "xlsx" {
		// The month's workbook carries the district map too.
		month, _ := time.Parse(time.DateOnly, r.From)
		scheme := "http"
		if s.https(c) {
			scheme = "https"
		}
		if r.Pictures, err = s.mapPictures(c.Request().Context(), month, s.reportLang(c), scheme+"://"+c.Request().Host); err != nil {
			return err
		}
	}
	return sendTable(c, r, "antrian-kabupaten")
}

// facilityReportOf is the report a facility report route asks for.
func (s *Server) facilityReportOf(c echo.Context) (*analytics.Report, error) {
	return s.facilityReport(c.Request().Context(), c.Param("facility"), reportDatesQuery(c), s.reportLang(c))
}

// districtReportOf is the report a district report route asks for.
func (s *Server) districtReportOf(c echo.Context) (*analytics.Report, error) {
	month, err := reportMonth(c, s.now())
	if err != nil {
		return nil, err
	}
	return s.districtReport(c.Request().Context(), month, s.reportLang(c))
}

// reportJSON is a report as JSON: each table as rows of objects would lose
// the column order, so columns and rows are given as the page shows them.
func reportJSON(r *analytics.Report) map[string]any {
	tables := map[string]any{}
	for _, t := range r.Tables {
		tables[t.Name] = tableJSON(t)
	}
	return map[string]any{"scope": r.Scope, "from": r.From, "to": r.To, "tables": tables}
}

func tableJSON(t analytics.Table) map[string]any {
	rows := make([][]any, len(t.Rows))
	for i, row := range t.Rows {
		rows[i] = make([]any, len(row))
		for j, v := range row {
			if f, ok := v.(float64); ok && math.IsNaN(f) {
				v = nil
			}
			rows[i][j] = v
		}
	}
	return map[string]any{"name": t.Name, "title": t.Title, "columns": t.Columns, "rows": rows}
}

// sendTable answers one table (:table, or "all" for XLSX) in ?format=
// json (default), csv or xlsx, as a download.
func sendTable(c echo.Context, r *analytics.Report, stem string) error {
	name := c.Param("table")
	tables := r.Tables
	if name != "all" {
		t, ok := r.Table(name)
		if !ok {
			return errNotFound
		}
		tables = []analytics.Table{t}
	}
	file := stem + "-" + name + "-" + r.From + "-" + r.To
	c.Response().Header().Set("Cache-Control", "no-store")
	var buf bytes.Buffer
	switch c.QueryParam("format") {
	case "", "json":
		if len(tables) != 1 {
			return c.JSON(http.StatusOK, reportJSON(r))
		}
		return c.JSON(http.StatusOK, tableJSON(tables[0]))
	case "csv":
		if len(tables) != 1 {
			return fault.Invalid("format", "CSV memuat satu tabel; pilih tabelnya atau format xlsx.")
		}
		buf.WriteString("\ufeff") // so that spreadsheets read UTF-8
		if err := tables[0].WriteCSV(&buf); err != nil {
			return err
		}
		return download(c, file+".csv", "text/csv; charset=utf-8", buf.Bytes())
	case "xlsx":
		var pictures []analytics.Picture
		if name == "all" {
			pictures = r.Pictures
		}
		if err := analytics.WriteWorkbook(&buf, tables, pictures); err != nil {
			return err
		}
		return download(c, file+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
	}
	return fault.Invalid("format", "Format harus json, csv atau xlsx.")
}

// download answers body as a file to save.
func download(c echo.Context, name, ctype string, body []byte) error {
	c.Response().Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	return c.Blob(http.StatusOK, ctype, body)
}
