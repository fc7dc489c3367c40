package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A facility's settings that answer after another facility was chosen are
// dropped: the forms show the chosen facility's, so that saving writes its
// own settings, not the last one's.
func TestBrowserAdminStaleFacility(t *testing.T) {
	b := browser(t)
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	district := adminClient(t, app, "", "dinas")
	if st := district.do("POST", "/api/v1/admin/facilities", map[string]string{"code": "baru", "name": "Puskesmas Baru"}, nil, nil); st != 201 {
		t.Fatalf("create a facility: %d", st)
	}
	const wait = 10 * time.Second
	a := tab(t, b, 1280, 900, false)
	do(t, a, "open", chromedp.Navigate(app.URL()+"/admin"))
	waitFor(t, a, "login form", `!document.querySelector('#login').hidden`, wait)
	do(t, a, "log in", typeIn(`#username`, "dinas"), typeIn(`#password`, "rahasia123\r"))
	choose := func(code string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#fac'); s.value = '` + code + `';
			s.dispatchEvent(new Event('change')); })()`)
	}
	waitFor(t, a, "the facilities", `[...document.querySelectorAll('#fac option')].some((o) => o.value === 'baru')`, wait)
	do(t, a, "choose Sobo", choose("sobo"))
	waitFor(t, a, "Sobo's settings", `document.querySelector('#f-name').value === 'Puskesmas Sobo'`, wait)
	// From now on Sobo's reads answer a second late; late counts those
	// still on their way.
	do(t, a, "slow Sobo", chromedp.Evaluate[chromedp.Void](`(() => {
		const f = window.fetch;
		window.late = 0;
		window.fetch = async (url, opt) => {
			if (!String(url).includes('/facilities/sobo/')) return f(url, opt);
			window.late++;
			try {
				const r = await f(url, opt);
				await new Promise((ok) => setTimeout(ok, 1000));
				return r;
			} finally { setTimeout(() => window.late--); }
		};
	})()`))
	do(t, a, "choose Sobo, then Baru", choose("sobo"), choose("baru"))
	waitFor(t, a, "Sobo's late answers", `window.late === 0`, wait)
	if name := eval[string](t, a, `document.querySelector('#f-name').value`); name != "Puskesmas Baru" {
		t.Fatalf("facility name field %q with Baru chosen, want Puskesmas Baru", name)
	}
}
