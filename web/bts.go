package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/photo"
	"github.com/labstack/echo/v4"
)

// The BTS (Banyuwangi Tanggap Stunting) API: the district's geography and
// the registry (web/btsregistry.go), enrolment and the cadres' daily
// delivery reports with photos (web/btsdelivery.go), and the Dinas
// Kesehatan's reports (web/btsreports.go). Each handler parses the
// request, calls bts.Service and renders its answer (web/btsjson.go); who
// may call it is the route table's rule (web/routes.go), and its errors
// go to the one error table (web/errors.go). The pages are web/btspages.go.

// btsUploadRoute's body may carry a photo: its cap is btsUploadLimit
// instead of the usual one.
const (
	btsUploadRoute = "/api/v1/bts/facilities/:facility/deliveries"
	btsUploadLimit = photo.MaxBytes + 256<<10
)

// actor is the caller as the BTS service sees them. The route's rule has
// admitted them; a cadre is limited to their own reports and targets.
func actor(c echo.Context) bts.Actor {
	u, _ := currentUser(c)
	return bts.Actor{ID: u.ID, Username: u.Username, Cadre: u.Role == account.Kader}
}

// seesVerification reports whether the caller sees a photo's EXIF time and
// position: the nutritionist and the Dinas Kesehatan do, cadres do not.
func seesVerification(c echo.Context) bool {
	u, _ := currentUser(c)
	return u.Role != account.Kader
}

// reportScope is the one place that chooses the facility a report covers
// ("" for the whole district): dinkes and district admins choose it with
// ?facility=, a facility's admin or staff always get their own. Who may
// read reports at all is the route's rule, checked before.
func reportScope(c echo.Context) string {
	u, _ := currentUser(c)
	if u.Role == account.Dinkes || (u.Role == account.Admin && u.Facility == "") {
		return c.QueryParam("facility")
	}
	return u.Facility
}

// reportQuery reads what a report covers: its scope (reportScope) and
// ?from= and ?to= (dates, optional).
func reportQuery(c echo.Context) (bts.ReportQuery, error) {
	p, err := periodQuery(c)
	return bts.ReportQuery{Facility: reportScope(c), Period: p}, err
}

// periodQuery reads ?from= and ?to= (yyyy-mm-dd, each optional: the use
// case has the defaults).
func periodQuery(c echo.Context) (bts.Period, error) {
	from, err := bts.ParseDate("from", c.QueryParam("from"))
	if err != nil {
		return bts.Period{}, err
	}
	to, err := bts.ParseDate("to", c.QueryParam("to"))
	return bts.Period{From: from, To: to}, err
}

// parseID reads a positive id from the path; anything else names no
// record (404).
func parseID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// facilityToday returns the BTS view of a facility and its current date.
func (s *Server) facilityToday(ctx context.Context, code string) (bts.Facility, time.Time, error) {
	return s.bts.Facility(ctx, code)
}

// created answers 201 with v for a new record, 200 for one stored before.
func created(c echo.Context, isNew bool, v any) error {
	if isNew {
		return c.JSON(http.StatusCreated, v)
	}
	return c.JSON(http.StatusOK, v)
}
