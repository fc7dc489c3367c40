package web

import (
	"io"
	"mime"
	"net/http"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/labstack/echo/v4"
)

// The closed days (holidays) of a facility: an admin lists, adds, imports
// and removes them; booking for one is refused by queue.Service with the
// reason and the next open day.

func (s *Server) listClosedDays(c echo.Context) error {
	code := c.Param("facility")
	from := c.QueryParam("from")
	if from == "" {
		f, _, err := s.queue.Facility(c.Request().Context(), code)
		if err != nil {
			return err
		}
		from = f.Today(s.queue.Now())
	} else if _, err := queue.ValidateClosedDay(queue.ClosedDay{Date: from}); err != nil {
		return fault.Invalid("from", "Tanggal harus berformat yyyy-mm-dd.")
	}
	days, err := s.db.ClosedDays(c.Request().Context(), code, from)
	if err != nil {
		return err
	}
	if days == nil {
		days = []queue.ClosedDay{}
	}
	return c.JSON(http.StatusOK, days)
}

type closedDayRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) putClosedDay(c echo.Context) error {
	var req closedDayRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	d, err := queue.ValidateClosedDay(queue.ClosedDay{Date: c.Param("date"), Reason: req.Reason})
	if err != nil {
		return err
	}
	if err := s.addClosedDays(c, []queue.ClosedDay{d}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// importClosedDays takes a CSV of days, as a file field "file" of a form or
// as the body (text/csv).
func (s *Server) importClosedDays(c echo.Context) error {
	var body io.Reader = c.Request().Body
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get("Content-Type")); mt == "multipart/form-data" {
		fh, err := c.FormFile("file")
		if err != nil {
			return fault.Invalid("file", "Pilih berkas CSV hari libur.")
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		body = f
	}
	days, err := queue.ParseClosedDays(body)
	if err != nil {
		return err
	}
	if err := s.addClosedDays(c, days); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"imported": len(days)})
}

func (s *Server) addClosedDays(c echo.Context, days []queue.ClosedDay) error {
	code := c.Param("facility")
	if err := s.db.AddClosedDays(c.Request().Context(), code, days); err != nil {
		return err
	}
	s.queue.ForgetFacility(code)
	return nil
}

func (s *Server) deleteClosedDay(c echo.Context) error {
	code := c.Param("facility")
	d, err := queue.ValidateClosedDay(queue.ClosedDay{Date: c.Param("date")})
	if err != nil {
		return err
	}
	if err := s.db.DeleteClosedDay(c.Request().Context(), code, d.Date); err != nil {
		return err
	}
	s.queue.ForgetFacility(code)
	return c.NoContent(http.StatusNoContent)
}
