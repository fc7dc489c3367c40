package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/postgres"
	"github.com/chromedp/chromedp"
)

// btsSection is a waitFor condition: the console's BTS section id (m: a
// child, p: a pregnant woman) is shown and open.
func btsSection(id string) string {
	return fmt.Sprintf(`!document.querySelector('#%s').hidden && document.querySelector('#%s').open`, id, id)
}

// callVisit calls ticket code from the console desk once it is on the
// waiting list, and waits for the BTS section (btsSection) to open for the
// visit.
func callVisit(t *testing.T, desk context.Context, code, section string) {
	t.Helper()
	const wait = 10 * time.Second
	waitFor(t, desk, "the waiting list", `document.querySelector('#wlist').textContent.includes('`+code+`')`, wait)
	do(t, desk, "call next", click(`#next`))
	waitFor(t, desk, "the section", btsSection(section), wait)
}

// consoleDesk opens the console in a new tab and logs in as petugas.
func consoleDesk(t *testing.T, b context.Context, base string) context.Context {
	t.Helper()
	const wait = 10 * time.Second
	desk := tab(t, b, 1280, 900, false)
	do(t, desk, "open console", chromedp.Navigate(base+"/console"))
	waitFor(t, desk, "login form", `!document.querySelector('#login').hidden`, wait)
	do(t, desk, "log in",
		typeIn(`#username`, "petugas"),
		typeIn(`#password`, "rahasia123\r"))
	waitFor(t, desk, "the console", `!document.querySelector('#app').hidden && document.querySelector('#unit').options.length > 0`, wait)
	return desk
}

// chooseUnit sets the console's unit, and its counter to Ruang KIA.
func chooseUnit(t *testing.T, desk context.Context, unit string) {
	t.Helper()
	do(t, desk, "choose "+unit, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const u = document.querySelector('#unit'); u.value = %q; u.dispatchEvent(new Event('change'));
		const c = document.querySelector('#counter'); c.value = 'Ruang KIA'; c.dispatchEvent(new Event('change'));
	})()`, unit)))
}

// setValue sets a select or date input as choosing with a picker would:
// the picker's own keys differ by browser and locale.
func setValue(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.querySelector(%q);
		e.value = %q; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); })()`, sel, value))
}

// TestBrowserConsoleMeasurement drives the console's "Pengukuran anak (BTS)"
// section: staff call a KIA ticket, find a registered child, are refused in
// place for a measurement without values, then save one linked to the
// ticket and see the z-scores and Permenkes categories the bts package
// computes for the same input.
func TestBrowserConsoleMeasurement(t *testing.T) {
	b := browser(t)
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	base := app.URL()
	out := testout(t)
	const wait = 10 * time.Second

	birth := puskesmasToday(t).AddDate(0, 0, -400)
	register := func(nik, name, mother string) int64 {
		t.Helper()
		var c struct {
			ID int64 `json:"id"`
		}
		st, raw := staff.raw("POST", "/api/v1/bts/facilities/sobo/children", map[string]any{
			"nik": nik, "name": name, "sex": "P", "birth_date": birth.Format(time.DateOnly),
			"mother_name": mother, "desa": "sobo-desa"}, nil)
		if st != 201 {
			t.Fatalf("register %s: %d %s", name, st, raw)
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	child := register("3510010101240001", "Siti Aminah", "Sri Wahyuni")
	register("3510010101240002", "Siti Rahma", "Dewi Lestari")
	st, tk := staff.book("KIA", nil)
	if st != 201 {
		t.Fatalf("book KIA: %d", st)
	}

	desk := consoleDesk(t, b, base)
	choose := func(unit string) {
		t.Helper()
		chooseUnit(t, desk, unit)
	}

	t.Run("the section opens by itself on KIA only", func(t *testing.T) {
		choose("UMUM")
		if eval[bool](t, desk, `document.querySelector('#m').open`) {
			t.Error("section open on UMUM, want collapsed")
		}
		choose("KIA")
		if !eval[bool](t, desk, `document.querySelector('#m').open`) {
			t.Error("section collapsed on KIA, want open")
		}
		if !eval[bool](t, desk, `document.querySelector('#m').hidden`) {
			t.Error("section shown without a current ticket")
		}
	})

	t.Run("staff call the ticket and find the child", func(t *testing.T) {
		waitFor(t, desk, "the waiting list", `document.querySelector('#wlist').textContent.includes('`+tk.Code+`')`, wait)
		do(t, desk, "call next", click(`#next`))
		waitFor(t, desk, "the current ticket", `document.querySelector('#cur-code').textContent === '`+tk.Code+`'`, wait)
		waitFor(t, desk, "the section", btsSection("m"), wait)
		do(t, desk, "search", typeIn(`#m-q`, "Siti\r"))
		waitFor(t, desk, "two children", `document.querySelectorAll('#m-kids button').length === 2`, wait)
		// By keyboard: focus the child and press Enter; the weight is next.
		do(t, desk, "pick", typeIn(fmt.Sprintf(`#m-kids button[data-id="%d"]`, child), "\r"))
		waitFor(t, desk, "the form", `!document.querySelector('#m-form').hidden && document.activeElement.id === 'm-weight'`, wait)
		if got := text(t, desk, "#m-child"); !strings.Contains(got, "Siti Aminah") || !strings.Contains(got, tk.Code) {
			t.Errorf("chosen child: got %q, want Siti Aminah at %s", got, tk.Code)
		}
		// 400 days old: measured lying by default.
		if !eval[bool](t, desk, `document.querySelector('#m-lying').checked`) {
			t.Error("a child under two is not measured lying by default")
		}
	})

	t.Run("a measurement without values is refused in place", func(t *testing.T) {
		today := puskesmasToday(t)
		_, err := bts.NewMeasurement(bts.Child{Sex: anthro.Female, BirthDate: birth},
			bts.MeasurementInput{MeasuredOn: today, Place: bts.AtPuskesmas}, anthro.MethodDaily, today)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Field != "weight_kg" {
			t.Fatalf("bts refuses an empty measurement with %v, want a weight_kg field error", err)
		}
		do(t, desk, "save weight 0", typeIn(`#m-weight`, "0"), click(`#m-save`))
		waitFor(t, desk, "the error", `!document.querySelector('#m-weight-error').hidden`, wait)
		if got := text(t, desk, "#m-weight-error"); got != fe.Message {
			t.Errorf("weight error: got %q, want %q", got, fe.Message)
		}
		if got := eval[string](t, desk, `document.querySelector('#m-weight').getAttribute('aria-invalid') + ' ' + document.activeElement.id`); got != "true m-weight" {
			t.Errorf("weight field: aria-invalid and focus %q, want \"true m-weight\"", got)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_measurements`); n != 0 {
			t.Errorf("%d measurements stored after a refusal, want 0", n)
		}
	})

	t.Run("a measurement is saved with the ticket and its result shown", func(t *testing.T) {
		// Indonesian decimals use a comma.
		do(t, desk, "fill", clear("#m-weight"),
			typeIn(`#m-weight`, "7,2"),
			typeIn(`#m-lenhei`, "68,5"),
			click(`#m-save`))
		waitFor(t, desk, "the result", `!document.querySelector('#m-result').hidden`, wait)
		if got := text(t, desk, "#m-weight-error"); got != "" {
			t.Errorf("weight error after saving: %q", got)
		}

		var got struct {
			Measurements []struct {
				MeasuredOn string `json:"measured_on"`
				TicketID   string `json:"ticket_id"`
			} `json:"measurements"`
		}
		if st := staff.do("GET", fmt.Sprintf("/api/v1/bts/facilities/sobo/children/%d", child), nil, nil, &got); st != 200 || len(got.Measurements) != 1 {
			t.Fatalf("read back: %d, %d measurements, want 1", st, len(got.Measurements))
		}
		if m := got.Measurements[0]; m.TicketID != tk.ID {
			t.Errorf("stored measurement: ticket %q, want %q", m.TicketID, tk.ID)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_measurements WHERE child_id = $1 AND ticket_id = $2 AND place = 'puskesmas'
			AND weight_kg = 7.2 AND lenhei_cm = 68.5 AND measure = 'l'`, child, tk.ID); n != 1 {
			t.Errorf("%d rows hold the measurement linked to the ticket, want 1", n)
		}

		on, err := time.Parse(time.DateOnly, got.Measurements[0].MeasuredOn)
		if err != nil {
			t.Fatal(err)
		}
		r, err := anthro.Compute(anthro.Input{Sex: anthro.Female, AgeDays: anthro.AgeDays(birth, on), WeightKg: 7.2, LenHeiCm: 68.5,
			Measure: anthro.MeasureLying}, anthro.MethodDaily)
		if err != nil {
			t.Fatal(err)
		}
		z := func(s anthro.Score) string {
			if !s.Valid {
				return "–"
			}
			return strings.Replace(s.String(), ".", ",", 1)
		}
		want := map[string][2]string{"tbu": {z(r.ZLen), string(r.TBU)}, "bbu": {z(r.ZWei), string(r.BBU)},
			"bbtb": {z(r.ZWFL), string(r.BBTB)}, "imtu": {z(r.ZBMI), string(r.IMTU)}}
		rows := eval[map[string][2]string](t, desk, `Object.fromEntries([...document.querySelectorAll('#m-result tbody tr')].map((r) =>
			[r.dataset.index, [r.querySelector('.m-z').textContent, r.querySelector('.m-cat').textContent]]))`)
		for k, w := range want {
			if rows[k] != w {
				t.Errorf("%s: page shows z %q %q, want %q %q", k, rows[k][0], rows[k][1], w[0], w[1])
			}
		}
		if r.ZLen.Rounded() >= -2 || r.TBU != anthro.Pendek {
			t.Errorf("the test child is not stunted (zlen %s %s): pick values that show a category", r.ZLen, r.TBU)
		}
		if got := text(t, desk, "#m-result tbody tr[data-index=tbu] th"); got != "PB/U" {
			t.Errorf("length-for-age under two years is labelled %q, want PB/U", got)
		}
		flagged := r.FLen || r.FWei || r.FWFL || r.FBMI
		if shown := eval[bool](t, desk, `!!document.querySelector('#m-result .msg')`); shown != flagged {
			t.Errorf("plausibility warning shown %v, want %v", shown, flagged)
		}
		if v := eval[string](t, desk, `document.querySelector('#m-weight').value + document.querySelector('#m-lenhei').value`); v != "" {
			t.Errorf("form keeps %q after saving, want it empty", v)
		}
		checkA11y(t, desk, "console measurement")
		shot(t, desk, out, "console-measure")
	})

	t.Run("an implausible value is warned about", func(t *testing.T) {
		r, err := anthro.Compute(anthro.Input{Sex: anthro.Female, AgeDays: 400, WeightKg: 2, LenHeiCm: 68.5, Measure: anthro.MeasureLying}, anthro.MethodDaily)
		if err != nil || !r.FWei {
			t.Fatalf("2 kg at 400 days: flag %v (%v), want weight-for-age flagged", r.FWei, err)
		}
		do(t, desk, "fill", typeIn(`#m-weight`, "2"), typeIn(`#m-lenhei`, "68,5"), click(`#m-save`))
		waitFor(t, desk, "the warning", `!!document.querySelector('#m-result .msg')`, wait)
		if got := text(t, desk, "#m-result .msg"); !strings.Contains(got, "BB/U") || !strings.Contains(got, "ukur ulang") {
			t.Errorf("warning: got %q, want it to name BB/U and ask to measure again", got)
		}
		if got := text(t, desk, "#m-result tr[data-index=bbu] th"); got != "BB/U ⚠" {
			t.Errorf("flagged row: got %q", got)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_measurements WHERE ticket_id = $1 AND fwei`, tk.ID); n != 1 {
			t.Errorf("%d flagged measurements stored with the ticket, want 1", n)
		}
	})

	t.Run("English errors through the language switch", func(t *testing.T) {
		do(t, desk, "reload in English", chromedp.Navigate(base+"/console?lang=en"))
		waitFor(t, desk, "the section", btsSection("m"), wait)
		if got := text(t, desk, "#m summary"); got != "Child measurement (BTS)" {
			t.Errorf("summary: got %q", got)
		}
		do(t, desk, "search", typeIn(`#m-q`, "Aminah\r"))
		waitFor(t, desk, "one child", `document.querySelectorAll('#m-kids button').length === 1`, wait)
		if got := text(t, desk, "#m-found"); got != "1 child found." {
			t.Errorf("search result: got %q", got)
		}
		do(t, desk, "pick and save nothing", click(`#m-kids button`), click(`#m-save`))
		waitFor(t, desk, "the error", `!document.querySelector('#m-weight-error').hidden`, wait)
		if got := text(t, desk, "#m-weight-error"); !strings.HasPrefix(got, "Enter a weight") {
			t.Errorf("English weight error: got %q", got)
		}
	})

	t.Run("finishing the ticket closes the visit", func(t *testing.T) {
		do(t, desk, "finish", click(`#finish`))
		waitFor(t, desk, "no current ticket", `document.querySelector('#m').hidden && !document.querySelector('#cur-none').hidden`, wait)
		if n := eval[int](t, desk, `document.querySelectorAll('#m-kids li').length`); n != 0 {
			t.Errorf("%d children still listed after the visit, want 0", n)
		}
	})
}

// TestBrowserConsoleRegisterChild drives registering, from the console's
// measurement section, a child the search did not find: staff see "not
// found" and the form with the searched name, are refused in place for a
// missing birth date, then register the child (stored at the facility
// with the fields entered), find it picked, and measure it at the visit.
func TestBrowserConsoleRegisterChild(t *testing.T) {
	b := browser(t)
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	base := app.URL()
	out := testout(t)
	const wait = 10 * time.Second

	today := puskesmasToday(t)
	birth := today.AddDate(0, 0, -200)
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
	st, tk := staff.book("KIA", nil)
	if st != 201 {
		t.Fatalf("book KIA: %d", st)
	}

	desk := consoleDesk(t, b, base)
	chooseUnit(t, desk, "KIA")

	t.Run("a search that finds nobody offers the form", func(t *testing.T) {
		callVisit(t, desk, tk.Code, "m")
		do(t, desk, "search", typeIn(`#m-q`, "Bayu Pratama\r"))
		waitFor(t, desk, "the form", `!document.querySelector('#m-reg').hidden && document.querySelector('#m-desa').options.length > 1`, wait)
		if got := text(t, desk, "#m-found"); !strings.HasPrefix(got, "Tidak ada anak terdaftar") {
			t.Errorf("search result: got %q, want not found", got)
		}
		if got := eval[string](t, desk, `document.querySelector('#m-name').value`); got != "Bayu Pratama" {
			t.Errorf("name: got %q, want the searched text", got)
		}
		if got := text(t, desk, "#m-reg h3"); got != "Daftarkan anak baru" {
			t.Errorf("form heading: got %q", got)
		}
		checkA11y(t, desk, "console registration")
		shot(t, desk, out, "console-register-form")
	})

	t.Run("a missing birth date is refused in place", func(t *testing.T) {
		err := bts.Child{Name: "Bayu Pratama", Sex: anthro.Male, MotherName: "Rina Wati",
			Address: bts.Address{Desa: "sobo-desa"}}.Validate(today)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Field != "birth_date" {
			t.Fatalf("bts refuses a child without a birth date with %v, want a birth_date field error", err)
		}
		// The console itself asks for the mother's name, which the API leaves optional.
		do(t, desk, "save the name only", click(`#m-reg-save`))
		waitFor(t, desk, "the mother error", `!document.querySelector('#m-mother-error').hidden && document.activeElement.id === 'm-mother'`, wait)
		if got := text(t, desk, "#m-mother-error"); got != "Isi nama ibu." {
			t.Errorf("mother error: got %q", got)
		}
		do(t, desk, "fill all but the birth date", click(`#m-sex-l`), typeIn(`#m-mother`, "Rina Wati"),
			setValue(`#m-desa`, "sobo-desa"), click(`#m-reg-save`))
		waitFor(t, desk, "the error", `!document.querySelector('#m-born-error').hidden`, wait)
		if got := text(t, desk, "#m-born-error"); got != fe.Message {
			t.Errorf("birth date error: got %q, want %q", got, fe.Message)
		}
		if got := eval[string](t, desk, `document.querySelector('#m-born').getAttribute('aria-invalid') + ' ' + document.activeElement.id`); got != "true m-born" {
			t.Errorf("birth date field: aria-invalid and focus %q, want \"true m-born\"", got)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_children`); n != 0 {
			t.Errorf("%d children stored after a refusal, want 0", n)
		}
	})

	var child int64
	t.Run("the registered child is stored and picked", func(t *testing.T) {
		do(t, desk, "fill the rest", setValue(`#m-born`, birth.Format(time.DateOnly)),
			typeIn(`#m-nik`, "3510010101250009"), setValue(`#m-posyandu`, fmt.Sprint(posyandu)),
			typeIn(`#m-rt`, "003"), typeIn(`#m-rw`, "004"), typeIn(`#m-street`, "Dusun Krajan"),
			typeIn(`#m-poor`, "DTKS"), typeIn(`#m-bweight`, "2,9"), typeIn(`#m-blength`, "48,5"),
			click(`#m-reg-save`))
		waitFor(t, desk, "the measurement form", `!document.querySelector('#m-form').hidden && document.activeElement.id === 'm-weight'`, wait)
		if !eval[bool](t, desk, `document.querySelector('#m-reg').hidden && document.querySelector('#m-born-error').hidden`) {
			t.Error("registration form or its error still shown after saving")
		}

		type childJSON struct {
			ID            int64   `json:"id"`
			Facility      string  `json:"facility"`
			NIK           string  `json:"nik"`
			Name          string  `json:"name"`
			Sex           string  `json:"sex"`
			BirthDate     string  `json:"birth_date"`
			BirthWeightKg float64 `json:"birth_weight_kg"`
			BirthLengthCm float64 `json:"birth_length_cm"`
			MotherName    string  `json:"mother_name"`
			Desa          string  `json:"desa"`
			PosyanduID    int64   `json:"posyandu_id"`
			RT            string  `json:"rt"`
			RW            string  `json:"rw"`
			Address       string  `json:"address"`
			PoorBasis     string  `json:"poor_basis"`
		}
		var got []childJSON
		if st := staff.do("GET", "/api/v1/bts/facilities/sobo/children?q=Bayu", nil, nil, &got); st != 200 || len(got) != 1 {
			t.Fatalf("read back: %d, %d children, want 1", st, len(got))
		}
		child = got[0].ID
		got[0].ID = 0
		want := childJSON{Facility: "sobo", NIK: "3510010101250009", Name: "Bayu Pratama", Sex: "L",
			BirthDate: birth.Format(time.DateOnly), BirthWeightKg: 2.9, BirthLengthCm: 48.5, MotherName: "Rina Wati",
			Desa: "sobo-desa", PosyanduID: posyandu, RT: "003", RW: "004", Address: "Dusun Krajan", PoorBasis: "DTKS"}
		if got[0] != want {
			t.Errorf("stored child:\n got %+v\nwant %+v", got[0], want)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_children c JOIN facilities f ON f.id = c.facility_id
			WHERE c.id = $1 AND f.code = 'sobo'`, child); n != 1 {
			t.Errorf("%d children stored at sobo with id %d, want 1", n, child)
		}
		if got := text(t, desk, "#m-child"); !strings.Contains(got, "Bayu Pratama") || !strings.Contains(got, tk.Code) {
			t.Errorf("chosen child: got %q, want Bayu Pratama at %s", got, tk.Code)
		}
		if got := eval[string](t, desk, `[...document.querySelectorAll('#m-kids button[aria-pressed=true]')].map((b) => b.dataset.id).join()`); got != fmt.Sprint(child) {
			t.Errorf("picked child ids %q, want %d", got, child)
		}
		if !eval[bool](t, desk, `document.querySelector('#m-lying').checked`) {
			t.Error("a child under two is not measured lying by default")
		}
	})

	t.Run("the new child is measured at the visit", func(t *testing.T) {
		do(t, desk, "measure", typeIn(`#m-weight`, "6,1"), typeIn(`#m-lenhei`, "62"), click(`#m-save`))
		waitFor(t, desk, "the result", `!document.querySelector('#m-result').hidden`, wait)
		if got := text(t, desk, ".m-saved"); !strings.Contains(got, "Bayu Pratama") || !strings.Contains(got, tk.Code) {
			t.Errorf("saved line: got %q", got)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_measurements WHERE child_id = $1 AND ticket_id = $2
			AND place = 'puskesmas' AND weight_kg = 6.1 AND lenhei_cm = 62 AND measure = 'l'`, child, tk.ID); n != 1 {
			t.Errorf("%d rows hold the measurement of the new child linked to the ticket, want 1", n)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_measurements`); n != 1 {
			t.Errorf("%d measurements stored, want 1", n)
		}
		checkA11y(t, desk, "console measurement of a new child")
		shot(t, desk, out, "console-register")
	})

	t.Run("the button opens the form and a registered NIK is refused", func(t *testing.T) {
		do(t, desk, "search", clear(`#m-q`), typeIn(`#m-q`, "Dewi"), click(`#m-new`))
		waitFor(t, desk, "the form", `!document.querySelector('#m-reg').hidden && document.activeElement.id === 'm-name'`, wait)
		if got := eval[string](t, desk, `document.querySelector('#m-name').value`); got != "Dewi" {
			t.Errorf("name: got %q, want the searched text", got)
		}
		waitFor(t, desk, "the villages", `document.querySelector('#m-desa').options.length > 1`, wait)
		do(t, desk, "fill with a registered NIK", click(`#m-sex-p`), setValue(`#m-born`, birth.Format(time.DateOnly)),
			typeIn(`#m-nik`, "3510010101250009"), typeIn(`#m-mother`, "Sri"), setValue(`#m-desa`, "sobo-desa"), click(`#m-reg-save`))
		waitFor(t, desk, "the error", `!document.querySelector('#m-nik-error').hidden`, wait)
		if got := text(t, desk, "#m-nik-error"); !strings.Contains(got, "sudah terdaftar") {
			t.Errorf("NIK error: got %q, want it to say the NIK is registered", got)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_children`); n != 1 {
			t.Errorf("%d children stored, want 1", n)
		}
		do(t, desk, "cancel", click(`#m-reg-cancel`))
		waitFor(t, desk, "the form closed", `document.querySelector('#m-reg').hidden && document.activeElement.id === 'm-new'`, wait)
	})
}

// TestBrowserConsoleEnrol drives enrolment from the console's measurement
// section: a measurement that makes a registered child stunted shows the
// API's suggestion; staff open the form (by keyboard), are refused in
// place for an end before the start with nothing stored, then enrol the
// child with kader1, see the confirmation, and find the enrolment stored
// as entered and on kader1's list. A later measurement says "enrolled".
func TestBrowserConsoleEnrol(t *testing.T) {
	b := browser(t)
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	base := app.URL()
	out := testout(t)
	const wait = 10 * time.Second

	today := puskesmasToday(t)
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	birth := today.AddDate(0, 0, -400)
	var child struct {
		ID int64 `json:"id"`
	}
	if st, raw := staff.raw("POST", "/api/v1/bts/facilities/sobo/children", map[string]any{
		"nik": "3510010101240007", "name": "Siti Aminah", "sex": "P", "birth_date": day(birth),
		"mother_name": "Sri Wahyuni", "desa": "sobo-desa"}, nil); st != 201 {
		t.Fatalf("register: %d %s", st, raw)
	} else if err := json.Unmarshal(raw, &child); err != nil {
		t.Fatal(err)
	}
	// 7.2 kg and 68.5 cm lying at 400 days: the bts package must find the
	// girl stunted and suggest baduta, or the test proves nothing.
	kid := bts.Child{Sex: anthro.Female, BirthDate: birth}
	m, err := bts.NewMeasurement(kid, bts.MeasurementInput{MeasuredOn: today, WeightKg: 7.2, LenHeiCm: 68.5,
		Measure: anthro.MeasureLying, Place: bts.AtPuskesmas}, anthro.MethodDaily, today)
	if err != nil {
		t.Fatal(err)
	}
	sug, ok := bts.SuggestChild(kid, m, today)
	if !m.Result.Stunted() || !ok || sug.Target != bts.Baduta {
		t.Fatalf("7.2 kg, 68.5 cm at 400 days: stunted %v, suggestion %+v %v; want a baduta suggestion", m.Result.Stunted(), sug, ok)
	}
	st, tk := staff.book("KIA", nil)
	if st != 201 {
		t.Fatalf("book KIA: %d", st)
	}

	desk := consoleDesk(t, b, base)
	chooseUnit(t, desk, "KIA")

	t.Run("a stunting measurement shows the suggestion", func(t *testing.T) {
		callVisit(t, desk, tk.Code, "m")
		do(t, desk, "search", typeIn(`#m-q`, "Aminah\r"))
		waitFor(t, desk, "the child", `document.querySelectorAll('#m-kids button').length === 1`, wait)
		do(t, desk, "pick", click(`#m-kids button`))
		waitFor(t, desk, "the form", `!document.querySelector('#m-form').hidden`, wait)
		if eval[bool](t, desk, `!document.querySelector('#m-enrol').hidden`) {
			t.Error("enrolment offered before any measurement")
		}
		do(t, desk, "measure", typeIn(`#m-weight`, "7,2"), typeIn(`#m-lenhei`, "68,5"), click(`#m-save`))
		waitFor(t, desk, "the suggestion", `!document.querySelector('#m-enrol').hidden && !document.querySelector('#m-e-open').hidden`, wait)
		got := text(t, desk, "#m-elig")
		if !strings.HasPrefix(got, "Memenuhi syarat intervensi BTS: baduta") || !strings.HasSuffix(got, "— "+sug.Reason) {
			t.Errorf("suggestion: got %q, want baduta — %q", got, sug.Reason)
		}
		if got := text(t, desk, "#m-e-open"); got != "Daftarkan ke intervensi" {
			t.Errorf("button: got %q", got)
		}
	})

	t.Run("the form opens by keyboard with the defaults", func(t *testing.T) {
		do(t, desk, "open", typeIn(`#m-e-open`, "\r"))
		waitFor(t, desk, "the form", `!document.querySelector('#m-e-form').hidden && document.activeElement.id === 'm-e-start'
			&& document.querySelector('#m-e-cadre').options.length > 1`, wait)
		got := eval[[]string](t, desk, `['#m-e-start', '#m-e-end', '#m-e-allowance', '#m-e-cadre', '#m-e-supplier'].map((s) => document.querySelector(s).value)`)
		// bts.Enrolment.Normalize: a year (both days included), Rp 15,000.
		want := []string{day(today), day(today.AddDate(0, 0, bts.DefaultDays-1)), fmt.Sprint(bts.DefaultAllowanceRp), "", ""}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("defaults: got %q, want %q", got, want)
		}
		if got := eval[string](t, desk, `[...document.querySelector('#m-e-cadre').options].map((o) => o.value).join()`); got != ",kader1" {
			t.Errorf("cadres offered: got %q, want none and kader1", got)
		}
		if got := eval[string](t, desk, `document.querySelector('#m-e-open').getAttribute('aria-expanded')`); got != "true" {
			t.Errorf("button aria-expanded: got %q", got)
		}
	})

	t.Run("an end before the start is refused in place", func(t *testing.T) {
		e := bts.Enrolment{Target: bts.Baduta, ChildID: child.ID, Start: today, End: today.AddDate(0, 0, -1)}
		err := e.Normalize()
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Field != "end" {
			t.Fatalf("bts refuses an end before the start with %v, want an end field error", err)
		}
		do(t, desk, "end yesterday", setValue(`#m-e-end`, day(today.AddDate(0, 0, -1))), click(`#m-e-save`))
		waitFor(t, desk, "the error", `!document.querySelector('#m-e-end-error').hidden`, wait)
		if got := text(t, desk, "#m-e-end-error"); got != fe.Message {
			t.Errorf("end error: got %q, want %q", got, fe.Message)
		}
		if got := eval[string](t, desk, `document.querySelector('#m-e-end').getAttribute('aria-invalid') + ' ' + document.activeElement.id`); got != "true m-e-end" {
			t.Errorf("end field: aria-invalid and focus %q, want \"true m-e-end\"", got)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_enrolments`); n != 0 {
			t.Errorf("%d enrolments stored after a refusal, want 0", n)
		}
		checkA11y(t, desk, "console enrolment form")
		shot(t, desk, out, "console-enrol-error")
	})

	end := today.AddDate(0, 0, 179)
	t.Run("the child is enrolled with kader1", func(t *testing.T) {
		do(t, desk, "fill", setValue(`#m-e-end`, day(end)), clear(`#m-e-allowance`), typeIn(`#m-e-allowance`, "12.500"),
			setValue(`#m-e-cadre`, "kader1"), typeIn(`#m-e-supplier`, "Warung Bu Sri"), click(`#m-e-save`))
		waitFor(t, desk, "the confirmation", `!document.querySelector('#m-e-done').hidden`, wait)
		got := text(t, desk, "#m-e-done")
		if !strings.HasPrefix(got, "Terdaftar di intervensi BTS: baduta") || !strings.HasSuffix(got, "kader kader1.") {
			t.Errorf("confirmation: got %q, want baduta and kader1", got)
		}
		if !eval[bool](t, desk, `document.querySelector('#m-e-form').hidden && document.querySelector('#m-e-open').hidden
			&& document.querySelector('#m-e-end-error').hidden && document.activeElement.id === 'm-e-done'`) {
			t.Error("form, button or error still shown, or focus not on the confirmation")
		}

		type enrolment struct {
			TargetType  string `json:"target_type"`
			ChildID     int64  `json:"child_id"`
			Reason      string `json:"reason"`
			Start       string `json:"start"`
			End         string `json:"end"`
			AllowanceRp int    `json:"allowance_rp"`
			Cadre       string `json:"cadre"`
			Supplier    string `json:"supplier"`
			ExitedOn    string `json:"exited_on"`
		}
		want := enrolment{TargetType: "baduta", ChildID: child.ID, Reason: sug.Reason, Start: day(today), End: day(end),
			AllowanceRp: 12500, Cadre: "kader1", Supplier: "Warung Bu Sri"}
		var es []enrolment
		if st := staff.do("GET", "/api/v1/bts/facilities/sobo/enrolments", nil, nil, &es); st != 200 || len(es) != 1 {
			t.Fatalf("enrolments: %d, %d stored, want 1", st, len(es))
		}
		if es[0] != want {
			t.Errorf("stored enrolment:\n got %+v\nwant %+v", es[0], want)
		}
		for _, w := range []string{mDay(today), mDay(end)} {
			if !strings.Contains(got, w) {
				t.Errorf("confirmation %q does not show the period (%s)", got, w)
			}
		}

		// kader1's list and /kader page carry the new target.
		kader := newClient(t, base)
		kader.login("kader1", "rahasia123")
		es = nil
		if st := kader.do("GET", "/api/v1/bts/facilities/sobo/enrolments", nil, nil, &es); st != 200 || len(es) != 1 || es[0] != want {
			t.Errorf("kader1's enrolments: %d %+v, want the new one", st, es)
		}
		if st, page := kader.raw("GET", "/kader", nil, nil); st != 200 || !strings.Contains(string(page), "Siti Aminah (baduta") {
			t.Errorf("/kader for kader1: %d, target not listed", st)
		}
		checkA11y(t, desk, "console enrolment done")
		shot(t, desk, out, "console-enrol")
	})

	t.Run("a later measurement says the child is enrolled", func(t *testing.T) {
		do(t, desk, "measure again", typeIn(`#m-weight`, "7,3"), typeIn(`#m-lenhei`, "68,6"), click(`#m-save`))
		waitFor(t, desk, "the note", `!document.querySelector('#m-enrol').hidden && document.querySelector('#m-elig').textContent.startsWith('Sudah terdaftar')`, wait)
		if !eval[bool](t, desk, `document.querySelector('#m-e-open').hidden && document.querySelector('#m-e-done').hidden`) {
			t.Error("enrolment offered again to an enrolled child")
		}
	})

	t.Run("a new visit forgets the offer", func(t *testing.T) {
		do(t, desk, "finish", click(`#finish`))
		waitFor(t, desk, "no current ticket", `document.querySelector('#m').hidden && document.querySelector('#m-enrol').hidden`, wait)
	})
}

// mDay is how the console writes a date in Indonesian (id-ID, short month).
func mDay(d time.Time) string {
	months := []string{"Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"}
	return fmt.Sprintf("%d %s %d", d.Day(), months[d.Month()-1], d.Year())
}

// TestConsoleEnrolCadres proves GET .../cadres lists the facility's kader
// accounts that are not disabled, usernames only, to those who may enrol,
// and refuses cadres, the Dinas Kesehatan and anonymous callers.
func TestConsoleEnrolCadres(t *testing.T) {
	_, app := btsEnv(t)
	ctx := context.Background()
	hash, err := account.HashPassword("rahasia123")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kader2", "kader-lama"} {
		if _, err := app.DB.CreateUser(ctx, "sobo", name, account.Kader, hash); err != nil {
			t.Fatal(err)
		}
	}
	off := true
	if err := app.DB.UpdateUser(ctx, "sobo", "kader-lama", postgres.UserChange{Disabled: &off}); err != nil {
		t.Fatal(err)
	}
	const path = "/api/v1/bts/facilities/sobo/cadres"
	for _, who := range []string{"petugas", "admin"} {
		c := newClient(t, app.URL())
		c.login(who, "rahasia123")
		var got []map[string]any
		if st := c.do("GET", path, nil, nil, &got); st != 200 {
			t.Fatalf("%s: status %d, want 200", who, st)
		}
		if fmt.Sprint(got) != "[map[username:kader1] map[username:kader2]]" {
			t.Errorf("%s: got %v, want kader1 and kader2, usernames only", who, got)
		}
	}
	for who, want := range map[string]int{"kader1": 403, "dinkes": 403, "": 401} {
		c := newClient(t, app.URL())
		if who != "" {
			c.login(who, "rahasia123")
		}
		if st, raw := c.raw("GET", path, nil, nil); st != want {
			t.Errorf("%q: status %d %s, want %d", who, st, raw, want)
		}
	}
}

// A queue read that answers after a later one (a slow network, a busy
// server) does not replace it: after a change of unit the console shows the
// chosen unit's line, not the last unit's, whose "call" buttons would call
// that unit's patients.
func TestBrowserConsoleStaleQueue(t *testing.T) {
	b := browser(t)
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	st, tk := staff.book("KIA", nil)
	if st != 201 {
		t.Fatalf("book KIA: %d", st)
	}
	const wait = 10 * time.Second
	kia := `document.querySelector('#wlist').textContent.includes('` + tk.Code + `')`
	desk := consoleDesk(t, b, app.URL())
	chooseUnit(t, desk, "KIA")
	waitFor(t, desk, "KIA's line", kia, wait)
	// From now on UMUM's line answers a second late, and says when it did.
	do(t, desk, "slow UMUM", holdAnswers("/units/UMUM/queue", 1000))
	chooseUnit(t, desk, "UMUM")
	chooseUnit(t, desk, "KIA")
	waitFor(t, desk, "UMUM's late answer", `window.late >= 1`, wait)
	if !eval[bool](t, desk, kia) || eval[bool](t, desk, `document.querySelector('#next').disabled`) {
		t.Fatalf("UMUM's late answer replaced KIA's line: waiting %q, call next disabled %v",
			eval[string](t, desk, `document.querySelector('#wlist').textContent`), eval[bool](t, desk, `document.querySelector('#next').disabled`))
	}
}

// A search that answers after a later one is dropped: a mistyped name
// sent first and answered last would say nobody matches and open the
// registration form for a child who is registered.
func TestBrowserConsoleStaleSearch(t *testing.T) {
	b := browser(t)
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	birth := puskesmasToday(t).AddDate(0, 0, -400).Format(time.DateOnly)
	for i, name := range []string{"Siti Aminah", "Siti Rahma"} {
		if st, raw := staff.raw("POST", "/api/v1/bts/facilities/sobo/children", map[string]any{
			"nik": fmt.Sprintf("351001010124000%d", i+1), "name": name, "sex": "P", "birth_date": birth,
			"mother_name": "Sri Wahyuni", "desa": "sobo-desa"}, nil); st != 201 {
			t.Fatalf("register %s: %d %s", name, st, raw)
		}
	}
	st, tk := staff.book("KIA", nil)
	if st != 201 {
		t.Fatalf("book KIA: %d", st)
	}
	const wait = 10 * time.Second
	desk := consoleDesk(t, b, app.URL())
	chooseUnit(t, desk, "KIA")
	callVisit(t, desk, tk.Code, "m")
	// The mistyped search answers a second late.
	do(t, desk, "slow mistyped search", holdAnswers("q=Sitx", 1000))
	do(t, desk, "mistyped search", typeIn(`#m-q`, "Sitx\r"))
	do(t, desk, "corrected search", clear(`#m-q`), typeIn(`#m-q`, "Siti\r"))
	waitFor(t, desk, "two children", `document.querySelectorAll('#m-kids button').length === 2`, wait)
	waitFor(t, desk, "the late answer", `window.late >= 1`, wait)
	if n := eval[int](t, desk, `document.querySelectorAll('#m-kids button').length`); n != 2 ||
		!eval[bool](t, desk, `document.querySelector('#m-reg').hidden`) {
		t.Fatalf("after the mistyped search's late answer: %d children listed, registration form shown %v (found: %q)",
			n, !eval[bool](t, desk, `document.querySelector('#m-reg').hidden`), text(t, desk, "#m-found"))
	}
}
