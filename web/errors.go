package web

import (
	"cmp"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/labstack/echo/v4"
)

// apiError is the body of every 4xx and 5xx answer.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

var (
	errUnauthenticated = fault.New(fault.ErrUnauthenticated, "", "Silakan masuk terlebih dahulu.")
	errForbidden       = fault.New(fault.ErrForbidden, "", "Anda tidak berhak melakukan ini.")
	errCSRF            = fault.New(fault.ErrForbidden, "", "Token CSRF tidak ada atau salah. Muat ulang halaman.")
	errNotFound        = fault.New(fault.ErrNotFound, "", "Tidak ditemukan.")
	errTooLarge        = fault.New(fault.ErrTooLarge, "", "Permintaan terlalu besar.")
)

// kindTable maps the kinds of package fault to HTTP, in one place: the
// status, the code programs see and the message people see when the error
// itself carries none.
var kindTable = []struct {
	kind error
	api  apiError
}{
	{fault.ErrInvalid, apiError{Status: 400, Code: "invalid", Message: "Data tidak valid."}},
	{fault.ErrUnauthenticated, apiError{Status: 401, Code: "unauthenticated", Message: "Silakan masuk terlebih dahulu."}},
	{fault.ErrForbidden, apiError{Status: 403, Code: "forbidden", Message: "Anda tidak berhak melakukan ini."}},
	{fault.ErrNotFound, apiError{Status: 404, Code: "not_found", Message: "Tidak ditemukan."}},
	{fault.ErrConflict, apiError{Status: 409, Code: "conflict", Message: "Data bertentangan dengan yang sudah tersimpan."}},
	{fault.ErrTooLarge, apiError{Status: 413, Code: "too_large", Message: "Permintaan terlalu besar."}},
	{fault.ErrUnavailable, apiError{Status: 503, Code: "unavailable", Message: "Layanan sedang terganggu. Coba lagi sebentar lagi."}},
}

// handleError renders every error the same way and logs the detail once.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if strings.HasPrefix(c.Request().URL.Path, "/jkn/") {
		s.jknError(err, c) // Mobile JKN always gets the BPJS envelope
		return
	}
	ae := apiErrorOf(err)
	body := map[string]any{}
	if dup := (*queue.DuplicateError)(nil); errors.As(err, &dup) {
		body["ticket"] = s.ticketJSON(dup.Existing, "", false)
	}
	if closed := (*queue.ClosedError)(nil); errors.As(err, &closed) && closed.NextOpen != "" {
		body["next_open"] = closed.NextOpen
	}
	if full := (*queue.FullError)(nil); errors.As(err, &full) && full.NextOpen != "" {
		body["next_open"] = full.NextOpen
	}
	level := slog.LevelDebug
	if ae.Status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(c.Request().Context(), level, "request failed", "method", c.Request().Method,
		"route", c.Path(), "status", ae.Status, "code", ae.Code, "err", err.Error())
	if ae.Status == http.StatusServiceUnavailable || ae.Status == http.StatusTooManyRequests {
		if c.Response().Header().Get("Retry-After") == "" {
			c.Response().Header().Set("Retry-After", "5")
		}
	}
	body["error"] = ae
	if c.Request().Method == http.MethodHead {
		c.NoContent(ae.Status)
		return
	}
	c.JSON(ae.Status, body)
}

// apiErrorOf maps an error to the answer the contract gives for it: the one
// table of error to status and code (the audit trail records the same). A
// *fault.Error's code, message and field refine its kind's defaults.
func apiErrorOf(err error) apiError {
	var he *echo.HTTPError
	var api *apiError
	switch {
	case errors.As(err, &api):
		return *api
	case errors.As(err, &he):
		return httpError(he)
	}
	for _, m := range kindTable {
		if !errors.Is(err, m.kind) {
			continue
		}
		out := m.api
		if fe, ok := fault.As(err); ok && fe.Kind == m.kind {
			out.Code = cmp.Or(fe.Code, out.Code)
			out.Message = cmp.Or(fe.Message, out.Message)
			out.Field = fe.Field
		}
		return out
	}
	return apiError{Status: 500, Code: "internal", Message: "Terjadi kesalahan pada server."}
}

// httpError translates echo's own errors (routing, body limit, binding).
func httpError(he *echo.HTTPError) apiError {
	switch he.Code {
	case http.StatusNotFound:
		return apiError{Status: 404, Code: "not_found", Message: "Alamat tidak ditemukan."}
	case http.StatusMethodNotAllowed:
		return apiError{Status: 405, Code: "method_not_allowed", Message: "Metode tidak diizinkan."}
	case http.StatusRequestEntityTooLarge:
		return apiError{Status: 413, Code: "too_large", Message: "Permintaan terlalu besar."}
	case http.StatusTooManyRequests:
		return apiError{Status: 429, Code: "rate_limited", Message: "Terlalu banyak permintaan. Coba lagi nanti."}
	case http.StatusUnauthorized:
		return apiErrorOf(errUnauthenticated)
	case http.StatusForbidden:
		return apiErrorOf(errForbidden)
	}
	if he.Code >= 400 && he.Code < 500 {
		return apiError{Status: he.Code, Code: "invalid", Message: "Permintaan tidak valid."}
	}
	return apiError{Status: 500, Code: "internal", Message: "Terjadi kesalahan pada server."}
}

// decode reads a JSON body into v. Wrong content type, bad JSON and wrong
// types are 400 invalid naming the field where one is at fault.
func decode(c echo.Context, v any) error {
	req := c.Request()
	if req.ContentLength == 0 && req.Header.Get("Transfer-Encoding") == "" {
		return nil
	}
	ct := req.Header.Get("Content-Type")
	if ct != "" && !isJSON(ct) {
		return fault.Invalid("", "Isi permintaan harus JSON (Content-Type: application/json).")
	}
	dec := json.NewDecoder(req.Body)
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return errTooLarge
		case errors.As(err, &te):
			return fault.Invalid(te.Field, "Jenis data isian "+te.Field+" salah.")
		}
		if he := new(echo.HTTPError); errors.As(err, &he) {
			return he
		}
		return fault.Invalid("", "JSON tidak valid.")
	}
	if dec.More() {
		return fault.Invalid("", "JSON tidak valid: ada data setelah objek.")
	}
	return nil
}

func isJSON(ct string) bool {
	for i := 0; i < len(ct); i++ {
		if ct[i] == ';' {
			ct = ct[:i]
			break
		}
	}
	return ct == "application/json" || ct == "application/json " || ct == "text/json"
}
