package web

// The BTS pages: the cadre's phone page and the nutritionist's pages.

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/fault"
	"github.com/labstack/echo/v4"
)

//go:embed bts/*.html bts/*.js bts/*.css
var btsFS embed.FS

var btsPages = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"asset": btsAssetURL,
		"rp":    rupiah,
	}).ParseFS(btsFS, "bts/*.html"))
})

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

// btsAssetVersion is a hash of the BTS assets, put in their URLs so that
// they can be cached for good.
var btsAssetVersion = sync.OnceValue(func() string {
	h := sha256.New()
	for _, name := range []string{"kader.js", "laporan.js", "verifikasi.js", "sasaran.js", "session.js", "bts.css"} {
		b, _ := btsFS.ReadFile("bts/" + name)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
})

func btsAssetURL(name string) string { return "/bts/static/" + name + "?v=" + btsAssetVersion() }

func (s *Server) btsStatic(c echo.Context) error {
	name := c.Param("name")
	b, err := btsFS.ReadFile("bts/" + name)
	if err != nil || strings.Contains(name, "/") || path.Ext(name) == ".html" {
		return errNotFound
	}
	ct := "text/css; charset=utf-8"
	if path.Ext(name) == ".js" {
		ct = "text/javascript; charset=utf-8"
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, ct, b)
}

func (s *Server) renderBTS(c echo.Context, name string, data any) error {
	var buf bytes.Buffer
	if err := btsPages().ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

type kaderPage struct {
	User     *userJSON
	CSRF     string
	Today    string
	Targets  []enrolmentJSON
	Items    []bts.ItemKind
	Recent   []deliveryJSON
	Forbid   bool
	Facility string
}

// btsKaderPage is the cadre's phone page: a login form, or the day's
// report form with the targets and the latest reports.
func (s *Server) btsKaderPage(c echo.Context) error {
	p := kaderPage{Items: bts.ItemKinds}
	u, ok := currentUser(c)
	if !ok {
		return s.renderBTS(c, "kader.html", p)
	}
	p.User = &userJSON{Username: u.Username, Role: string(u.Role), Facility: u.Facility}
	p.CSRF, _ = c.Get("antrian.csrf").(string)
	p.Facility = u.Facility
	if !u.Can(account.PermBTSReport, u.Facility, "") || u.Facility == "" {
		p.Forbid = true
		return s.renderBTS(c, "kader.html", p)
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
	return s.renderBTS(c, "kader.html", p)
}

type reportPage struct {
	User       *userJSON
	Forbid     bool
	From, To   string
	Scope      string
	Level      bts.Level
	Levels     []bts.Level
	AgeGroups  []bts.AgeGroup
	Rows       []bts.PrevalenceRow
	Compliance bts.Compliance
	Query      string
}

// btsReportPage shows the Dinas Kesehatan the prevalence and compliance
// tables (server-rendered, readable without JavaScript), with links to the
// JSON, the case lists and the export.
func (s *Server) btsReportPage(c echo.Context) error {
	p := reportPage{AgeGroups: bts.AgeGroups,
		Levels: []bts.Level{bts.LevelDesa, bts.LevelFacility, bts.LevelKecamatan, bts.LevelDistrict}}
	u, ok := currentUser(c)
	if !ok {
		return s.renderBTS(c, "laporan.html", p)
	}
	p.User = &userJSON{Username: u.Username, Role: string(u.Role), Facility: u.Facility}
	level, err := bts.ParseLevel(c.QueryParam("by"))
	if err != nil {
		return err
	}
	if !u.Can(account.PermBTSRead, u.Facility, "") { // this page is public: the API's rule is checked here
		p.Forbid = true
		return s.renderBTS(c, "laporan.html", p)
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
	p.Query = "from=" + p.From + "&to=" + p.To + "&facility=" + p.Scope
	return s.renderBTS(c, "laporan.html", p)
}

// verifyPage is the nutritionist's review page: the facility's delivery
// reports with their photos and the photos' EXIF.
// staffPage is what the pages of a facility's BTS staff (/bts/verifikasi,
// /bts/sasaran) share: the signed-in user, the facility shown (a district
// admin picks one) and the page's message.
type staffPage struct {
	Path       string // the page's own path, for its forms
	User       *userJSON
	CSRF       string
	Forbid     bool
	Error      string
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
	u, signedIn := currentUser(c)
	if !signedIn {
		return f, today, false, nil
	}
	p.User = &userJSON{Username: u.Username, Role: string(u.Role), Facility: u.Facility}
	p.CSRF, _ = c.Get("antrian.csrf").(string)
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
		p.Error, p.Facility = "Puskesmas tidak ditemukan. Pilih dari daftar.", ""
		return f, today, false, nil
	}
	if err != nil {
		return f, today, false, err
	}
	p.Name = f.Name
	return f, today, true, nil
}

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
	Target      string
	Consumed    string
	TakenAt     string // the EXIF capture time, readable
	GPS         string // the EXIF position, "lat, lon"
	Warning     string // why the photo needs a closer look, if it does
	StatusLabel string
}

// verifyWindow is how far back the review page looks by default: reports
// may arrive bts.MaxLateDays late and then wait for review.
const verifyWindow = 2 * bts.MaxLateDays

var (
	consumedLabel = map[string]string{"habis": "Habis", "sisa": "Sisa", "tidak_dimakan": "Tidak dimakan"}
	statusLabel   = map[string]string{"pending": "Menunggu verifikasi", "verified": "Terverifikasi", "rejected": "Ditolak"}
)

// btsVerifyPage lists a facility's delivery reports for the nutritionist to
// verify or reject (the buttons call the review API). Staff and admins of a
// facility see their own; a district admin picks the facility (?facility=).
// Filters: ?status= (pending by default, or verified, rejected, all),
// ?from= and ?to=.
func (s *Server) btsVerifyPage(c echo.Context) error {
	p := verifyPage{staffPage: staffPage{Path: "/bts/verifikasi"}}
	f, today, ok, err := s.staffFacility(c, &p.staffPage)
	if err != nil {
		return err
	}
	if !ok {
		return s.renderBTS(c, "verifikasi.html", p)
	}
	ctx := c.Request().Context()
	p.Status = c.QueryParam("status")
	if _, ok := statusLabel[p.Status]; !ok && p.Status != "all" {
		p.Status = string(bts.Pending)
	}
	from, err1 := bts.ParseDate("from", c.QueryParam("from"))
	to, err2 := bts.ParseDate("to", c.QueryParam("to"))
	if err1 != nil || err2 != nil {
		p.Error = "Tanggal harus berbentuk yyyy-mm-dd; periode bawaan dipakai."
		from, to = time.Time{}, time.Time{}
	}
	if to.IsZero() {
		to = today
	}
	if from.IsZero() || from.After(to) {
		from = to.AddDate(0, 0, -verifyWindow)
	}
	p.From, p.To = dateString(from), dateString(to)
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
		it := verifyItem{deliveryJSON: toDeliveryJSON(d, f.Location, true), Target: d.TargetName,
			Consumed: consumedLabel[string(d.Consumption)], StatusLabel: statusLabel[string(d.Status)]}
		it.TakenAt = strings.Replace(d.Photo.Meta.TakenAt, "T", " ", 1)
		it.Warning = d.PhotoWarning()
		if m := d.Photo.Meta; m.Lat != nil && m.Lon != nil {
			it.GPS = fmt.Sprintf("%.5f, %.5f", *m.Lat, *m.Lon)
		}
		if d.Status == bts.Pending {
			p.Pending++
		}
		p.Reports = append(p.Reports, it)
	}
	return s.renderBTS(c, "verifikasi.html", p)
}

// targetsPage is /bts/sasaran: a facility's enrolled targets, and ending an
// enrolment early.
type targetsPage struct {
	staffPage
	Show    string // "aktif" (default) or "semua"
	Today   string
	Targets []targetItem
	Active  int
	Reasons []string // suggestions for the exit reason
}

// targetItem is one enrolment as the targets page shows it.
type targetItem struct {
	enrolmentJSON
	Type       string // readable target type
	State      string // active, exited, ended or future
	StateLabel string
	// The exit form's day: its default and range (an enrolment not started
	// yet can only leave on its start day).
	ExitDay, ExitMin, ExitMax string
}

var targetTypeLabel = map[bts.TargetType]string{bts.Baduta: "Baduta", bts.Balita: "Balita", bts.BumilRisti: "Ibu hamil risti"}

// exitReasons are the usual reasons for leaving early, offered as
// suggestions; staff may write another.
var exitReasons = []string{"Sudah tidak stunting", "Pindah domisili", "Keluarga menolak", "Meninggal dunia", "Sudah melahirkan"}

// btsTargetsPage lists a facility's enrolled targets (those running today,
// or ?show=semua for every enrolment) with their cadre and allowance, and
// lets the facility's staff end one early (the form calls the exit API).
func (s *Server) btsTargetsPage(c echo.Context) error {
	p := targetsPage{staffPage: staffPage{Path: "/bts/sasaran"}, Reasons: exitReasons}
	_, today, ok, err := s.staffFacility(c, &p.staffPage)
	if err != nil {
		return err
	}
	if !ok {
		return s.renderBTS(c, "sasaran.html", p)
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
		it := targetItem{enrolmentJSON: toEnrolmentJSON(e), Type: targetTypeLabel[e.Target]}
		if name := desaName[e.Desa]; name != "" {
			it.Desa = name // a desa of another Puskesmas's area keeps its code
		}
		switch {
		case !e.ExitedOn.IsZero(): // a future enrolment that left never starts
			it.State, it.StateLabel = "exited", "Keluar sejak "+dateString(e.ExitedOn)+" ("+e.ExitReason+")"
		case e.End.Before(today):
			it.State, it.StateLabel = "ended", "Selesai "+dateString(e.End)
		case e.Start.After(today):
			it.State, it.StateLabel = "future", "Mulai "+dateString(e.Start)
			it.ExitDay, it.ExitMin, it.ExitMax = it.Start, it.Start, it.Start
		default:
			it.State, it.StateLabel = "active", "Aktif"
			it.ExitDay, it.ExitMin, it.ExitMax = p.Today, it.Start, p.Today
			p.Active++
		}
		if p.Show == "aktif" && it.State != "active" {
			continue
		}
		p.Targets = append(p.Targets, it)
	}
	return s.renderBTS(c, "sasaran.html", p)
}
