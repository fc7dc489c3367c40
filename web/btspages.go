package web

// The BTS pages: the cadre's phone page (/kader), and the pages of the
// Puskesmas's nutritionist and of the Dinas Kesehatan (/bts/verifikasi,
// /bts/sasaran, /bts/laporan). They are server-rendered through the page
// mechanism of pages.go (templates/bts-*.html) and readable without
// JavaScript; small modules (static/bts-*.js) send the few actions to the
// API. The handlers give codes, numbers and dates; the templates say them
// in the page's language from the messages catalogue.

import (
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/fault"
	"github.com/labstack/echo/v4"
)

// rupiah writes an amount the Indonesian way, thousands apart with dots:
// 15000 -> "15.000".
func rupiah(v int) string {
	s := strconv.Itoa(v)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// btsPage is what every BTS page shares.
type btsPage struct {
	pageData
	Path    string    // the page's own path, for its forms and links
	Heading string    // the message key of its heading (its title by default)
	User    *userJSON // nil: nobody signed in, and the page shows the login form
	Forbid  bool      // signed in, but not allowed to use the page
}

func (p *btsPage) bts() *btsPage { return p }

// btsPageOf is what renderBTS takes: a BTS page's own data, which embeds
// btsPage.
type btsPageOf interface {
	pageOf
	bts() *btsPage
}

// signIn puts the signed-in caller, if any, on the page.
func (p *btsPage) signIn(c echo.Context) (account.User, bool) {
	u, ok := currentUser(c)
	if ok {
		p.User = &userJSON{Username: u.Username, Role: string(u.Role), Facility: u.Facility}
	}
	return u, ok
}

// renderBTS writes BTS page name (templates/name.html, with the script
// static/name.js and the style sheet bts.css). The pages hold personal
// data: caches never keep them.
func (s *Server) renderBTS(c echo.Context, name string, d btsPageOf) error {
	p := d.bts()
	p.Title, p.Scripts, p.Styles = "title."+name, []string{name + ".js"}, []string{"bts.css"}
	if p.Heading == "" {
		p.Heading = p.Title
	}
	if p.User != nil {
		p.CSRF, _ = c.Get(csrfKey).(string)
	}
	return s.render(c, name, d, "no-store")
}

type kaderPage struct {
	btsPage
	Facility string
	Today    string
	Synced   string // when the page was rendered (RFC 3339): its list's last sync
	Targets  []enrolmentJSON
	Items    []bts.ItemKind
	Recent   []deliveryJSON
}

// btsKaderPage is the cadre's phone page: a login form, or the day's
// report form with the targets and the latest reports.
func (s *Server) btsKaderPage(c echo.Context) error {
	p := kaderPage{btsPage: btsPage{Path: "/kader"}, Items: bts.ItemKinds}
	p.Manifest, p.ThemeColor = "/kader/manifest.webmanifest", kaderTheme
	u, ok := p.signIn(c)
	if !ok {
		return s.renderBTS(c, "bts-kader", &p)
	}
	p.Facility = u.Facility
	if !u.Can(account.PermBTSReport, u.Facility, "") || u.Facility == "" {
		p.Forbid = true
		return s.renderBTS(c, "bts-kader", &p)
	}
	ctx := c.Request().Context()
	f, today, err := s.facilityToday(ctx, u.Facility)
	if err != nil {
		return err
	}
	p.Today = dateString(today)
	es, err := s.db.Enrolments(ctx, u.Facility, 0, today, today)
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.ActiveOn(today) && (u.Role != account.Kader || e.CadreID == 0 || e.CadreID == u.ID) {
			p.Targets = append(p.Targets, toEnrolmentJSON(e))
		}
	}
	var cadre int64
	if u.Role == account.Kader {
		cadre = u.ID
	}
	ds, err := s.db.Deliveries(ctx, u.Facility, cadre, "", today.AddDate(0, 0, -6), today)
	if err != nil {
		return err
	}
	for _, d := range ds {
		p.Recent = append(p.Recent, toDeliveryJSON(d, f.Location, false))
	}
	p.Synced = s.now().UTC().Format(time.RFC3339)
	// This answer, and only it, is the page the service worker keeps for
	// offline use (web/btspwa.go).
	c.Response().Header().Set(offlineShellHeader, "kader")
	return s.renderBTS(c, "bts-kader", &p)
}

type reportPage struct {
	btsPage
	From, To   string
	Scope      string
	Level      bts.Level
	Levels     []bts.Level
	AgeGroups  []bts.AgeGroup
	Rows       []bts.PrevalenceRow
	Compliance bts.Compliance
	Query      template.URL // the report's period and scope, query-encoded, for its links
}

// btsReportPage shows the Dinas Kesehatan the prevalence and compliance
// tables (server-rendered, readable without JavaScript), with links to the
// JSON, the case lists and the export.
func (s *Server) btsReportPage(c echo.Context) error {
	p := reportPage{btsPage: btsPage{Path: "/bts/laporan", Heading: "bts.r.heading"}, AgeGroups: bts.AgeGroups,
		Levels: []bts.Level{bts.LevelDesa, bts.LevelFacility, bts.LevelKecamatan, bts.LevelDistrict}}
	u, ok := p.signIn(c)
	if !ok {
		return s.renderBTS(c, "bts-laporan", &p)
	}
	level, err := bts.ParseLevel(c.QueryParam("by"))
	if err != nil {
		return err
	}
	if !u.Can(account.PermBTSRead, u.Facility, "") { // this page is public: the API's rule is checked here
		p.Forbid = true
		return s.renderBTS(c, "bts-laporan", &p)
	}
	q, err := reportQuery(c)
	if err != nil {
		return err
	}
	prevalence, err := s.bts.Prevalence(c.Request().Context(), q, level)
	if err != nil {
		return err
	}
	if p.Compliance, err = s.bts.Compliance(c.Request().Context(), q); err != nil {
		return err
	}
	p.Level, p.Scope, p.From, p.To = level, prevalence.Facility, dateString(prevalence.From), dateString(prevalence.To)
	p.Rows = prevalence.Rows
	p.Query = template.URL(url.Values{"from": {p.From}, "to": {p.To}, "facility": {p.Scope}}.Encode())
	return s.renderBTS(c, "bts-laporan", &p)
}

// staffPage is what the pages of a facility's BTS staff (/bts/verifikasi,
// /bts/sasaran) share: the facility shown (a district admin picks one) and
// the page's message.
type staffPage struct {
	btsPage
	Error      string             // the key of the page's message, if any
	Facility   string             // the facility shown ("" until a district admin picks one)
	Name       string             // its name
	Facilities []facilityListItem // the district admin's choice
}

// staffFacility fills p for the caller of a page for the facility's staff
// (btsRecord). It returns the facility and its today when the page has one
// to show, and ok false when the page is to be rendered as p stands: the
// login form, not allowed, a district admin still to choose, or an unknown
// facility.
func (s *Server) staffFacility(c echo.Context, p *staffPage) (f bts.Facility, today time.Time, ok bool, err error) {
	u, signedIn := p.signIn(c)
	if !signedIn {
		return f, today, false, nil
	}
	p.Facility = u.Facility
	if p.Facility == "" {
		p.Facility = strings.TrimSpace(c.QueryParam("facility"))
	}
	if !u.Can(account.PermBTSManage, p.Facility, "") {
		p.Forbid = true // cadres report and the Dinas Kesehatan reads: neither manages
		return f, today, false, nil
	}
	ctx := c.Request().Context()
	if u.Facility == "" {
		fs, err := s.db.Facilities(ctx)
		if err != nil {
			return f, today, false, err
		}
		for _, f := range fs {
			p.Facilities = append(p.Facilities, facilityListItem{f.Code, f.Name})
		}
		if p.Facility == "" {
			return f, today, false, nil
		}
	}
	f, today, err = s.facilityToday(ctx, p.Facility)
	if errors.Is(err, fault.ErrNotFound) {
		p.Error, p.Facility = "bts.err.facility", ""
		return f, today, false, nil
	}
	if err != nil {
		return f, today, false, err
	}
	p.Name = f.Name
	return f, today, true, nil
}

// verifyPage is the nutritionist's review page: the facility's delivery
// reports with their photos and the photos' EXIF.
type verifyPage struct {
	staffPage
	Status   string // pending, verified, rejected or all
	From, To string
	Reports  []verifyItem
	Pending  int
}

// verifyItem is one report as the review page shows it.
type verifyItem struct {
	deliveryJSON
	Target  string
	TakenAt string // the EXIF capture time, readable
	GPS     string // the EXIF position, "lat, lon"
	Warning *photoWarning
}

// verifyWindow is how far back the review page looks by default: reports
// may arrive bts.MaxLateDays late and then wait for review.
const verifyWindow = 2 * bts.MaxLateDays

// photoWarning says why a report's photo needs a closer look: Key is the
// message, which may name the capture day (Taken) and how many days it is
// from the delivery (Days).
type photoWarning struct {
	Key   string
	Taken string
	Days  int
}

// toPhotoWarning names the page's message for w.
func toPhotoWarning(w *bts.PhotoWarning) *photoWarning {
	if w == nil {
		return nil
	}
	pw := &photoWarning{Key: "bts.v.warn." + w.Kind, Days: w.Days}
	if !w.Taken.IsZero() {
		pw.Taken = dateString(w.Taken)
	}
	return pw
}

// btsVerifyPage lists a facility's delivery reports for the nutritionist to
// verify or reject (the buttons call the review API). Staff and admins of a
// facility see their own; a district admin picks the facility (?facility=).
// Filters: ?status= (pending by default, or verified, rejected, all),
// ?from= and ?to=.
func (s *Server) btsVerifyPage(c echo.Context) error {
	p := verifyPage{staffPage: staffPage{btsPage: btsPage{Path: "/bts/verifikasi"}}}
	f, today, ok, err := s.staffFacility(c, &p.staffPage)
	if err != nil {
		return err
	}
	if !ok {
		return s.renderBTS(c, "bts-verifikasi", &p)
	}
	switch p.Status = c.QueryParam("status"); bts.Status(p.Status) {
	case bts.Pending, bts.Verified, bts.Rejected:
	default:
		if p.Status != "all" {
			p.Status = string(bts.Pending)
		}
	}
	from, err1 := bts.ParseDate("from", c.QueryParam("from"))
	to, err2 := bts.ParseDate("to", c.QueryParam("to"))
	if err1 != nil || err2 != nil {
		p.Error = "bts.err.dates"
		from, to = time.Time{}, time.Time{}
	}
	if to.IsZero() {
		to = today
	}
	if from.IsZero() || from.After(to) {
		from = to.AddDate(0, 0, -verifyWindow)
	}
	p.From, p.To = dateString(from), dateString(to)
	if err := s.verifyReports(c, &p, f, from, to); err != nil {
		return err
	}
	return s.renderBTS(c, "bts-verifikasi", &p)
}

// verifyReports puts on p the facility's reports of the days from..to
// with p.Status, each with its target's name and its photo's EXIF.
func (s *Server) verifyReports(c echo.Context, p *verifyPage, f bts.Facility, from, to time.Time) error {
	ctx := c.Request().Context()
	status := bts.Status(p.Status)
	if p.Status == "all" {
		status = ""
	}
	// One query: each report comes with its target's name.
	ds, err := s.db.Deliveries(ctx, p.Facility, 0, status, from, to)
	if err != nil {
		return err
	}
	for _, d := range ds {
		it := verifyItem{deliveryJSON: toDeliveryJSON(d, f.Location, true), Target: d.TargetName}
		it.TakenAt = strings.Replace(d.Photo.Meta.TakenAt, "T", " ", 1)
		it.Warning = toPhotoWarning(d.PhotoWarning())
		if m := d.Photo.Meta; m.Lat != nil && m.Lon != nil {
			it.GPS = fmt.Sprintf("%.5f, %.5f", *m.Lat, *m.Lon)
		}
		if d.Status == bts.Pending {
			p.Pending++
		}
		p.Reports = append(p.Reports, it)
	}
	return nil
}

// targetsPage is /bts/sasaran: a facility's enrolled targets, and ending an
// enrolment early.
type targetsPage struct {
	staffPage
	Show    string // "aktif" (default) or "semua"
	Today   string
	Targets []targetItem
	Active  int
	Reasons []string // message keys of the suggestions for the exit reason
}

// targetItem is one enrolment as the targets page shows it.
type targetItem struct {
	enrolmentJSON
	State string // active, exited, ended or future
	// The exit form's day: its default and range (an enrolment not started
	// yet can only leave on its start day).
	ExitDay, ExitMin, ExitMax string
}

// exitReasons are the usual reasons for leaving early (message keys),
// offered as suggestions; staff may write another.
var exitReasons = []string{"bts.s.why.recovered", "bts.s.why.moved", "bts.s.why.declined", "bts.s.why.died", "bts.s.why.born"}

// btsTargetsPage lists a facility's enrolled targets (those running today,
// or ?show=semua for every enrolment) with their cadre and allowance, and
// lets the facility's staff end one early (the form calls the exit API).
func (s *Server) btsTargetsPage(c echo.Context) error {
	p := targetsPage{staffPage: staffPage{btsPage: btsPage{Path: "/bts/sasaran"}}, Reasons: exitReasons}
	_, today, ok, err := s.staffFacility(c, &p.staffPage)
	if err != nil {
		return err
	}
	if !ok {
		return s.renderBTS(c, "bts-sasaran", &p)
	}
	p.Show, p.Today = c.QueryParam("show"), dateString(today)
	from, to := today, today
	if p.Show != "semua" {
		p.Show = "aktif"
	} else {
		from, to = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	ctx := c.Request().Context()
	es, err := s.db.Enrolments(ctx, p.Facility, 0, from, to)
	if err != nil {
		return err
	}
	desas, _, err := s.db.Desas(ctx, p.Facility)
	if err != nil {
		return err
	}
	desaName := map[string]string{}
	for _, d := range desas {
		desaName[d.Code] = d.Name
	}
	for _, e := range es {
		it := targetItem{enrolmentJSON: toEnrolmentJSON(e), State: enrolmentState(e, today)}
		if name := desaName[e.Desa]; name != "" {
			it.Desa = name // a desa of another Puskesmas's area keeps its code
		}
		switch it.State {
		case "future":
			it.ExitDay, it.ExitMin, it.ExitMax = it.Start, it.Start, it.Start
		case "active":
			it.ExitDay, it.ExitMin, it.ExitMax = p.Today, it.Start, p.Today
			p.Active++
		}
		if p.Show == "aktif" && it.State != "active" {
			continue
		}
		p.Targets = append(p.Targets, it)
	}
	return s.renderBTS(c, "bts-sasaran", &p)
}

// enrolmentState is where an enrolment stands on today: exited (left
// early; a future enrolment that left never starts), ended, future or
// active.
func enrolmentState(e bts.Enrolment, today time.Time) string {
	switch {
	case !e.ExitedOn.IsZero():
		return "exited"
	case e.End.Before(today):
		return "ended"
	case e.Start.After(today):
		return "future"
	}
	return "active"
}

// consoleRules are the rules of BTS that the console's BTS sections
// follow (static/bts-console.js), sent as the console page's data so that
// no script keeps a copy of them.
var consoleRules = btsRules{ChildUnits: bts.ChildUnits, PregnancyUnits: bts.PregnancyUnits,
	EnrolDays: bts.DefaultDays, AllowanceRp: bts.DefaultAllowanceRp, StandingFromDays: bts.StandingFromDays,
	TermDays: bts.TermDays, MaxGestationDays: bts.MaxGestationDays, Risks: risksJSON()}

// btsRules is consoleRules as the console's script reads it.
type btsRules struct {
	ChildUnits       []string   `json:"child_units"`     // the units whose staff measure children
	PregnancyUnits   []string   `json:"pregnancy_units"` // the units whose staff see pregnant women
	EnrolDays        int        `json:"enrol_days"`      // an enrolment's length unless set (bts.Enrolment.Normalize)
	AllowanceRp      int        `json:"allowance_rp"`    // its daily allowance unless set
	StandingFromDays int        `json:"standing_from_days"`
	TermDays         int        `json:"term_days"`
	MaxGestationDays int        `json:"max_gestation_days"` // how far back an HPHT may be
	Risks            []riskJSON `json:"risks"`
}

// riskJSON is a bumil-risti criterion: pages say a reason of a suggestion
// with the message con.p.why.<code> when its text is a known one, and
// offer the recorded ones as choices (con.p.risk.<code>).
type riskJSON struct {
	Code     string `json:"code"`
	Text     string `json:"text"`
	Recorded bool   `json:"recorded"`
}

func risksJSON() []riskJSON {
	out := make([]riskJSON, 0, len(bts.Risks))
	for _, r := range bts.Risks {
		out = append(out, riskJSON{string(r.Code), r.Text, r.Recorded})
	}
	return out
}
