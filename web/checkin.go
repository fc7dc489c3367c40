package web

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // camera frames
	_ "image/png"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/makiuchi-d/gozxing"
	qrreader "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/antrian/antrian/ratelimit"
	"github.com/labstack/echo/v4"
)

// Arrival check-in (queue.CheckIn): a patient who booked from afar shows
// her ticket's QR code at the kiosk's camera or the desk's scanner, the
// desk types her number, or she opens the link of the check-in poster at
// the entrance on her own phone.

type checkInRequest struct {
	// Code is what the kiosk or desk read: a ticket's link (its QR code)
	// or, typed by staff, a ticket code ("B-014").
	Code string `json:"code"`
	// Place is the facility's place key (its kiosks' link and its
	// check-in poster carry it), for a check-in that is not staff's.
	Place string `json:"place"`
	// Unit narrows a typed code to one unit (units may share a prefix).
	Unit string `json:"unit"`
}

// checkInPerAddr bounds the check-ins and camera frames one address sends:
// a kiosk sends two or three frames a second while it scans, and the
// kiosks and phones of a Puskesmas may share one address behind its
// router; reading a frame costs the server some milliseconds of CPU.
var checkInPerAddr = ratelimit.Limit{Rate: 600, Period: time.Minute}

// limitCheckIn counts a check-in or a camera frame against its address.
func (s *Server) limitCheckIn(c echo.Context) error {
	return s.limit(c, "checkin-addr:"+c.RealIP(), checkInPerAddr, false)
}

var errUnknownTicket = fault.New(fault.ErrNotFound, "unknown_ticket", "Tiket tidak dikenal. Pindai kode QR pada tiket atau halaman antrean Anda.")

// checkInAt checks in the ticket a kiosk or desk read at facility. A link
// carries its own proof (the ticket's token); a typed code is for staff of
// the ticket's unit.
func (s *Server) checkInAt(c echo.Context) error {
	noStore(c) // the ticket: the patient's name and place
	if err := s.limitCheckIn(c); err != nil {
		return err
	}
	var req checkInRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	return s.checkInCode(c, req)
}

// errNotOnPremises refuses a check-in without the facility's place key
// (the key of its poster and kiosks) from someone who is not staff.
var errNotOnPremises = fault.New(fault.ErrForbidden, "not_on_premises",
	"Check-in hanya bisa dilakukan di Puskesmas: di kios, di loket, atau dengan memindai kode QR check-in di pintu masuk.")

// checkInCode checks in the ticket raw names at the facility of the path.
// Staff need no more; anyone else (a kiosk, a phone) must also give the
// facility's place key, which its kiosks and poster carry, so that a
// ticket's link alone does not check its patient in from home.
func (s *Server) checkInCode(c echo.Context, req checkInRequest) error {
	code, err := queue.ParseCheckInCode(req.Code)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	facility := c.Param("facility")
	user, staff := currentUser(c)
	if !staff && !s.queue.CheckPlaceKey(facility, req.Place) {
		return errNotOnPremises
	}
	var t queue.Ticket
	if code.ID != "" {
		if !s.queue.CheckToken(code.ID, code.Token) {
			return errUnknownTicket
		}
		if t, err = s.queue.Store.Ticket(ctx, code.ID); err != nil {
			return err
		}
		if t.Facility != facility {
			return fault.New(fault.ErrConflict, "other_facility", "Tiket ini untuk Puskesmas lain.")
		}
	} else {
		if !staff {
			return fault.Invalid("code", "Nomor antrean hanya bisa diketik oleh petugas. Pindai kode QR tiket Anda.")
		}
		f, _, err := s.queue.Facility(ctx, facility)
		if err != nil {
			return err
		}
		if t, err = s.queue.Store.TicketByCode(ctx, facility, req.Unit, f.Today(s.now()), code.Code); err != nil {
			return err
		}
		if err := s.can(c, account.PermQueueRun, facility, t.Unit); err != nil {
			return err
		}
	}
	actor := "kiosk"
	if staff {
		actor = user.Username
	}
	if t, err = s.queue.CheckIn(ctx, t.ID, actor); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.ticketJSON(t, "", staff && user.Can(account.PermQueueRead, facility, t.Unit)))
}

// scanLimit bounds one camera frame a kiosk sends: a 640-pixel JPEG is
// well under it. scanMaxSide bounds the picture it declares, and
// scanSlots how many frames an instance reads at once, so that frames
// cannot take the memory or the cores the queue needs.
const (
	scanLimit   = 1 << 20
	scanMaxSide = 1600
)

var scanSlots = make(chan struct{}, 2)

// checkInScan reads the QR code in a kiosk's camera frame (a JPEG or PNG
// body) and checks in the ticket it links to, for kiosks whose browser
// cannot read QR codes itself (the kiosk page uses BarcodeDetector where
// there is one). 204 when the frame holds no QR code: the kiosk sends the
// next one.
func (s *Server) checkInScan(c echo.Context) error {
	noStore(c)
	if err := s.limitCheckIn(c); err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body) // capped by the route's limit
	if err != nil {
		return err
	}
	// The header first: a small file may declare a huge picture.
	cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return fault.Invalid("image", "Gambar dari kamera tidak terbaca (JPEG atau PNG).")
	}
	if cfg.Width > scanMaxSide || cfg.Height > scanMaxSide {
		return fault.Invalid("image", fmt.Sprintf("Gambar kamera paling besar %d×%d piksel.", scanMaxSide, scanMaxSide))
	}
	select {
	case scanSlots <- struct{}{}:
		defer func() { <-scanSlots }()
	case <-c.Request().Context().Done():
		return c.Request().Context().Err()
	}
	img, _, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		return fault.Invalid("image", "Gambar dari kamera tidak terbaca (JPEG atau PNG).")
	}
	text, ok := readQR(img)
	if !ok {
		return c.NoContent(http.StatusNoContent)
	}
	return s.checkInCode(c, checkInRequest{Code: text, Place: c.QueryParam("place")})
}

// readQR returns the text of the QR code in img, if it finds one.
func readQR(img image.Image) (string, bool) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", false
	}
	res, err := qrreader.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return "", false
	}
	return res.GetText(), true
}

// checkInTicket checks in a ticket from its patient's phone: her token
// (X-Ticket-Token) says which ticket, the poster's key that she is there.
func (s *Server) checkInTicket(c echo.Context) error {
	noStore(c)
	id := c.Param("id")
	if err := s.limitCheckIn(c); err != nil {
		return err
	}
	if !s.queue.CheckToken(id, c.Request().Header.Get("X-Ticket-Token")) {
		return errNotFound
	}
	var req checkInRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	cur, err := s.queue.Store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	if !s.queue.CheckPlaceKey(cur.Facility, req.Place) {
		return errNotOnPremises
	}
	t, err := s.queue.CheckIn(ctx, id, "patient")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.ticketJSON(t, "", false))
}

// checkInPoster gives an admin the paths (the page adds its own origin) of
// the facility's check-in poster, to print as a QR code at the entrance,
// and of its kiosk page, which carries the same place key.
func (s *Server) checkInPoster(c echo.Context) error {
	facility := c.Param("facility")
	if _, _, err := s.queue.Facility(c.Request().Context(), facility); err != nil {
		return err
	}
	q := url.Values{"facility": {facility}, "k": {s.queue.PlaceKey(facility)}}.Encode()
	return c.JSON(http.StatusOK, map[string]string{"path": "/hadir?" + q, "kiosk": "/kiosk?" + q})
}
