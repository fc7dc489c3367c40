package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A read of the ticket taken before its call but answered after the
// socket brought the call must not put the patient back in the line: her
// phone keeps saying she is called.
func TestBrowserTrackStaleRead(t *testing.T) {
	b := browser(t)
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	st, tk := newClient(t, app.URL()).book("UMUM", map[string]any{"name": "Siti Aminah"})
	if st != 201 {
		t.Fatalf("book: %d", st)
	}
	const wait = 10 * time.Second
	phone := tab(t, b, 360, 740, true)
	do(t, phone, "open her ticket", chromedp.Navigate(app.URL()+"/t/"+tk.ID+"#"+tk.Token))
	waitFor(t, phone, "the ticket live and waiting", `document.body.dataset.online === 'true' &&
		document.querySelector('#ticket').dataset.status === 'waiting'`, wait)
	// From now on a read of the ticket reaches the page a second and a half
	// after the service answered it.
	do(t, phone, "slow reads", holdAnswers("/api/v1/tickets/", 1500))
	// Coming back to the page reads the ticket again.
	do(t, phone, "show the page again", chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new Event('visibilitychange'))`))
	waitFor(t, phone, "the read answered", `window.held >= 1 && window.late === 0`, wait)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	if st, called := staff.callNext("UMUM", "Ruang 2"); st != 200 || called.ID != tk.ID {
		t.Fatalf("call: %d %s, want %s", st, called.ID, tk.ID)
	}
	waitFor(t, phone, "the call over the socket", `document.querySelector('#ticket').dataset.status === 'called'`, wait)
	waitFor(t, phone, "the late read", `window.late >= 1`, wait)
	if got := eval[string](t, phone, `document.querySelector('#ticket').dataset.status`); got != "called" {
		t.Fatalf("after the late read the page says %q, want called", got)
	}
}
