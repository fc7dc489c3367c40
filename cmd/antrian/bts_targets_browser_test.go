package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBTSTargetsPage has the Puskesmas nutritionist end an enrolment early
// at /bts/sasaran on a phone-sized screen: the target is listed with its
// cadre and allowance; an exit without a reason and one dated before the
// start are refused under their fields, with nothing stored; an exit with
// a reason is stored (read back through the API) and shown in place; the
// target then leaves the active list and shows as left in the full one. A
// cadre and the Dinas Kesehatan are told they may not manage targets, and a
// district admin picks the Puskesmas.
func TestBTSTargetsPage(t *testing.T) {
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	enrolment := enrolledChild(t, app, staff)
	today := puskesmasToday(t)
	card := fmt.Sprintf("#target-%d", enrolment)

	type stored struct {
		ID         int64  `json:"id"`
		Start      string `json:"start"`
		ExitedOn   string `json:"exited_on"`
		ExitReason string `json:"exit_reason"`
	}
	read := func() stored {
		t.Helper()
		var list []stored
		if st := staff.do("GET", "/api/v1/bts/facilities/sobo/enrolments?from="+today.AddDate(0, 0, -30).Format(time.DateOnly)+
			"&to="+today.Format(time.DateOnly), nil, nil, &list); st != 200 || len(list) != 1 || list[0].ID != enrolment {
			t.Fatalf("enrolments: %d %+v, want enrolment %d", st, list, enrolment)
		}
		return list[0]
	}

	const wait = 10 * time.Second
	b := browser(t)
	ctx := tab(t, b, 360, 780, true)
	do(t, ctx, "open /bts/sasaran anonymously", chromedp.Navigate(app.URL()+"/bts/sasaran"))
	waitFor(t, ctx, "the login form", visible("#login"), wait)
	if n := eval[int](t, ctx, `document.querySelectorAll('article.target').length`); n != 0 {
		t.Errorf("anonymous visitor sees %d targets", n)
	}
	do(t, ctx, "log in as staff",
		typeIn("#username", "petugas"),
		typeIn("#password", "rahasia123"),
		click("#login button[type=submit]"))
	waitFor(t, ctx, "the list of targets", visible("#targets"), wait)

	t.Run("the staff pages link each other", func(t *testing.T) {
		got := eval[string](t, ctx, `[...document.querySelectorAll('header nav a')].map((a) => a.getAttribute('href') + (a.getAttribute('aria-current') ? '*' : '')).join(' ')`)
		if got != "/bts/verifikasi?facility=sobo /bts/sasaran?facility=sobo* /bts/laporan" {
			t.Errorf("navigation: %q", got)
		}
	})

	t.Run("the target is listed", func(t *testing.T) {
		for sel, want := range map[string]string{
			card + " h3":     "Siti Aminah · Baduta",
			card + " .facts": "kader1",
			card + " .state": "Aktif",
			"#summary":       "1 sasaran aktif",
		} {
			if got := text(t, ctx, sel); !strings.Contains(got, want) {
				t.Errorf("%s: got %q, want it to contain %q", sel, got, want)
			}
		}
		if got := text(t, ctx, card+" .facts"); !strings.Contains(got, "Warung Bu Tin") || !strings.Contains(got, "Rp ") ||
			!strings.Contains(got, "Sobo") || strings.Contains(got, "sobo-desa") {
			t.Errorf("facts: %q, want the supplier, the allowance in rupiah and the desa's name", got)
		}
	})
	checkA11y(t, ctx, "/bts/sasaran")

	// setDay sets the exit form's date directly: typing a date depends on
	// the browser's locale.
	setDay := func(d time.Time) {
		t.Helper()
		eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s input[name=exited_on]').value = %q`, card, d.Format(time.DateOnly)))
	}
	t.Run("an exit needs a reason and a day from the start on", func(t *testing.T) {
		do(t, ctx, "open the exit form", click(card+" details.exit summary"))
		waitFor(t, ctx, "the exit form", visible(card+" form.exit-form button"), wait)
		do(t, ctx, "end without a reason", click(card+" form.exit-form button"))
		waitFor(t, ctx, "the reason's error", fmt.Sprintf(`document.querySelector('#error-%d-exit_reason').textContent.includes('alasan')`, enrolment), wait)
		if got := eval[string](t, ctx, `document.activeElement.name`); got != "exit_reason" {
			t.Errorf("focus on %q, want the reason", got)
		}
		start := read().Start
		before, _ := time.Parse(time.DateOnly, start)
		setDay(before.AddDate(0, 0, -1))
		do(t, ctx, "a reason and a day before the start",
			typeIn(card+" input[name=exit_reason]", "Pindah domisili"),
			click(card+" form.exit-form button"))
		waitFor(t, ctx, "the date's error", fmt.Sprintf(`document.querySelector('#error-%d-exited_on').textContent.includes('sebelum tanggal mulai')`, enrolment), wait)
		if got := text(t, ctx, fmt.Sprintf("#error-%d-exit_reason", enrolment)); got != "" {
			t.Errorf("the reason's old error stayed: %q", got)
		}
		if e := read(); e.ExitedOn != "" || e.ExitReason != "" {
			t.Fatalf("a refused exit was stored: %+v", e)
		}
	})

	t.Run("an exit is stored and shown", func(t *testing.T) {
		setDay(today)
		do(t, ctx, "end today", click(card+" form.exit-form button"))
		waitFor(t, ctx, "the target left", fmt.Sprintf(`document.querySelector(%q).dataset.state === 'exited'`, card), wait)
		want := "Keluar sejak " + today.Format(time.DateOnly) + " (Pindah domisili)"
		if got := text(t, ctx, card+" .state"); !strings.Contains(got, want) {
			t.Errorf("status: %q, want %q", got, want)
		}
		if got := text(t, ctx, "#active-count"); got != "0" {
			t.Errorf("active count %q, want 0", got)
		}
		if e := read(); e.ExitedOn != today.Format(time.DateOnly) || e.ExitReason != "Pindah domisili" {
			t.Errorf("stored: %+v, want left today for Pindah domisili", e)
		}
		shot(t, ctx, testout(t), "bts-sasaran")
	})

	t.Run("the lists after the exit", func(t *testing.T) {
		st, page := staff.raw("GET", "/bts/sasaran", nil, nil)
		if st != 200 || !bytes.Contains(page, []byte("Tidak ada sasaran")) || bytes.Contains(page, []byte(`id="`+card[1:]+`"`)) {
			t.Errorf("GET /bts/sasaran: %d, want no active target", st)
		}
		st, page = staff.raw("GET", "/bts/sasaran?show=semua", nil, nil)
		if st != 200 || !bytes.Contains(page, []byte(`id="`+card[1:]+`"`)) || !bytes.Contains(page, []byte("Keluar sejak "+today.Format(time.DateOnly))) ||
			bytes.Contains(page, []byte(`class="exit"`)) {
			t.Errorf("GET /bts/sasaran?show=semua: %d, want the target shown as left, without an exit form", st)
		}
	})

	t.Run("a district admin picks the Puskesmas", func(t *testing.T) {
		admin := newClient(t, app.URL())
		admin.login("admin", "rahasia123")
		for _, r := range []struct{ query, want string }{
			{"", `<select name="facility"`},
			{"?facility=sobo&show=semua", fmt.Sprintf(`id="target-%d"`, enrolment)},
			{"?facility=tidak-ada", "Puskesmas tidak ditemukan"},
		} {
			st, page := admin.raw("GET", "/bts/sasaran"+r.query, nil, nil)
			if st != 200 || !bytes.Contains(page, []byte(r.want)) {
				t.Errorf("GET /bts/sasaran%s: %d, want a page with %s", r.query, st, r.want)
			}
		}
	})

	t.Run("an enrolment not started yet is cancelled on its start day", func(t *testing.T) {
		var kid struct {
			ID int64 `json:"id"`
		}
		if st, raw := staff.raw("POST", "/api/v1/bts/facilities/sobo/children", map[string]any{
			"nik": "3510010101250002", "name": "Rahmat Hidayat", "sex": "L", "birth_date": today.AddDate(0, 0, -400).Format(time.DateOnly),
			"mother_name": "Ibu Rahmat", "desa": "sobo-desa", "poor_basis": "DTKS"}, nil); st != 201 {
			t.Fatalf("register: %d %s", st, raw)
		} else if err := json.Unmarshal(raw, &kid); err != nil {
			t.Fatal(err)
		}
		start := today.AddDate(0, 0, 10).Format(time.DateOnly)
		var e stored
		if st, raw := staff.raw("POST", "/api/v1/bts/facilities/sobo/enrolments", map[string]any{
			"target_type": "baduta", "child_id": kid.ID, "cadre": "kader1", "start": start}, nil); st != 201 {
			t.Fatalf("enrol: %d %s", st, raw)
		} else if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		future := fmt.Sprintf("#target-%d", e.ID)
		do(t, ctx, "open every target", chromedp.Navigate(app.URL()+"/bts/sasaran?show=semua"))
		waitFor(t, ctx, "the future target", visible(future), wait)
		if got := text(t, ctx, future+" .state"); !strings.Contains(got, "Mulai "+start) {
			t.Errorf("status: %q, want it to start on %s", got, start)
		}
		if got := eval[string](t, ctx, `(() => { const i = document.querySelector('`+future+` input[name=exited_on]'); return i.value + ' ' + i.min + ' ' + i.max; })()`); got != start+" "+start+" "+start {
			t.Errorf("exit day, min, max: %q, want the start day for all three", got)
		}
		do(t, ctx, "cancel it",
			click(future+" details.exit summary"),
			typeIn(future+" input[name=exit_reason]", "Keluarga menolak"),
			click(future+" form.exit-form button"))
		waitFor(t, ctx, "the target left", fmt.Sprintf(`document.querySelector(%q).dataset.state === 'exited'`, future), wait)
		if got := text(t, ctx, "#active-count"); got != "0" {
			t.Errorf("active count %q after cancelling a target that had not started, want 0", got)
		}
		var list []stored
		staff.do("GET", "/api/v1/bts/facilities/sobo/enrolments?from="+start+"&to="+start, nil, nil, &list)
		var got *stored
		for i := range list {
			if list[i].ID == e.ID {
				got = &list[i]
			}
		}
		if got == nil || got.ExitedOn != start || got.ExitReason != "Keluarga menolak" {
			t.Errorf("stored: %+v, want enrolment %d left on its start day %s", list, e.ID, start)
		}
		if _, page := staff.raw("GET", "/bts/sasaran?show=semua", nil, nil); !bytes.Contains(page, []byte("Keluar sejak "+start+" (Keluarga menolak)")) {
			t.Errorf("after a reload the cancelled target does not show as left on %s", start)
		}
	})

	t.Run("another Puskesmas's staff see their own", func(t *testing.T) {
		other := secondPuskesmas(t, app)
		st, page := other.raw("GET", "/bts/sasaran?facility=sobo&show=semua", nil, nil)
		if st != 200 || !bytes.Contains(page, []byte("Puskesmas Kalipuro")) || bytes.Contains(page, []byte(card[1:])) {
			t.Errorf("GET /bts/sasaran?facility=sobo as Kalipuro's staff: %d, want Kalipuro's (empty) list", st)
		}
		if st := other.do("POST", fmt.Sprintf("/api/v1/bts/facilities/sobo/enrolments/%d/exit", enrolment),
			map[string]string{"exit_reason": "x"}, nil, nil); st != 403 {
			t.Errorf("Kalipuro's staff ending Sobo's enrolment: %d, want 403", st)
		}
	})

	for _, who := range []string{"kader1", "dinkes"} {
		t.Run(who+" may not manage targets", func(t *testing.T) {
			c := newClient(t, app.URL())
			c.login(who, "rahasia123")
			st, page := c.raw("GET", "/bts/sasaran?facility=sobo&show=semua", nil, nil)
			if st != 200 || !bytes.Contains(page, []byte(`id="forbidden"`)) || bytes.Contains(page, []byte("article class")) {
				t.Errorf("%s: %d, want the not-allowed message and no targets", who, st)
			}
		})
	}
}
