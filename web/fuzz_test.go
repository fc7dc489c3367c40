package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/antrian/antrian/queue"
	"github.com/labstack/echo/v4"
)

// FuzzDecodeTicketRequest: no body and content type make the ticket
// decoder panic or answer anything but the contract's 4xx errors.
func FuzzDecodeTicketRequest(f *testing.F) {
	for _, seed := range []struct{ ct, body string }{
		{"application/json", `{"unit":"UMUM","nik":"3510014101900001","notify":true}`},
		{"application/json", `{"unit":42}`},
		{"application/json; charset=utf-8", `{"unit":"UMUM"} x`},
		{"text/plain", `unit=UMUM`},
		{"", `{"unit":"\u0000"}`},
		{"application/json", `[` + strings.Repeat(`{"a":`, 50)},
	} {
		f.Add(seed.ct, seed.body)
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, ct, body string) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/facilities/sobo/tickets", strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		req.Body = http.MaxBytesReader(rec, req.Body, 64<<10)
		var r createTicketRequest
		err := decode(e.NewContext(req, rec), &r)
		if ae := apiErrorOf(err); err != nil && (ae.Status < 400 || ae.Status >= 500) {
			t.Errorf("decode(%q, %q) = %v, want nil or a 4xx apiError", ct, body, err)
		}
	})
}

// FuzzDisplayQuery: a screen's query string is either accepted with only
// known units and a non-negative since, or refused with a 400 naming the field.
func FuzzDisplayQuery(f *testing.F) {
	for _, q := range []string{"facility=sobo", "facility=sobo&units=UMUM,GIGI&since=42", "facility=sobo&since=-1",
		"facility=sobo&units=UMUM,,", "facility=sobo&name=TV%20lobi", "units=UMUM", "facility=sobo&since=99999999999999999999"} {
		f.Add(q)
	}
	units := []queue.Unit{{Code: "UMUM"}, {Code: "GIGI"}}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		req, err := parseDisplayQuery(q, units)
		if err != nil {
			if ae := apiErrorOf(err); ae.Status != 400 || ae.Field == "" {
				t.Errorf("parseDisplayQuery(%q) = %v, want a 400 naming the field", raw, err)
			}
			return
		}
		if req.Facility == "" || req.Since < 0 {
			t.Errorf("accepted %q as %+v", raw, req)
		}
		for _, u := range req.Units {
			if u != "UMUM" && u != "GIGI" {
				t.Errorf("accepted unknown unit %q from %q", u, raw)
			}
		}
	})
}
