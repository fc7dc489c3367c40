package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/labstack/echo/v4"
)

type callJSON struct {
	Code    string `json:"code"`
	Counter string `json:"counter"`
}

type unitJSON struct {
	Code           string    `json:"code"`
	Name           string    `json:"name"`
	Prefix         string    `json:"prefix"`
	Open           bool      `json:"open"`
	Waiting        int       `json:"waiting"`
	Current        *callJSON `json:"current"`
	EstimatedWaitS int       `json:"estimated_wait_s"`
	DailyQuota     int       `json:"daily_quota"`
	Policy         string    `json:"policy"`
	// CheckIn: tickets booked from afar wait for their patient's check-in.
	CheckIn bool `json:"checkin_required"`
}

func (s *Server) units(c echo.Context) (queue.Facility, []unitJSON, error) {
	f, sts, err := s.queue.Units(c.Request().Context(), c.Param("facility"))
	if err != nil {
		return f, nil, err
	}
	out := make([]unitJSON, 0, len(sts))
	for _, st := range sts {
		u := unitJSON{Code: st.Unit.Code, Name: st.Unit.Name, Prefix: st.Unit.Prefix, Open: st.Open,
			Waiting: st.Waiting, EstimatedWaitS: st.EstimatedWaitS, DailyQuota: st.Unit.DailyQuota, Policy: st.Unit.Policy.String(),
			CheckIn: st.Unit.CheckIn.Required}
		if st.Current != nil {
			u.Current = &callJSON{Code: st.Current.Code, Counter: st.Current.Counter}
		}
		out = append(out, u)
	}
	return f, out, nil
}

func (s *Server) getFacility(c echo.Context) error {
	f, units, err := s.units(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"code": f.Code, "name": f.Name, "timezone": f.Timezone,
		"kind": f.Kind, "booking_window": f.BookingWindow, "announcement": f.Announcement, "units": units})
}

func (s *Server) getUnits(c echo.Context) error {
	_, units, err := s.units(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, units)
}

// ticketJSON is the contract's ticket object. The token appears only in the
// answer that created the ticket (or replays that creation); name only for staff.
type ticketJSON struct {
	ID             string `json:"id"`
	Facility       string `json:"facility"`
	Unit           string `json:"unit"`
	ServiceDate    string `json:"service_date"`
	Number         int    `json:"number"`
	Code           string `json:"code"`
	Status         string `json:"status"`
	Priority       string `json:"priority"`
	Channel        string `json:"channel"`
	Position       *int   `json:"position,omitempty"`
	Ahead          *int   `json:"ahead,omitempty"`
	EstimatedWaitS *int   `json:"estimated_wait_s,omitempty"`
	// WindowStart and WindowEnd: when a ticket booked for a later day is
	// expected to be served (its patient should be there by the start).
	WindowStart *time.Time `json:"window_start,omitempty"`
	WindowEnd   *time.Time `json:"window_end,omitempty"`
	// CheckedInAt: when the patient of a booked ticket checked in.
	CheckedInAt   *time.Time `json:"checked_in_at,omitempty"`
	Counter       string     `json:"counter"`
	IssuedAt      time.Time  `json:"issued_at"`
	CalledAt      *time.Time `json:"called_at"`
	StartedAt     *time.Time `json:"started_at"`
	FinishedAt    *time.Time `json:"finished_at"`
	TransferredTo string     `json:"transferred_to"`
	// TransferredToken lets the patient who holds this ticket follow it to
	// the ticket of the next unit (patient answers only).
	TransferredToken string `json:"transferred_token,omitempty"`
	TransferredUnit  string `json:"transferred_to_unit,omitempty"`
	FromUnit         string `json:"from_unit,omitempty"`
	CallCount        int    `json:"call_count"`
	Name             string `json:"name,omitempty"`
	Token            string `json:"token,omitempty"`
}

func (s *Server) ticketJSON(t queue.Ticket, token string, staff bool) ticketJSON {
	j := ticketJSON{ID: t.ID, Facility: t.Facility, Unit: t.Unit, ServiceDate: t.ServiceDate, Number: t.Number,
		Code: t.Code, Status: string(t.Status), Priority: string(t.Priority), Channel: string(t.Channel),
		Counter: t.Counter, IssuedAt: t.IssuedAt, CalledAt: t.CalledAt, StartedAt: t.StartedAt,
		FinishedAt: t.FinishedAt, TransferredTo: t.TransferTo, FromUnit: t.FromUnit, CallCount: t.CallCount, Token: token,
		CheckedInAt: t.CheckedInAt}
	placed := t.Status == queue.Waiting && t.Position > 0
	if placed {
		j.Position, j.Ahead, j.EstimatedWaitS = &t.Position, &t.Ahead, &t.EstimatedWaitS
	}
	// A window: the one a booked ticket was given, or a placed ticket's.
	if !t.Window.IsZero() && (placed || t.Status == queue.Booked || t.Status == queue.NoShow) {
		j.WindowStart, j.WindowEnd = &t.Window.Start, &t.Window.End
	}
	if staff {
		j.Name = t.Name
	} else if t.TransferTo != "" {
		j.TransferredToken = s.queue.Token(t.TransferTo)
	}
	j.TransferredUnit = t.TransferRef
	return j
}

type createTicketRequest struct {
	Unit        string `json:"unit"`
	ServiceDate string `json:"service_date"`
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	NIK         string `json:"nik"`
	BPJS        string `json:"bpjs"`
	Priority    string `json:"priority"`
	Channel     string `json:"channel"`
	Notify      bool   `json:"notify"`
}

func (s *Server) createTicket(c echo.Context) error {
	noStore(c) // the ticket: the patient's name, phone and place
	var req createTicketRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Unit == "" {
		return fault.Invalid("unit", "Pilih unit layanan.")
	}
	facility := c.Param("facility")
	user, staff := currentUser(c)
	if req.Channel == string(queue.ChannelDesk) || req.Channel == string(queue.ChannelJKN) {
		// Desk tickets are issued by staff; Mobile JKN has its own door.
		if !staff || !user.Can(account.PermQueueRun, facility, req.Unit) || req.Channel == string(queue.ChannelJKN) {
			return fault.Invalid("channel", "Saluran ini hanya untuk petugas.")
		}
	}
	if err := s.bookingLimits(c, req, staff); err != nil {
		return err
	}
	t, token, created, err := s.queue.Book(c.Request().Context(), queue.BookRequest{
		Facility: facility, Unit: req.Unit, ServiceDate: req.ServiceDate, Name: req.Name,
		Phone: req.Phone, NIK: req.NIK, BPJS: req.BPJS, Priority: req.Priority, Channel: req.Channel,
		Notify: req.Notify, IdempotencyKey: strings.TrimSpace(c.Request().Header.Get("Idempotency-Key")),
	})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	return c.JSON(status, s.ticketJSON(t, token, staff))
}

func (s *Server) getTicket(c echo.Context) error {
	noStore(c) // the ticket: the patient's name, phone and place
	id := c.Param("id")
	if !s.queue.CheckToken(id, c.Request().Header.Get("X-Ticket-Token")) {
		return errNotFound
	}
	t, err := s.queue.Ticket(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.ticketJSON(t, "", false))
}

func (s *Server) cancelTicket(c echo.Context) error {
	noStore(c) // the ticket: the patient's name, phone and place
	t, err := s.queue.CancelByPatient(c.Request().Context(), c.Param("id"), c.Request().Header.Get("X-Ticket-Token"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.ticketJSON(t, "", false))
}

func (s *Server) getQueue(c echo.Context) error {
	waiting, current, err := s.queue.Queue(c.Request().Context(), c.Param("facility"), c.Param("unit"))
	if err != nil {
		return err
	}
	w := make([]ticketJSON, len(waiting))
	for i, t := range waiting {
		w[i] = s.ticketJSON(t, "", true)
	}
	cur := make([]ticketJSON, len(current))
	for i, t := range current {
		cur[i] = s.ticketJSON(t, "", true)
	}
	expected, err := s.queue.Expected(c.Request().Context(), c.Param("facility"), c.Param("unit"))
	if err != nil {
		return err
	}
	ex := make([]ticketJSON, len(expected))
	for i, t := range expected {
		ex[i] = s.ticketJSON(t, "", true)
	}
	return c.JSON(http.StatusOK, map[string]any{"waiting": w, "current": cur, "expected": ex})
}

type counterRequest struct {
	Counter string `json:"counter"`
}

func readCounter(c echo.Context) (string, error) {
	var req counterRequest
	if err := decode(c, &req); err != nil {
		return "", err
	}
	counter := strings.TrimSpace(req.Counter)
	if len(counter) > 40 || strings.ContainsAny(counter, "<>\x00") {
		return "", fault.Invalid("counter", "Nama ruang/loket maksimal 40 huruf.")
	}
	return counter, nil
}

func (s *Server) callNext(c echo.Context) error {
	facility := c.Param("facility")
	counter, err := readCounter(c)
	if err != nil {
		return err
	}
	user, _ := currentUser(c)
	t, found, err := s.queue.CallNext(c.Request().Context(), facility, c.Param("unit"), counter, user.Username)
	if err != nil {
		return err
	}
	if !found {
		return c.NoContent(http.StatusNoContent)
	}
	return c.JSON(http.StatusOK, s.ticketJSON(t, "", true))
}

// staffTicket is the ticket of a staff route, loaded and checked by the
// access middleware.
func (s *Server) staffTicket(c echo.Context) (queue.Ticket, error) {
	return scopedTicket(c)
}

func (s *Server) act(a queue.Action) echo.HandlerFunc {
	return func(c echo.Context) error {
		cur, err := s.staffTicket(c)
		if err != nil {
			return err
		}
		counter, err := readCounter(c)
		if err != nil {
			return err
		}
		user, _ := currentUser(c)
		t, err := s.queue.ActOn(c.Request().Context(), cur, queue.Change{Action: a, Counter: counter, Actor: user.Username})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, s.ticketJSON(t, "", true))
	}
}

type transferRequest struct {
	Unit string `json:"unit"`
}

func (s *Server) transfer(c echo.Context) error {
	if _, err := s.staffTicket(c); err != nil {
		return err
	}
	var req transferRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Unit == "" {
		return fault.Invalid("unit", "Pilih unit tujuan.")
	}
	user, _ := currentUser(c)
	from, to, err := s.queue.Transfer(c.Request().Context(), c.Param("id"), req.Unit, user.Username)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"from": s.ticketJSON(from, "", true), "to": s.ticketJSON(to, "", true)})
}
