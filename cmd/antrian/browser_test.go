package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The browser tests drive the real pages in a real headless Chromium
// against the whole service: a patient books on a phone-sized screen, staff
// call the ticket from the console, the TV shows and announces the call
// exactly once, and the patient's page says "called". Screenshots of every
// page land in testout/browser/ for CI to keep.

// chromiumPath finds the browser: $CHROMIUM, then the usual names.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// testout is the folder for screenshots: testout/browser at the repository root.
func testout(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			out := filepath.Join(d, "testout", "browser")
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			return out
		}
	}
	t.Fatal("no go.mod above " + dir)
	return ""
}

// browser starts one headless Chromium for the test, with any extra
// options (a fake camera).
func browser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	exe := chromiumPath()
	if exe == "" {
		testenv.Unavailable(t, "chromium not installed (apt-get install chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("mute-audio", true),
		// A TV box is set up once to allow sound without a tap.
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.WindowSize(1280, 800),
	}
	opts = append(opts, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelB := chromedp.NewContext(alloc)
	t.Cleanup(cancelB)
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		testenv.Unavailable(t, "start chromium %s: %v", exe, err)
	}
	return bctx
}

// tab opens a tab in a fresh browser context: its own cookies and storage,
// like a separate device.
func tab(t *testing.T, b context.Context, width, height int64, mobile bool) context.Context {
	t.Helper()
	// The page's console errors and exceptions go to the test log.
	ctx, cancel := chromedp.NewContext(b, chromedp.WithNewBrowserContext(), chromedp.WithListener(func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			t.Logf("page exception: %s %s", e.ExceptionDetails.Text, describeException(e.ExceptionDetails))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				t.Logf("page console %s: %s", e.Type, strings.Join(parts, " "))
			}
		}
	}))
	t.Cleanup(cancel)
	var vopts []chromedp.EmulateViewportOption
	if mobile {
		vopts = append(vopts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, vopts...)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func describeException(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return fmt.Sprintf("at %s:%d", d.URL, d.LineNumber)
}

// stepTimeout bounds one step, so a page that stops answering fails the
// step that met it, by name, instead of the whole test's deadline.
const stepTimeout = 20 * time.Second

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Errorf("%s: %v", what, err)
		failed(t, ctx, what)
		t.FailNow()
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// The tests find elements with JavaScript and act on them with real input
// events (Input.dispatchMouseEvent, Input.dispatchKeyEvent), rather than with
// chromedp's selector actions: those query chromedp's own record of the
// page's document, which a navigation the page starts itself (booking moves
// to the tracking page by setting location) can leave stale, and then they
// retry until the deadline. Evaluate always runs in the current document.

// targetJS is the JavaScript that finds sel, scrolls it into view and returns
// the middle of its box if it is enabled, visible and nothing covers it
// there. A person waits for a greyed-out button; a click on one would be
// lost, and the test would wait for its effect in vain.
const targetJS = `((sel) => {
  const e = document.querySelector(sel);
  if (!e || e.disabled || e.closest('fieldset[disabled]') || !e.getClientRects().length) return null;
  e.scrollIntoView({block: 'center', inline: 'center'});
  const r = e.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  if (!hit || !(hit === e || e.contains(hit) || hit.control === e || (e.control && e.control === hit))) return null;
  return [x, y];
})(%q)`

// click waits until sel is enabled, visible, uncovered and still (at the same place
// in two looks 50 ms apart: a page still filling in moves what is below),
// then clicks its middle with the mouse, as a person would.
func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		var last []float64
		for {
			at, err := chromedp.Evaluate[[]float64](fmt.Sprintf(targetJS, sel))(ctx, tg)
			if err == nil && len(at) == 2 && len(last) == 2 && at[0] == last[0] && at[1] == last[1] {
				_, err := chromedp.MouseClickXY(at[0], at[1])(ctx, tg)
				return err
			}
			last = at
			select {
			case <-ctx.Done():
				return fmt.Errorf("click %s: never enabled, visible, uncovered and still: %w", sel, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// holdAnswers makes the page's fetch hand over the answers of the GET
// requests whose URL contains part ms milliseconds after they arrived: a
// read that answers late. window.held counts the answers that arrived and
// were held, window.late those handed over to the page.
func holdAnswers(part string, ms int) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const f = window.fetch, part = %q;
		window.held = 0;
		window.late = 0;
		window.fetch = async (url, opt) => {
			const r = await f(url, opt);
			if (String(url).includes(part) && (!opt || !opt.method || opt.method === 'GET')) {
				window.held++;
				await new Promise((ok) => setTimeout(ok, %d));
				setTimeout(() => window.late++);
			}
			return r;
		};
	})()`, part, ms))
}

// typeIn waits until sel is visible and uncovered (as for click), focuses
// it and types text with the keyboard ("\r" presses Enter).
func typeIn(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		js := fmt.Sprintf(`((sel) => { if (!(`+targetJS+`)) return false;
		  const e = document.querySelector(sel); e.focus(); return document.activeElement === e; })(%q)`, sel, sel)
		for {
			ok, err := chromedp.Evaluate[bool](js)(ctx, tg)
			if err == nil && ok {
				_, err := chromedp.KeyEvent(text)(ctx, tg)
				return err
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("type into %s: never enabled, visible and uncovered: %w", sel, ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
}

// waitFor polls a JavaScript condition until it holds (or fails the test).
// Errors while the page navigates count as "not yet".
func waitFor(t *testing.T, ctx context.Context, what, js string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		ectx, cancel := context.WithTimeout(ctx, time.Until(deadline)+time.Second)
		ok, err := chromedp.Run(ectx, chromedp.Evaluate[bool]("!!(() => { try { return "+js+"; } catch (e) { return false; } })()"))
		cancel()
		if err == nil && ok {
			return
		}
		if ctx.Err() != nil {
			break
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("waiting for %s (%s): timed out (last error %v)", what, js, last)
	failed(t, ctx, what)
	t.FailNow()
}

// failed keeps what a page showed when a wait timed out: its text in the
// log and a screenshot under testout/browser/failed-*.png.
func failed(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	page, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + '\n' + (document.body ? document.body.innerText : '').slice(0, 800)`))
	t.Logf("the page then (%v):\n%s", err, page)
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(t.Name()+"-"+what))
	if b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(testout(t), "failed-"+name+".png"), b, 0o644)
	}
}

// clear empties a text field, as a user selecting all and deleting would.
func clear(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ''`, sel))
}

// visible is a waitFor condition: sel is in the document and laid out.
func visible(sel string) string {
	return fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.getClientRects().length > 0; })()`, sel)
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%q)||{}).textContent||''`, sel)))
}

func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		t.Error(err)
	}
}

// a11yCheck is run on every page: every form control has a label, every
// button and link a name, images an alt, and visible text a contrast ratio
// of at least 4.5:1 (3:1 for large text) against its background.
const a11yCheck = `(() => {
  const bad = [];
  const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  for (const e of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (!visible(e)) continue;
    const named = (e.labels && e.labels.length) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby');
    if (!named) bad.push('unlabelled ' + e.outerHTML.slice(0, 80));
  }
  for (const e of document.querySelectorAll('button, a[href]')) {
    if (visible(e) && !(e.textContent.trim() || e.getAttribute('aria-label'))) bad.push('nameless ' + e.outerHTML.slice(0, 80));
  }
  for (const e of document.querySelectorAll('img')) if (!e.hasAttribute('alt')) bad.push('img without alt');
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const bg = (e) => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c;
    }
    return [255, 255, 255];
  };
  for (const e of document.querySelectorAll('body *')) {
    if (!visible(e) || ![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const s = getComputedStyle(e);
    if (s.visibility === 'hidden' || Number(s.opacity) < 1 || e.closest('[disabled]')) continue;
    const fg = rgb(s.color), b = bg(e);
    const l1 = lum(fg), l2 = lum(b);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
    if (ratio < need) bad.push('contrast ' + ratio.toFixed(2) + ' for "' + e.textContent.trim().slice(0, 30) + '"');
  }
  return bad;
})()`

func checkA11y(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	for _, p := range eval[[]string](t, ctx, a11yCheck) {
		t.Errorf("%s: %s", page, p)
	}
}

func TestBrowser(t *testing.T) {
	b := browser(t)
	env := newEnv(t, backend{name: "embedded"})
	app := env.start()
	env.seed(app)
	hash, _ := account.HashPassword("rahasia-admin")
	if _, err := app.DB.CreateUser(context.Background(), "sobo", "kepala", account.Admin, hash); err != nil {
		t.Fatal(err)
	}
	base := app.URL()
	out := testout(t)
	const wait = 10 * time.Second

	phone := tab(t, b, 360, 740, true)
	tv := tab(t, b, 1280, 720, false)
	desk := tab(t, b, 1280, 800, false)

	t.Run("patient books on a phone", func(t *testing.T) {
		do(t, phone, "open booking page", chromedp.Navigate(base+"/"))
		waitFor(t, phone, "units", `document.querySelector('#unit-UMUM')`, wait)
		checkA11y(t, phone, "booking")
		// An invalid number is refused in place, in Indonesian.
		do(t, phone, "fill the form",
			click(`label[for=unit-UMUM]`),
			typeIn(`#name`, "Siti Aminah"),
			typeIn(`#phone`, "12345"),
			click(`#submit`))
		if got := text(t, phone, "#phone-error"); !strings.Contains(got, "Nomor WhatsApp harus") {
			t.Errorf("phone error: got %q", got)
		}
		shot(t, phone, out, "book-error")
		do(t, phone, "fix the number", clear("#phone"), typeIn(`#phone`, "081234567890"))
		shot(t, phone, out, "book")
		do(t, phone, "submit", click(`#submit`))
		waitFor(t, phone, "the ticket", `document.querySelector('#ticket') && document.querySelector('#ticket').dataset.status === 'waiting'`, wait)
		if got := text(t, phone, "#t-code"); got != "B-001" {
			t.Errorf("code: got %q, want B-001", got)
		}
		waitFor(t, phone, "the unit's name", `document.querySelector('#t-unit').textContent === 'Poli Umum'`, wait)
		if loc := eval[string](t, phone, `location.pathname + location.hash`); !strings.HasPrefix(loc, "/t/") || !strings.Contains(loc, "#") {
			t.Errorf("tracking URL %q: want /t/{id}#token", loc)
		}
		waitFor(t, phone, "the QR code", `document.querySelector('#qr').naturalWidth > 0`, wait)
		// The ticket survives a reload without its link: kept on the phone.
		do(t, phone, "reload without the fragment", chromedp.Navigate(base+eval[string](t, phone, `location.pathname`)))
		waitFor(t, phone, "the ticket again", `document.querySelector('#t-code').textContent === 'B-001'`, wait)
		checkA11y(t, phone, "tracking")
		shot(t, phone, out, "track-waiting")
	})

	t.Run("keyboard only booking", func(t *testing.T) {
		keys := tab(t, b, 360, 740, false)
		do(t, keys, "open", chromedp.Navigate(base+"/"))
		waitFor(t, keys, "units", `document.querySelector('#unit-GIGI')`, wait)
		// Tab: language link, Puskesmas, the first unit; arrows move within the units.
		do(t, keys, "keys", chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"))
		if got := eval[string](t, keys, `document.activeElement.id`); got != "unit-LOKET" {
			t.Fatalf("focus after three tabs: %q, want unit-LOKET", got)
		}
		do(t, keys, "keys", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown), // GIGI
			chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("Budi"), chromedp.KeyEvent("\r"))
		waitFor(t, keys, "the ticket", `document.querySelector('#t-code') && document.querySelector('#t-code').textContent === 'C-001'`, wait)
		// Live, the page says the patient is next (nobody is ahead); the
		// notice moves what is below it, so it comes before the taps.
		waitFor(t, keys, "the ticket live, 'you are next'", `document.body.dataset.online === 'true' && !document.querySelector('#alert').hidden`, wait)
		// Cancelling asks once more, then the ticket is cancelled and forgotten.
		do(t, keys, "cancel", click(`#cancel`))
		waitFor(t, keys, "the question", `!document.querySelector('#confirm').hidden`, wait)
		do(t, keys, "confirm", click(`#cancel-yes`))
		waitFor(t, keys, "cancelled", `document.querySelector('#ticket').dataset.status === 'cancelled'`, wait)
		if n := eval[int](t, keys, `JSON.parse(localStorage.getItem('antrian.tickets') || '[]').length`); n != 0 {
			t.Errorf("tickets kept after cancelling: %d", n)
		}
	})

	t.Run("TV connects", func(t *testing.T) {
		do(t, tv, "open", chromedp.Navigate(base+"/display?facility=sobo&name=tv-ruang-tunggu"))
		waitFor(t, tv, "the snapshot", `document.body.dataset.online === 'true' && document.querySelector('#fname').textContent === 'Puskesmas Sobo'`, wait)
		if n := eval[int](t, tv, `window.antrianAnnouncements.length`); n != 0 {
			t.Errorf("announcements before any call: %d", n)
		}
		checkA11y(t, tv, "display")
	})

	t.Run("Indonesian numbers", func(t *testing.T) {
		got := eval[map[string]string](t, tv, `(async () => {
		  const m = await import(document.querySelector('script[src$="display.js"]').src.replace('display.js', 'numbers.js'));
		  const out = {};
		  for (const n of [0, 1, 9, 10, 11, 12, 19, 20, 21, 67, 99, 100, 101, 111, 200, 999, 1000, 1001, 2024, 8015, 12345])
		    out[n] = m.words(n).join(' ');
		  out['B-012/Ruang 2'] = m.announcement('B-012', 'Ruang 2').text;
		  out['A-100/Loket 1'] = m.announcement('A-100', 'Loket 1').clips.join(',');
		  out['C-007/'] = m.announcement('C-007', '', 'Poli Gigi').text;
		  return out;
		})()`)
		want := map[string]string{
			"0": "nol", "1": "satu", "9": "sembilan", "10": "sepuluh", "11": "sebelas", "12": "dua belas", "19": "sembilan belas",
			"20": "dua puluh", "21": "dua puluh satu", "67": "enam puluh tujuh", "99": "sembilan puluh sembilan",
			"100": "seratus", "101": "seratus satu", "111": "seratus sebelas", "200": "dua ratus",
			"999": "sembilan ratus sembilan puluh sembilan", "1000": "seribu", "1001": "seribu satu",
			"2024": "dua ribu dua puluh empat", "8015": "delapan ribu lima belas",
			"12345":         "dua belas ribu tiga ratus empat puluh lima",
			"B-012/Ruang 2": "Nomor antrean B dua belas, silakan menuju Ruang dua",
			"A-100/Loket 1": "chime,nomor-antrean,huruf-a,seratus,silakan-menuju,loket,satu",
			"C-007/":        "Nomor antrean C tujuh, silakan menuju Poli Gigi",
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: got %q, want %q", k, got[k], w)
			}
		}
	})

	t.Run("staff logs in and calls", func(t *testing.T) {
		do(t, desk, "open console", chromedp.Navigate(base+"/console"))
		waitFor(t, desk, "login form", `!document.querySelector('#login').hidden`, wait)
		checkA11y(t, desk, "console login")
		do(t, desk, "log in",
			typeIn(`#username`, "petugas"),
			typeIn(`#password`, "rahasia123\r"))
		waitFor(t, desk, "the console", `!document.querySelector('#app').hidden && document.querySelector('#unit').options.length > 0`, wait)
		do(t, desk, "choose unit and room", chromedp.Evaluate[chromedp.Void](`(() => {
			const u = document.querySelector('#unit'); u.value = 'UMUM'; u.dispatchEvent(new Event('change'));
			const c = document.querySelector('#counter'); c.value = 'Ruang 2'; c.dispatchEvent(new Event('change'));
		})()`))
		waitFor(t, desk, "the waiting list", `document.querySelector('#wlist').textContent.includes('B-001')`, wait)
		waitFor(t, desk, "the TV in the screen list", `document.querySelector('#screens').textContent.includes('tv-ruang-tunggu')`, 25*time.Second)
		do(t, desk, "call next", click(`#next`))
		waitFor(t, desk, "the current ticket", `document.querySelector('#cur-code').textContent === 'B-001'`, wait)
		checkA11y(t, desk, "console")
		shot(t, desk, out, "console")
	})

	t.Run("TV shows the call and announces it once", func(t *testing.T) {
		waitFor(t, tv, "the call", `document.querySelector('#now-code').textContent === 'B-001'`, wait)
		waitFor(t, tv, "the announcement", `window.antrianAnnouncements.length >= 1`, wait)
		if got := text(t, tv, "#now-to"); got != "Silakan menuju Ruang 2" {
			t.Errorf("destination: got %q", got)
		}
		time.Sleep(700 * time.Millisecond) // a duplicate would arrive by now
		if n := eval[int](t, tv, `window.antrianAnnouncements.length`); n != 1 {
			t.Errorf("announcements: got %d, want exactly 1", n)
		}
		if got := eval[string](t, tv, `window.antrianAnnouncements[0].text`); got != "Nomor antrean B satu, silakan menuju Ruang dua" {
			t.Errorf("announcement: got %q", got)
		}
		shot(t, tv, out, "display")
	})

	t.Run("patient sees called", func(t *testing.T) {
		waitFor(t, phone, "called", `document.querySelector('#ticket').dataset.status === 'called'`, wait)
		if got := text(t, phone, "#alert"); !strings.Contains(got, "Silakan menuju Ruang 2") {
			t.Errorf("alert: got %q", got)
		}
		shot(t, phone, out, "track-called")
	})

	t.Run("recall by keyboard is announced again", func(t *testing.T) {
		do(t, desk, "press R", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), chromedp.KeyEvent("r"))
		waitFor(t, tv, "the second announcement", `window.antrianAnnouncements.length === 2 && window.antrianAnnouncements[1].recall`, wait)
		// The voice queue drains: a clip or a voice never blocks it.
		waitFor(t, tv, "the voice to finish", `!window.antrianVoice.busy`, 30*time.Second)
	})

	t.Run("TV reconnects without replaying", func(t *testing.T) {
		do(t, tv, "reload", chromedp.Reload())
		waitFor(t, tv, "the snapshot", `document.body.dataset.online === 'true' && document.querySelector('#now-code').textContent === 'B-001'`, wait)
		time.Sleep(300 * time.Millisecond)
		if n := eval[int](t, tv, `window.antrianAnnouncements.length`); n != 0 {
			t.Errorf("announcements after a reload: got %d, want 0", n)
		}
	})

	t.Run("kiosk prints a ticket", func(t *testing.T) {
		k := tab(t, b, 1280, 800, false)
		do(t, k, "open", chromedp.Navigate(base+"/kiosk?facility=sobo"))
		waitFor(t, k, "unit buttons", `document.querySelector('[data-unit=LAB]')`, wait)
		checkA11y(t, k, "kiosk")
		shot(t, k, out, "kiosk")
		do(t, k, "take a number", chromedp.Evaluate[chromedp.Void](`window.print = () => { window.printed = (window.printed || 0) + 1; }`),
			click(`[data-unit=LAB]`))
		waitFor(t, k, "printing", `window.printed === 1`, wait)
		if got := text(t, k, "#s-code"); got != "E-001" {
			t.Errorf("slip code: got %q", got)
		}
		if eval[int](t, k, `document.querySelector('#s-qr').naturalWidth`) == 0 {
			t.Error("slip has no QR code")
		}
		do(t, k, "print view", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}))
		shot(t, k, out, "kiosk-slip")
	})

	a := tab(t, b, 1280, 900, false) // the admin's, kept across the admin steps
	t.Run("admin edits the running text", func(t *testing.T) {
		do(t, a, "open", chromedp.Navigate(base+"/admin"))
		waitFor(t, a, "login form", `!document.querySelector('#login').hidden`, wait)
		do(t, a, "log in",
			typeIn(`#username`, "kepala"),
			typeIn(`#password`, "rahasia-admin\r"))
		waitFor(t, a, "settings", `document.querySelector('#f-name').value === 'Puskesmas Sobo'`, wait)
		do(t, a, "edit", clear("#ticker"),
			typeIn(`#ticker`, "Posyandu lansia hari Sabtu"),
			click(`#ticker-form button`))
		waitFor(t, a, "saved", `document.querySelector('#msg').textContent === 'Tersimpan.'`, wait)
		checkA11y(t, a, "admin")
		shot(t, a, out, "admin")
		do(t, tv, "reload TV", chromedp.Reload())
		waitFor(t, tv, "the running text", `document.querySelector('#ticker').textContent === 'Posyandu lansia hari Sabtu'`, wait)
	})

	t.Run("admin closes a day and bookings for it are refused", func(t *testing.T) {
		wib, _ := time.LoadLocation("Asia/Jakarta")
		day := time.Now().In(wib).AddDate(0, 0, 2).Format(time.DateOnly)
		waitFor(t, a, "the closed days", `!document.querySelector('#h-none').hidden`, wait)
		if v := eval[string](t, a, `document.querySelector('#h-date').value = '`+day+`'`); v != day {
			t.Fatalf("date field took %q", v)
		}
		do(t, a, "close a day", typeIn(`#h-reason`, "Pelatihan petugas"),
			click(`#h-form button`))
		waitFor(t, a, "the day listed", `[...document.querySelectorAll('#holidays tbody td')].some((td) => td.textContent === 'Pelatihan petugas')`, wait)
		got := eval[string](t, a, `fetch('/api/v1/facilities/sobo/tickets', {method: 'POST', headers: {'Content-Type': 'application/json'},
			body: JSON.stringify({unit: 'UMUM', name: 'Siti', service_date: '`+day+`'})}).then((r) => r.json()).then((b) => b.error.code + ' ' + b.error.message)`)
		if !strings.HasPrefix(got, "closed ") || !strings.Contains(got, "Pelatihan petugas") || !strings.Contains(got, "Hari buka berikutnya") {
			t.Errorf("booking the closed day: %q", got)
		}
		do(t, a, "open it again", click(`#holidays tbody button`))
		waitFor(t, a, "no closed days", `!document.querySelector('#h-none').hidden && document.querySelectorAll('#holidays tbody tr').length === 0`, wait)
	})

	t.Run("admin sets a unit's practice sessions", func(t *testing.T) {
		waitFor(t, a, "the units to choose", `[...document.querySelectorAll('#s-unit option')].some((o) => o.value === 'UMUM')`, wait)
		eval[string](t, a, `(() => { const s = document.querySelector('#s-unit'); s.value = 'UMUM'; s.dispatchEvent(new Event('change')); return ''; })()`)
		waitFor(t, a, "no sessions yet", `!document.querySelector('#s-none').hidden && document.querySelectorAll('#sessions tbody tr').length === 0`, wait)
		do(t, a, "add a session", click(`#s-add`))
		eval[string](t, a, `(() => { const r = document.querySelector('#sessions tbody tr');
			r.querySelector('.s-day').value = '5'; r.querySelector('.s-start').value = '07:30'; r.querySelector('.s-end').value = '10:30';
			r.querySelector('.s-staff').value = 'Bidan Rina'; r.querySelector('.s-cap').value = '25';
			document.querySelector('#msg').textContent = ''; return ''; })()`)
		do(t, a, "save", click(`#s-save`))
		waitFor(t, a, "saved", `document.querySelector('#msg').textContent === 'Tersimpan.'`, wait)
		got := eval[string](t, a, `fetch('/api/v1/facilities/sobo/units/UMUM/sessions', {credentials: 'same-origin'}).then((r) => r.text())`)
		if want := `[{"weekday":5,"start":"07:30","end":"10:30","staff":"Bidan Rina","kodedokter":0,"capacity":25}]` + "\n"; got != want {
			t.Errorf("stored sessions %q, want %q", got, want)
		}
		waitFor(t, a, "the session listed again", `document.querySelector('#sessions tbody .s-staff').value === 'Bidan Rina'`, wait)
		waitFor(t, a, "the unit's hours follow it", `[...document.querySelectorAll('#units .hint')].some((d) => d.textContent === 'Jadwal praktik yang berlaku')`, wait)
		// The unit keeps its own hours for the later steps.
		do(t, a, "remove it", click(`#sessions tbody button`), click(`#s-save`))
		waitFor(t, a, "no sessions", `!document.querySelector('#s-none').hidden && document.querySelectorAll('#sessions tbody tr').length === 0`, wait)
	})

	t.Run("admin configures Mobile JKN", func(t *testing.T) {
		waitFor(t, a, "the integrations", `document.querySelector('#jp-UMUM-kodepoli') && !document.querySelector('#failed-none').hidden`, wait)
		if got := text(t, a, "#failed-none"); got != "Tidak ada pengiriman yang gagal." {
			t.Errorf("failed sends: got %q", got)
		}
		do(t, a, "fill", clear("#jkn-username"),
			typeIn(`#jkn-username`, "bpjs-sobo"),
			typeIn(`#jkn-password`, "sandi-mobile-jkn"),
			typeIn(`#jp-UMUM-kodepoli`, "001"),
			typeIn(`#jp-UMUM-namadokter`, "dr. Ratna"),
			click(`#jkn-form button[type=submit]`))
		waitFor(t, a, "saved", `document.querySelector('#jkn-msg').textContent === 'Tersimpan.'`, wait)
		if v := eval[string](t, a, `document.querySelector('#jkn-password').value`); v != "" {
			t.Errorf("password field keeps %q after saving", v)
		}
		got := eval[string](t, a, `fetch('/api/v1/facilities/sobo/integrations', {credentials: 'same-origin'}).then((r) => r.json()).then((s) => JSON.stringify(s.jkn))`)
		if want := `{"username":"bpjs-sobo","poli":[{"kodepoli":"001","unit":"UMUM","kodedokter":0,"namadokter":"dr. Ratna","jampraktek":""}]}`; got != want {
			t.Errorf("GET integrations: jkn = %s, want %s", got, want)
		}
		// A reload shows the saved state; the password is never sent back.
		do(t, a, "reload", chromedp.Reload())
		waitFor(t, a, "the saved mapping", `document.querySelector('#jp-UMUM-kodepoli').value === '001' && document.querySelector('#jkn-username').value === 'bpjs-sobo'`, wait)
		if got := text(t, a, "#jkn-password-state"); !strings.HasPrefix(got, "Tersimpan") {
			t.Errorf("password state: got %q", got)
		}
		// An invalid BPJS form is refused in place.
		do(t, a, "save BPJS without keys", click(`#bpjs-form button[type=submit]`))
		waitFor(t, a, "the BPJS error", `document.querySelector('#bpjs-msg').classList.contains('error') && document.querySelector('#bpjs-msg').textContent.includes('Cons ID')`, wait)
		checkA11y(t, a, "admin integrations")
		shot(t, a, out, "admin-integrations")
	})
}
