package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBTSVerifyPage has the Puskesmas nutritionist review two delivery
// reports on a phone-sized screen at /bts/verifikasi: both are listed with
// their photos and EXIF, one is verified with the keyboard, the other
// cannot be rejected without a reason and then is rejected with one. The
// verdicts are read back through the API. A cadre and the Dinas Kesehatan
// are told they may not review; an anonymous visitor gets the login form.
func TestBTSVerifyPage(t *testing.T) {
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	enrolment := enrolledChild(t, app, staff)
	kader := newClient(t, app.URL())
	kader.login("kader1", "rahasia123")

	type delivery struct {
		ID         int64  `json:"id"`
		Date       string `json:"date"`
		Status     string `json:"status"`
		ReviewedBy string `json:"reviewed_by"`
		ReviewNote string `json:"review_note"`
	}
	report := func(clientID, date, notes string, photo []byte) delivery {
		t.Helper()
		fields := map[string]string{"client_id": clientID, "enrolment_id": strconv.FormatInt(enrolment, 10),
			"items":       `[{"kind":"telur","qty":2,"price_rp":6000},{"kind":"ikan","qty":1,"price_rp":9000}]`,
			"consumption": "sisa", "notes": notes}
		if date != "" {
			fields["date"] = date
		}
		ct, body := multipartReport(t, fields, photo)
		st, raw := kader.raw("POST", "/api/v1/bts/facilities/sobo/deliveries", body, map[string]string{"Content-Type": ct})
		if st != 201 {
			t.Fatalf("report %s: %d %s", clientID, st, raw)
		}
		var d delivery
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	gps, err := os.ReadFile("../../bts/photo/testdata/gps.jpg") // EXIF: 2026-03-14 07:15:30, -8.2192, 114.3691
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	for i := range img.Pix {
		img.Pix[i] = 0xc0
	}
	img.Set(3, 3, color.Black)
	var plain bytes.Buffer // a photo without EXIF
	if err := jpeg.Encode(&plain, img, nil); err != nil {
		t.Fatal(err)
	}
	withGPS := report("verify-0001-gps", "", "Dimakan separuh", gps) // today
	day, _ := time.Parse(time.DateOnly, withGPS.Date)
	noEXIF := report("verify-0002-plain", day.AddDate(0, 0, -1).Format(time.DateOnly), "", plain.Bytes())
	card := func(d delivery) string { return fmt.Sprintf("#report-%d", d.ID) }

	const wait = 10 * time.Second
	b := browser(t)
	ctx := tab(t, b, 360, 780, true)

	do(t, ctx, "open /bts/verifikasi anonymously", chromedp.Navigate(app.URL()+"/bts/verifikasi"))
	waitFor(t, ctx, "the login form", visible("#login"), wait)
	if n := eval[int](t, ctx, `document.querySelectorAll('article.report').length`); n != 0 {
		t.Errorf("anonymous visitor sees %d reports", n)
	}
	checkA11y(t, ctx, "/bts/verifikasi (login)")
	do(t, ctx, "log in as staff",
		typeIn("#username", "petugas"),
		typeIn("#password", "rahasia123"),
		click("#login button[type=submit]"))
	waitFor(t, ctx, "the list of reports", visible("#reports"), wait)

	t.Run("both reports are listed with photo and EXIF", func(t *testing.T) {
		ids := eval[[]string](t, ctx, `[...document.querySelectorAll('article.report')].map((e) => e.id)`)
		want := []string{card(withGPS)[1:], card(noEXIF)[1:]} // newest first
		if strings.Join(ids, " ") != strings.Join(want, " ") {
			t.Fatalf("reports on the page: %v, want %v", ids, want)
		}
		waitFor(t, ctx, "both photos loaded", `(() => { const imgs = [...document.querySelectorAll('article.report img')];
			return imgs.length === 2 && imgs.every((i) => i.complete && i.naturalWidth > 0 && i.alt.includes('Siti Aminah')); })()`, wait)
		if href := eval[string](t, ctx, `document.querySelector('`+card(withGPS)+` a.photo').getAttribute('href')`); !strings.HasSuffix(href, fmt.Sprintf("/deliveries/%d/photo", withGPS.ID)) {
			t.Errorf("the thumbnail opens %q, want the full photo", href)
		}
		for sel, want := range map[string]string{
			card(withGPS) + " h3":     "Siti Aminah · " + withGPS.Date,
			card(withGPS) + " .gps":   "-8.21920, 114.36910",
			card(withGPS) + " .taken": "2026-03-14 07:15:30",
			card(withGPS) + " .facts": "telur 2 (Rp 6.000), ikan 1 (Rp 9.000)",
			card(noEXIF) + " .warn":   "tanpa data EXIF",
			card(noEXIF) + " .gps":    "tidak ada",
			"#summary":                "2 menunggu",
		} {
			if got := text(t, ctx, sel); !strings.Contains(got, want) {
				t.Errorf("%s: got %q, want it to contain %q", sel, got, want)
			}
		}
		for _, want := range []string{"kader1", "Rp 15.000", "Sisa", "Dimakan separuh"} {
			if got := text(t, ctx, card(withGPS)+" .facts"); !strings.Contains(got, want) {
				t.Errorf("facts of the first report: %q lacks %q", got, want)
			}
		}
		// The camera's date is months from the delivery: a warning, unless
		// the test runs within a day of it.
		if taken, _ := time.Parse(time.DateOnly, "2026-03-14"); day.Sub(taken).Abs() > 48*time.Hour {
			if got := text(t, ctx, card(withGPS)+" .warn"); !strings.Contains(got, "hari dari tanggal pengantaran") {
				t.Errorf("capture time far from the delivery: warning %q", got)
			}
		}
	})

	t.Run("verify with the keyboard", func(t *testing.T) {
		do(t, ctx, "press Enter on Verifikasi", typeIn(card(withGPS)+" button.verify", "\r"))
		waitFor(t, ctx, "the first report verified", fmt.Sprintf(`document.querySelector(%q).dataset.status === 'verified'
			&& !document.querySelector(%q)`, card(withGPS), card(withGPS)+" .review"), wait)
		if got := text(t, ctx, card(withGPS)+" .state"); !strings.Contains(got, "Terverifikasi oleh petugas") {
			t.Errorf("status after verifying: %q", got)
		}
		if got := eval[string](t, ctx, `document.activeElement.id`); got != card(noEXIF)[1:] {
			t.Errorf("focus after verifying is on %q, want the next report waiting, %s", got, card(noEXIF))
		}
		if got := text(t, ctx, "#summary"); !strings.Contains(got, "1 menunggu") {
			t.Errorf("summary after verifying: %q", got)
		}
	})

	t.Run("reject needs a reason", func(t *testing.T) {
		do(t, ctx, "reject without a reason", click(card(noEXIF)+" button.reject"))
		waitFor(t, ctx, "the inline error", fmt.Sprintf(`document.querySelector('#error-%d').textContent.includes('alasan')`, noEXIF.ID), wait)
		if got := eval[string](t, ctx, `document.activeElement.id`); got != fmt.Sprintf("reason-%d", noEXIF.ID) {
			t.Errorf("focus after the refusal is on %q, want the reason field", got)
		}
		var list []delivery
		staff.do("GET", fmt.Sprintf("/api/v1/bts/facilities/sobo/deliveries?from=%s&to=%s", noEXIF.Date, noEXIF.Date), nil, nil, &list)
		if len(list) != 1 || list[0].ID != noEXIF.ID || list[0].Status != "pending" {
			t.Errorf("after a rejection without reason the reports are %+v, want %d pending", list, noEXIF.ID)
		}
		if got := eval[string](t, ctx, `document.querySelector('`+card(noEXIF)+`').dataset.status`); got != "pending" {
			t.Errorf("page status after the refusal: %q", got)
		}
	})

	const reason = "Foto tidak menunjukkan makanan"
	t.Run("reject with a reason", func(t *testing.T) {
		do(t, ctx, "write the reason and reject",
			typeIn(fmt.Sprintf("#reason-%d", noEXIF.ID), reason),
			click(card(noEXIF)+" button.reject"))
		waitFor(t, ctx, "the second report rejected", fmt.Sprintf(`document.querySelector(%q).dataset.status === 'rejected'`, card(noEXIF)), wait)
		if got := text(t, ctx, card(noEXIF)+" .state"); !strings.Contains(got, "Ditolak oleh petugas") || !strings.Contains(got, reason) {
			t.Errorf("status after rejecting: %q", got)
		}
		if got := eval[string](t, ctx, `document.activeElement.className`); got != "state" {
			t.Errorf("focus after the last review is on %q, want the report's new status", got)
		}
		if got := text(t, ctx, "#summary"); !strings.Contains(got, "0 menunggu") {
			t.Errorf("summary after rejecting: %q", got)
		}
	})

	fits := eval[bool](t, ctx, `document.documentElement.scrollWidth <= window.innerWidth`)
	if !fits {
		t.Error("the page is wider than a 360 px phone")
	}
	checkA11y(t, ctx, "/bts/verifikasi")
	shot(t, ctx, testout(t), "bts-verifikasi")

	t.Run("the verdicts are stored", func(t *testing.T) {
		var list []delivery
		if st := staff.do("GET", fmt.Sprintf("/api/v1/bts/facilities/sobo/deliveries?from=%s&to=%s", noEXIF.Date, withGPS.Date),
			nil, nil, &list); st != 200 || len(list) != 2 {
			t.Fatalf("deliveries: %d %+v", st, list)
		}
		got := map[int64]delivery{}
		for _, d := range list {
			got[d.ID] = d
		}
		if d := got[withGPS.ID]; d.Status != "verified" || d.ReviewedBy != "petugas" || d.ReviewNote != "" {
			t.Errorf("first report: %+v, want verified by petugas without a note", d)
		}
		if d := got[noEXIF.ID]; d.Status != "rejected" || d.ReviewedBy != "petugas" || d.ReviewNote != reason {
			t.Errorf("second report: %+v, want rejected by petugas: %q", d, reason)
		}
	})

	t.Run("a district admin picks the Puskesmas", func(t *testing.T) {
		admin := newClient(t, app.URL())
		admin.login("admin", "rahasia123")
		for _, r := range []struct{ query, want string }{
			{"", `<select name="facility"`},
			{"?facility=sobo&status=all", fmt.Sprintf(`id="report-%d"`, noEXIF.ID)},
			{"?facility=tidak-ada", "Puskesmas tidak ditemukan"},
		} {
			st, page := admin.raw("GET", "/bts/verifikasi"+r.query, nil, nil)
			if st != 200 || !bytes.Contains(page, []byte(r.want)) {
				t.Errorf("GET /bts/verifikasi%s: %d, want a page with %s", r.query, st, r.want)
			}
		}
	})

	for _, who := range []string{"kader1", "dinkes"} {
		t.Run(who+" may not review", func(t *testing.T) {
			ctx := tab(t, b, 360, 780, true)
			do(t, ctx, "open /bts/verifikasi", chromedp.Navigate(app.URL()+"/bts/verifikasi"))
			waitFor(t, ctx, "the login form", visible("#login"), wait)
			do(t, ctx, "log in as "+who,
				typeIn("#username", who),
				typeIn("#password", "rahasia123"),
				click("#login button[type=submit]"))
			waitFor(t, ctx, "the not-allowed message", visible("#forbidden"), wait)
			if got := text(t, ctx, "#forbidden"); !strings.Contains(got, "tidak boleh memverifikasi") {
				t.Errorf("message: %q", got)
			}
			if n := eval[int](t, ctx, `document.querySelectorAll('article.report, button.verify').length`); n != 0 {
				t.Errorf("%s sees %d reports or buttons", who, n)
			}
			checkA11y(t, ctx, "/bts/verifikasi ("+who+")")
		})
	}
}
