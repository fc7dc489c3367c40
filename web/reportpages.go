package web

import (
	"bytes"
	"errors"
	"html/template"
	"net/url"
	"sync"

	"github.com/antrian/antrian/analytics"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/postgres"
	"github.com/labstack/echo/v4"
)

// reportPageData is what the dashboard templates see.
type reportPageData struct {
	pageData
	User     *userJSON
	Forbid   bool
	Error    string
	Scope    string
	Choices  []postgres.AnalyticsFacility // facilities a district account may pick
	From, To string
	Month    string
	Report   *analytics.Report
	Tables   []tableView
	Charts   map[string]template.HTML
	Export   string       // base path of the exports
	Query    template.URL // the period, for export links (query-encoded)
	Now      string
	Map      *mapView // the district map (web/mapdata.go)
}

// tableView is a table as the page renders it.
type tableView struct {
	analytics.Table
	Cells [][]string
	CSV   string
	XLSX  string
}

var reportPages = sync.OnceValue(func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"reports", "dinkes"} {
		base := template.Must(template.New("base.html").Funcs(template.FuncMap{
			"asset": assetURL,
			"t":     func(key string) string { return key }, // replaced per request by the page's language
		}).ParseFS(templateFS, "templates/base.html"))
		out[name] = template.Must(base.ParseFS(templateFS, "templates/report-parts.html", "templates/"+name+".html"))
	}
	return out
})

// facilityReportPage is the facility dashboard. A facility's admin sees
// their own; a district admin picks any (?facility=, default the first).
func (s *Server) facilityReportPage(c echo.Context) error {
	p := reportPageData{}
	u, ok := currentUser(c)
	if !ok {
		return s.renderReport(c, "reports", p)
	}
	p.User = &userJSON{Username: u.Username, Role: string(u.Role), Facility: u.Facility}
	code := u.Facility
	if code == "" {
		code = c.QueryParam("facility")
		fs, err := s.db.AnalyticsFacilities(c.Request().Context(), "")
		if err != nil {
			return err
		}
		p.Choices = fs
		if code == "" && len(fs) > 0 && facilityReports.allows(u, fs[0].Code, "") {
			code = fs[0].Code
		}
	}
	if !facilityReports.allows(u, code, "") {
		p.Forbid = true
		return s.renderReport(c, "reports", p)
	}
	r, err := s.facilityReport(c.Request().Context(), code, reportDatesQuery(c), s.lang(c))
	if msg, ok := pageError(err); ok {
		p.Error = msg
		return s.renderReport(c, "reports", p)
	}
	if err != nil {
		return err
	}
	p.Report, p.Scope, p.From, p.To = r, code, r.From, r.To
	p.Export = "/api/v1/facilities/" + code + "/reports"
	p.Query = template.URL(url.Values{"from": {r.From}, "to": {r.To}}.Encode())
	return s.renderReport(c, "reports", p)
}

// districtReportPage is the district dashboard, for dinkes and district
// admins.
func (s *Server) districtReportPage(c echo.Context) error {
	p := reportPageData{}
	u, ok := currentUser(c)
	if !ok {
		return s.renderReport(c, "dinkes", p)
	}
	p.User = &userJSON{Username: u.Username, Role: string(u.Role), Facility: u.Facility}
	if !districtReports.allows(u, u.Facility, "") {
		p.Forbid = true
		return s.renderReport(c, "dinkes", p)
	}
	lang := s.lang(c)
	month, err := reportMonth(c, s.now())
	var r *analytics.Report
	if err == nil {
		r, err = s.districtReport(c.Request().Context(), month, lang)
	}
	var layer mapLayer
	if err == nil {
		layer, err = parseLayer(c.QueryParam("map"))
	}
	if err == nil {
		p.Map, err = s.pageMap(c.Request().Context(), month, layer, lang)
	}
	if msg, ok := pageError(err); ok {
		p.Error = msg
		return s.renderReport(c, "dinkes", p)
	}
	if err != nil {
		return err
	}
	p.Report, p.From, p.To, p.Month = r, r.From, r.To, r.From[:7]
	p.Export = "/api/v1/district/reports"
	p.Query = template.URL(url.Values{"month": {p.Month}}.Encode())
	p.Now = s.now().In(analytics.Jakarta).Format("02-01-2006 15:04") + " WIB"
	return s.renderReport(c, "dinkes", p)
}

// pageError is the message a dashboard shows in place of a report it
// cannot make from the request (a wrong period or month); ok is false for
// any other error, which the error handler answers.
func pageError(err error) (msg string, ok bool) {
	if !errors.Is(err, fault.ErrInvalid) {
		return "", false
	}
	return apiErrorOf(err).Message, true
}

// renderReport renders a dashboard page in the caller's language.
func (s *Server) renderReport(c echo.Context, name string, p reportPageData) error {
	lang := s.lang(c)
	p.Lang, p.Page = lang, name
	p.Other = "en"
	if lang == "en" {
		p.Other = "id"
	}
	p.Title = tr(lang, "title."+name)
	p.Styles = []string{"app.css", "reports.css"}
	p.Scripts = []string{"reports.js"}
	p.Strings = map[string]string{}
	if p.Report != nil {
		p.Charts = map[string]template.HTML{}
		for k, v := range p.Report.Charts {
			p.Charts[k] = template.HTML(v) // drawn by package analytics, every text escaped
		}
		for _, t := range p.Report.Tables {
			p.Tables = append(p.Tables, viewTable(t, p.Export, string(p.Query)))
		}
	}
	tmpl, err := reportPages()[name].Clone()
	if err != nil {
		return err
	}
	tmpl.Funcs(template.FuncMap{"t": func(key string) string { return tr(lang, key) }})
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "base.html", p); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", lang)
	return writeMaybeGzip(c, "text/html; charset=utf-8", buf.Bytes(), nil)
}

// viewTable is t with its cells as the page shows them and its export
// links.
func viewTable(t analytics.Table, export, query string) tableView {
	v := tableView{Table: t, CSV: export + "/" + t.Name + "?format=csv&" + query,
		XLSX: export + "/" + t.Name + "?format=xlsx&" + query}
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, x := range row {
			cells[i] = analytics.Cell(x)
			if f, ok := x.(float64); ok {
				cells[i] = analytics.Number(f)
			}
		}
		v.Cells = append(v.Cells, cells)
	}
	return v
}
