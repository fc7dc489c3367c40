package web

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/antrian/antrian/account"
	qrcode "github.com/skip2/go-qrcode"
)

// TestCheckInAPI: an admin makes a unit require check-in; tickets booked
// online then wait for their patients, who check in by the poster's link
// on their phones, by their QR code in a kiosk camera frame, or by the desk
// typing their number. Every door checks its proof.
func TestCheckInAPI(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("lain", "admin-lain", account.Admin)
	e.user("lain", "petugas-lain", account.Staff)
	admin, desk, anon := e.caller("10.0.0.1"), e.caller("10.0.0.2"), e.caller("10.0.0.3")
	if admin.login("admin-lain", "rahasia123") != http.StatusOK || desk.login("petugas-lain", "rahasia123") != http.StatusOK {
		t.Fatal("login")
	}
	unit := map[string]any{"name": "Poli Umum", "prefix": "B", "daily_quota": 999, "opens": "00:00", "closes": "00:00", "open_days": 127,
		"policy": map[string]any{"mode": "fifo", "every": 1}, "default_service_s": 300,
		"checkin": map[string]any{"required": true, "grace_min": 10, "no_show": "nowhere"}}
	if rec := admin.do("PUT", "/api/v1/facilities/lain/units/UMUM", unit); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "checkin.no_show") {
		t.Fatalf("a bad no-show rule: %d %s", rec.Code, rec.Body)
	}
	unit["checkin"] = map[string]any{"required": true, "grace_min": 10, "no_show": "refuse"}
	if rec := admin.do("PUT", "/api/v1/facilities/lain/units/UMUM", unit); rec.Code != http.StatusNoContent {
		t.Fatalf("save unit: %d %s", rec.Code, rec.Body)
	}
	var settings struct {
		Units []unitSettingsJSON `json:"units"`
	}
	decodeBody(t, admin.do("GET", "/api/v1/facilities/lain/settings", nil), &settings)
	if len(settings.Units) == 0 || settings.Units[0].Checkin == nil || *settings.Units[0].Checkin != (checkinJSON{true, 10, "refuse"}) {
		t.Fatalf("settings: %+v", settings.Units)
	}
	// Saving the unit without a check-in rule keeps it.
	delete(unit, "checkin")
	if rec := admin.do("PUT", "/api/v1/facilities/lain/units/UMUM", unit); rec.Code != http.StatusNoContent {
		t.Fatalf("save unit: %d %s", rec.Code, rec.Body)
	}
	decodeBody(t, admin.do("GET", "/api/v1/facilities/lain/settings", nil), &settings)
	if c := settings.Units[0].Checkin; c == nil || !c.Required {
		t.Fatalf("the rule was lost by a save without it: %+v", c)
	}

	book := func(channel string) ticketJSON {
		t.Helper()
		c := anon
		if channel == "desk" {
			c = desk
		}
		rec := c.do("POST", "/api/v1/facilities/lain/tickets", map[string]string{"unit": "UMUM", "channel": channel})
		var tk ticketJSON
		decodeBody(t, rec, &tk)
		if rec.Code != http.StatusCreated {
			t.Fatalf("book %s: %d %s", channel, rec.Code, rec.Body)
		}
		return tk
	}
	first, second, third := book("online"), book("online"), book("online")
	if first.Status != "booked" || first.Position != nil {
		t.Fatalf("an online booking: %+v, want booked with no place", first)
	}
	if walkin := book("desk"); walkin.Status != "waiting" {
		t.Fatalf("a desk ticket: %s, want waiting", walkin.Status)
	}
	var q struct {
		Waiting, Expected []ticketJSON
	}
	decodeBody(t, desk.do("GET", "/api/v1/facilities/lain/units/UMUM/queue", nil), &q)
	if len(q.Waiting) != 1 || len(q.Expected) != 3 {
		t.Fatalf("queue: %d waiting, %d expected; want 1 and 3", len(q.Waiting), len(q.Expected))
	}

	checkin := func(c *caller, path string, body any) *httptest.ResponseRecorder {
		t.Helper()
		return c.do("POST", path, body)
	}
	link := func(tk ticketJSON, token string) string { return "https://antrian.example.id/t/" + tk.ID + "#" + token }
	// The poster and the kiosks carry the facility's place key.
	var poster struct{ Path, Kiosk string }
	decodeBody(t, admin.do("GET", "/api/v1/facilities/lain/checkin-poster", nil), &poster)
	pu, err := url.Parse(poster.Path)
	if err != nil || pu.Path != "/hadir" || pu.Query().Get("facility") != "lain" || pu.Query().Get("k") == "" {
		t.Fatalf("poster link %q", poster.Path)
	}
	key := pu.Query().Get("k")
	if poster.Kiosk != "/kiosk?facility=lain&k="+url.QueryEscape(key) {
		t.Fatalf("kiosk link %q", poster.Kiosk)
	}
	// A ticket's link alone (from home) is not a check-in; a typed number
	// is for staff; a link needs its ticket's token.
	if rec := checkin(anon, "/api/v1/facilities/lain/checkin", map[string]string{"code": link(first, first.Token)}); rec.Code != http.StatusForbidden || errorCode(rec) != "not_on_premises" {
		t.Fatalf("a link without the place key: %d %s", rec.Code, rec.Body)
	}
	if rec := checkin(anon, "/api/v1/facilities/lain/checkin", map[string]string{"code": link(first, first.Token), "place": "guessed"}); rec.Code != http.StatusForbidden {
		t.Fatalf("a link with a wrong place key: %d %s", rec.Code, rec.Body)
	}
	if rec := checkin(anon, "/api/v1/facilities/lain/checkin", map[string]string{"code": "B-001", "place": key}); rec.Code != http.StatusBadRequest {
		t.Fatalf("a typed code by a stranger: %d %s", rec.Code, rec.Body)
	}
	if rec := checkin(anon, "/api/v1/facilities/lain/checkin", map[string]string{"code": link(first, "wrong"), "place": key}); rec.Code != http.StatusNotFound || errorCode(rec) != "unknown_ticket" {
		t.Fatalf("a link with a wrong token: %d %s", rec.Code, rec.Body)
	}
	if rec := checkin(anon, "/api/v1/facilities/sobo/checkin", map[string]string{"code": link(first, first.Token), "place": e.s.queue.PlaceKey("sobo")}); rec.Code != http.StatusConflict || errorCode(rec) != "other_facility" {
		t.Fatalf("at another Puskesmas: %d %s", rec.Code, rec.Body)
	}

	// 1. From her phone, with the entrance poster's key.
	phone := e.caller("10.0.0.4")
	phone.header.Set("X-Ticket-Token", first.Token)
	if rec := checkin(phone, "/api/v1/tickets/"+first.ID+"/checkin", map[string]string{"place": "guessed"}); rec.Code != http.StatusForbidden || errorCode(rec) != "not_on_premises" {
		t.Fatalf("a wrong poster key: %d %s", rec.Code, rec.Body)
	}
	rec := checkin(phone, "/api/v1/tickets/"+first.ID+"/checkin", map[string]string{"place": key})
	var tk ticketJSON
	decodeBody(t, rec, &tk)
	if rec.Code != http.StatusOK || tk.Status != "waiting" || tk.CheckedInAt == nil || tk.Position == nil || *tk.Position != 2 {
		t.Fatalf("phone check-in: %d %s", rec.Code, rec.Body)
	}

	// 2. At the kiosk: a camera frame holding her ticket's QR code. A
	// frame without one is 204; a body that is no image is refused.
	frame := func(text string) []byte {
		img := image.NewGray(image.Rect(0, 0, 480, 360))
		for i := range img.Pix {
			img.Pix[i] = 200 // a grey room
		}
		if text != "" {
			q, err := qrcode.New(text, qrcode.Medium)
			if err != nil {
				t.Fatal(err)
			}
			sym := q.Image(220)
			for y := 0; y < 220; y++ {
				for x := 0; x < 220; x++ {
					img.Set(130+x, 70+y, color.GrayModel.Convert(sym.At(x, y)))
				}
			}
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	scan := func(body []byte) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("POST", "/api/v1/facilities/lain/checkin/scan?place="+url.QueryEscape(key), bytes.NewReader(body))
		req.Header.Set("Content-Type", "image/png")
		req.RemoteAddr = "10.0.0.5:40000"
		rec := httptest.NewRecorder()
		e.s.ServeHTTP(rec, req)
		return rec
	}
	if rec := scan(frame("")); rec.Code != http.StatusNoContent {
		t.Fatalf("a frame without a QR code: %d %s", rec.Code, rec.Body)
	}
	if rec := scan([]byte("not an image")); rec.Code != http.StatusBadRequest {
		t.Fatalf("not an image: %d %s", rec.Code, rec.Body)
	}
	// A small file declaring a huge picture is refused before it is read.
	var huge bytes.Buffer
	if err := png.Encode(&huge, image.NewGray(image.Rect(0, 0, 4000, 10))); err != nil {
		t.Fatal(err)
	}
	if rec := scan(huge.Bytes()); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "1600") {
		t.Fatalf("a 4000-pixel frame: %d %s", rec.Code, rec.Body)
	}
	if rec := scan(frame("https://example.com/promo")); rec.Code != http.StatusBadRequest {
		t.Fatalf("another QR code: %d %s", rec.Code, rec.Body)
	}
	rec = scan(frame(link(second, second.Token)))
	decodeBody(t, rec, &tk)
	if rec.Code != http.StatusOK || tk.ID != second.ID || tk.Status != "waiting" || tk.Name != "" {
		t.Fatalf("kiosk camera check-in: %d %s", rec.Code, rec.Body)
	}

	// 3. At the desk: the staff types her number.
	rec = checkin(desk, "/api/v1/facilities/lain/checkin", map[string]string{"code": strings.ToLower(strings.ReplaceAll(third.Code, "-", ""))})
	decodeBody(t, rec, &tk)
	if rec.Code != http.StatusOK || tk.ID != third.ID || tk.Status != "waiting" {
		t.Fatalf("desk check-in: %d %s", rec.Code, rec.Body)
	}
	decodeBody(t, desk.do("GET", "/api/v1/facilities/lain/units/UMUM/queue", nil), &q)
	if len(q.Waiting) != 4 || len(q.Expected) != 0 {
		t.Fatalf("queue after the check-ins: %d waiting, %d expected; want 4 and 0", len(q.Waiting), len(q.Expected))
	}
	// Checking in twice answers with her place and changes nothing.
	rec = checkin(anon, "/api/v1/facilities/lain/checkin", map[string]string{"code": link(first, first.Token), "place": key})
	decodeBody(t, rec, &tk)
	if rec.Code != http.StatusOK || tk.Status != "waiting" || tk.Position == nil || *tk.Position != 2 {
		t.Fatalf("second check-in: %d %s", rec.Code, rec.Body)
	}

	// One address scanning without pause is slowed down: refused once
	// the burst of a minute's allowance (plus what refilled meanwhile) is
	// spent.
	for i := 0; ; i++ {
		rec := scan([]byte("x"))
		if rec.Code == http.StatusTooManyRequests {
			if i < checkInPerAddr.Rate-4 || rec.Header().Get("Retry-After") == "" {
				t.Fatalf("refused after %d frames, Retry-After %q", i, rec.Header().Get("Retry-After"))
			}
			break
		}
		if i > 2*checkInPerAddr.Rate {
			t.Fatalf("%d frames in a row, none refused", i)
		}
	}
}

// BenchmarkReadQR is what one kiosk camera frame costs the server: a
// 640×480 JPEG holding a ticket's link, decoded and read.
// go test ./web -run '^$' -bench ReadQR
func BenchmarkReadQR(b *testing.B) {
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	q, err := qrcode.New("https://antrian.example.id/t/abcdefghijklmnop#0123456789abcdefghijklmn", qrcode.Medium)
	if err != nil {
		b.Fatal(err)
	}
	sym := q.Image(300)
	for y := range 300 {
		for x := range 300 {
			img.Set(170+x, 90+y, color.GrayModel.Convert(sym.At(x, y)))
		}
	}
	benchFrame(b, img, true)
}

// BenchmarkReadQREmpty is a frame without a QR code (the kiosk sends such
// frames until the patient holds her phone up).
func BenchmarkReadQREmpty(b *testing.B) {
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7 % 251) // a busy room, no code
	}
	benchFrame(b, img, false)
}

// benchFrame sends img as the kiosk does (a JPEG) and times decoding it and
// reading its QR code, which must be found exactly when withQR.
func benchFrame(b *testing.B, img image.Image, withQR bool) {
	var frame bytes.Buffer
	if err := jpeg.Encode(&frame, img, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		dec, _, err := image.Decode(bytes.NewReader(frame.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := readQR(dec); ok != withQR {
			b.Fatalf("QR code read: %v, want %v", ok, withQR)
		}
	}
}
