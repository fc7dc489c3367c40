package web

import (
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
	"github.com/labstack/echo/v4"
)

type facilityListItem struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (s *Server) listFacilities(c echo.Context) error {
	fs, err := s.db.Facilities(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]facilityListItem, len(fs))
	for i, f := range fs {
		out[i] = facilityListItem{f.Code, f.Name}
	}
	c.Response().Header().Set("Cache-Control", "max-age=60")
	return c.JSON(http.StatusOK, out)
}

type facilitySettingsJSON struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	Timezone      string `json:"timezone"`
	BookingWindow int    `json:"booking_window"`
	ShowNames     bool   `json:"show_names"`
	Announcement  string `json:"announcement"`
}

func facilitySettings(f queue.Facility) facilitySettingsJSON {
	return facilitySettingsJSON{f.Code, f.Name, f.Kind, f.Timezone, f.BookingWindow, f.ShowNames, f.Announcement}
}

func (s *Server) adminFacilities(c echo.Context) error {
	u, _ := currentUser(c)
	fs, err := s.db.Facilities(c.Request().Context())
	if err != nil {
		return err
	}
	out := []facilitySettingsJSON{}
	for _, f := range fs {
		if u.Facility == "" || u.Facility == f.Code {
			out = append(out, facilitySettings(f))
		}
	}
	return c.JSON(http.StatusOK, out)
}

var (
	facilityCodeRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	unitCodeRe     = regexp.MustCompile(`^[A-Z0-9_]{1,20}$`)
	prefixRe       = regexp.MustCompile(`^[A-Z]$`)
	usernameRe     = regexp.MustCompile(`^[a-zA-Z0-9._-]{3,40}$`)
)

// text checks a short text field: trimmed, 1..max characters, no markup.
func text(field, v string, max int, required bool) (string, error) {
	v = strings.TrimSpace(v)
	if required && v == "" {
		return "", fault.Invalid(field, "Isian ini wajib diisi.")
	}
	if utf8.RuneCountInString(v) > max || strings.ContainsAny(v, "<>\x00") {
		return "", fault.Invalid(field, "Isian terlalu panjang atau memuat tanda < >.")
	}
	return v, nil
}

type createFacilityRequest struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	Timezone      string `json:"timezone"`
	BookingWindow int    `json:"booking_window"`
}

func (s *Server) createFacility(c echo.Context) error {
	var req createFacilityRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if !facilityCodeRe.MatchString(req.Code) {
		return fault.Invalid("code", "Kode fasilitas: huruf kecil, angka, - atau _, maksimal 40.")
	}
	name, err := text("name", req.Name, 100, true)
	if err != nil {
		return err
	}
	if req.Timezone == "" {
		req.Timezone = "Asia/Jakarta"
	}
	if _, err := time.LoadLocation(req.Timezone); err != nil {
		return fault.Invalid("timezone", "Zona waktu tidak dikenal (contoh: Asia/Jakarta).")
	}
	if req.BookingWindow < 0 || req.BookingWindow > 90 {
		return fault.Invalid("booking_window", "Batas hari pemesanan 0 sampai 90.")
	}
	if _, err := s.db.CreateFacility(c.Request().Context(), queue.Facility{Code: req.Code, Name: name,
		Timezone: req.Timezone, BookingWindow: req.BookingWindow}); err != nil {
		return err
	}
	s.queue.ForgetFacility(req.Code)
	return c.JSON(http.StatusCreated, facilityListItem{req.Code, name})
}

type unitSettingsJSON struct {
	Code            string     `json:"code"`
	Name            string     `json:"name"`
	Prefix          string     `json:"prefix"`
	DailyQuota      int        `json:"daily_quota"`
	Opens           string     `json:"opens"`  // "07:30"
	Closes          string     `json:"closes"` // "14:00"; equal to opens: all day
	OpenDays        int        `json:"open_days"`
	Policy          policyJSON `json:"policy"`
	DefaultServiceS int        `json:"default_service_s"`
	// Checkin, when given, sets the unit's arrival check-in rule; left
	// out, the rule stays as it is.
	Checkin *checkinJSON `json:"checkin,omitempty"`
	// Sessions counts the unit's practice sessions; with any, they set
	// its hours and days instead of Opens, Closes and OpenDays.
	Sessions int `json:"sessions"`
}

type checkinJSON struct {
	Required bool   `json:"required"`
	GraceMin int    `json:"grace_min"`
	NoShow   string `json:"no_show"` // back, requeue or refuse
}

type policyJSON struct {
	Mode         string `json:"mode"`
	Every        int    `json:"every"`
	MaxWait      int    `json:"max_wait"`
	RequeueAhead int    `json:"requeue_ahead"`
}

func clockText(min int) string {
	return time.Date(2000, 1, 1, 0, min, 0, 0, time.UTC).Format("15:04")
}

func parseClock(field, v string) (int, error) {
	if v == "24:00" {
		return 1440, nil
	}
	t, err := time.Parse("15:04", v)
	if err != nil {
		return 0, fault.Invalid(field, "Jam harus berbentuk JJ:MM, contoh 07:30.")
	}
	return t.Hour()*60 + t.Minute(), nil
}

type counterJSON struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
}

type userAdminJSON struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
}

func (s *Server) getSettings(c echo.Context) error {
	code := c.Param("facility")
	ctx := c.Request().Context()
	f, units, err := s.db.Facility(ctx, code)
	if err != nil {
		return err
	}
	us := make([]unitSettingsJSON, len(units))
	for i, u := range units {
		us[i] = unitSettingsJSON{Code: u.Code, Name: u.Name, Prefix: u.Prefix, DailyQuota: u.DailyQuota,
			Opens: clockText(u.Opens), Closes: clockText(u.Closes), OpenDays: u.OpenDays,
			Policy:          policyJSON{string(u.Policy.Mode), u.Policy.Every, u.Policy.MaxWait, u.Policy.RequeueAhead},
			DefaultServiceS: u.DefaultServiceS, Sessions: len(u.Sessions),
			Checkin: &checkinJSON{u.CheckIn.Required, u.CheckIn.GraceMin, string(u.CheckIn.NoShow)}}
	}
	counters, err := s.db.Counters(ctx, code)
	if err != nil {
		return err
	}
	cs := make([]counterJSON, len(counters))
	for i, ct := range counters {
		cs[i] = counterJSON{ct.Name, ct.Unit}
	}
	users, err := s.db.Users(ctx, code)
	if err != nil {
		return err
	}
	uj := make([]userAdminJSON, len(users))
	for i, u := range users {
		uj[i] = userAdminJSON{u.Username, string(u.Role), u.Disabled}
	}
	return c.JSON(http.StatusOK, map[string]any{"facility": facilitySettings(f), "units": us, "counters": cs, "users": uj})
}

type settingsRequest struct {
	Name          string `json:"name"`
	BookingWindow int    `json:"booking_window"`
	ShowNames     bool   `json:"show_names"`
	Announcement  string `json:"announcement"`
}

func (s *Server) putSettings(c echo.Context) error {
	code := c.Param("facility")
	var req settingsRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	name, err := text("name", req.Name, 100, true)
	if err != nil {
		return err
	}
	ann, err := text("announcement", req.Announcement, 500, false)
	if err != nil {
		return err
	}
	if req.BookingWindow < 0 || req.BookingWindow > 90 {
		return fault.Invalid("booking_window", "Batas hari pemesanan 0 sampai 90.")
	}
	if err := s.db.UpdateFacility(c.Request().Context(), code, queue.FacilitySettings{Name: name,
		BookingWindow: req.BookingWindow, ShowNames: req.ShowNames, Announcement: ann}); err != nil {
		return err
	}
	s.queue.ForgetFacility(code)
	return c.NoContent(http.StatusNoContent)
}

type announcementRequest struct {
	Text string `json:"text"`
}

func (s *Server) putAnnouncement(c echo.Context) error {
	code := c.Param("facility")
	var req announcementRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ann, err := text("text", req.Text, 500, false)
	if err != nil {
		return err
	}
	if err := s.db.SetAnnouncement(c.Request().Context(), code, ann); err != nil {
		return err
	}
	s.queue.ForgetFacility(code)
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) putUnit(c echo.Context) error {
	code := c.Param("facility")
	var req unitSettingsJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	req.Code = c.Param("unit")
	if !unitCodeRe.MatchString(req.Code) {
		return fault.Invalid("code", "Kode unit: huruf besar, angka atau _, maksimal 20.")
	}
	name, err := text("name", req.Name, 60, true)
	if err != nil {
		return err
	}
	if !prefixRe.MatchString(req.Prefix) {
		return fault.Invalid("prefix", "Awalan nomor satu huruf besar A-Z.")
	}
	if req.DailyQuota < 1 || req.DailyQuota > 9999 {
		return fault.Invalid("daily_quota", "Kuota harian 1 sampai 9999.")
	}
	opens, err := parseClock("opens", req.Opens)
	if err != nil {
		return err
	}
	closes, err := parseClock("closes", req.Closes)
	if err != nil {
		return err
	}
	if req.OpenDays < 0 || req.OpenDays > postgres.AllDays {
		return fault.Invalid("open_days", "Hari buka tidak valid.")
	}
	if req.DefaultServiceS <= 0 {
		req.DefaultServiceS = 300
	}
	ctx := c.Request().Context()
	id, err := s.db.FacilityID(ctx, code)
	if err != nil {
		return err
	}
	u := queue.Unit{Code: req.Code, Name: name, Prefix: req.Prefix, DailyQuota: req.DailyQuota, Opens: opens, Closes: closes,
		OpenDays: req.OpenDays, DefaultServiceS: req.DefaultServiceS,
		Policy: queue.Policy{Mode: queue.PolicyMode(req.Policy.Mode), Every: req.Policy.Every,
			MaxWait: req.Policy.MaxWait, RequeueAhead: req.Policy.RequeueAhead}}
	if ci := req.Checkin; ci != nil {
		u.CheckIn = queue.CheckInRule{Required: ci.Required, GraceMin: ci.GraceMin, NoShow: queue.NoShowRule(ci.NoShow)}
		if err := u.CheckIn.Validate(); err != nil {
			return err
		}
	}
	if err := s.db.SaveUnit(ctx, id, u); err != nil {
		return err
	}
	s.queue.ForgetFacility(code)
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) getCounters(c echo.Context) error {
	code := c.Param("facility")
	counters, err := s.db.Counters(c.Request().Context(), code)
	if err != nil {
		return err
	}
	out := make([]counterJSON, len(counters))
	for i, ct := range counters {
		out[i] = counterJSON{ct.Name, ct.Unit}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) putCounters(c echo.Context) error {
	code := c.Param("facility")
	var req []counterJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	if len(req) > 100 {
		return fault.Invalid("", "Paling banyak 100 ruang/loket.")
	}
	seen := map[string]bool{}
	cs := make([]queue.Counter, 0, len(req))
	for _, ct := range req {
		name, err := text("name", ct.Name, 40, true)
		if err != nil {
			return err
		}
		if seen[name] {
			return fault.Invalid("name", "Nama ruang/loket "+name+" dipakai dua kali.")
		}
		seen[name] = true
		if ct.Unit != "" && !unitCodeRe.MatchString(ct.Unit) {
			return fault.Invalid("unit", "Kode unit tidak valid.")
		}
		cs = append(cs, queue.Counter{Name: name, Unit: ct.Unit})
	}
	if err := s.db.SaveCounters(c.Request().Context(), code, cs); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type createUserRequest struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// roleFor checks a role the caller may hand out to an account of
// facility: accounts made here are the facility's own (district-wide
// dinkes accounts are made with the command line), and none reaches
// further than the caller (account.User.CanGrant).
func roleFor(c echo.Context, field, v, facility string) (account.Role, error) {
	r, err := account.ParseRole(v)
	if err != nil || r == account.Dinkes {
		return "", fault.Invalid(field, "Peran harus admin, staff atau kader.")
	}
	if u, _ := currentUser(c); !u.CanGrant(r, facility) {
		return "", errBeyondReach
	}
	return r, nil
}

func (s *Server) createUser(c echo.Context) error {
	code := c.Param("facility")
	var req createUserRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if !usernameRe.MatchString(req.Username) {
		return fault.Invalid("username", "Nama pengguna 3-40 huruf, angka, titik, - atau _.")
	}
	role, err := roleFor(c, "role", req.Role, code)
	if err != nil {
		return err
	}
	hash, err := account.HashPassword(req.Password)
	if err != nil {
		return fault.Invalid("password", "Kata sandi minimal 8 karakter.")
	}
	u, err := s.db.CreateUser(c.Request().Context(), code, req.Username, role, hash)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, userAdminJSON{u.Username, string(u.Role), false})
}

type patchUserRequest struct {
	Role     *string `json:"role"`
	Disabled *bool   `json:"disabled"`
	Password string  `json:"password"`
}

func (s *Server) patchUser(c echo.Context) error {
	code := c.Param("facility")
	var req patchUserRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	var ch postgres.UserChange
	if req.Role != nil {
		r, err := roleFor(c, "role", *req.Role, code)
		if err != nil {
			return err
		}
		ch.Role = &r
	}
	ch.Disabled = req.Disabled
	if req.Password != "" {
		hash, err := account.HashPassword(req.Password)
		if err != nil {
			return fault.Invalid("password", "Kata sandi minimal 8 karakter.")
		}
		ch.PasswordHash = hash
	}
	if me, _ := currentUser(c); me.Username == c.Param("username") && (ch.Role != nil && *ch.Role != account.Admin || req.Disabled != nil && *req.Disabled) {
		return fault.Invalid("role", "Anda tidak bisa mencabut hak admin akun Anda sendiri.")
	}
	if err := s.db.UpdateUser(c.Request().Context(), code, c.Param("username"), ch); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
