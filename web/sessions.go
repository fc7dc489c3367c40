package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/labstack/echo/v4"
)

// The practice sessions of a unit: per weekday, the hours it serves, the
// doctor or midwife and a daily capacity. An admin replaces the whole list;
// the queue takes the unit's hours, weekdays and capacity from it.

// sessionJSON is a session as the API and the admin page write it.
type sessionJSON struct {
	Weekday    int    `json:"weekday"` // 0 = Sunday ... 6 = Saturday
	Start      string `json:"start"`   // hh:mm
	End        string `json:"end"`     // hh:mm, 24:00 allowed
	Staff      string `json:"staff"`
	KodeDokter int    `json:"kodedokter"`
	Capacity   int    `json:"capacity"`
}

func sessionsJSON(in []queue.Session) []sessionJSON {
	out := make([]sessionJSON, len(in))
	for i, s := range in {
		out[i] = sessionJSON{Weekday: int(s.Weekday), Start: sessionClock(s.Start), End: sessionClock(s.End),
			Staff: s.Staff, KodeDokter: s.KodeDokter, Capacity: s.Capacity}
	}
	return out
}

func sessionClock(min int) string {
	return fmt.Sprintf("%02d:%02d", min/60, min%60)
}

// parseSessionClock reads hh:mm strictly (two digits each), 24:00 included.
func parseSessionClock(i int, v string) (int, error) {
	bad := &fault.Error{Kind: fault.ErrInvalid, Code: queue.CodeSessionTime, Field: fmt.Sprintf("sessions[%d]", i),
		Message: fmt.Sprintf("Jam %q harus berbentuk JJ:MM, contoh 07:30.", v)}
	if v == "24:00" {
		return 24 * 60, nil
	}
	t, err := time.Parse("15:04", v)
	if err != nil || len(v) != 5 {
		return 0, bad
	}
	return t.Hour()*60 + t.Minute(), nil
}

func (s *Server) getSessions(c echo.Context) error {
	out, err := s.db.UnitSessions(c.Request().Context(), c.Param("facility"), c.Param("unit"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sessionsJSON(out))
}

func (s *Server) putSessions(c echo.Context) error {
	var req []sessionJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	in := make([]queue.Session, len(req))
	for i, r := range req {
		start, err := parseSessionClock(i, r.Start)
		if err != nil {
			return err
		}
		end, err := parseSessionClock(i, r.End)
		if err != nil {
			return err
		}
		in[i] = queue.Session{Weekday: time.Weekday(r.Weekday), Start: start, End: end, Staff: r.Staff,
			KodeDokter: r.KodeDokter, Capacity: r.Capacity}
	}
	sessions, err := queue.ValidateSessions(in)
	if err != nil {
		return err
	}
	code := c.Param("facility")
	if err := s.db.SaveUnitSessions(c.Request().Context(), code, c.Param("unit"), sessions); err != nil {
		return err
	}
	s.queue.ForgetFacility(code)
	return c.JSON(http.StatusOK, sessionsJSON(sessions))
}
