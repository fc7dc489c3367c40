package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/antrian/antrian/bpjs"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/integration"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/queue"
	"github.com/labstack/echo/v4"
)

type poliJSON struct {
	KodePoli   string `json:"kodepoli"`
	Unit       string `json:"unit"`
	KodeDokter int    `json:"kodedokter"`
	NamaDokter string `json:"namadokter"`
	JamPraktek string `json:"jampraktek"`
}

type jknSettingsJSON struct {
	Username string     `json:"username"`
	Password string     `json:"password,omitempty"`
	Poli     []poliJSON `json:"poli"`
}

type bpjsSettingsJSON struct {
	Enabled       bool   `json:"enabled"`
	Environment   string `json:"environment"`
	BaseURL       string `json:"base_url"`
	ConsID        string `json:"cons_id"`
	Secret        string `json:"secret,omitempty"`
	UserKey       string `json:"user_key,omitempty"`
	PCareUser     string `json:"pcare_user"`
	PCarePassword string `json:"pcare_password,omitempty"`
	SecretSet     bool   `json:"secret_set"`
}

type locationJSON struct {
	Unit         string `json:"unit"`
	LocationID   string `json:"location_id"`
	Practitioner string `json:"practitioner"`
}

type satusehatSettingsJSON struct {
	Enabled        bool           `json:"enabled"`
	Environment    string         `json:"environment"`
	BaseURL        string         `json:"base_url"`
	ClientID       string         `json:"client_id"`
	ClientSecret   string         `json:"client_secret,omitempty"`
	OrganizationID string         `json:"organization_id"`
	Locations      []locationJSON `json:"locations"`
	SecretSet      bool           `json:"secret_set"`
}

// getIntegrations shows a facility's settings; secrets are never shown.
func (s *Server) getIntegrations(c echo.Context) error {
	facility := c.Param("facility")
	ctx := c.Request().Context()
	out := map[string]any{}
	if s.jkn != nil {
		st, err := s.jkn.Settings(ctx, facility)
		if err != nil {
			return err
		}
		j := jknSettingsJSON{Username: st.Username, Poli: []poliJSON{}}
		for _, p := range st.Poli {
			j.Poli = append(j.Poli, poliJSON(p))
		}
		out["jkn"] = j
	}
	out["bpjs"] = nil
	if b, err := integration.LoadBPJS(ctx, s.db, facility); err == nil {
		out["bpjs"] = bpjsSettingsJSON{Enabled: b.Enabled, Environment: b.Environment, BaseURL: b.BaseURL, ConsID: b.ConsID,
			PCareUser: b.PCareUser, SecretSet: b.Secret != ""}
	} else if !errors.Is(err, fault.ErrNotFound) {
		return err
	}
	out["satusehat"] = nil
	if ss, err := integration.LoadSATUSEHAT(ctx, s.db, facility); err == nil {
		j := satusehatSettingsJSON{Enabled: ss.Enabled, Environment: ss.Environment, BaseURL: ss.BaseURL, ClientID: ss.ClientID,
			OrganizationID: ss.OrganizationID, SecretSet: ss.ClientSecret != "", Locations: []locationJSON{}}
		for _, l := range ss.Locations {
			j.Locations = append(j.Locations, locationJSON(l))
		}
		out["satusehat"] = j
	} else if !errors.Is(err, fault.ErrNotFound) {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) putJKN(c echo.Context) error {
	facility := c.Param("facility")
	if s.jkn == nil {
		return errNotFound
	}
	var req jknSettingsJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	polis := make([]queue.Poli, len(req.Poli))
	for i, p := range req.Poli {
		polis[i] = queue.Poli(p)
	}
	if err := s.jkn.Configure(c.Request().Context(), facility, req.Username, req.Password, polis); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) putBPJS(c echo.Context) error {
	facility := c.Param("facility")
	var req bpjsSettingsJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	err := integration.SaveBPJS(c.Request().Context(), s.db, facility, queue.BPJSSettings{Enabled: req.Enabled,
		Environment: req.Environment, BaseURL: req.BaseURL, ConsID: req.ConsID, Secret: req.Secret, UserKey: req.UserKey,
		PCareUser: req.PCareUser, PCarePassword: req.PCarePassword})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) putSATUSEHAT(c echo.Context) error {
	facility := c.Param("facility")
	var req satusehatSettingsJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	want := make([]string, 0, len(req.Locations))
	for _, l := range req.Locations {
		want = append(want, l.Unit)
	}
	_, units, err := s.queue.FacilityWithUnits(c.Request().Context(), facility, want...)
	if err != nil {
		return err
	}
	set := queue.SATUSEHATSettings{Enabled: req.Enabled, Environment: req.Environment, BaseURL: req.BaseURL,
		ClientID: req.ClientID, ClientSecret: req.ClientSecret, OrganizationID: req.OrganizationID}
	for _, l := range req.Locations {
		known := false
		for _, u := range units {
			known = known || u.Code == l.Unit
		}
		if !known {
			return fault.Invalid("locations", "Unit "+l.Unit+" tidak ada di faskes ini.")
		}
		set.Locations = append(set.Locations, queue.SATUSEHATLocation(l))
	}
	if err := integration.SaveSATUSEHAT(c.Request().Context(), s.db, facility, set); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// bpjsClient is a client with the facility's stored BPJS settings.
func (s *Server) bpjsClient(c echo.Context) (*bpjs.Client, error) {
	facility := c.Param("facility")
	set, err := integration.LoadBPJS(c.Request().Context(), s.db, facility)
	if errors.Is(err, fault.ErrNotFound) {
		return nil, fault.Conflict("", "Simpan pengaturan BPJS terlebih dahulu.")
	}
	if err != nil {
		return nil, err
	}
	cl := bpjs.New(integration.BPJSConfig(set), &http.Client{Timeout: 20 * time.Second})
	cl.Now = s.now
	return cl, nil
}

func bpjsErr(err error) error {
	var be *bpjs.Error
	if errors.As(err, &be) && !errors.Is(err, bpjs.ErrTemporary) {
		return &apiError{Status: http.StatusBadGateway, Code: "upstream", Message: "BPJS menolak: " + be.Message}
	}
	return fault.New(fault.ErrUnavailable, "", "BPJS tidak dapat dihubungi: "+err.Error())
}

func (s *Server) refDate(c echo.Context) (string, error) {
	date := c.QueryParam("date")
	if date == "" {
		f, _, err := s.queue.Facility(c.Request().Context(), c.Param("facility"))
		if err != nil {
			return "", err
		}
		return f.Today(s.now()), nil
	}
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return "", fault.Invalid("date", "Tanggal harus berformat yyyy-mm-dd.")
	}
	return date, nil
}

func (s *Server) bpjsRefPoli(c echo.Context) error {
	cl, err := s.bpjsClient(c)
	if err != nil {
		return err
	}
	date, err := s.refDate(c)
	if err != nil {
		return err
	}
	polis, err := cl.RefPoli(c.Request().Context(), date)
	if err != nil {
		return bpjsErr(err)
	}
	if polis == nil {
		polis = []bpjs.Poli{}
	}
	return c.JSON(http.StatusOK, polis)
}

func (s *Server) bpjsRefDokter(c echo.Context) error {
	cl, err := s.bpjsClient(c)
	if err != nil {
		return err
	}
	date, err := s.refDate(c)
	if err != nil {
		return err
	}
	kodepoli := c.QueryParam("kodepoli")
	if kodepoli == "" || strings.ContainsAny(kodepoli, "/?#") {
		return fault.Invalid("kodepoli", "Isi kode poli.")
	}
	docs, err := cl.RefDokter(c.Request().Context(), kodepoli, date)
	if err != nil {
		return bpjsErr(err)
	}
	if docs == nil {
		docs = []bpjs.Dokter{}
	}
	return c.JSON(http.StatusOK, docs)
}

type integrationCallJSON struct {
	ID            json.Number `json:"id"`
	Target        string      `json:"target"`
	Kind          string      `json:"kind"`
	TicketID      string      `json:"ticket_id"`
	Unit          string      `json:"unit"`
	Code          string      `json:"code"`
	State         string      `json:"state"`
	Attempts      int         `json:"attempts"`
	LastError     string      `json:"last_error"`
	CreatedAt     time.Time   `json:"created_at"`
	NextAttemptAt time.Time   `json:"next_attempt_at"`
	SentAt        *time.Time  `json:"sent_at"`
}

func callsJSON(recs []outbox.Record) []integrationCallJSON {
	out := make([]integrationCallJSON, len(recs))
	for i, r := range recs {
		out[i] = integrationCallJSON{ID: json.Number(r.ID), Target: r.Channel, Kind: r.Kind, TicketID: r.TicketID, Unit: r.Unit, Code: r.Code,
			State: r.State, Attempts: r.Attempts, LastError: r.LastError, CreatedAt: r.CreatedAt, NextAttemptAt: r.NextAttemptAt,
			SentAt: r.SentAt}
	}
	return out
}

// ticketIntegrations shows staff where a ticket's calls to BPJS and
// SATUSEHAT stand: a summary line per target and every call.
func (s *Server) ticketIntegrations(c echo.Context) error {
	t, err := s.queue.Store.Ticket(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	recs, err := s.db.IntegrationOutbox().ForTicket(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	summary := integration.Summary(recs)
	if summary == nil {
		summary = []string{}
	}
	return c.JSON(http.StatusOK, map[string]any{"summary": summary, "calls": callsJSON(recs)})
}

func (s *Server) integrationFailures(c echo.Context) error {
	facility := c.Param("facility")
	recs, err := s.db.IntegrationOutbox().Dead(c.Request().Context(), facility, 200)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, callsJSON(recs))
}

// retryIntegration puts a call that failed for good back in the outbox.
func (s *Server) retryIntegration(c echo.Context) error {
	return s.retryDead(c, s.db.IntegrationOutbox(), "Hanya pengiriman yang gagal yang bisa diulang.")
}

type referRequest struct {
	Facility    string `json:"facility"`
	Unit        string `json:"unit"`
	ServiceDate string `json:"service_date"`
	Reason      string `json:"reason"`
}

// refer books the patient of a Puskesmas ticket into a hospital unit.
func (s *Server) refer(c echo.Context) error {
	if _, err := s.staffTicket(c); err != nil {
		return err
	}
	var req referRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Facility == "" || req.Unit == "" {
		return fault.Invalid("facility", "Pilih rumah sakit dan unit tujuan.")
	}
	user, _ := currentUser(c)
	from, to, token, err := s.queue.Refer(c.Request().Context(), c.Param("id"), queue.ReferRequest{Facility: req.Facility,
		Unit: req.Unit, ServiceDate: req.ServiceDate, Reason: req.Reason, Actor: user.Username})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"from": s.ticketJSON(from, "", true), "to": s.ticketJSON(to, token, true),
		"link": "/t/" + to.ID + "#" + token})
}

type referralJSON struct {
	TicketID         string    `json:"ticket_id"`
	Facility         string    `json:"facility"`
	Unit             string    `json:"unit"`
	FromTicketID     string    `json:"from_ticket_id"`
	FromFacility     string    `json:"from_facility"`
	FromFacilityName string    `json:"from_facility_name"`
	FromUnit         string    `json:"from_unit"`
	Reason           string    `json:"reason"`
	ReferredBy       string    `json:"referred_by"`
	ReferredAt       time.Time `json:"referred_at"`
}

// ticketReferral shows the hospital where a referred patient came from.
func (s *Server) ticketReferral(c echo.Context) error {
	t, err := s.queue.Store.Ticket(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	r, err := s.db.ReferralTo(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, referralJSON{TicketID: r.ToTicket, Facility: r.ToFacility, Unit: r.ToUnit,
		FromTicketID: r.FromTicket, FromFacility: r.FromFacility, FromFacilityName: r.FromName, FromUnit: r.FromUnit,
		Reason: r.Reason, ReferredBy: r.Actor, ReferredAt: r.At})
}

// referralsTo lists the patients referred to a hospital (?date= service date).
func (s *Server) referralsTo(c echo.Context) error {
	facility := c.Param("facility")
	date := c.QueryParam("date")
	if date != "" {
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			return fault.Invalid("date", "Tanggal harus berformat yyyy-mm-dd.")
		}
	}
	rs, err := s.db.ReferralsTo(c.Request().Context(), facility, date)
	if err != nil {
		return err
	}
	out := make([]referralJSON, len(rs))
	for i, r := range rs {
		out[i] = referralJSON{TicketID: r.ToTicket, Facility: r.ToFacility, Unit: r.ToUnit, FromTicketID: r.FromTicket,
			FromFacility: r.FromFacility, FromFacilityName: r.FromName, FromUnit: r.FromUnit, Reason: r.Reason,
			ReferredBy: r.Actor, ReferredAt: r.At}
	}
	return c.JSON(http.StatusOK, out)
}
