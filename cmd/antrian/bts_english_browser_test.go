package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBTSPagesInEnglish has every BTS page say its data in English with
// ?lang=en, as the other pages do: the cadre's form and list, the report
// tables, the targets and the reports to review. In a browser, the
// nutritionist switches the review page to English with its link (the
// filters stay), is refused a rejection without a reason in English,
// verifies the report and sees its new status in English; then ends the
// target's enrolment on the targets page, still in English.
func TestBTSPagesInEnglish(t *testing.T) {
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	enrolment := enrolledChild(t, app, staff)
	kader := newClient(t, app.URL())
	kader.login("kader1", "rahasia123")
	photo, err := os.ReadFile("../../bts/photo/testdata/gps.jpg")
	if err != nil {
		t.Fatal(err)
	}
	ct, body := multipartReport(t, map[string]string{"client_id": "english-0001", "enrolment_id": strconv.FormatInt(enrolment, 10),
		"items": `[{"kind":"telur","qty":2,"price_rp":6000}]`, "consumption": "habis"}, photo)
	if st, raw := kader.raw("POST", "/api/v1/bts/facilities/sobo/deliveries", body, map[string]string{"Content-Type": ct}); st != 201 {
		t.Fatalf("report: %d %s", st, raw)
	}
	today := puskesmasToday(t).Format(time.DateOnly)
	dinkes := newClient(t, app.URL())
	dinkes.login("dinkes", "rahasia123")

	t.Run("every page in English", func(t *testing.T) {
		for _, r := range []struct {
			who  *client
			path string
			want []string
		}{
			{kader, "/kader?lang=en", []string{`<html lang="en">`, "Today&#39;s delivery report", `aria-label="Quantity of eggs"`,
				"All eaten", "Awaiting review", "Siti Aminah (baduta"}},
			{dinkes, "/bts/laporan?lang=en", []string{"Prevalence (", "Severely stunted", "Delivery compliance", "Total: 1 of "}},
			{staff, "/bts/sasaran?lang=en", []string{"Siti Aminah · Baduta (under two)", "active targets: <span id=\"active-count\">1</span>",
				"Daily allowance</dt><dd>Rp 15.000", ">Active<", "End early", `<option value="Moved away">`}},
			{staff, "/bts/verifikasi?lang=en", []string{"reports: 1, awaiting review: <span id=\"pending-count\">1</span>",
				"eggs 2 (Rp 6.000)", "Photo taken", "Awaiting review", ">Verify</button>"}},
		} {
			st, page := r.who.raw("GET", r.path, nil, nil)
			for _, w := range r.want {
				if st != 200 || !strings.Contains(string(page), w) {
					t.Errorf("GET %s: %d, want a page with %s", r.path, st, w)
				}
			}
			for _, id := range []string{"Sasaran", "Menunggu", "Tanggal", "Laporan"} {
				if strings.Contains(string(page), ">"+id) {
					t.Errorf("GET %s: Indonesian %q on the English page", r.path, id)
				}
			}
		}
	})

	const wait = 10 * time.Second
	ctx := tab(t, browser(t), 360, 780, true)
	do(t, ctx, "open the review page", chromedp.Navigate(app.URL()+"/bts/verifikasi?status=all"))
	waitFor(t, ctx, "the login form", visible("#login"), wait)
	do(t, ctx, "log in as staff", typeIn("#username", "petugas"), typeIn("#password", "rahasia123"),
		click("#login button[type=submit]"))
	waitFor(t, ctx, "the reports", visible("article.report"), wait)
	do(t, ctx, "switch to English", click("a.lang"))
	waitFor(t, ctx, "the English page", `document.documentElement.lang === 'en' && !!document.querySelector('article.report')`, wait)
	if got := eval[string](t, ctx, `document.querySelector('#status-filter').value`); got != "all" {
		t.Errorf("status filter after switching: %q, want all (kept)", got)
	}
	card := "article.report"
	id := eval[string](t, ctx, `document.querySelector('article.report').dataset.id`)
	do(t, ctx, "reject without a reason", click(card+" button.reject"))
	waitFor(t, ctx, "the error", `document.querySelector('#error-`+id+`').textContent !== ''`, wait)
	if got := text(t, ctx, "#error-"+id); got != "Write the reason before rejecting the report." {
		t.Errorf("error: %q", got)
	}
	do(t, ctx, "verify", click(card+" button.verify"))
	waitFor(t, ctx, "verified", `document.querySelector('article.report').dataset.status === 'verified'`, wait)
	if got := text(t, ctx, card+" .state"); got != "Status: Verified by petugas" {
		t.Errorf("status: %q", got)
	}
	if got := text(t, ctx, "#summary"); !strings.Contains(got, "awaiting review: 0") {
		t.Errorf("summary: %q", got)
	}
	checkA11y(t, ctx, "/bts/verifikasi in English")

	do(t, ctx, "open the targets page", click(`header nav a[href^="/bts/sasaran"]`))
	waitFor(t, ctx, "the targets", visible("article.target"), wait)
	target := fmt.Sprintf("#target-%d", enrolment)
	do(t, ctx, "end without a reason", click(target+" details.exit summary"), click(target+" form.exit-form button"))
	waitFor(t, ctx, "the error", fmt.Sprintf(`document.querySelector('#error-%d-exit_reason').textContent !== ''`, enrolment), wait)
	if got := text(t, ctx, fmt.Sprintf("#error-%d-exit_reason", enrolment)); !strings.HasPrefix(got, "Enter the reason for leaving") {
		t.Errorf("error: %q", got)
	}
	do(t, ctx, "end with a reason", typeIn(target+" input[name=exit_reason]", "Moved away"), click(target+" form.exit-form button"))
	waitFor(t, ctx, "the target left", fmt.Sprintf(`document.querySelector(%q).dataset.state === 'exited'`, target), wait)
	if got, want := text(t, ctx, target+" .state"), "Status: Left on "+today+" (Moved away)"; got != want {
		t.Errorf("status: %q, want %q", got, want)
	}
	if got := text(t, ctx, "#active-count"); got != "0" {
		t.Errorf("active count %q, want 0", got)
	}
	checkA11y(t, ctx, "/bts/sasaran in English")
	shot(t, ctx, testout(t), "bts-sasaran-en")
}
