package web

import (
	"io"
	"net/http"

	"github.com/antrian/antrian/whatsapp"
	"github.com/labstack/echo/v4"
)

// The incoming WhatsApp webhooks (package whatsapp): one address per gateway
// and facility, authenticated the way each gateway signs its requests.

// whatsappIncoming answers the messages of one webhook request. The body is
// read raw: the signatures cover its exact bytes.
func (s *Server) whatsappIncoming(c echo.Context) error {
	if s.whatsapp == nil {
		return errNotFound
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return errTooLarge
	}
	n, err := s.whatsapp.Receive(c.Request().Context(), c.Param("gateway"), c.Param("facility"),
		whatsapp.Request{Body: body, Header: c.Request().Header, Query: c.QueryParams()})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"answered": n})
}

// whatsappVerify answers WhatsApp Cloud's subscription handshake with the
// challenge it sent.
func (s *Server) whatsappVerify(c echo.Context) error {
	if s.whatsapp == nil || c.Param("gateway") != whatsapp.GatewayWhatsAppCloud {
		return errNotFound
	}
	challenge, err := whatsapp.Handshake(s.whatsapp.Secrets, c.QueryParams())
	if err != nil {
		return err
	}
	return c.String(http.StatusOK, challenge)
}
