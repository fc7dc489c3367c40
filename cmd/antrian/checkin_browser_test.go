package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	qrcode "github.com/skip2/go-qrcode"
)

// TestCheckInAtKioskCamera: a patient books Poli Umum from her phone, where
// check-in is required. Her tracking page asks her to check in; she holds
// its QR code up to the kiosk's camera (Chromium's fake camera playing a
// video of it); the kiosk greets her with her number and place, the TV
// shows her as arrived, and her phone shows her place in the line.
func TestCheckInAtKioskCamera(t *testing.T) {
	env := newEnv(t, backend{name: "embedded"})
	app := env.start()
	env.seed(app)
	requireCheckIn(t, nil, app)
	base := app.URL()
	patient := newClient(t, base)
	st, tk := patient.book("UMUM", nil)
	if st != 201 || tk.Status != "booked" {
		t.Fatalf("online booking: %d %+v, want booked", st, tk)
	}
	_, other := newClient(t, base).book("UMUM", nil) // checks in at the desk
	_, third := newClient(t, base).book("UMUM", nil) // checks in by the entrance poster
	link := base + "/t/" + tk.ID + "#" + tk.Token
	video := filepath.Join(t.TempDir(), "qr.y4m")
	writeQRVideo(t, video, link)

	b := browser(t, chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", video))
	const wait = 15 * time.Second
	phone := tab(t, b, 360, 740, true)
	tv := tab(t, b, 1280, 720, false)
	kiosk := tab(t, b, 1280, 800, false)

	do(t, phone, "open the ticket", chromedp.Navigate(link))
	waitFor(t, phone, "the check-in request", `document.querySelector('#ticket').dataset.status === 'booked' && document.querySelector('#alert.checkin') !== null && !document.querySelector('#alert').hidden`, wait)
	do(t, tv, "open the TV", chromedp.Navigate(base+"/display?facility=sobo"))
	waitFor(t, tv, "the units", `document.querySelectorAll('#units li').length > 0`, wait)

	do(t, kiosk, "open the kiosk", chromedp.Navigate(base+"/kiosk?facility=sobo&k="+app.Queue.PlaceKey("sobo")))
	waitFor(t, kiosk, "the check-in button", visible("#ci-open"), wait)
	do(t, kiosk, "start check-in", click("#ci-open"))
	waitFor(t, kiosk, "the greeting", `!document.querySelector('#ci-result').hidden && document.querySelector('#ci-result').textContent === '`+tk.Code+`'`, 3*wait)
	if got := text(t, kiosk, "#ci-text"); got == "" {
		t.Error("the kiosk does not say her place")
	}
	shot(t, kiosk, testout(t), "kiosk-checkin")

	waitFor(t, tv, "her number as arrived", `[...document.querySelectorAll('#units .arrived')].some((e) => e.textContent.includes('`+tk.Code+`'))`, wait)
	waitFor(t, phone, "her place in the line", `document.querySelector('#ticket').dataset.status === 'waiting' && document.querySelector('#t-position').textContent !== '–'`, wait)

	// At the desk: the console lists the other patient as not arrived;
	// the staff types her number, and she joins the line, marked arrived.
	desk := tab(t, b, 1280, 800, false)
	do(t, desk, "open the console", chromedp.Navigate(base+"/console"))
	waitFor(t, desk, "the login form", `!document.querySelector('#login').hidden`, wait)
	do(t, desk, "log in", typeIn(`#username`, "petugas"), typeIn(`#password`, "rahasia123\r"))
	waitFor(t, desk, "the console", `!document.querySelector('#app').hidden && document.querySelector('#unit').options.length > 0`, 3*wait)
	do(t, desk, "choose the unit", chromedp.Evaluate[chromedp.Void](`(() => {
		const u = document.querySelector('#unit'); u.value = 'UMUM'; u.dispatchEvent(new Event('change'));
	})()`))
	waitFor(t, desk, "the patient not yet arrived", `!document.querySelector('#checkin-box').hidden && document.querySelector('#elist').textContent.includes('`+other.Code+`')`, wait)
	do(t, desk, "type her number", typeIn("#ci-code", other.Code+"\r"))
	waitFor(t, desk, "her in the line, arrived", `document.querySelectorAll('#wlist .badge.in').length === 2 && !document.querySelector('#elist').textContent.includes('`+other.Code+`')`, wait)
	checkA11y(t, desk, "console with check-in")

	// On her own phone: the third patient has her ticket open (so it is
	// kept on the phone), scans the poster at the entrance and taps it.
	mobile := tab(t, b, 360, 740, true)
	do(t, mobile, "open her ticket", chromedp.Navigate(base+"/t/"+third.ID+"#"+third.Token))
	waitFor(t, mobile, "her ticket, booked and kept on the phone", `document.querySelector('#ticket').dataset.status === 'booked' &&
		(localStorage.getItem('antrian.tickets') || '').includes('`+third.ID+`')`, wait)
	do(t, mobile, "scan the poster", chromedp.Navigate(base+"/hadir?facility=sobo&k="+app.Queue.PlaceKey("sobo")))
	button := `#h-list button[data-id="` + third.ID + `"]`
	waitFor(t, mobile, "her ticket to check in", visible(button), wait)
	checkA11y(t, mobile, "check-in poster page")
	do(t, mobile, "tap it", click(button))
	waitFor(t, mobile, "her place, back on the ticket page", `location.pathname === '/t/`+third.ID+`' && document.querySelector('#ticket').dataset.status === 'waiting'`, 2*wait)

	var after ticket
	if st := patient.do("GET", "/api/v1/tickets/"+tk.ID, nil, map[string]string{"X-Ticket-Token": tk.Token}, &after); st != 200 || after.Status != "waiting" {
		t.Fatalf("after the kiosk: %d %+v", st, after)
	}
}

// writeQRVideo writes a short Y4M video (what Chromium's fake camera
// plays) of a QR code of text on a light background.
func writeQRVideo(t *testing.T, path, text string) {
	t.Helper()
	const w, h, side = 640, 480, 360
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	sym := q.Image(side)
	y := make([]byte, w*h)
	for i := range y {
		y[i] = 220
	}
	x0, y0 := (w-side)/2, (h-side)/2
	for j := range side {
		for i := range side {
			r, _, _, _ := sym.At(i, j).RGBA()
			y[(y0+j)*w+x0+i] = byte(r >> 8)
		}
	}
	chroma := make([]byte, w*h/2) // U and V planes of 4:2:0, neutral
	for i := range chroma {
		chroma[i] = 128
	}
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(fh)
	fmt.Fprintf(bw, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	for range 10 {
		bw.WriteString("FRAME\n")
		bw.Write(y)
		bw.Write(chroma)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
}
