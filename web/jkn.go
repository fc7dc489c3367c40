package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/antrian/antrian/jkn"
	"github.com/labstack/echo/v4"
)

// The Mobile JKN provider web service (BPJS Antrean FKTP). Every answer is
// HTTP 200 with the BPJS envelope; failures are metadata code 201 (202 for
// a new patient) with the reason in metadata.message, never a 4xx or 5xx.

type jknMeta struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
}

type jknEnvelope struct {
	Response any     `json:"response,omitempty"`
	Metadata jknMeta `json:"metadata"`
}

func jknOK(c echo.Context, response any) error {
	return c.JSON(http.StatusOK, jknEnvelope{Response: response, Metadata: jknMeta{Message: "Ok", Code: jkn.CodeOK}})
}

// jknError renders any error of a /jkn/ request as the BPJS envelope.
func (s *Server) jknError(err error, c echo.Context) {
	meta := jknMeta{Code: jkn.CodeFailed, Message: "Terjadi gangguan pada layanan faskes. Silakan coba lagi."}
	var je *jkn.Error
	var he *echo.HTTPError
	var ae *apiError
	level := slog.LevelDebug
	switch {
	case errors.As(err, &je):
		meta = jknMeta{Code: je.Code, Message: je.Message}
	case errors.As(err, &he) && he.Code == http.StatusNotFound:
		meta.Message = "Alamat tidak ditemukan."
	case errors.As(err, &he) && he.Code == http.StatusMethodNotAllowed:
		meta.Message = "Metode tidak diizinkan."
	case errors.As(err, &he) && he.Code < 500:
		meta.Message = "Permintaan tidak valid."
	case errors.As(err, &ae) && ae.Status < 500:
		meta.Message = ae.Message
	default:
		level = slog.LevelError
	}
	s.log.Log(c.Request().Context(), level, "jkn request failed", "method", c.Request().Method, "route", c.Path(),
		"code", meta.Code, "err", err.Error())
	if c.Request().Method == http.MethodHead {
		c.NoContent(http.StatusOK)
		return
	}
	c.JSON(http.StatusOK, jknEnvelope{Metadata: meta})
}

// jknRecover turns a panic into an envelope rather than a dropped connection.
func (s *Server) jknRecover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// jknToken checks x-username and x-token.
func (s *Server) jknToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if err := s.jkn.Authorize(c.Request().Context(), c.Param("facility"), h.Get("x-username"), h.Get("x-token")); err != nil {
			return err
		}
		return next(c)
	}
}

var errJKNBody = &jkn.Error{Code: jkn.CodeFailed, Message: "Format data tidak valid: kirim objek JSON."}

// jknDecode reads a JSON object whatever the Content-Type (BPJS' own
// samples send JSON as form data), accepting numbers where text is
// expected.
func jknDecode(c echo.Context, v any) error {
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &jkn.Error{Code: jkn.CodeFailed, Message: "Permintaan terlalu besar."}
		}
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return errJKNBody
	}
	for k, x := range m {
		if n, ok := x.(json.Number); ok && k != "kodedokter" {
			m[k] = n.String()
		}
	}
	b, _ := json.Marshal(m)
	if err := json.Unmarshal(b, v); err != nil {
		return errJKNBody
	}
	return nil
}

func (s *Server) jknAuth(c echo.Context) error {
	h := c.Request().Header
	token, err := s.jkn.Auth(c.Request().Context(), c.Param("facility"), h.Get("x-username"), h.Get("x-password"))
	if err != nil {
		return err
	}
	return jknOK(c, map[string]string{"token": token})
}

func (s *Server) jknStatus(c echo.Context) error {
	st, err := s.jkn.Status(c.Request().Context(), c.Param("facility"), c.Param("kodepoli"), c.Param("tanggal"))
	if err != nil {
		return err
	}
	return jknOK(c, st)
}

func (s *Server) jknBook(c echo.Context) error {
	var req jkn.BookRequest
	if err := jknDecode(c, &req); err != nil {
		return err
	}
	b, err := s.jkn.Book(c.Request().Context(), c.Param("facility"), req)
	if err != nil {
		return err
	}
	return jknOK(c, b)
}

func (s *Server) jknRemaining(c echo.Context) error {
	r, err := s.jkn.Remaining(c.Request().Context(), c.Param("facility"), c.Param("kartu"), c.Param("kodepoli"), c.Param("tanggal"))
	if err != nil {
		return err
	}
	return jknOK(c, r)
}

func (s *Server) jknCancel(c echo.Context) error {
	var req jkn.CancelRequest
	if err := jknDecode(c, &req); err != nil {
		return err
	}
	if err := s.jkn.Cancel(c.Request().Context(), c.Param("facility"), req); err != nil {
		return err
	}
	return jknOK(c, nil)
}

func (s *Server) jknRegister(c echo.Context) error {
	var req jkn.Peserta
	if err := jknDecode(c, &req); err != nil {
		return err
	}
	r, err := s.jkn.Register(c.Request().Context(), c.Param("facility"), req)
	if err != nil {
		return err
	}
	return jknOK(c, r)
}
