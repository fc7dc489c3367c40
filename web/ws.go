package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/display"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/labstack/echo/v4"
)

var displayName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,40}$`)

// wsDisplay subscribes a screen to a facility (optionally some units).
// Everything is checked before the upgrade, so that mistakes are plain
// HTTP errors: 404 for an unknown facility, 400 naming the bad parameter.
func (s *Server) wsDisplay(c echo.Context) error {
	if s.hub == nil {
		return errNotFound
	}
	q := c.QueryParams()
	if q.Get("facility") == "" {
		return fault.Invalid("facility", "Sebutkan fasilitas (facility).")
	}
	_, units, err := s.queue.FacilityWithUnits(c.Request().Context(), q.Get("facility"), displayUnits(q)...)
	if err != nil {
		return err
	}
	req, err := parseDisplayQuery(q, units)
	if err != nil {
		return err
	}
	// The socket is open to anyone (TVs use it without signing in), but
	// the staff's list of screens shows as verified only those opened by
	// someone who runs this facility's queue: a staff browser signed in,
	// or an API token an admin made for the screen.
	u, ok := currentUser(c)
	req.Verified = ok && u.Can(account.PermQueueRun, req.Facility, "")
	return s.hub.ServeDisplay(c.Response(), c.Request(), req)
}

// wsTicket follows one patient's ticket. A wrong or missing token is 404
// before the upgrade, exactly like GET /api/v1/tickets/{id}.
func (s *Server) wsTicket(c echo.Context) error {
	id := c.Param("id")
	if s.hub == nil || !s.queue.CheckToken(id, c.QueryParam("token")) {
		return errNotFound
	}
	t, err := s.queue.Ticket(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.hub.ServeTicket(c.Response(), c.Request(), t, func(t queue.Ticket) any { return s.ticketJSON(t, "", false) })
}

// listDisplays shows the staff of a facility which screens are connected
// and when each was last seen, so that a dark TV is noticed.
func (s *Server) listDisplays(c echo.Context) error {
	facility := c.Param("facility")
	if s.hub == nil {
		return c.JSON(http.StatusOK, []display.Display{})
	}
	if _, _, err := s.queue.Facility(c.Request().Context(), facility); err != nil {
		return err
	}
	ds, err := s.hub.Displays(c.Request().Context(), facility)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ds)
}

// displayUnits is the ?units= of a display, trimmed; nil when absent.
func displayUnits(q url.Values) []string {
	v := q.Get("units")
	if v == "" {
		return nil
	}
	units := strings.Split(v, ",")
	for i, u := range units {
		units[i] = strings.TrimSpace(u)
	}
	return units
}

// parseDisplayQuery reads a screen's subscription from its query string:
// facility, units (codes of the facility's units, comma-separated), since
// (the last seq the screen processed), name and coalesce (calls at once,
// the rest of the board once a second). Errors are 400 invalid
// naming the parameter.
func parseDisplayQuery(q url.Values, units []queue.Unit) (display.DisplayRequest, error) {
	req := display.DisplayRequest{Facility: q.Get("facility"), Name: q.Get("name")}
	if req.Facility == "" {
		return req, fault.Invalid("facility", "Sebutkan fasilitas (facility).")
	}
	if want := displayUnits(q); want != nil {
		known := map[string]bool{}
		for _, u := range units {
			known[u.Code] = true
		}
		for _, u := range want {
			if !known[u] {
				return req, fault.Invalid("units", "Unit layanan tidak ditemukan: "+u)
			}
			req.Units = append(req.Units, u)
		}
	}
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return req, fault.Invalid("since", "since harus bilangan bulat tidak negatif.")
		}
		req.Since, req.HasSince = n, true
	}
	switch q.Get("coalesce") {
	case "", "0", "false":
	case "1", "true":
		req.Coalesce = true
	default:
		return req, fault.Invalid("coalesce", "coalesce harus 1 atau 0.")
	}
	if req.Name != "" && !displayName.MatchString(req.Name) {
		return req, fault.Invalid("name", "Nama layar maksimal 40 huruf, angka, titik, garis bawah atau tanda hubung.")
	}
	return req, nil
}
