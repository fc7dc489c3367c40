package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/notify"
	"github.com/antrian/antrian/postgres"
	"github.com/labstack/echo/v4"
)

func (s *Server) pushKey(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"public_key": s.vapid})
}

// pushSubscribe stores the browser's push subscription for a ticket; the
// ticket's token proves the caller holds it.
func (s *Server) pushSubscribe(c echo.Context) error {
	id := c.Param("id")
	if !s.queue.CheckToken(id, c.Request().Header.Get("X-Ticket-Token")) {
		return errNotFound
	}
	var sub struct {
		Endpoint string `json:"endpoint"`
		Keys     struct {
			P256dh string `json:"p256dh"`
			Auth   string `json:"auth"`
		} `json:"keys"`
	}
	if err := decode(c, &sub); err != nil {
		return err
	}
	if sub.Endpoint == "" || sub.Keys.P256dh == "" || sub.Keys.Auth == "" {
		return fault.Invalid("endpoint", "Langganan notifikasi tidak lengkap.")
	}
	raw, _ := json.Marshal(sub)
	if err := notify.SavePushSubscription(c.Request().Context(), s.db, id, raw); err != nil {
		if errors.Is(err, fault.ErrInvalid) {
			return fault.Invalid("endpoint", "Langganan notifikasi tidak valid.")
		}
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type notificationJSON struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Channel   string    `json:"channel"`
	TicketID  string    `json:"ticket_id"`
	Unit      string    `json:"unit"`
	Code      string    `json:"code"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	CreatedAt time.Time `json:"created_at"`
}

// mayAdmin checks that the caller administers facility.
func (s *Server) mayAdmin(c echo.Context, facility string) error {
	return s.can(c, account.PermAdmin, facility, "")
}

// deadLetters lists the messages of a facility that failed for good.
func (s *Server) deadLetters(c echo.Context) error {
	recs, err := s.db.NotifyOutbox().Dead(c.Request().Context(), c.Param("facility"), 200)
	if err != nil {
		return err
	}
	out := make([]notificationJSON, len(recs))
	for i, r := range recs {
		out[i] = notificationJSON{ID: r.ID, Kind: r.Kind, Channel: r.Channel, TicketID: r.TicketID,
			Unit: r.Unit, Code: r.Code, State: r.State, Attempts: r.Attempts, LastError: r.LastError,
			CreatedAt: r.CreatedAt}
	}
	return c.JSON(http.StatusOK, out)
}

// retryNotification puts a dead letter back in the outbox.
func (s *Server) retryNotification(c echo.Context) error {
	return s.retryDead(c, s.db.NotifyOutbox(), "Hanya pesan yang gagal yang bisa dikirim ulang.")
}

// retryDead puts the dead row :id of an outbox back in the queue with a
// fresh attempt budget, for an admin of its facility: 404 for an unknown or
// malformed id, 409 with notDead for a row that is not dead.
func (s *Server) retryDead(c echo.Context, box *postgres.Outbox, notDead string) error {
	ctx := c.Request().Context()
	rec, err := box.Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if err := s.mayAdmin(c, rec.Facility); err != nil {
		return err
	}
	if err := box.Retry(ctx, rec.ID); err != nil {
		if errors.Is(err, fault.ErrConflict) {
			return fault.Conflict("", notDead)
		}
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
