package web

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/photo"
	"github.com/antrian/antrian/fault"
	"github.com/labstack/echo/v4"
)

// The BTS API of enrolment and of the cadres' daily delivery reports.

func (s *Server) btsEnrol(c echo.Context) error {
	var req enrolmentJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	e, err := req.domain(c.Param("facility"))
	if err != nil {
		return err
	}
	if e, err = s.bts.Enrol(c.Request().Context(), e); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toEnrolmentJSON(e))
}

// btsExitEnrolment ends an enrolment early, with the day (default today)
// and the reason: no delivery is planned from that day on.
func (s *Server) btsExitEnrolment(c echo.Context) error {
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
	on, err := bts.ParseDate("exited_on", req.ExitedOn)
	if err != nil {
		return err
	}
	e, err := s.bts.ExitEnrolment(c.Request().Context(), c.Param("facility"), id, on, req.ExitReason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toEnrolmentJSON(e))
}

// btsListEnrolments lists the enrolments of ?from=..?to= (default: this
// month); a cadre sees those assigned to them or to no one.
func (s *Server) btsListEnrolments(c echo.Context) error {
	p, err := periodQuery(c)
	if err != nil {
		return err
	}
	es, err := s.bts.Enrolments(c.Request().Context(), actor(c), c.Param("facility"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, each(es, toEnrolmentJSON))
}

// cadreJSON is a cadre as the enrolment form offers it: the username that
// btsEnrol's "cadre" takes, and nothing else of the account.
type cadreJSON struct {
	Username string `json:"username"`
}

// btsCadres lists the facility's kader accounts that are not disabled, for
// assigning a target at enrolment.
func (s *Server) btsCadres(c echo.Context) error {
	names, err := s.bts.Cadres(c.Request().Context(), c.Param("facility"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, each(names, func(n string) cadreJSON { return cadreJSON{Username: n} }))
}

// btsDeliver takes a cadre's daily report as multipart/form-data: fields
// client_id, enrolment_id, date (default today), items (JSON array),
// consumption, notes, the file photo, and taken_at, lat, lon: the EXIF
// time and position the phone read from the original before shrinking it
// (used where the photo sent has none, see bts.PhoneMeta). The same client_id again from
// the same account returns the first report (200) and stores nothing, so
// a phone may retry an upload as often as its connection needs.
func (s *Server) btsDeliver(c echo.Context) error {
	form, err := c.MultipartForm()
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return photo.ErrTooLarge
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
	u := bts.Upload{ClientID: field("client_id"), EnrolmentID: field("enrolment_id"), Date: field("date"),
		Items: field("items"), Consumption: field("consumption"), Notes: field("notes"),
		TakenAt: field("taken_at"), Lat: field("lat"), Lon: field("lon")}
	if files := form.File["photo"]; len(files) > 0 {
		u.Photo = func() (io.ReadCloser, error) { return files[0].Open() }
	}
	r, err := s.bts.Deliver(c.Request().Context(), actor(c), c.Param("facility"), u)
	if err != nil {
		return err
	}
	return created(c, r.Created, toDeliveryJSON(r.Delivery, r.Zone, seesVerification(c)))
}

// btsListDeliveries lists the reports of ?from=..?to= (default: this
// month), ?status= pending, verified or rejected (default all); a cadre
// sees only their own.
func (s *Server) btsListDeliveries(c echo.Context) error {
	p, err := periodQuery(c)
	if err != nil {
		return err
	}
	ds, loc, err := s.bts.Deliveries(c.Request().Context(), actor(c), c.Param("facility"), bts.Status(c.QueryParam("status")), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toDeliveriesJSON(ds, loc, seesVerification(c)))
}

// btsPhoto serves the stored (stripped, re-encoded) photo of a report,
// or, when the photo store makes links, redirects to a short-lived one.
func (s *Server) btsPhoto(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	link, err := s.bts.PhotoURL(c.Request().Context(), actor(c), c.Param("facility"), id)
	if err != nil {
		return err
	}
	if link != "" {
		// The link expires: the answer is no-store, as every answer
		// of a staff route (noStore).
		return c.Redirect(http.StatusFound, link)
	}
	f, err := s.bts.Photo(c.Request().Context(), actor(c), c.Param("facility"), id)
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

// btsReview records the nutritionist's verdict on a pending report.
func (s *Server) btsReview(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	var req reviewJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	d, loc, err := s.bts.Review(c.Request().Context(), actor(c), c.Param("facility"), id, bts.Status(req.Status), req.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toDeliveryJSON(d, loc, true))
}
