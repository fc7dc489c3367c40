package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestDashboardsInBrowser signs in to the facility and district dashboards
// in a real browser, checks that they show the hand-checked day, pass the
// accessibility checks, and print; screenshots land in testout/browser/.
func TestDashboardsInBrowser(t *testing.T) {
	b := browser(t)
	env := newEnv(t, backend{name: "embedded"})
	app := env.start()
	env.seed(app)
	seedDay(t, env, app)
	env.clock.Set(time.Date(2026, 11, 27, 9, 0, 0, 0, time.FixedZone("WIB", 7*3600)))
	hash, _ := account.HashPassword("rahasia-dinas")
	if _, err := app.DB.CreateUser(context.Background(), "", "dinas", account.Dinkes, hash); err != nil {
		t.Fatal(err)
	}
	// Someone is waiting now, for the live columns.
	if st, _ := newClient(t, app.URL()).book("UMUM", nil); st != 201 {
		t.Fatalf("book: status %d", st)
	}
	base := app.URL()
	out := testout(t)
	const wait = 10 * time.Second
	printView := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	})

	signIn := func(t *testing.T, ctx context.Context, user, pass string) {
		t.Helper()
		waitFor(t, ctx, "sign-in form", `document.querySelector('#login')`, wait)
		checkA11y(t, ctx, "dashboard sign-in")
		do(t, ctx, "sign in",
			typeIn(`#username`, user),
			typeIn(`#password`, pass+"\r"))
	}

	t.Run("facility dashboard", func(t *testing.T) {
		tb := tab(t, b, 1280, 900, false)
		do(t, tb, "open", chromedp.Navigate(base+"/admin/reports?from=2026-11-26&to=2026-11-26"))
		signIn(t, tb, "kepala", "rahasia-admin")
		waitFor(t, tb, "the unit table", `document.querySelector('#table-units tbody tr')`, wait)
		row := text(t, tb, "#table-units tbody tr:first-child")
		if !strings.Contains(row, "Pendaftaran") {
			t.Errorf("first unit row: %q", row)
		}
		umum := eval[[]string](t, tb, `[...document.querySelectorAll('#table-units tbody tr')].find(r => r.textContent.includes('Poli Umum')).querySelectorAll('th,td').values().map(c => c.textContent).toArray()`)
		// Poli Umum: 4 tickets (2 online, 1 kiosk, 1 desk, none by Mobile JKN
		// or WhatsApp), 25% no-show, median wait 20 min, p90 30, service 7.5 / 9.5.
		if got := strings.Join(umum, "|"); got != "Poli Umum|4|2|1|1|0|0|0|4|2|25|0|1|0|20|30|7.5|9.5" {
			t.Errorf("Poli Umum row: got %s", got)
		}
		for _, chart := range []string{"#chart-days svg", "#chart-arrivals svg", "#chart-waits svg"} {
			if n := eval[int](t, tb, `document.querySelectorAll('`+chart+` rect').length`); n < 2 {
				t.Errorf("%s: %d shapes", chart, n)
			}
		}
		if href := eval[string](t, tb, `document.querySelector('#table-staff .exports a').getAttribute('href')`); !strings.Contains(href, "format=csv") {
			t.Errorf("export link: %q", href)
		}
		checkA11y(t, tb, "facility dashboard")
		shot(t, tb, out, "reports")
		do(t, tb, "print view", printView)
		if eval[bool](t, tb, `getComputedStyle(document.querySelector('form.filters')).display !== 'none'`) {
			t.Error("the filters are printed")
		}
		shot(t, tb, out, "reports-print")
	})

	t.Run("district dashboard", func(t *testing.T) {
		tb := tab(t, b, 1280, 900, false)
		do(t, tb, "open", chromedp.Navigate(base+"/dinkes"))
		signIn(t, tb, "dinas", "rahasia-dinas")
		waitFor(t, tb, "the live table", `document.querySelector('#table-live tbody tr')`, wait)
		live := text(t, tb, "#table-live tbody tr")
		if !strings.HasPrefix(live, "sobo") || !strings.Contains(live, "Puskesmas Sobo") {
			t.Errorf("live row: %q", live)
		}
		if got := eval[string](t, tb, `document.querySelector('#table-live tbody tr td:nth-of-type(2)').textContent`); got != "1" {
			t.Errorf("waiting now: got %q, want 1", got)
		}
		month := text(t, tb, "#table-facilities tbody tr")
		if !strings.Contains(month, "Puskesmas Sobo") {
			t.Errorf("month row: %q", month)
		}
		for _, chart := range []string{"#chart-trend svg", "#chart-days svg", "#chart-waits svg"} {
			waitFor(t, tb, chart, `document.querySelector('`+chart+`')`, wait)
		}
		checkA11y(t, tb, "district dashboard")
		shot(t, tb, out, "dinkes")
		do(t, tb, "print view", printView)
		shot(t, tb, out, "dinkes-print")
	})
}
