package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// setOffline cuts the network of the tab and of its service worker (each
// its own target: emulation on the tab does not reach the worker's
// fetches) and tells them (navigator.onLine, the online and offline
// events), as a phone losing its signal; setOffline(false) gives it back.
func setOffline(t *testing.T, offline bool, ctxs ...context.Context) {
	t.Helper()
	conds := []*network.Conditions{}
	if offline {
		conds = append(conds, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
	}
	for _, ctx := range ctxs {
		if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &offline, MatchedNetworkConditions: conds}); err != nil {
			t.Fatalf("emulate offline=%v: %v", offline, err)
		}
		if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
			Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
			t.Fatalf("network state offline=%v: %v", offline, err)
		}
	}
}

// serviceWorker attaches to the running service worker whose script URL
// ends in script.
func serviceWorker(t *testing.T, ctx context.Context, script string) context.Context {
	t.Helper()
	infos, err := chromedp.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range infos {
		if in.Type == "service_worker" && strings.HasSuffix(in.URL, script) {
			sw, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(in.TargetID))
			t.Cleanup(cancel)
			if err := chromedp.Do(sw); err != nil {
				t.Fatalf("attach to the service worker: %v", err)
			}
			return sw
		}
	}
	t.Fatalf("no service worker %s among %d targets", script, len(infos))
	return nil
}

// cameraPhoto is a phone camera's photo: w x h pixels with the EXIF of
// testdata/gps.jpg (its position), the capture time set to taken
// ("2006:01:02 15:04:05").
func cameraPhoto(t *testing.T, w, h int, taken string) []byte {
	t.Helper()
	gps, err := os.ReadFile("../../bts/photo/testdata/gps.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if gps[2] != 0xFF || gps[3] != 0xE1 {
		t.Fatal("gps.jpg does not start with its EXIF segment")
	}
	app1 := gps[2 : 4+int(gps[4])<<8+int(gps[5])]
	app1 = bytes.ReplaceAll(app1, []byte("2026:03:14 07:15:30"), []byte(taken))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 0x80, 0xff})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), app1...), b[2:]...)
}

// TestOfflineKaderReports has a cadre lose the signal: two reports (one
// with a small photo kept as it is, one with a large photo the phone
// shrinks) and a third for a day already reported wait on the phone,
// survive a reload without network, and are sent when the signal comes
// back. The server stores each of the two exactly once with its EXIF
// time, and the third shows the server's reason. Then the session
// expires: the next report asks for the password and is sent after it.
func TestOfflineKaderReports(t *testing.T) {
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	enrolledChild(t, app, staff)
	dir := t.TempDir()
	small, err := filepath.Abs("../../bts/photo/testdata/gps.jpg") // 64x48, EXIF 2026-03-14 07:15:30
	if err != nil {
		t.Fatal(err)
	}
	large := filepath.Join(dir, "besar.jpg")
	largePhoto := cameraPhoto(t, 2400, 1800, "2026:03:15 08:00:00")
	largeBytes := len(largePhoto)
	if err := os.WriteFile(large, largePhoto, 0o644); err != nil {
		t.Fatal(err)
	}
	today := puskesmasToday(t)
	const wait = 15 * time.Second

	ctx := tab(t, browser(t), 390, 844, true)
	do(t, ctx, "open /kader", chromedp.Navigate(app.URL()+"/kader"))
	waitFor(t, ctx, "the login form", visible("#login"), wait)
	do(t, ctx, "log in", typeIn("#username", "kader1"), typeIn("#password", "rahasia123"), click("#login button[type=submit]"))
	waitFor(t, ctx, "the report form", visible("#lapor"), wait)
	waitFor(t, ctx, "the page kept for offline use", `document.body.dataset.offline === 'ready'`, wait)

	report := func(day time.Time, photo, eggs string) {
		t.Helper()
		do(t, ctx, "fill in a report of "+day.Format(time.DateOnly),
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('#date').value = %q`, day.Format(time.DateOnly))),
			typeIn("#qty-telur", eggs),
			typeIn("#price-telur", "6000"),
			chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
			click("#send"))
	}
	outbox := func() []string {
		return eval[[]string](t, ctx, `[...document.querySelectorAll('#outbox li')].map((li) => li.dataset.state + ': ' + li.textContent)`)
	}
	deliveries := func() map[string]string { // client_id: taken_at
		rows, err := app.DB.Pool.Query(context.Background(), `SELECT client_id, exif_taken_at FROM bts_deliveries`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string]string{}
		for rows.Next() {
			var id, taken string
			if err := rows.Scan(&id, &taken); err != nil {
				t.Fatal(err)
			}
			got[id] = taken
		}
		return got
	}

	sw := serviceWorker(t, ctx, "/kader-sw.js")
	setOffline(t, true, ctx, sw)
	waitFor(t, ctx, "the bar saying offline", `document.querySelector('#netbar').dataset.online === 'no'`, wait)
	report(today, small, "2")
	waitFor(t, ctx, "the first report waiting", `document.querySelectorAll('#outbox li[data-state=waiting]').length === 1`, wait)
	if got := text(t, ctx, "#status"); !strings.Contains(got, "menunggu dikirim") {
		t.Errorf("status after a report offline: %q", got)
	}
	report(today.AddDate(0, 0, -1), large, "3")
	waitFor(t, ctx, "the second report waiting", `document.querySelectorAll('#outbox li[data-state=waiting]').length === 2`, wait)
	report(today, small, "1") // the same target and day as the first
	waitFor(t, ctx, "the third report waiting", `document.querySelectorAll('#outbox li[data-state=waiting]').length === 3`, wait)

	t.Run("the phone shrank the large photo and kept the small one", func(t *testing.T) {
		sides := eval[[]int](t, ctx, `(async () => {
			const db = await new Promise((ok, no) => { const r = indexedDB.open('antrian-kader'); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
			const items = await new Promise((ok) => { const r = db.transaction('outbox').objectStore('outbox').getAll(); r.onsuccess = () => ok(r.result); });
			const out = [];
			for (const it of items) { const b = await createImageBitmap(it.photo); out.push(Math.max(b.width, b.height), it.photo.size); }
			return out; })()`)
		t.Logf("stored photos (longest side, bytes): %v; the large original was %d bytes", sides, largeBytes)
		if len(sides) == 6 {
			sides = []int{sides[0], sides[2], sides[4]}
		}
		if fmt.Sprint(sides) != "[64 1600 64]" {
			t.Errorf("longest sides of the stored photos: %v, want [64 1600 64]", sides)
		}
	})

	do(t, ctx, "reload without network", chromedp.Navigate(app.URL()+"/kader"))
	waitFor(t, ctx, "the page from the phone with its three reports", visible("#lapor")+
		` && document.querySelectorAll('#outbox li[data-state=waiting]').length === 3`, wait)
	if got := text(t, ctx, "#target option"); !strings.Contains(got, "Siti Aminah") {
		t.Errorf("targets offline: %q", got)
	}
	for sel, want := range map[string]string{"#net": "Offline", "#waiting": "3 menunggu dikirim", "#synced": "Sinkron terakhir"} {
		if got := text(t, ctx, sel); !strings.Contains(got, want) {
			t.Errorf("status bar %s offline: %q, want %q", sel, got, want)
		}
	}
	if got := deliveries(); len(got) != 0 {
		t.Fatalf("the server got %v while the phone was offline", got)
	}
	shot(t, ctx, testout(t), "kader-offline")

	setOffline(t, false, ctx, sw)
	waitFor(t, ctx, "two reports sent and the third refused", `document.querySelectorAll('#outbox li').length === 1
		&& document.querySelector('#outbox li').dataset.state === 'refused'`, 2*wait)
	t.Run("both reports arrived once with their EXIF time", func(t *testing.T) {
		got := deliveries()
		var times []string
		for _, taken := range got {
			times = append(times, taken)
		}
		want := map[string]bool{"2026-03-14T07:15:30+07:00": true, "2026-03-15T08:00:00+07:00": true}
		if len(got) != 2 || !want[times[0]] || !want[times[1]] || times[0] == times[1] {
			t.Errorf("stored reports (client_id: EXIF time) %v, want two, taken 2026-03-14 07:15:30 and 2026-03-15 08:00:00 (+07:00)", got)
		}
	})
	t.Run("the conflict shows its reason", func(t *testing.T) {
		got := outbox()
		if len(got) != 1 || !strings.Contains(got[0], "Ditolak: Sudah ada laporan sasaran ini untuk tanggal itu.") {
			t.Errorf("outbox after the sync: %q, want the refusal with its reason", got)
		}
		if !strings.Contains(text(t, ctx, "#outbox li"), "Coba lagi") || !strings.Contains(text(t, ctx, "#outbox li"), "Hapus") {
			t.Errorf("the refused report offers no retry and remove: %q", text(t, ctx, "#outbox li"))
		}
		if got := text(t, ctx, "#net"); got != "Online" {
			t.Errorf("status bar online: %q", got)
		}
	})
	shot(t, ctx, testout(t), "kader-refused")

	t.Run("a retry is refused again, and the cadre removes the report", func(t *testing.T) {
		do(t, ctx, "mark the item and retry it",
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#outbox li').dataset.seen = '1'`),
			click("#outbox li button.retry"))
		waitFor(t, ctx, "the retry refused again", `!!document.querySelector('#outbox li[data-state=refused]:not([data-seen])')`, wait)
		// The page asks "Hapus laporan ini dari HP?" with confirm(); the
		// cadre answers OK.
		do(t, ctx, "remove it",
			chromedp.Evaluate[chromedp.Void](`window.confirm = (q) => { window.asked = q; return true; }`),
			click("#outbox li button.drop"))
		waitFor(t, ctx, "the outbox empty", `document.querySelectorAll('#outbox li').length === 0 && document.querySelector('#outbox-card').hidden`, wait)
		if q := eval[string](t, ctx, `window.asked || ''`); !strings.Contains(q, "belum sampai") {
			t.Errorf("the question before removing: %q", q)
		}
		if got := deliveries(); len(got) != 2 {
			t.Errorf("stored reports after the retry: %v, want still 2", got)
		}
	})

	t.Run("an expired session asks for the password and keeps the report", func(t *testing.T) {
		if _, err := app.DB.Pool.Exec(context.Background(), `DELETE FROM sessions`); err != nil {
			t.Fatal(err)
		}
		report(today.AddDate(0, 0, -2), small, "4")
		waitFor(t, ctx, "the password asked, the report kept", visible("#relogin")+
			` && document.querySelectorAll('#outbox li[data-state=waiting]').length === 1`, wait)
		if n := eval[int](t, ctx, `document.querySelectorAll('#outbox li[data-state=waiting]').length`); n != 1 {
			t.Errorf("%d reports waiting after the session expired, want 1", n)
		}
		do(t, ctx, "sign in again", typeIn("#relogin-password", "rahasia123"), click("#relogin button[type=submit]"))
		waitFor(t, ctx, "the report sent after signing in", `document.querySelectorAll('#outbox li[data-state=waiting]').length === 0
			&& document.querySelector('#relogin').hidden`, wait)
		if got := deliveries(); len(got) != 3 {
			t.Errorf("stored reports after signing in again: %v, want 3", got)
		}
	})
}
