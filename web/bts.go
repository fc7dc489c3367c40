package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/analytics"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/postgres"
	"github.com/labstack/echo/v4"
)

// The BTS (Banyuwangi Tanggap Stunting) routes: the registry of children and
// pregnant women, measurements (optionally linked to a queue ticket),
// enrolment, the cadres' daily delivery reports with photos, the Dinas
// Kesehatan's reports. The BTS pages are in btspages.go.

// btsUploadRoute is the one route whose body may carry a photo; limitBody
// gives it btsUploadLimit instead of the usual cap.
const (
	btsUploadRoute = "/api/v1/bts/facilities/:facility/deliveries"
	btsUploadLimit = bts.MaxPhotoBytes + 256<<10
)

func (s *Server) btsRoutes(api *echo.Group) {
	g := api.Group("/bts", s.requireAuth)
	g.PUT("/kecamatan/:code", s.btsSaveKecamatan)
	g.PUT("/desa/:code", s.btsSaveDesa)
	g.POST("/desa/:code/posyandu", s.btsAddPosyandu)
	g.PUT("/facilities/:facility", s.btsSetFacility)
	g.GET("/facilities/:facility/areas", s.btsAreas)

	g.POST("/facilities/:facility/children", s.btsCreateChild)
	g.GET("/facilities/:facility/children", s.btsListChildren)
	g.GET("/facilities/:facility/children/:id", s.btsGetChild)
	g.POST("/facilities/:facility/children/:id/measurements", s.btsMeasure)
	g.GET("/facilities/:facility/children/:id/growth.svg", s.btsGrowthChart)
	g.POST("/facilities/:facility/pregnancies", s.btsCreatePregnancy)
	g.GET("/facilities/:facility/pregnancies", s.btsListPregnancies)
	g.GET("/facilities/:facility/pregnancies/:id", s.btsGetPregnancy)
	g.POST("/facilities/:facility/enrolments", s.btsEnrol)
	g.GET("/facilities/:facility/enrolments", s.btsListEnrolments)
	g.POST("/facilities/:facility/enrolments/:id/exit", s.btsExitEnrolment)
	g.GET("/facilities/:facility/cadres", s.btsCadres)
	g.POST("/facilities/:facility/deliveries", s.btsDeliver) // btsUploadRoute
	g.GET("/facilities/:facility/deliveries", s.btsListDeliveries)
	g.GET("/facilities/:facility/deliveries/:id/photo", s.btsPhoto)
	g.POST("/facilities/:facility/deliveries/:id/review", s.btsReview)

	g.GET("/reports/prevalence", s.btsPrevalence)
	g.GET("/reports/trend", s.btsTrend)
	g.GET("/reports/compliance", s.btsCompliance)
	g.GET("/reports/outcome", s.btsOutcome)
	g.GET("/reports/cases", s.btsCases)
	g.GET("/reports/export.csv", s.btsExport)
}

// btsAction is what a caller wants to do in BTS; mayBTS is the one place
// that decides who may.
type btsAction int

const (
	btsRead     btsAction = iota // see a facility's registry and reports: its admin/staff, dinkes, district admin
	btsRecord                    // register, measure, enrol, verify: the facility's admin/staff, district admin
	btsDeliver                   // report a delivery: the facility's kader, admin/staff, district admin
	btsDistrict                  // change the district's geography: district admin only
)

// btsPerms maps BTS actions to the permission matrix.
var btsPerms = map[btsAction]account.Perm{
	btsRead:     account.PermBTSRead,
	btsRecord:   account.PermBTSManage,
	btsDeliver:  account.PermBTSReport,
	btsDistrict: account.PermDistrictAdmin,
}

// mayBTS checks that the caller may do a at facility ("" for district-wide
// actions) and returns the caller.
func (s *Server) mayBTS(c echo.Context, facility string, a btsAction) (account.User, error) {
	u, ok := currentUser(c)
	if !ok {
		return u, errUnauthenticated
	}
	// The decision is account.Can's, the one permission matrix.
	allowed := u.Can(btsPerms[a], facility, "")
	if !allowed {
		return u, errForbidden
	}
	return u, nil
}

// reportScope is the facility a report covers: dinkes and district admins
// choose (?facility=, empty for the whole district); a facility's admin or
// staff always get their own.
func (s *Server) reportScope(c echo.Context) (string, error) {
	u, ok := currentUser(c)
	if !ok {
		return "", errUnauthenticated
	}
	switch {
	case u.Role == account.Dinkes || (u.Role == account.Admin && u.Facility == ""):
		return c.QueryParam("facility"), nil
	case u.Role == account.Admin || u.Role == account.Staff:
		return u.Facility, nil
	}
	return "", errForbidden
}

// --- JSON shapes --------------------------------------------------------

type addressJSON struct {
	Kecamatan  string   `json:"kecamatan"`
	Desa       string   `json:"desa"`
	DesaName   string   `json:"desa_name"`
	PosyanduID int64    `json:"posyandu_id,omitempty"`
	Posyandu   string   `json:"posyandu"`
	RT         string   `json:"rt"`
	RW         string   `json:"rw"`
	Address    string   `json:"address"`
	Lat        *float64 `json:"lat"`
	Lon        *float64 `json:"lon"`
}

func (a addressJSON) domain() bts.Address {
	return bts.Address{Desa: a.Desa, PosyanduID: a.PosyanduID, RT: a.RT, RW: a.RW, Street: a.Address, Lat: a.Lat, Lon: a.Lon}
}

func toAddressJSON(a bts.Address) addressJSON {
	return addressJSON{Kecamatan: a.Kecamatan, Desa: a.Desa, DesaName: a.DesaName, PosyanduID: a.PosyanduID,
		Posyandu: a.Posyandu, RT: a.RT, RW: a.RW, Address: a.Street, Lat: a.Lat, Lon: a.Lon}
}

type childJSON struct {
	ID            int64   `json:"id"`
	Facility      string  `json:"facility"`
	NIK           string  `json:"nik"`
	Name          string  `json:"name"`
	Sex           string  `json:"sex"` // L or P
	BirthDate     string  `json:"birth_date"`
	BirthWeightKg float64 `json:"birth_weight_kg,omitempty"`
	BirthLengthCm float64 `json:"birth_length_cm,omitempty"`
	MotherName    string  `json:"mother_name"`
	MotherNIK     string  `json:"mother_nik"`
	KK            string  `json:"kk"`
	addressJSON
	PoorBasis string `json:"poor_basis"`
}

// nikTaken is the answer to registering a NIK already registered: where,
// and what to do, since a search finds only the facility's own children.
func (s *Server) nikTaken(ctx context.Context, facility, nik string) error {
	msg := "NIK anak ini sudah terdaftar. Cari anak dengan NIK ini."
	if code, name, err := s.db.ChildFacilityByNIK(ctx, nik); err == nil && code != facility {
		msg = "NIK anak ini sudah terdaftar di " + name + ". Pengukuran dan intervensinya dicatat di sana; hubungi Puskesmas itu bila anak pindah."
	}
	return fault.Conflict("nik", msg)
}

func sexCode(s bts.Sex) string {
	if s == bts.Female {
		return "P"
	}
	return "L"
}

func toChildJSON(c bts.Child) childJSON {
	return childJSON{ID: c.ID, Facility: c.Facility, NIK: c.NIK, Name: c.Name, Sex: sexCode(c.Sex),
		BirthDate: c.BirthDate.Format(time.DateOnly), BirthWeightKg: c.BirthWeightKg, BirthLengthCm: c.BirthLengthCm,
		MotherName: c.MotherName, MotherNIK: c.MotherNIK, KK: c.KK, addressJSON: toAddressJSON(c.Address), PoorBasis: c.PoorBasis}
}

// parseDate parses an optional yyyy-mm-dd field.
func parseDate(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return d, fault.Invalid(field, "Tanggal harus berbentuk yyyy-mm-dd.")
	}
	return d, nil
}

func parseID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// facilityToday returns the BTS view of the facility in the URL and its
// current date.
func (s *Server) facilityToday(ctx context.Context, code string) (postgres.BTSFacility, time.Time, error) {
	f, err := s.db.BTSFacility(ctx, code)
	if err != nil {
		return f, time.Time{}, err
	}
	return f, bts.Date(s.now(), f.Location), nil
}

// --- geography ----------------------------------------------------------

type nameJSON struct {
	Name      string `json:"name"`
	Kecamatan string `json:"kecamatan"`
	Facility  string `json:"facility"`
	Method    string `json:"method"`
}

func (s *Server) btsSaveKecamatan(c echo.Context) error {
	if _, err := s.mayBTS(c, "", btsDistrict); err != nil {
		return err
	}
	var req nameJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Name) == "" {
		return fault.Invalid("name", "Isi nama kecamatan.")
	}
	id, err := s.db.SaveKecamatan(c.Request().Context(), bts.Kecamatan{Code: c.Param("code"), Name: req.Name})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "code": c.Param("code"), "name": req.Name})
}

func (s *Server) btsSaveDesa(c echo.Context) error {
	if _, err := s.mayBTS(c, "", btsDistrict); err != nil {
		return err
	}
	var req nameJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Name) == "" {
		return fault.Invalid("name", "Isi nama desa.")
	}
	d := bts.Desa{Code: c.Param("code"), Name: req.Name, Kecamatan: req.Kecamatan, Facility: req.Facility}
	id, err := s.db.SaveDesa(c.Request().Context(), d)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "code": d.Code, "name": d.Name, "kecamatan": d.Kecamatan, "facility": d.Facility})
}

func (s *Server) btsAddPosyandu(c echo.Context) error {
	if _, err := s.mayBTS(c, "", btsDistrict); err != nil {
		return err
	}
	var req nameJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Name) == "" {
		return fault.Invalid("name", "Isi nama posyandu.")
	}
	id, err := s.db.SavePosyandu(c.Request().Context(), bts.Posyandu{Desa: c.Param("code"), Name: req.Name})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "desa": c.Param("code"), "name": req.Name})
}

func (s *Server) btsSetFacility(c echo.Context) error {
	facility := c.Param("facility")
	u, ok := currentUser(c)
	if !ok {
		return errUnauthenticated
	}
	if u.Role != account.Admin || (u.Facility != "" && u.Facility != facility) {
		return errForbidden
	}
	var req nameJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	m, err := bts.ParseMethod(req.Method)
	if err != nil {
		return err
	}
	if err := s.db.SetBTSFacility(c.Request().Context(), facility, req.Kecamatan, m); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"facility": facility, "kecamatan": req.Kecamatan, "method": m.String()})
}

func (s *Server) btsAreas(c echo.Context) error {
	facility := c.Param("facility")
	if _, err := s.mayBTS(c, facility, btsDeliver); err != nil {
		if _, err := s.mayBTS(c, facility, btsRead); err != nil {
			return err
		}
	}
	ds, ps, err := s.db.Desas(c.Request().Context(), facility)
	if err != nil {
		return err
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
	out := []desaJSON{}
	idx := map[string]int{}
	for _, d := range ds {
		idx[d.Code] = len(out)
		out = append(out, desaJSON{Code: d.Code, Name: d.Name, Kecamatan: d.Kecamatan, Posyandu: []posyanduJSON{}})
	}
	for _, p := range ps {
		if i, ok := idx[p.Desa]; ok {
			out[i].Posyandu = append(out[i].Posyandu, posyanduJSON{p.ID, p.Name})
		}
	}
	return c.JSON(http.StatusOK, out)
}

// --- registry -----------------------------------------------------------

func (s *Server) btsCreateChild(c echo.Context) error {
	facility := c.Param("facility")
	if _, err := s.mayBTS(c, facility, btsRecord); err != nil {
		return err
	}
	var req childJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	birth, err := parseDate("birth_date", req.BirthDate)
	if err != nil {
		return err
	}
	var sex bts.Sex
	switch strings.ToUpper(req.Sex) {
	case "L", "1":
		sex = bts.Male
	case "P", "2":
		sex = bts.Female
	}
	ctx := c.Request().Context()
	_, today, err := s.facilityToday(ctx, facility)
	if err != nil {
		return err
	}
	child := bts.Child{Facility: facility, NIK: req.NIK, Name: strings.TrimSpace(req.Name), Sex: sex, BirthDate: birth,
		BirthWeightKg: req.BirthWeightKg, BirthLengthCm: req.BirthLengthCm, MotherName: req.MotherName,
		MotherNIK: req.MotherNIK, KK: req.KK, Address: req.addressJSON.domain(), PoorBasis: req.PoorBasis}
	if err := child.Validate(today); err != nil {
		return err
	}
	child, err = s.db.CreateChild(ctx, child)
	if errors.Is(err, fault.ErrConflict) { // the only unique key of a child is its NIK
		return s.nikTaken(ctx, facility, child.NIK)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toChildJSON(child))
}

func (s *Server) btsListChildren(c echo.Context) error {
	facility := c.Param("facility")
	if _, err := s.mayBTS(c, facility, btsRead); err != nil {
		return err
	}
	cs, err := s.db.Children(c.Request().Context(), facility, strings.TrimSpace(c.QueryParam("q")), 200)
	if err != nil {
		return err
	}
	out := make([]childJSON, 0, len(cs))
	for _, ch := range cs {
		out = append(out, toChildJSON(ch))
	}
	return c.JSON(http.StatusOK, out)
}

type measurementJSON struct {
	ID         int64   `json:"id"`
	MeasuredOn string  `json:"measured_on"`
	WeightKg   float64 `json:"weight_kg,omitempty"`
	LenHeiCm   float64 `json:"lenhei_cm,omitempty"`
	Measure    string  `json:"measure"`
	LiLACm     float64 `json:"lila_cm,omitempty"`
	HeadCm     float64 `json:"head_cm,omitempty"`
	Oedema     bool    `json:"oedema"`
	MeasuredBy string  `json:"measured_by"`
	Place      string  `json:"place"`
	TicketID   string  `json:"ticket_id,omitempty"`
	PosyanduID int64   `json:"posyandu_id,omitempty"`

	Method    string   `json:"method"`
	AgeDays   int      `json:"age_days"`
	AgeMonths int      `json:"age_months"`
	ClenHei   float64  `json:"clenhei,omitempty"`
	BMI       float64  `json:"bmi,omitempty"`
	ZLen      *float64 `json:"zlen"`
	ZWei      *float64 `json:"zwei"`
	ZWFL      *float64 `json:"zwfl"`
	ZBMI      *float64 `json:"zbmi"`
	FLen      bool     `json:"flen"`
	FWei      bool     `json:"fwei"`
	FWFL      bool     `json:"fwfl"`
	FBMI      bool     `json:"fbmi"`
	TBU       string   `json:"tbu"`
	BBU       string   `json:"bbu"`
	BBTB      string   `json:"bbtb"`
	IMTU      string   `json:"imtu"`
}

func zJSON(s bts.Score) *float64 {
	if !s.Valid {
		return nil
	}
	z := s.Rounded()
	return &z
}

func toMeasurementJSON(m bts.Measurement) measurementJSON {
	r := m.Result
	return measurementJSON{ID: m.ID, MeasuredOn: m.MeasuredOn.Format(time.DateOnly), WeightKg: m.WeightKg,
		LenHeiCm: m.LenHeiCm, Measure: m.Measure.Code(), LiLACm: m.LiLACm, HeadCm: m.HeadCm, Oedema: m.Oedema,
		MeasuredBy: m.MeasuredBy, Place: string(m.Place), TicketID: m.TicketID, PosyanduID: m.PosyanduID,
		Method: r.Method.String(), AgeDays: r.AgeDays, AgeMonths: r.AgeMonths, ClenHei: r.AdjustedLenHei, BMI: r.BMI,
		ZLen: zJSON(r.ZLen), ZWei: zJSON(r.ZWei), ZWFL: zJSON(r.ZWFL), ZBMI: zJSON(r.ZBMI),
		FLen: r.FLen, FWei: r.FWei, FWFL: r.FWFL, FBMI: r.FBMI,
		TBU: string(r.TBU), BBU: string(r.BBU), BBTB: string(r.BBTB), IMTU: string(r.IMTU)}
}

type suggestionJSON struct {
	TargetType string `json:"target_type"`
	Reason     string `json:"reason"`
}

func (s *Server) btsGetChild(c echo.Context) error {
	facility := c.Param("facility")
	if _, err := s.mayBTS(c, facility, btsRead); err != nil {
		return err
	}
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	_, today, err := s.facilityToday(ctx, facility)
	if err != nil {
		return err
	}
	child, err := s.db.Child(ctx, facility, id)
	if err != nil {
		return err
	}
	ms, err := s.db.Measurements(ctx, id)
	if err != nil {
		return err
	}
	out := make([]measurementJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, toMeasurementJSON(m))
	}
	var sug *suggestionJSON
	if len(ms) > 0 {
		if sg, ok := bts.SuggestChild(child, ms[len(ms)-1], today); ok {
			sug = &suggestionJSON{string(sg.Target), sg.Reason}
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"child": toChildJSON(child), "measurements": out, "suggestion": sug})
}

func (s *Server) btsMeasure(c echo.Context) error {
	facility := c.Param("facility")
	u, err := s.mayBTS(c, facility, btsRecord)
	if err != nil {
		return err
	}
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	var req measurementJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	on, err := parseDate("measured_on", req.MeasuredOn)
	if err != nil {
		return err
	}
	measure, err := bts.ParseMeasure(req.Measure)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f, today, err := s.facilityToday(ctx, facility)
	if err != nil {
		return err
	}
	if on.IsZero() {
		on = today
	}
	if req.Place == "" {
		req.Place = string(bts.AtPuskesmas)
	}
	if req.MeasuredBy == "" {
		req.MeasuredBy = u.Username
	}
	child, err := s.db.Child(ctx, facility, id)
	if err != nil {
		return err
	}
	m, err := bts.NewMeasurement(child, bts.MeasurementInput{MeasuredOn: on, WeightKg: req.WeightKg, LenHeiCm: req.LenHeiCm,
		Measure: measure, LiLACm: req.LiLACm, HeadCm: req.HeadCm, Oedema: req.Oedema, MeasuredBy: req.MeasuredBy,
		Place: bts.Place(req.Place), TicketID: req.TicketID, PosyanduID: req.PosyanduID}, f.Method, today)
	if err != nil {
		return err
	}
	m.Facility = facility
	if m, err = s.db.AddMeasurement(ctx, m); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toMeasurementJSON(m))
}

func (s *Server) btsGrowthChart(c echo.Context) error {
	facility := c.Param("facility")
	if _, err := s.mayBTS(c, facility, btsRead); err != nil {
		return err
	}
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	child, err := s.db.Child(ctx, facility, id)
	if err != nil {
		return err
	}
	ms, err := s.db.Measurements(ctx, id)
	if err != nil {
		return err
	}
	ind := bts.ChartIndicator(c.QueryParam("indicator"))
	if ind == "" {
		ind = bts.ChartLenHei
	}
	svg, err := bts.GrowthChartSVG(child.Sex, ind, bts.ChartPoints(ms, ind))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	return c.Blob(http.StatusOK, "image/svg+xml", svg)
}

type pregnancyJSON struct {
	ID        int64    `json:"id"`
	Facility  string   `json:"facility"`
	NIK       string   `json:"nik"`
	Name      string   `json:"name"`
	BirthDate string   `json:"birth_date"`
	HPHT      string   `json:"hpht"`
	Gravida   int      `json:"gravida"`
	Parity    int      `json:"parity"`
	HeightCm  float64  `json:"height_cm"`
	LiLACm    float64  `json:"lila_cm"`
	HbGdL     float64  `json:"hb_g_dl"`
	Systolic  int      `json:"systolic"`
	Diastolic int      `json:"diastolic"`
	Risks     []string `json:"risks"`
	addressJSON
	PoorBasis        string          `json:"poor_basis"`
	GestationalWeeks int             `json:"gestational_weeks"`
	Suggestion       *suggestionJSON `json:"suggestion"`
}

func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func toPregnancyJSON(p bts.Pregnancy, today time.Time) pregnancyJSON {
	out := pregnancyJSON{ID: p.ID, Facility: p.Facility, NIK: p.NIK, Name: p.Name, BirthDate: dateString(p.BirthDate),
		HPHT: dateString(p.HPHT), Gravida: p.Gravida, Parity: p.Parity, HeightCm: p.HeightCm, LiLACm: p.LiLACm,
		HbGdL: p.HbGdL, Systolic: p.Systolic, Diastolic: p.Diastolic, Risks: p.Risks, addressJSON: toAddressJSON(p.Address),
		PoorBasis: p.PoorBasis, GestationalWeeks: p.GestationalWeeks(today)}
	if sg, ok := bts.SuggestPregnancy(p, today); ok {
		out.Suggestion = &suggestionJSON{string(sg.Target), sg.Reason}
	}
	return out
}

func (s *Server) btsCreatePregnancy(c echo.Context) error {
	facility := c.Param("facility")
	if _, err := s.mayBTS(c, facility, btsRecord); err != nil {
		return err
	}
	var req pregnancyJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	birth, err := parseDate("birth_date", req.BirthDate)
	if err != nil {
		return err
	}
	hpht, err := parseDate("hpht", req.HPHT)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	_, today, err := s.facilityToday(ctx, facility)
	if err != nil {
		return err
	}
	p := bts.Pregnancy{Facility: facility, NIK: req.NIK, Name: strings.TrimSpace(req.Name), BirthDate: birth, HPHT: hpht,
		Gravida: req.Gravida, Parity: req.Parity, HeightCm: req.HeightCm, LiLACm: req.LiLACm, HbGdL: req.HbGdL,
		Systolic: req.Systolic, Diastolic: req.Diastolic, Risks: req.Risks, Address: req.addressJSON.domain(), PoorBasis: req.PoorBasis}
	if err := p.Validate(today); err != nil {
		return err
	}
	// The same pregnancy registered twice would count twice in reports.
	p, err = s.db.CreatePregnancy(ctx, p, today)
	if taken := (*postgres.PregnancyTakenError)(nil); errors.As(err, &taken) {
		msg := "Kehamilan ini sudah terdaftar (NIK sama, HPHT berdekatan). Cari dengan NIK ini."
		if taken.Facility != facility {
			msg = "Kehamilan ini sudah terdaftar di " + taken.Name + " (NIK sama, HPHT berdekatan); pencatatan dan intervensinya ada di sana."
		}
		return fault.Conflict("nik", msg)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toPregnancyJSON(p, today))
}

// btsListPregnancies lists a facility's pregnant women, filtered by ?q=
// (part of the name, or the start of the NIK), each with her bumil-risti
// suggestion.
func (s *Server) btsListPregnancies(c echo.Context) error {
	facility := c.Param("facility")
	if _, err := s.mayBTS(c, facility, btsRead); err != nil {
		return err
	}
	ctx := c.Request().Context()
	_, today, err := s.facilityToday(ctx, facility)
	if err != nil {
		return err
	}
	ps, err := s.db.Pregnancies(ctx, facility, strings.TrimSpace(c.QueryParam("q")), 200)
	if err != nil {
		return err
	}
	out := make([]pregnancyJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, toPregnancyJSON(p, today))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) btsGetPregnancy(c echo.Context) error {
	facility := c.Param("facility")
	if _, err := s.mayBTS(c, facility, btsRead); err != nil {
		return err
	}
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	_, today, err := s.facilityToday(ctx, facility)
	if err != nil {
		return err
	}
	p, err := s.db.Pregnancy(ctx, facility, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPregnancyJSON(p, today))
}

// --- enrolment ----------------------------------------------------------

type enrolmentJSON struct {
	ID          int64  `json:"id"`
	Facility    string `json:"facility"`
	TargetType  string `json:"target_type"`
	ChildID     int64  `json:"child_id,omitempty"`
	PregnancyID int64  `json:"pregnancy_id,omitempty"`
	TargetName  string `json:"target_name"`
	Desa        string `json:"desa"`
	Reason      string `json:"reason"`
	Start       string `json:"start"`
	End         string `json:"end"`
	AllowanceRp int    `json:"allowance_rp"`
	Cadre       string `json:"cadre"`
	Supplier    string `json:"supplier"`
	ExitReason  string `json:"exit_reason,omitempty"`
	ExitedOn    string `json:"exited_on,omitempty"`
}

func toEnrolmentJSON(e bts.Enrolment) enrolmentJSON {
	return enrolmentJSON{ID: e.ID, Facility: e.Facility, TargetType: string(e.Target), ChildID: e.ChildID,
		PregnancyID: e.PregnancyID, TargetName: e.TargetName, Desa: e.Desa, Reason: e.Reason,
		Start: dateString(e.Start), End: dateString(e.End), AllowanceRp: e.AllowanceRp, Cadre: e.Cadre,
		Supplier: e.Supplier, ExitReason: e.ExitReason, ExitedOn: dateString(e.ExitedOn)}
}

func (s *Server) btsEnrol(c echo.Context) error {
	facility := c.Param("facility")
	if _, err := s.mayBTS(c, facility, btsRecord); err != nil {
		return err
	}
	var req enrolmentJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	start, err := parseDate("start", req.Start)
	if err != nil {
		return err
	}
	end, err := parseDate("end", req.End)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	_, today, err := s.facilityToday(ctx, facility)
	if err != nil {
		return err
	}
	if start.IsZero() {
		start = today
	}
	e := bts.Enrolment{Facility: facility, Target: bts.TargetType(req.TargetType), ChildID: req.ChildID,
		PregnancyID: req.PregnancyID, Reason: req.Reason, Start: start, End: end, AllowanceRp: req.AllowanceRp,
		Cadre: req.Cadre, Supplier: req.Supplier}
	if err := e.Normalize(); err != nil {
		return err
	}
	if e, err = s.db.CreateEnrolment(ctx, e); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toEnrolmentJSON(e))
}

// btsExitEnrolment ends an enrolment early, with the day (default today)
// and the reason: no delivery is planned from that day on.
func (s *Server) btsExitEnrolment(c echo.Context) error {
	facility := c.Param("facility")
	if _, err := s.mayBTS(c, facility, btsRecord); err != nil {
		return err
	}
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		ExitedOn   string `json:"exited_on"`
		ExitReason string `json:"exit_reason"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	on, err := parseDate("exited_on", req.ExitedOn)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	_, today, err := s.facilityToday(ctx, facility)
	if err != nil {
		return err
	}
	e, err := s.db.Enrolment(ctx, facility, id)
	if err != nil {
		return err
	}
	if e, err = e.Exit(on, req.ExitReason, today); err != nil {
		return err
	}
	if e, err = s.db.ExitEnrolment(ctx, facility, id, e.ExitedOn, e.ExitReason); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toEnrolmentJSON(e))
}

func (s *Server) btsListEnrolments(c echo.Context) error {
	facility := c.Param("facility")
	u, err := s.mayBTS(c, facility, btsDeliver)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	_, today, err := s.facilityToday(ctx, facility)
	if err != nil {
		return err
	}
	from, to, err := period(c, today, 0)
	if err != nil {
		return err
	}
	es, err := s.db.Enrolments(ctx, facility, 0, from, to)
	if err != nil {
		return err
	}
	out := make([]enrolmentJSON, 0, len(es))
	for _, e := range es {
		// A cadre sees the targets assigned to them and those not yet
		// assigned to anyone.
		if u.Role == account.Kader && e.CadreID != 0 && e.CadreID != u.ID {
			continue
		}
		out = append(out, toEnrolmentJSON(e))
	}
	return c.JSON(http.StatusOK, out)
}

// cadreJSON is a cadre as the enrolment form offers it: the username that
// btsEnrol's "cadre" takes, and nothing else of the account.
type cadreJSON struct {
	Username string `json:"username"`
}

// btsCadres lists the facility's kader accounts that are not disabled, for
// assigning a target at enrolment; it is open to those who may enrol.
func (s *Server) btsCadres(c echo.Context) error {
	facility := c.Param("facility")
	if _, err := s.mayBTS(c, facility, btsRecord); err != nil {
		return err
	}
	us, err := s.db.Users(c.Request().Context(), facility)
	if err != nil {
		return err
	}
	out := make([]cadreJSON, 0, len(us))
	for _, u := range us {
		if u.Role == account.Kader && !u.Disabled {
			out = append(out, cadreJSON{Username: u.Username})
		}
	}
	return c.JSON(http.StatusOK, out)
}

// period reads ?from= and ?to= (dates); defaults: to = today, from = the
// first day of to's month minus months.
func period(c echo.Context, today time.Time, months int) (time.Time, time.Time, error) {
	from, err := parseDate("from", c.QueryParam("from"))
	if err != nil {
		return from, from, err
	}
	to, err := parseDate("to", c.QueryParam("to"))
	if err != nil {
		return from, to, err
	}
	if to.IsZero() {
		to = today
	}
	if from.IsZero() {
		from = time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -months, 0)
	}
	if to.Before(from) || to.Sub(from) > 5*366*24*time.Hour {
		return from, to, fault.Invalid("from", "Periode tidak valid (paling lama 5 tahun).")
	}
	return from, to, nil
}

// --- deliveries ---------------------------------------------------------

type deliveryJSON struct {
	ID          int64      `json:"id"`
	ClientID    string     `json:"client_id"`
	EnrolmentID int64      `json:"enrolment_id"`
	Facility    string     `json:"facility"`
	Date        string     `json:"date"`
	Cadre       string     `json:"cadre"`
	Items       []bts.Item `json:"items"`
	TotalRp     int        `json:"total_rp"`
	Consumption string     `json:"consumption"`
	Notes       string     `json:"notes"`
	PhotoURL    string     `json:"photo_url"`
	ReceivedAt  time.Time  `json:"received_at"`
	Late        bool       `json:"late"`
	Status      string     `json:"status"`
	ReviewNote  string     `json:"review_note,omitempty"`
	ReviewedBy  string     `json:"reviewed_by,omitempty"`
	ReviewedAt  *time.Time `json:"reviewed_at,omitempty"`
	// Verification holds what the photo's EXIF said: shown to the
	// nutritionist and the Dinas Kesehatan, never to other cadres, and
	// never inside the served image.
	Verification *verificationJSON `json:"verification,omitempty"`
}

type verificationJSON struct {
	TakenAt string   `json:"taken_at"`
	Lat     *float64 `json:"lat"`
	Lon     *float64 `json:"lon"`
}

func toDeliveryJSON(d bts.Delivery, loc *time.Location, verification bool) deliveryJSON {
	out := deliveryJSON{ID: d.ID, ClientID: d.ClientID, EnrolmentID: d.EnrolmentID, Facility: d.Facility,
		Date: dateString(d.DeliveredOn), Cadre: d.Cadre, Items: d.Items, TotalRp: d.TotalRp,
		Consumption: string(d.Consumption), Notes: d.Notes,
		PhotoURL:   "/api/v1/bts/facilities/" + d.Facility + "/deliveries/" + strconv.FormatInt(d.ID, 10) + "/photo",
		ReceivedAt: d.ReceivedAt.In(loc), Late: d.Late(loc), Status: string(d.Status), ReviewNote: d.ReviewNote,
		ReviewedBy: d.ReviewedBy, ReviewedAt: d.ReviewedAt}
	if verification {
		out.Verification = &verificationJSON{TakenAt: d.Photo.Meta.TakenAt, Lat: d.Photo.Meta.Lat, Lon: d.Photo.Meta.Lon}
	}
	return out
}

// btsDeliver takes a cadre's daily report as multipart/form-data: fields
// client_id, enrolment_id, date (default today), items (JSON array),
// consumption, notes, and the file photo. The same client_id again returns
// the first report (200) and stores nothing, so a phone may retry an upload
// as often as its connection needs.
func (s *Server) btsDeliver(c echo.Context) error {
	facility := c.Param("facility")
	u, err := s.mayBTS(c, facility, btsDeliver)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f, today, err := s.facilityToday(ctx, facility)
	if err != nil {
		return err
	}
	form, err := c.MultipartForm()
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return bts.ErrPhotoTooLarge
		}
		return fault.Invalid("", "Kirim laporan sebagai multipart/form-data.")
	}
	defer form.RemoveAll()
	field := func(name string) string {
		if v := form.Value[name]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	d := bts.Delivery{ClientID: field("client_id"), Facility: facility, CadreID: u.ID,
		Consumption: bts.Consumption(field("consumption")), Notes: field("notes"), ReceivedAt: s.now(), Status: bts.Pending}
	// A retry: answer with the first report before reading the photo again.
	if prev, err := s.db.DeliveryByClientID(ctx, d.ClientID); err == nil {
		if prev.Facility != facility {
			return fmt.Errorf("client id of another facility: %w", fault.ErrConflict)
		}
		return c.JSON(http.StatusOK, toDeliveryJSON(prev, f.Location, u.Role != account.Kader))
	} else if !errors.Is(err, fault.ErrNotFound) {
		return err
	}
	if d.EnrolmentID, err = strconv.ParseInt(field("enrolment_id"), 10, 64); err != nil {
		return fault.Invalid("enrolment_id", "Pilih sasaran.")
	}
	if d.DeliveredOn, err = parseDate("date", field("date")); err != nil {
		return err
	}
	if d.DeliveredOn.IsZero() {
		d.DeliveredOn = today
	}
	if err := json.Unmarshal([]byte(field("items")), &d.Items); err != nil {
		return fault.Invalid("items", "Daftar bahan pangan tidak valid.")
	}
	e, err := s.db.Enrolment(ctx, facility, d.EnrolmentID)
	if err != nil {
		return err
	}
	if err := d.Validate(e, today); err != nil {
		return err
	}
	files := form.File["photo"]
	if len(files) == 0 {
		return fault.Invalid("photo", "Foto wajib dilampirkan.")
	}
	file, err := files[0].Open()
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(file, bts.MaxPhotoBytes+1))
	file.Close()
	if err != nil {
		return err
	}
	photo, err := bts.ProcessPhoto(raw)
	if err != nil {
		return err
	}
	if err := s.photos.Put(photo); err != nil {
		return err
	}
	d.Photo = bts.PhotoRef{Hash: photo.Hash, Bytes: len(photo.JPEG), Meta: photo.Meta}
	out, created, err := s.db.CreateDelivery(ctx, d)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	return c.JSON(status, toDeliveryJSON(out, f.Location, u.Role != account.Kader))
}

func (s *Server) btsListDeliveries(c echo.Context) error {
	facility := c.Param("facility")
	u, err := s.mayBTS(c, facility, btsDeliver)
	if err != nil {
		if u, err = s.mayBTS(c, facility, btsRead); err != nil {
			return err
		}
	}
	ctx := c.Request().Context()
	f, today, err := s.facilityToday(ctx, facility)
	if err != nil {
		return err
	}
	from, to, err := period(c, today, 0)
	if err != nil {
		return err
	}
	var cadre int64
	if u.Role == account.Kader {
		cadre = u.ID // a cadre sees only their own reports
	}
	ds, err := s.db.Deliveries(ctx, facility, cadre, bts.Status(c.QueryParam("status")), from, to)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, toDeliveryJSON(d, f.Location, u.Role != account.Kader))
	}
	return c.JSON(http.StatusOK, out)
}

// btsPhoto serves the stored (stripped, re-encoded) photo of a report.
func (s *Server) btsPhoto(c echo.Context) error {
	facility := c.Param("facility")
	u, err := s.mayBTS(c, facility, btsDeliver)
	if err != nil {
		if u, err = s.mayBTS(c, facility, btsRead); err != nil {
			return err
		}
	}
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	d, err := s.db.Delivery(c.Request().Context(), facility, id)
	if err != nil {
		return err
	}
	if u.Role == account.Kader && d.CadreID != u.ID {
		return errNotFound
	}
	f, err := s.photos.Open(d.Photo.Hash)
	if err != nil {
		return err
	}
	defer f.Close()
	h := c.Response().Header()
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Stream(http.StatusOK, "image/jpeg", f)
}

type reviewJSON struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

func (s *Server) btsReview(c echo.Context) error {
	facility := c.Param("facility")
	u, err := s.mayBTS(c, facility, btsRecord)
	if err != nil {
		return err
	}
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	var req reviewJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	f, _, err := s.facilityToday(ctx, facility)
	if err != nil {
		return err
	}
	d, err := s.db.ReviewDelivery(ctx, facility, id, bts.Status(req.Status), strings.TrimSpace(req.Note), u.ID, s.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toDeliveryJSON(d, f.Location, true))
}

// --- reports ------------------------------------------------------------

// btsZone is the zone of district-wide report dates (Banyuwangi is WIB).
var btsZone = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		return time.FixedZone("WIB", 7*3600)
	}
	return loc
})

// observations reads the scope and period of a report request and loads
// its observations.
func (s *Server) observations(c echo.Context, months int) (string, time.Time, time.Time, []bts.Observation, error) {
	scope, err := s.reportScope(c)
	if err != nil {
		return "", time.Time{}, time.Time{}, nil, err
	}
	from, to, err := period(c, bts.Date(s.now(), btsZone()), months)
	if err != nil {
		return scope, from, to, nil, err
	}
	obs, err := s.db.Observations(c.Request().Context(), scope, from, to)
	return scope, from, to, obs, err
}

func (s *Server) btsPrevalence(c echo.Context) error {
	level, err := bts.ParseLevel(c.QueryParam("by"))
	if err != nil {
		return err
	}
	scope, from, to, obs, err := s.observations(c, 0)
	if err != nil {
		return err
	}
	ages := make([]string, len(bts.AgeGroups))
	for i, g := range bts.AgeGroups {
		ages[i] = g.Label
	}
	return c.JSON(http.StatusOK, map[string]any{"facility": scope, "from": dateString(from), "to": dateString(to),
		"by": level, "age_groups": ages, "rows": bts.Prevalence(obs, level)})
}

func (s *Server) btsTrend(c echo.Context) error {
	scope, from, to, obs, err := s.observations(c, 11)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"facility": scope, "from": dateString(from), "to": dateString(to),
		"months": bts.Trend(obs, from, to)})
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
	_, _, _, obs, err := s.observations(c, 0)
	if err != nil {
		return err
	}
	out := []caseJSON{}
	for _, o := range bts.Cases(obs, ind) {
		out = append(out, caseJSON{toChildJSON(o.Child), o.KecamatanName, o.FacilityName, toMeasurementJSON(o.Measurement)})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) btsExport(c echo.Context) error {
	scope, from, to, obs, err := s.observations(c, 0)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	name := "bts-eppgbm-" + strings.Trim(scope+"-", "-") + dateString(from) + "-" + dateString(to)
	name = strings.ReplaceAll(name, "--", "-")
	contentType := "text/csv; charset=utf-8"
	switch c.QueryParam("format") {
	case "", "csv":
		if err := bts.WriteEPPGBM(&buf, obs); err != nil {
			return err
		}
		name += ".csv"
	case "xlsx":
		// The same columns as a spreadsheet, for offices that import XLSX.
		t := analytics.Table{Name: "e-ppgbm", Title: "e-PPGBM", Columns: bts.EPPGBMColumns}
		for _, o := range obs {
			row := bts.EPPGBMRow(o)
			cells := make([]any, len(row))
			for i, v := range row {
				cells[i] = v
			}
			t.Rows = append(t.Rows, cells)
		}
		if err := analytics.WriteXLSX(&buf, t); err != nil {
			return err
		}
		name += ".xlsx"
		contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		return fault.Invalid("format", "Format ekspor harus csv atau xlsx.")
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

func toGroupJSON(g bts.GroupCompliance) groupComplianceJSON {
	return groupComplianceJSON(g)
}

// compliance loads and computes the compliance report of a request.
func (s *Server) compliance(c echo.Context) (bts.Compliance, error) {
	scope, err := s.reportScope(c)
	if err != nil {
		return bts.Compliance{}, err
	}
	today := bts.Date(s.now(), btsZone())
	from, to, err := period(c, today, 0)
	if err != nil {
		return bts.Compliance{}, err
	}
	ctx := c.Request().Context()
	es, err := s.db.Enrolments(ctx, scope, 0, from, to)
	if err != nil {
		return bts.Compliance{}, err
	}
	ds, err := s.db.Deliveries(ctx, scope, 0, "", from, to)
	if err != nil {
		return bts.Compliance{}, err
	}
	return bts.ComputeCompliance(es, ds, from, to, today, btsZone()), nil
}

func (s *Server) btsCompliance(c echo.Context) error {
	r, err := s.compliance(c)
	if err != nil {
		return err
	}
	type targetJSON struct {
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
	targets := []targetJSON{}
	for _, t := range r.Targets {
		eaten := map[string]int{}
		for k, v := range t.Eaten {
			eaten[string(k)] = v
		}
		targets = append(targets, targetJSON{toEnrolmentJSON(t.Enrolment), t.Planned, t.Delivered, t.Verified,
			t.Rejected, t.Late, t.Percent, t.SpentRp, t.BudgetRp, eaten})
	}
	groups := func(gs []bts.GroupCompliance) []groupComplianceJSON {
		out := []groupComplianceJSON{}
		for _, g := range gs {
			out = append(out, toGroupJSON(g))
		}
		return out
	}
	items := map[string]float64{}
	for k, v := range r.Items {
		items[string(k)] = v
	}
	return c.JSON(http.StatusOK, map[string]any{"targets": targets, "by_cadre": groups(r.ByCadre),
		"by_desa": groups(r.ByDesa), "total": toGroupJSON(r.Total), "items": items})
}

func (s *Server) btsOutcome(c echo.Context) error {
	scope, err := s.reportScope(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	es, err := s.db.Enrolments(ctx, scope, 0, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return err
	}
	var ids []int64
	for _, e := range es {
		if e.ChildID != 0 {
			ids = append(ids, e.ChildID)
		}
	}
	ms, err := s.db.ChildMeasurements(ctx, ids)
	if err != nil {
		return err
	}
	o := bts.ComputeOutcome(es, ms)
	type rowJSON struct {
		Enrolment      enrolmentJSON    `json:"enrolment"`
		Baseline       *measurementJSON `json:"baseline"`
		Latest         *measurementJSON `json:"latest"`
		Delta          *float64         `json:"delta_zlen"`
		StuntedAtStart bool             `json:"stunted_at_start"`
		StuntedNow     bool             `json:"stunted_now"`
	}
	rows := []rowJSON{}
	for _, r := range o.Rows {
		row := rowJSON{Enrolment: toEnrolmentJSON(r.Enrolment), StuntedAtStart: r.StuntedAtStart, StuntedNow: r.StuntedNow}
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
		rows = append(rows, row)
	}
	return c.JSON(http.StatusOK, map[string]any{"children": o.Children, "with_change": o.WithChange,
		"mean_delta_zlen": o.MeanDelta, "stunted_at_start": o.StuntedAtStart, "no_longer_stunted": o.NoLongerStunted,
		"percent_no_longer_stunted": o.Percent, "rows": rows})
}

// --- pages --------------------------------------------------------------
