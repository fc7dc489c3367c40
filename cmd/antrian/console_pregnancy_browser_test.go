package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/fault"
	"github.com/chromedp/chromedp"
)

// registerPregnancy registers a pregnant woman at sobo through the API and
// returns her id.
func registerPregnancy(t *testing.T, staff *client, body map[string]any) int64 {
	t.Helper()
	var p struct {
		ID int64 `json:"id"`
	}
	st, raw := staff.raw("POST", "/api/v1/bts/facilities/sobo/pregnancies", body, nil)
	if st != 201 {
		t.Fatalf("register %v: %d %s", body["name"], st, raw)
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// TestBrowserConsolePregnancyFind drives the console's "Ibu hamil (BTS)"
// section with women registered through the API: it opens by itself on
// KIA only, a search lists them, and picking one shows her weeks of
// gestation and the bumil-risti suggestion the bts package makes, with
// the enrolment offered only to the woman at risk. A search answered after
// the visit changed is dropped, and the section goes with the ticket.
func TestBrowserConsolePregnancyFind(t *testing.T) {
	b := browser(t)
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	base := app.URL()
	out := testout(t)
	const wait = 10 * time.Second

	today := puskesmasToday(t)
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	// Rina Susanti is 38 (a bumil risti by age), 12 weeks pregnant; Rina
	// Wulandari is 28 with nothing recorded against her.
	risky := bts.Pregnancy{BirthDate: today.AddDate(-38, 0, 0), HPHT: today.AddDate(0, 0, -84)}
	safe := bts.Pregnancy{BirthDate: today.AddDate(-28, 0, 0), HPHT: today.AddDate(0, 0, -150)}
	sug, ok := bts.SuggestPregnancy(risky, today)
	if !ok || sug.Target != bts.BumilRisti || !strings.Contains(sug.Reason, "usia > 35 tahun") {
		t.Fatalf("a woman of 38: suggestion %+v %v, want bumil_risti for her age", sug, ok)
	}
	if s, ok := bts.SuggestPregnancy(safe, today); ok {
		t.Fatalf("a woman of 28 with no risk: suggestion %+v, want none", s)
	}
	if w := risky.GestationalWeeks(today); w != 12 {
		t.Fatalf("HPHT 84 days ago: %d weeks, want 12", w)
	}
	susanti := registerPregnancy(t, staff, map[string]any{"name": "Rina Susanti", "nik": "3510014101870001",
		"birth_date": day(risky.BirthDate), "hpht": day(risky.HPHT), "gravida": 3, "parity": 2, "desa": "sobo-desa"})
	wulandari := registerPregnancy(t, staff, map[string]any{"name": "Rina Wulandari",
		"birth_date": day(safe.BirthDate), "hpht": day(safe.HPHT), "desa": "sobo-desa"})
	var tks []ticket
	for range 2 {
		st, tk := staff.book("KIA", nil)
		if st != 201 {
			t.Fatalf("book KIA: %d", st)
		}
		tks = append(tks, tk)
	}

	desk := consoleDesk(t, b, base)

	t.Run("the section opens by itself on KIA only", func(t *testing.T) {
		chooseUnit(t, desk, "UMUM")
		if eval[bool](t, desk, `document.querySelector('#p').open`) {
			t.Error("section open on UMUM, want collapsed")
		}
		chooseUnit(t, desk, "KIA")
		if !eval[bool](t, desk, `document.querySelector('#p').open`) {
			t.Error("section collapsed on KIA, want open")
		}
		if !eval[bool](t, desk, `document.querySelector('#p').hidden`) {
			t.Error("section shown without a current ticket")
		}
	})

	t.Run("picking a woman shows her weeks and the suggestion", func(t *testing.T) {
		callVisit(t, desk, tks[0].Code, "p")
		if got := text(t, desk, "#p summary"); got != "Ibu hamil (BTS)" {
			t.Errorf("summary: got %q", got)
		}
		do(t, desk, "search", typeIn(`#p-q`, "Rina\r"))
		waitFor(t, desk, "two women", `document.querySelectorAll('#p-kids button').length === 2`, wait)
		if got := text(t, desk, "#p-found"); got != "2 ibu hamil ditemukan. Pilih satu." {
			t.Errorf("search result: got %q", got)
		}
		// Only the woman at risk carries the badge in the list.
		if got := eval[string](t, desk, `[...document.querySelectorAll('#p-kids button')].filter((b) => b.querySelector('.badge')).map((b) => b.dataset.id).join()`); got != fmt.Sprint(susanti) {
			t.Errorf("women marked risti: ids %q, want %d", got, susanti)
		}
		if got := text(t, desk, fmt.Sprintf(`#p-kids button[data-id="%d"]`, susanti)); !strings.Contains(got, "hamil 12 minggu") {
			t.Errorf("list entry: got %q, want the weeks", got)
		}

		do(t, desk, "pick Rina Susanti", typeIn(fmt.Sprintf(`#p-kids button[data-id="%d"]`, susanti), "\r"))
		waitFor(t, desk, "her details", `!document.querySelector('#p-info').hidden`, wait)
		if got := text(t, desk, "#p-who"); got != "Rina Susanti, kunjungan "+tks[0].Code {
			t.Errorf("chosen woman: got %q", got)
		}
		hpl := risky.HPHT.AddDate(0, 0, 280)
		if got, want := text(t, desk, "#p-weeks"), fmt.Sprintf("Usia kehamilan 12 minggu (HPHT %s, perkiraan lahir %s).", mDay(risky.HPHT), mDay(hpl)); got != want {
			t.Errorf("weeks: got %q, want %q", got, want)
		}
		if got := text(t, desk, "#p-facts"); got != "umur 38 tahun · G3 P2" {
			t.Errorf("facts: got %q, want age 38, G3 P2", got)
		}
		if got, want := text(t, desk, "#p-sug"), "Saran BTS: bumil risti (ibu hamil risiko tinggi) — "+sug.Reason; got != want {
			t.Errorf("suggestion: got %q, want %q", got, want)
		}
		waitFor(t, desk, "the offer", `!document.querySelector('#p-enrol').hidden && !document.querySelector('#p-e-open').hidden`, wait)
		if got := text(t, desk, "#p-elig"); got != "Dapat didaftarkan ke intervensi BTS sebagai ibu hamil risiko tinggi." {
			t.Errorf("the offer's announcement: got %q", got)
		}
		if got := eval[string](t, desk, `document.querySelector('#p-kids button[aria-pressed=true]').dataset.id`); got != fmt.Sprint(susanti) {
			t.Errorf("pressed button: id %q, want %d", got, susanti)
		}
		checkA11y(t, desk, "console pregnancy")
		shot(t, desk, out, "console-pregnancy")
	})

	t.Run("a woman without risk gets no offer", func(t *testing.T) {
		do(t, desk, "pick Rina Wulandari", click(fmt.Sprintf(`#p-kids button[data-id="%d"]`, wulandari)))
		waitFor(t, desk, "her details", `document.querySelector('#p-who').textContent.startsWith('Rina Wulandari')`, wait)
		if got := text(t, desk, "#p-sug"); got != "Tidak ada kriteria bumil risti pada data yang tercatat." {
			t.Errorf("suggestion: got %q", got)
		}
		if got := text(t, desk, "#p-weeks"); !strings.HasPrefix(got, "Usia kehamilan 21 minggu") {
			t.Errorf("weeks: got %q, want 21", got)
		}
		waitFor(t, desk, "the enrolment check for her", fmt.Sprintf(`document.querySelector('#p-enrol').dataset.checked === '%d'`, wulandari), wait)
		if eval[bool](t, desk, `!document.querySelector('#p-enrol').hidden`) {
			t.Error("enrolment offered to a woman without risk")
		}
	})

	t.Run("an answer for the previous visit is dropped", func(t *testing.T) {
		// The page's searches wait for the test; everything else goes through.
		do(t, desk, "hold searches", chromedp.Evaluate[chromedp.Void](`(() => {
			const fetch0 = window.fetch0 = window.fetch;
			window.fetch = async (url, opt) => {
				if (!String(url).includes('/pregnancies?q=')) return fetch0(url, opt);
				window.held = true;
				await new Promise((r) => { window.release = r; });
				const res = await fetch0(url, opt);
				window.answered = true;
				return res;
			};
		})()`))
		do(t, desk, "search", clear(`#p-q`), typeIn(`#p-q`, "Rina\r"))
		waitFor(t, desk, "the search held", `window.held === true`, wait)
		do(t, desk, "finish", click(`#finish`))
		waitFor(t, desk, "no current ticket", `document.querySelector('#p').hidden && !document.querySelector('#cur-none').hidden`, wait)
		if n := eval[int](t, desk, `document.querySelectorAll('#p-kids li').length`); n != 0 {
			t.Errorf("%d women still listed after the visit, want 0", n)
		}
		do(t, desk, "call the next", click(`#next`))
		waitFor(t, desk, "the next visit", `document.querySelector('#cur-code').textContent === '`+tks[1].Code+`' && !document.querySelector('#p').hidden`, wait)
		do(t, desk, "answer the old search", chromedp.Evaluate[chromedp.Void](`window.release()`))
		waitFor(t, desk, "the answer", `window.answered === true`, wait)
		time.Sleep(300 * time.Millisecond) // the page has handled it by now
		if got := eval[string](t, desk, `document.querySelectorAll('#p-kids li').length + ' ' + document.querySelector('#p-found').textContent
			+ ' ' + document.querySelector('#p-info').hidden`); got != "0  true" {
			t.Errorf("after a late answer: %q, want nothing listed, found or shown", got)
		}
		// The section still works for the new visit.
		do(t, desk, "search again", chromedp.Evaluate[chromedp.Void](`window.fetch = window.fetch0`), typeIn(`#p-q`, "Wulan\r"))
		waitFor(t, desk, "one woman", `document.querySelectorAll('#p-kids button').length === 1`, wait)
	})
}

// TestBrowserConsolePregnancyRegisterEnrol drives registering, from the
// console, a pregnant woman the search did not find: refused in place
// for a too old HPHT, a blood pressure out of range and a gravida that is
// not a whole number, with nothing stored; then registered with every
// field (decimal commas) and read back through the API; her bumil-risti
// suggestion is the one the bts package makes, and staff enrol her with
// kader1 (read back through the API). Picking her again says she is
// enrolled, and the English page says all that in English.
func TestBrowserConsolePregnancyRegisterEnrol(t *testing.T) {
	b := browser(t)
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	base := app.URL()
	out := testout(t)
	const wait = 10 * time.Second

	today := puskesmasToday(t)
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	var areas []struct {
		Code     string `json:"code"`
		Posyandu []struct {
			ID int64 `json:"id"`
		} `json:"posyandu"`
	}
	if st := staff.do("GET", "/api/v1/bts/facilities/sobo/areas", nil, nil, &areas); st != 200 || len(areas) != 1 || len(areas[0].Posyandu) != 1 {
		t.Fatalf("areas: %d %+v, want sobo-desa with one posyandu", st, areas)
	}
	posyandu := areas[0].Posyandu[0].ID
	// Sari Dewi is 19, KEK and anaemic, with a poor obstetric history and
	// two risks typed in: the bts package must find her a bumil risti.
	sari := bts.Pregnancy{Name: "Sari Dewi", NIK: "3510015507060002", BirthDate: today.AddDate(-19, 0, -10),
		HPHT: today.AddDate(0, 0, -70), Gravida: 2, Parity: 1, HeightCm: 150.5, LiLACm: 22.5, HbGdL: 10.8,
		Systolic: 120, Diastolic: 80, Risks: []string{"riwayat obstetri buruk", "perokok aktif", "tinggal jauh dari faskes"},
		Address:   bts.Address{Desa: "sobo-desa", PosyanduID: posyandu, RT: "002", RW: "005", Street: "Dusun Krajan"},
		PoorBasis: "DTKS"}
	sug, ok := bts.SuggestPregnancy(sari, today)
	wantReason := "usia < 20 tahun, KEK (LiLA < 23,5 cm), anemia (Hb < 11 g/dL), riwayat obstetri buruk, perokok aktif, tinggal jauh dari faskes"
	if !ok || sug.Target != bts.BumilRisti || sug.Reason != wantReason {
		t.Fatalf("Sari Dewi: suggestion %+v %v, want bumil_risti for %q", sug, ok, wantReason)
	}
	st, tk := staff.book("KIA", nil)
	if st != 201 {
		t.Fatalf("book KIA: %d", st)
	}

	desk := consoleDesk(t, b, base)
	chooseUnit(t, desk, "KIA")

	t.Run("a search that finds nobody offers the form", func(t *testing.T) {
		callVisit(t, desk, tk.Code, "p")
		do(t, desk, "search", typeIn(`#p-q`, "Sari Dewi\r"))
		waitFor(t, desk, "the form", `!document.querySelector('#p-reg').hidden && document.querySelector('#p-desa').options.length > 1`, wait)
		if got := text(t, desk, "#p-found"); !strings.HasPrefix(got, "Tidak ada ibu hamil terdaftar") {
			t.Errorf("search result: got %q, want not found", got)
		}
		if got := eval[string](t, desk, `document.querySelector('#p-name').value`); got != "Sari Dewi" {
			t.Errorf("name: got %q, want the searched text", got)
		}
		checkA11y(t, desk, "console pregnancy registration")
		shot(t, desk, out, "console-pregnancy-register-form")
	})

	t.Run("refused fields are shown under them and nothing is stored", func(t *testing.T) {
		old := sari
		old.HPHT = today.AddDate(0, 0, -320)
		var fe *fault.Error
		if err := old.Validate(today); !errors.As(err, &fe) || fe.Field != "hpht" {
			t.Fatalf("bts refuses an HPHT 320 days ago with %v, want an hpht field error", err)
		}
		do(t, desk, "save with an old HPHT", setValue(`#p-hpht`, day(old.HPHT)), setValue(`#p-desa`, "sobo-desa"), click(`#p-reg-save`))
		waitFor(t, desk, "the HPHT error", `!document.querySelector('#p-hpht-error').hidden`, wait)
		if got := text(t, desk, "#p-hpht-error"); got != fe.Message {
			t.Errorf("HPHT error: got %q, want %q", got, fe.Message)
		}
		if got := eval[string](t, desk, `document.querySelector('#p-hpht').getAttribute('aria-invalid') + ' ' + document.activeElement.id`); got != "true p-hpht" {
			t.Errorf("HPHT field: aria-invalid and focus %q, want \"true p-hpht\"", got)
		}

		high := sari
		high.Systolic = 400
		if err := high.Validate(today); !errors.As(err, &fe) || fe.Field != "systolic" {
			t.Fatalf("bts refuses a systolic pressure of 400 with %v, want a systolic field error", err)
		}
		do(t, desk, "save with a pressure of 400/80", setValue(`#p-hpht`, day(sari.HPHT)),
			typeIn(`#p-sys`, "400"), typeIn(`#p-dia`, "80"), click(`#p-reg-save`))
		waitFor(t, desk, "the pressure error", `!document.querySelector('#p-bp-error').hidden`, wait)
		if got := text(t, desk, "#p-bp-error"); got != fe.Message {
			t.Errorf("pressure error: got %q, want %q", got, fe.Message)
		}
		if got := eval[string](t, desk, `['#p-sys', '#p-dia', '#p-hpht'].map((s) => document.querySelector(s).getAttribute('aria-invalid')).join() + ' ' + document.activeElement.id`); got != "true,true, p-sys" {
			t.Errorf("pressure fields: aria-invalid and focus %q, want \"true,true, p-sys\" (the HPHT no longer marked)", got)
		}
		if !eval[bool](t, desk, `document.querySelector('#p-hpht-error').hidden`) {
			t.Error("the HPHT error is still shown after it was corrected")
		}

		// A gravida with a decimal is refused by the page itself.
		do(t, desk, "save with gravida 1,5", clear(`#p-sys`), typeIn(`#p-sys`, "120"), typeIn(`#p-gravida`, "1,5"), click(`#p-reg-save`))
		waitFor(t, desk, "the gravida error", `!document.querySelector('#p-gravida-error').hidden`, wait)
		if got := text(t, desk, "#p-gravida-error"); got != "Isi bilangan bulat, misalnya 2." {
			t.Errorf("gravida error: got %q", got)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_pregnancies`); n != 0 {
			t.Errorf("%d pregnancies stored after refusals, want 0", n)
		}
	})

	var id int64
	t.Run("the woman is registered with every field and her suggestion shown", func(t *testing.T) {
		do(t, desk, "fill the rest", clear(`#p-gravida`), typeIn(`#p-gravida`, "2"), typeIn(`#p-parity`, "1"),
			typeIn(`#p-nik`, sari.NIK), setValue(`#p-born`, day(sari.BirthDate)),
			typeIn(`#p-height`, "150,5"), typeIn(`#p-lila`, "22,5"), typeIn(`#p-hb`, "10,8"),
			click(`#p-risk-obstetri`), typeIn(`#p-risk-other`, "perokok aktif; tinggal jauh dari faskes"),
			setValue(`#p-posyandu`, fmt.Sprint(posyandu)), typeIn(`#p-rt`, "002"), typeIn(`#p-rw`, "005"),
			typeIn(`#p-street`, "Dusun Krajan"), typeIn(`#p-poor`, "DTKS"), click(`#p-reg-save`))
		waitFor(t, desk, "her details", `document.querySelector('#p-reg').hidden && !document.querySelector('#p-info').hidden`, wait)

		type pregnancyJSON struct {
			ID               int64    `json:"id"`
			Facility         string   `json:"facility"`
			NIK              string   `json:"nik"`
			Name             string   `json:"name"`
			BirthDate        string   `json:"birth_date"`
			HPHT             string   `json:"hpht"`
			Gravida          int      `json:"gravida"`
			Parity           int      `json:"parity"`
			HeightCm         float64  `json:"height_cm"`
			LiLACm           float64  `json:"lila_cm"`
			HbGdL            float64  `json:"hb_g_dl"`
			Systolic         int      `json:"systolic"`
			Diastolic        int      `json:"diastolic"`
			Risks            []string `json:"risks"`
			Desa             string   `json:"desa"`
			PosyanduID       int64    `json:"posyandu_id"`
			RT               string   `json:"rt"`
			RW               string   `json:"rw"`
			Address          string   `json:"address"`
			PoorBasis        string   `json:"poor_basis"`
			GestationalWeeks int      `json:"gestational_weeks"`
			Suggestion       *struct {
				TargetType string `json:"target_type"`
				Reason     string `json:"reason"`
			} `json:"suggestion"`
		}
		var got []pregnancyJSON
		if st := staff.do("GET", "/api/v1/bts/facilities/sobo/pregnancies?q=Sari", nil, nil, &got); st != 200 || len(got) != 1 {
			t.Fatalf("read back: %d, %d women, want 1", st, len(got))
		}
		id = got[0].ID
		var one pregnancyJSON
		if st := staff.do("GET", fmt.Sprintf("/api/v1/bts/facilities/sobo/pregnancies/%d", id), nil, nil, &one); st != 200 || !reflect.DeepEqual(one, got[0]) {
			t.Errorf("GET pregnancies/%d: %d %+v, want the listed %+v", id, st, one, got[0])
		}
		got[0].ID = 0
		want := pregnancyJSON{Facility: "sobo", NIK: sari.NIK, Name: sari.Name, BirthDate: day(sari.BirthDate), HPHT: day(sari.HPHT),
			Gravida: 2, Parity: 1, HeightCm: 150.5, LiLACm: 22.5, HbGdL: 10.8, Systolic: 120, Diastolic: 80, Risks: sari.Risks,
			Desa: "sobo-desa", PosyanduID: posyandu, RT: "002", RW: "005", Address: "Dusun Krajan", PoorBasis: "DTKS",
			GestationalWeeks: 10}
		want.Suggestion = &struct {
			TargetType string `json:"target_type"`
			Reason     string `json:"reason"`
		}{"bumil_risti", sug.Reason}
		if !reflect.DeepEqual(got[0], want) {
			t.Errorf("stored woman:\n got %+v %+v\nwant %+v %+v", got[0], got[0].Suggestion, want, want.Suggestion)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_pregnancies p JOIN facilities f ON f.id = p.facility_id
			WHERE p.id = $1 AND f.code = 'sobo'`, id); n != 1 {
			t.Errorf("%d pregnancies stored at sobo with id %d, want 1", n, id)
		}

		if got := text(t, desk, "#p-found"); got != "Ibu hamil baru terdaftar: Sari Dewi." {
			t.Errorf("found line: got %q", got)
		}
		if got := text(t, desk, "#p-weeks"); !strings.HasPrefix(got, "Usia kehamilan 10 minggu (HPHT "+mDay(sari.HPHT)) {
			t.Errorf("weeks: got %q, want 10 weeks from %s", got, mDay(sari.HPHT))
		}
		if got := text(t, desk, "#p-facts"); got != "umur 19 tahun · G2 P1" {
			t.Errorf("facts: got %q", got)
		}
		if got, want := text(t, desk, "#p-sug"), "Saran BTS: bumil risti (ibu hamil risiko tinggi) — "+sug.Reason; got != want {
			t.Errorf("suggestion:\n got %q\nwant %q", got, want)
		}
		if got := eval[string](t, desk, `[...document.querySelectorAll('#p-kids button[aria-pressed=true]')].map((b) => b.dataset.id).join()`); got != fmt.Sprint(id) {
			t.Errorf("picked ids %q, want %d", got, id)
		}
		waitFor(t, desk, "the offer", `!document.querySelector('#p-enrol').hidden && !document.querySelector('#p-e-open').hidden`, wait)
		checkA11y(t, desk, "console pregnancy registered")
		shot(t, desk, out, "console-pregnancy-registered")
	})

	end := today.AddDate(0, 0, bts.DefaultDays-1)
	t.Run("she is enrolled with kader1", func(t *testing.T) {
		do(t, desk, "open", typeIn(`#p-e-open`, "\r"))
		waitFor(t, desk, "the form", `!document.querySelector('#p-e-form').hidden && document.activeElement.id === 'p-e-start'
			&& document.querySelector('#p-e-cadre').options.length > 1`, wait)
		got := eval[[]string](t, desk, `['#p-e-start', '#p-e-end', '#p-e-allowance', '#p-e-cadre', '#p-e-supplier'].map((s) => document.querySelector(s).value)`)
		// bts.Enrolment.Normalize: a year (both days included), Rp 15,000.
		if want := []string{day(today), day(end), fmt.Sprint(bts.DefaultAllowanceRp), "", ""}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("defaults: got %q, want %q", got, want)
		}
		do(t, desk, "fill", clear(`#p-e-allowance`), typeIn(`#p-e-allowance`, "20.000"),
			setValue(`#p-e-cadre`, "kader1"), typeIn(`#p-e-supplier`, "Warung Bu Sri"), click(`#p-e-save`))
		waitFor(t, desk, "the confirmation", `!document.querySelector('#p-e-done').hidden`, wait)
		done := text(t, desk, "#p-e-done")
		if !strings.HasPrefix(done, "Terdaftar di intervensi BTS: ibu hamil risiko tinggi, "+mDay(today)+" – "+mDay(end)) || !strings.HasSuffix(done, "kader kader1.") {
			t.Errorf("confirmation: got %q", done)
		}
		if !eval[bool](t, desk, `document.querySelector('#p-e-form').hidden && document.querySelector('#p-e-open').hidden
			&& document.activeElement.id === 'p-e-done'`) {
			t.Error("form or button still shown, or focus not on the confirmation")
		}

		type enrolment struct {
			TargetType  string `json:"target_type"`
			ChildID     int64  `json:"child_id"`
			PregnancyID int64  `json:"pregnancy_id"`
			TargetName  string `json:"target_name"`
			Reason      string `json:"reason"`
			Start       string `json:"start"`
			End         string `json:"end"`
			AllowanceRp int    `json:"allowance_rp"`
			Cadre       string `json:"cadre"`
			Supplier    string `json:"supplier"`
			ExitedOn    string `json:"exited_on"`
		}
		want := enrolment{TargetType: "bumil_risti", PregnancyID: id, TargetName: "Sari Dewi", Reason: sug.Reason,
			Start: day(today), End: day(end), AllowanceRp: 20000, Cadre: "kader1", Supplier: "Warung Bu Sri"}
		var es []enrolment
		if st := staff.do("GET", "/api/v1/bts/facilities/sobo/enrolments", nil, nil, &es); st != 200 || len(es) != 1 {
			t.Fatalf("enrolments: %d, %d stored, want 1", st, len(es))
		}
		if es[0] != want {
			t.Errorf("stored enrolment:\n got %+v\nwant %+v", es[0], want)
		}
		checkA11y(t, desk, "console pregnancy enrolled")
		shot(t, desk, out, "console-pregnancy-enrol")
	})

	t.Run("picking her again says she is enrolled", func(t *testing.T) {
		do(t, desk, "pick", click(`#p-kids button`))
		waitFor(t, desk, "the note", `!document.querySelector('#p-enrol').hidden && document.querySelector('#p-elig').textContent.startsWith('Sudah terdaftar')`, wait)
		if got := text(t, desk, "#p-elig"); got != "Sudah terdaftar di intervensi BTS: ibu hamil risiko tinggi, "+mDay(today)+" – "+mDay(end)+"." {
			t.Errorf("note: got %q", got)
		}
		if !eval[bool](t, desk, `document.querySelector('#p-e-open').hidden && document.querySelector('#p-e-done').hidden`) {
			t.Error("enrolment offered again to an enrolled woman")
		}
	})

	t.Run("the English page says it in English", func(t *testing.T) {
		do(t, desk, "reload in English", chromedp.Navigate(base+"/console?lang=en"))
		waitFor(t, desk, "the section", btsSection("p"), wait)
		if got := text(t, desk, "#p summary"); got != "Pregnant women (BTS)" {
			t.Errorf("summary: got %q", got)
		}
		if got := text(t, desk, `label[for=p-q]`); got != "Find a registered pregnant woman (name or NIK)" {
			t.Errorf("search label: got %q", got)
		}
		do(t, desk, "search", typeIn(`#p-q`, "Sari\r"))
		waitFor(t, desk, "one woman", `document.querySelectorAll('#p-kids button').length === 1`, wait)
		if got := text(t, desk, "#p-found"); got != "1 pregnant woman found." {
			t.Errorf("search result: got %q", got)
		}
		do(t, desk, "pick", click(`#p-kids button`))
		waitFor(t, desk, "the note", `document.querySelector('#p-elig').textContent.startsWith('Already enrolled')`, wait)
		if got := text(t, desk, "#p-weeks"); !strings.HasPrefix(got, "10 weeks pregnant (LMP ") {
			t.Errorf("weeks: got %q", got)
		}
		if got := text(t, desk, "#p-facts"); got != "aged 19 · G2 P1" {
			t.Errorf("facts: got %q", got)
		}
		want := "BTS suggestion: high-risk pregnancy (bumil risti) — age under 20, chronic energy deficiency (MUAC < 23.5 cm), " +
			"anaemia (Hb < 11 g/dL), poor obstetric history, perokok aktif, tinggal jauh dari faskes"
		if got := text(t, desk, "#p-sug"); got != want {
			t.Errorf("suggestion:\n got %q\nwant %q", got, want)
		}
		if got := text(t, desk, "#p-elig"); !strings.HasPrefix(got, "Already enrolled in the BTS intervention: high-risk pregnancy, ") {
			t.Errorf("note: got %q", got)
		}
		// An English error from the API, under its field.
		do(t, desk, "register without a name", click(`#p-new`))
		waitFor(t, desk, "the form", `!document.querySelector('#p-reg').hidden && document.querySelector('#p-desa').options.length > 1`, wait)
		if got := text(t, desk, "#p-reg h3"); got != "Register a pregnant woman" {
			t.Errorf("form heading: got %q", got)
		}
		do(t, desk, "save", clear(`#p-name`), click(`#p-reg-save`))
		waitFor(t, desk, "the name error", `!document.querySelector('#p-name-error').hidden`, wait)
		if got := text(t, desk, "#p-name-error"); got != "Enter her name (at most 100 letters)." {
			t.Errorf("name error: got %q", got)
		}
		// Her pregnancy registered a second time: refused on the NIK, in English.
		do(t, desk, "save her again", typeIn(`#p-name`, sari.Name), typeIn(`#p-nik`, sari.NIK),
			setValue(`#p-hpht`, day(sari.HPHT)), setValue(`#p-desa`, "sobo-desa"), click(`#p-reg-save`))
		waitFor(t, desk, "the NIK error", `!document.querySelector('#p-nik-error').hidden`, wait)
		if got := text(t, desk, "#p-nik-error"); !strings.HasPrefix(got, "This pregnancy is already registered") {
			t.Errorf("NIK error: got %q", got)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_pregnancies`); n != 1 {
			t.Errorf("%d pregnancies stored, want 1", n)
		}
		checkA11y(t, desk, "console pregnancy in English")
		shot(t, desk, out, "console-pregnancy-en")
	})
}
