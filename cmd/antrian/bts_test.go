package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"maps"
	"mime/multipart"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/bts"
	btsphoto "github.com/antrian/antrian/bts/photo"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/chromedp/chromedp"
)

// TestAnthroVectors runs the 22 checked WHO test vectors through the
// `antrian anthro` command and compares the z-score it prints to 2 decimals.
func TestAnthroVectors(t *testing.T) {
	f, err := os.Open("../../bts/anthro/testdata/test-vectors.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	recs = recs[1:]
	if len(recs) != 22 {
		t.Fatalf("got %d vectors, want 22", len(recs))
	}
	var in bytes.Buffer
	in.WriteString("sex,age_days,weight_kg,lenhei_cm,measure,oedema\n")
	for _, r := range recs {
		sex := map[string]string{"M": "1", "F": "2"}[r[2]]
		var weight, length string
		switch r[1] {
		case "LHFA":
			length = r[5]
		case "WFA":
			weight = r[5]
		case "WFLH":
			length, weight = r[5], r[6]
		}
		in.WriteString(strings.Join([]string{sex, r[3], weight, length, r[4], "n"}, ",") + "\n")
	}
	var out, errw bytes.Buffer
	if err := run(context.Background(), []string{"anthro"}, func(string) string { return "" }, &in, &out, &errw); err != nil {
		t.Fatalf("anthro: %v\nstderr: %s", err, errw.String())
	}
	if errw.Len() != 0 {
		t.Errorf("stderr: %q, want nothing", errw.String())
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 23 {
		t.Fatalf("got %d output rows, want 23 (header and 22)", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for i, r := range recs {
		name := map[string]string{"LHFA": "zlen", "WFA": "zwei", "WFLH": "zwfl"}[r[1]]
		want := r[7]
		// The vectors write -2.0 where the command prints -2.00.
		if !strings.Contains(want, ".") {
			want += ".00"
		} else if len(want)-strings.Index(want, ".") == 2 {
			want += "0"
		}
		if got := rows[i+1][col[name]]; got != want {
			t.Errorf("%s: %s = %q, want %q", r[0], name, got, want)
		}
	}
}

// TestAnthroBadRow checks the exit status contract: a bad row still gets its
// output row, an error naming its line on stderr, and exit status 1.
func TestAnthroBadRow(t *testing.T) {
	in := strings.NewReader("sex,age_days,weight_kg,lenhei_cm,measure,oedema\n" +
		"2,548,,74.9,l,\n" +
		"3,100,7,,,\n")
	var out, errw bytes.Buffer
	err := run(context.Background(), []string{"anthro"}, func(string) string { return "" }, in, &out, &errw)
	var ee exitError
	if !errors.As(err, &ee) || ee != 1 {
		t.Fatalf("anthro with a bad row: got %v, want exit status 1", err)
	}
	if !strings.Contains(errw.String(), "line 3") {
		t.Errorf("stderr %q does not name line 3", errw.String())
	}
	rows, _ := csv.NewReader(&out).ReadAll()
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want 3", len(rows))
	}
	if got := rows[1][7]; got != "-2.00" {
		t.Errorf("good row zlen = %q, want -2.00", got)
	}
	if got := rows[2][6:]; strings.Join(got, "") != "" {
		t.Errorf("bad row computed fields = %q, want empty", got)
	}

	// A wrong header is an error, not a bad row.
	err = run(context.Background(), []string{"anthro"}, func(string) string { return "" }, strings.NewReader("a,b\n"), &out, &errw)
	if err == nil || errors.As(err, &ee) {
		t.Errorf("anthro with a wrong header: got %v, want an error", err)
	}
}

// btsEnv boots an instance with a photo directory of the test's own and
// seeds the demo facility, a small BTS district and accounts for every
// role: admin (district), petugas (staff of sobo), kader1 (kader of sobo),
// dinkes (district, read-only).
func btsEnv(t *testing.T) (*env, *App) {
	t.Helper()
	return btsEnvWith(t, nil)
}

// btsEnvWith is btsEnv with more settings for the instance.
func btsEnvWith(t *testing.T, vars map[string]string) (*env, *App) {
	t.Helper()
	e := newEnv(t, backend{name: "embedded"})
	e.vars = map[string]string{"ANTRIAN_PHOTO_DIR": t.TempDir()}
	maps.Copy(e.vars, vars)
	app := e.start()
	e.seed(app)
	ctx := context.Background()
	hash, err := account.HashPassword("rahasia123")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		facility, name string
		role           account.Role
	}{{"", "admin", account.Admin}, {"sobo", "kader1", account.Kader}, {"", "dinkes", account.Dinkes}} {
		if _, err := app.DB.CreateUser(ctx, u.facility, u.name, u.role, hash); err != nil {
			t.Fatal(err)
		}
	}
	admin := newClient(t, app.URL())
	admin.login("admin", "rahasia123")
	for _, r := range []struct {
		method, path string
		body         map[string]string
	}{
		{"PUT", "/api/v1/bts/kecamatan/glagah", map[string]string{"name": "Glagah"}},
		{"PUT", "/api/v1/bts/facilities/sobo", map[string]string{"kecamatan": "glagah", "method": "daily"}},
		{"PUT", "/api/v1/bts/desa/sobo-desa", map[string]string{"name": "Sobo", "kecamatan": "glagah", "facility": "sobo"}},
		{"POST", "/api/v1/bts/desa/sobo-desa/posyandu", map[string]string{"name": "Melati 1"}},
	} {
		if st, raw := admin.raw(r.method, r.path, r.body, nil); st != 200 {
			t.Fatalf("%s %s: %d %s", r.method, r.path, st, raw)
		}
	}
	return e, app
}

// enrolledChild registers a stunted girl, measures her at a KIA visit
// linked to its ticket, and enrols her with kader1. It returns the
// enrolment id.
// puskesmasToday is today at the demo Puskesmas (Asia/Jakarta, WIB): the
// service's "today". A date taken from UTC is the day before from 17:00
// UTC to midnight, when a child born "365 days ago" is 366 days old at
// the Puskesmas.
func puskesmasToday(t *testing.T) time.Time { return bts.Date(time.Now(), jakarta(t)) }

func enrolledChild(t *testing.T, app *App, staff *client) int64 {
	t.Helper()
	var child struct {
		ID int64 `json:"id"`
	}
	birth := puskesmasToday(t).AddDate(0, 0, -365).Format(time.DateOnly)
	if st, raw := staff.raw("POST", "/api/v1/bts/facilities/sobo/children", map[string]any{
		"nik": "3510010101250001", "name": "Siti Aminah", "sex": "P", "birth_date": birth,
		"mother_name": "Ibu Siti", "desa": "sobo-desa", "rt": "001", "rw": "002", "lat": -8.2, "lon": 114.35,
		"poor_basis": "DTKS"}, nil); st != 201 {
		t.Fatalf("register child: %d %s", st, raw)
	} else if err := json.Unmarshal(raw, &child); err != nil {
		t.Fatal(err)
	}
	// A KIA visit: the staff member finishing the ticket records the measurement.
	st, tk := staff.book("KIA", nil)
	if st != 201 {
		t.Fatalf("book KIA: %d", st)
	}
	var m struct {
		TicketID string   `json:"ticket_id"`
		ZLen     *float64 `json:"zlen"`
		TBU      string   `json:"tbu"`
		Method   string   `json:"method"`
		AgeDays  int      `json:"age_days"`
	}
	base := fmt.Sprintf("/api/v1/bts/facilities/sobo/children/%d", child.ID)
	if st, raw := staff.raw("POST", base+"/measurements", map[string]any{
		"lenhei_cm": 68.0, "weight_kg": 7.0, "measure": "l", "ticket_id": tk.ID}, nil); st != 201 {
		t.Fatalf("measure: %d %s", st, raw)
	} else if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.TicketID != tk.ID || m.ZLen == nil || *m.ZLen != -2.33 || m.TBU != "pendek" || m.Method != "daily" || m.AgeDays != 365 {
		t.Errorf("measurement: got %+v (zlen %v), want ticket %s, zlen -2.33 pendek by the daily method at 365 days", m, m.ZLen, tk.ID)
	}
	if st := staff.do("POST", base+"/measurements", map[string]any{"lenhei_cm": 68.0, "ticket_id": "nope"}, nil, nil); st != 400 {
		t.Errorf("measurement with an unknown ticket: status %d, want 400", st)
	}
	var got struct {
		Suggestion *struct {
			TargetType string `json:"target_type"`
		} `json:"suggestion"`
	}
	staff.do("GET", base, nil, nil, &got)
	if got.Suggestion == nil || got.Suggestion.TargetType != "baduta" {
		t.Errorf("suggestion: got %+v, want baduta", got.Suggestion)
	}
	var e struct {
		ID  int64  `json:"id"`
		End string `json:"end"`
	}
	if st, raw := staff.raw("POST", "/api/v1/bts/facilities/sobo/enrolments", map[string]any{
		"target_type": "baduta", "child_id": child.ID, "cadre": "kader1", "supplier": "Warung Bu Tin",
		"start": puskesmasToday(t).AddDate(0, 0, -3).Format(time.DateOnly)}, nil); st != 201 {
		t.Fatalf("enrol: %d %s", st, raw)
	} else if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// multipartReport builds a delivery report body.
func multipartReport(t testing.TB, fields map[string]string, photo []byte) (string, []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if photo != nil {
		fw, err := w.CreateFormFile("photo", "foto.jpg")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(photo)
	}
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func TestBTSDeliveryReports(t *testing.T) {
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
	report := func(clientID string, photo []byte) (int, []byte) {
		ct, body := multipartReport(t, map[string]string{
			"client_id": clientID, "enrolment_id": strconv.FormatInt(enrolment, 10),
			"items":       `[{"kind":"telur","qty":2,"price_rp":5000},{"kind":"ikan","qty":1,"price_rp":10000}]`,
			"consumption": "habis", "notes": "dimakan siang"}, photo)
		return kader.raw("POST", "/api/v1/bts/facilities/sobo/deliveries", body, map[string]string{"Content-Type": ct})
	}
	type delivery struct {
		ID           int64  `json:"id"`
		TotalRp      int    `json:"total_rp"`
		PhotoURL     string `json:"photo_url"`
		Verification *struct {
			Lat *float64 `json:"lat"`
		} `json:"verification"`
		Status string `json:"status"`
	}

	var first, second delivery
	t.Run("the same client id twice makes one report", func(t *testing.T) {
		st, raw := report("phone-0001-aaaa", photo)
		if st != 201 {
			t.Fatalf("first upload: %d %s", st, raw)
		}
		json.Unmarshal(raw, &first)
		st, raw = report("phone-0001-aaaa", photo)
		if st != 200 {
			t.Fatalf("retried upload: %d %s, want 200", st, raw)
		}
		json.Unmarshal(raw, &second)
		if first.ID == 0 || second.ID != first.ID {
			t.Errorf("retry made report %d, want the first, %d", second.ID, first.ID)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_deliveries`); n != 1 {
			t.Errorf("%d reports stored, want 1", n)
		}
		if first.TotalRp != 15000 {
			t.Errorf("total %d, want 15000", first.TotalRp)
		}
		// Another id for the same target and day is a second report: refused.
		if st, raw := report("phone-0002-bbbb", photo); st != 409 {
			t.Errorf("second report for the day: %d %s, want 409", st, raw)
		}
	})
	t.Run("a non-image is 400", func(t *testing.T) {
		app.DB.Pool.Exec(context.Background(), `DELETE FROM bts_deliveries`)
		st, raw := report("phone-0003-cccc", []byte("%PDF-1.4 bukan foto"))
		var e apiErr
		json.Unmarshal(raw, &e)
		if st != 400 || e.Error.Code != "invalid" || e.Error.Field != "photo" {
			t.Errorf("non-image: %d %s, want 400 invalid photo", st, raw)
		}
		if st, raw := report("phone-0004-dddd", nil); st != 400 {
			t.Errorf("no photo: %d %s, want 400", st, raw)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM bts_deliveries`); n != 0 {
			t.Errorf("%d reports stored after refusals, want 0", n)
		}
	})
	t.Run("the photo's GPS is kept but not served", func(t *testing.T) {
		st, raw := report("phone-0005-eeee", photo)
		if st != 201 {
			t.Fatalf("upload: %d %s", st, raw)
		}
		var d delivery
		json.Unmarshal(raw, &d)
		if d.Verification != nil {
			t.Errorf("the cadre's answer carries the verification data: %s", raw)
		}
		var lat float64
		if err := app.DB.Pool.QueryRow(context.Background(), `SELECT exif_lat FROM bts_deliveries WHERE id = $1`, d.ID).Scan(&lat); err != nil || lat != -8.2192 {
			t.Errorf("stored latitude %v (%v), want -8.2192", lat, err)
		}
		var list []delivery
		staff.do("GET", "/api/v1/bts/facilities/sobo/deliveries", nil, nil, &list)
		if len(list) != 1 || list[0].Verification == nil || list[0].Verification.Lat == nil || *list[0].Verification.Lat != -8.2192 {
			t.Errorf("the nutritionist does not see the GPS: %+v", list)
		}
		st, img := staff.raw("GET", d.PhotoURL, nil, nil)
		if st != 200 {
			t.Fatalf("photo: %d", st)
		}
		if _, err := jpeg.DecodeConfig(bytes.NewReader(img)); err != nil {
			t.Errorf("served photo is not a JPEG: %v", err)
		}
		if m, err := btsphoto.ReadEXIF(img); err == nil || m.Lat != nil || bytes.Contains(img, []byte("Exif")) {
			t.Errorf("served photo still has EXIF: %+v", m)
		}
		if bytes.Equal(img, photo) {
			t.Error("the upload was served as it came")
		}
		// Verification by the nutritionist.
		var v delivery
		if st := staff.do("POST", fmt.Sprintf("/api/v1/bts/facilities/sobo/deliveries/%d/review", d.ID),
			map[string]string{"status": "verified"}, nil, &v); st != 200 || v.Status != "verified" {
			t.Errorf("verify: %d %+v", st, v)
		}
	})
	t.Run("roles", func(t *testing.T) {
		dinkes := newClient(t, app.URL())
		dinkes.login("dinkes", "rahasia123")
		for _, r := range []struct {
			who    *client
			method string
			path   string
			want   int
		}{
			{kader, "POST", "/api/v1/bts/facilities/sobo/children", 403},
			{kader, "GET", "/api/v1/bts/reports/prevalence", 403},
			{dinkes, "POST", "/api/v1/bts/facilities/sobo/children", 403},
			{dinkes, "GET", "/api/v1/bts/reports/prevalence?by=desa", 200},
			{dinkes, "GET", "/api/v1/bts/reports/compliance", 200},
			{dinkes, "GET", "/api/v1/bts/reports/outcome", 200},
			{dinkes, "GET", "/api/v1/bts/reports/cases?indicator=stunting", 200},
			{dinkes, "GET", "/api/v1/bts/reports/trend", 200},
			{dinkes, "GET", "/api/v1/bts/reports/export.csv", 200},
			{dinkes, "GET", "/bts/laporan", 200},
			{staff, "PUT", "/api/v1/bts/kecamatan/x", 403},
			{newClient(t, app.URL()), "GET", "/api/v1/bts/reports/prevalence", 401},
		} {
			if st, raw := r.who.raw(r.method, r.path, map[string]string{"name": "x"}, nil); st != r.want {
				t.Errorf("%s %s: %d %s, want %d", r.method, r.path, st, raw, r.want)
			}
		}
		var cases []struct {
			Child struct {
				Name string `json:"name"`
			} `json:"child"`
		}
		dinkes.do("GET", "/api/v1/bts/reports/cases?indicator=stunting", nil, nil, &cases)
		if len(cases) != 1 || cases[0].Child.Name != "Siti Aminah" {
			t.Errorf("stunting cases: %+v, want Siti Aminah", cases)
		}
		st, csv := dinkes.raw("GET", "/api/v1/bts/reports/export.csv", nil, nil)
		if st != 200 || !bytes.HasPrefix(csv, []byte("NIK,Nama,JK,Tgl Lahir")) || !bytes.Contains(csv, []byte("-2.33")) {
			t.Errorf("export: %d %s", st, csv)
		}
		st, xlsx := dinkes.raw("GET", "/api/v1/bts/reports/export.csv?format=xlsx", nil, nil)
		if st != 200 || !bytes.HasPrefix(xlsx, []byte("PK")) {
			t.Errorf("XLSX export: %d, %d bytes", st, len(xlsx))
		} else if zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx))); err != nil {
			t.Errorf("XLSX export is not a zip: %v", err)
		} else {
			var sheet []byte
			for _, f := range zr.File {
				if strings.HasPrefix(f.Name, "xl/sharedStrings") || strings.HasPrefix(f.Name, "xl/worksheets/") {
					rc, _ := f.Open()
					b, _ := io.ReadAll(rc)
					rc.Close()
					sheet = append(sheet, b...)
				}
			}
			if !bytes.Contains(sheet, []byte("Tgl Lahir")) || !bytes.Contains(sheet, []byte("Siti Aminah")) {
				t.Errorf("XLSX export lacks the e-PPGBM columns or the child")
			}
		}
		if st, _ := dinkes.raw("GET", "/api/v1/bts/reports/export.csv?format=pdf", nil, nil); st != 400 {
			t.Errorf("export in an unknown format: %d, want 400", st)
		}
		st, svg := staff.raw("GET", "/api/v1/bts/facilities/sobo/children/1/growth.svg", nil, nil)
		if st != 200 || !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte(`class="point"`)) {
			t.Errorf("growth chart: %d %.200s", st, svg)
		}
	})
	if strings.Contains(app.cfg.PhotoDir, "data/photos") {
		t.Errorf("the test wrote photos under %s", app.cfg.PhotoDir)
	}
}

// TestKaderReportsFromPhone has a cadre log in on a phone-sized screen,
// fill in the day's delivery, attach the photo and send it.
func TestKaderReportsFromPhone(t *testing.T) {
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	enrolledChild(t, app, staff)
	photo, err := filepath.Abs("../../bts/photo/testdata/gps.jpg")
	if err != nil {
		t.Fatal(err)
	}

	ctx := tab(t, browser(t), 390, 844, true) // the shared headless Chromium of the browser tests
	const wait = 10 * time.Second
	do(t, ctx, "open /kader on a phone", chromedp.Navigate(app.URL()+"/kader"))
	waitFor(t, ctx, "the login form", visible("#login"), wait)
	do(t, ctx, "log in",
		typeIn("#username", "kader1"),
		typeIn("#password", "rahasia123"),
		click("#login button[type=submit]"))
	waitFor(t, ctx, "the report form", visible("#lapor"), wait)
	if target := text(t, ctx, "#target option"); !strings.Contains(target, "Siti Aminah") {
		t.Fatalf("target list: %q", target)
	}
	do(t, ctx, "fill in and send the report",
		typeIn("#qty-telur", "2"),
		typeIn("#price-telur", "6000"),
		typeIn("#qty-ikan", "1"),
		typeIn("#price-ikan", "9000"),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}),
		click(`input[name=consumption][value=sisa]`),
		typeIn("#notes", "Anak makan separuh"),
		click("#send"))
	waitFor(t, ctx, "the report sent", visible("#status.ok"), wait)
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
	if err != nil || !fits {
		t.Errorf("the page is wider than the phone (%v)", err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 makes a PNG
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "testout", "bts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kader-phone.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}

	var n, total int
	var consumption string
	var lat float64
	err = app.DB.Pool.QueryRow(context.Background(), `SELECT count(*) OVER (), total_rp, consumption, exif_lat
		FROM bts_deliveries`).Scan(&n, &total, &consumption, &lat)
	if err != nil || n != 1 || total != 15000 || consumption != "sisa" || lat != -8.2192 {
		t.Errorf("stored report: n=%d total=%d consumption=%q lat=%v (%v), want 1, 15000, sisa, -8.2192", n, total, consumption, lat, err)
	}
}

// A target leaves the intervention early: from the exit day on no delivery
// is planned, the compliance report counts only the days before, and the
// exit is recorded once.
func TestBTSEnrolmentExit(t *testing.T) {
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	id := enrolledChild(t, app, staff)
	kader := newClient(t, app.URL())
	kader.login("kader1", "rahasia123")
	dinkes := newClient(t, app.URL())
	dinkes.login("dinkes", "rahasia123")

	var list []struct {
		ID    int64  `json:"id"`
		Start string `json:"start"`
	}
	if st := staff.do("GET", "/api/v1/bts/facilities/sobo/enrolments", nil, nil, &list); st != 200 || len(list) != 1 || list[0].ID != id {
		t.Fatalf("enrolments: %d %+v", st, list)
	}
	start, err := time.Parse(time.DateOnly, list[0].Start)
	if err != nil {
		t.Fatal(err)
	}
	today := puskesmasToday(t).Format(time.DateOnly)
	planned := func() int {
		t.Helper()
		var r struct {
			Targets []struct {
				Planned int `json:"planned_days"`
			} `json:"targets"`
		}
		q := "?from=" + list[0].Start + "&to=" + today
		if st := dinkes.do("GET", "/api/v1/bts/reports/compliance"+q, nil, nil, &r); st != 200 || len(r.Targets) != 1 {
			t.Fatalf("compliance: %d %+v", st, r)
		}
		return r.Targets[0].Planned
	}
	if n := planned(); n < 3 {
		t.Fatalf("planned days before the exit: %d, want the days since the start (3 or more)", n)
	}

	path := fmt.Sprintf("/api/v1/bts/facilities/sobo/enrolments/%d/exit", id)
	exitOn := start.AddDate(0, 0, 2).Format(time.DateOnly)
	for _, tc := range []struct {
		who   *client
		body  map[string]string
		want  int
		field string
	}{
		{kader, map[string]string{"exit_reason": "Pindah"}, 403, ""},
		{staff, map[string]string{"exited_on": exitOn}, 400, "exit_reason"},
		{staff, map[string]string{"exited_on": start.AddDate(0, 0, -1).Format(time.DateOnly), "exit_reason": "Pindah"}, 400, "exited_on"},
		{staff, map[string]string{"exited_on": "27-11-2026", "exit_reason": "Pindah"}, 400, "exited_on"},
	} {
		st, raw := tc.who.raw("POST", path, tc.body, nil)
		var e apiErr
		json.Unmarshal(raw, &e)
		if st != tc.want || e.Error.Field != tc.field {
			t.Errorf("exit %v: %d %s, want %d on %q", tc.body, st, raw, tc.want, tc.field)
		}
	}
	if st, raw := staff.raw("POST", "/api/v1/bts/facilities/sobo/enrolments/999999/exit",
		map[string]string{"exit_reason": "Pindah"}, nil); st != 404 {
		t.Errorf("exit of an unknown enrolment: %d %s, want 404", st, raw)
	}

	var left struct {
		ExitedOn   string `json:"exited_on"`
		ExitReason string `json:"exit_reason"`
	}
	if st, raw := staff.raw("POST", path, map[string]string{"exited_on": exitOn, "exit_reason": "Pindah ke Jember"}, nil); st != 200 {
		t.Fatalf("exit: %d %s", st, raw)
	} else if err := json.Unmarshal(raw, &left); err != nil || left.ExitedOn != exitOn || left.ExitReason != "Pindah ke Jember" {
		t.Errorf("exit answered %s", raw)
	}
	if n := planned(); n != 2 {
		t.Errorf("planned days after leaving on the third day: %d, want 2", n)
	}
	if st, raw := staff.raw("POST", path, map[string]string{"exit_reason": "Lagi"}, nil); st != 409 {
		t.Errorf("a second exit: %d %s, want 409", st, raw)
	}
	// The store itself records one exit: two requests that both passed the
	// handler's check at once, the second one's update changes nothing.
	if _, err := app.DB.ExitEnrolment(context.Background(), "sobo", id, start, "Lagi"); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("a second exit in the store: %v, want fault.ErrConflict", err)
	}
	if n := dbCount(t, app, `SELECT count(*) FROM bts_enrolments WHERE exit_reason = 'Pindah ke Jember'`); n != 1 {
		t.Errorf("%d enrolments with the first exit's reason, want 1 (the second changed nothing)", n)
	}
}

// Pregnant women are registered, listed and found by name or NIK, the ones
// at risk come with a bumil-risti suggestion, and such a woman is enrolled.
func TestBTSPregnancies(t *testing.T) {
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	kader := newClient(t, app.URL())
	kader.login("kader1", "rahasia123")
	dinkes := newClient(t, app.URL())
	dinkes.login("dinkes", "rahasia123")

	hpht := puskesmasToday(t).AddDate(0, 0, -70).Format(time.DateOnly) // 10 weeks
	type pregnancy struct {
		ID               int64  `json:"id"`
		Name             string `json:"name"`
		GestationalWeeks int    `json:"gestational_weeks"`
		Suggestion       *struct {
			TargetType string `json:"target_type"`
		} `json:"suggestion"`
	}
	register := func(nik, name string, lila float64) pregnancy {
		t.Helper()
		var p pregnancy
		if st, raw := staff.raw("POST", "/api/v1/bts/facilities/sobo/pregnancies", map[string]any{
			"nik": nik, "name": name, "birth_date": "1996-03-04", "hpht": hpht, "gravida": 2, "parity": 1,
			"height_cm": 152.0, "lila_cm": lila, "hb_g_dl": 12.1, "systolic": 110, "diastolic": 70,
			"desa": "sobo-desa", "rt": "003", "rw": "001", "poor_basis": "DTKS"}, nil); st != 201 {
			t.Fatalf("register %s: %d %s", name, st, raw)
		} else if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	risky := register("3510014405960001", "Ratna Sari", 22.0) // LiLA under 23.5 cm: KEK
	well := register("3510014405960002", "Dewi Lestari", 26.0)
	if risky.Suggestion == nil || risky.Suggestion.TargetType != "bumil_risti" || risky.GestationalWeeks != 10 {
		t.Errorf("a woman with KEK: %+v, want a bumil_risti suggestion at 10 weeks", risky)
	}
	if well.Suggestion != nil {
		t.Errorf("a woman without risk: suggestion %+v, want none", well.Suggestion)
	}

	var list []pregnancy
	if st := dinkes.do("GET", "/api/v1/bts/facilities/sobo/pregnancies", nil, nil, &list); st != 200 ||
		len(list) != 2 || list[0].Name != "Dewi Lestari" || list[1].Name != "Ratna Sari" {
		t.Errorf("list: %d %+v, want both, by name", st, list)
	}
	for q, want := range map[string]string{"ratna": "Ratna Sari", "3510014405960002": "Dewi Lestari"} {
		list = nil
		if st := staff.do("GET", "/api/v1/bts/facilities/sobo/pregnancies?q="+q, nil, nil, &list); st != 200 || len(list) != 1 || list[0].Name != want {
			t.Errorf("search %q: %d %+v, want %s", q, st, list, want)
		}
	}
	for _, q := range []string{"%25", "_", "Ratna_Sari"} { // LIKE's wildcards match only themselves
		list = nil
		if st := staff.do("GET", "/api/v1/bts/facilities/sobo/pregnancies?q="+q, nil, nil, &list); st != 200 || len(list) != 0 {
			t.Errorf("search %q: %d %+v, want nothing", q, st, list)
		}
	}
	if st, raw := kader.raw("GET", "/api/v1/bts/facilities/sobo/pregnancies", nil, nil); st != 403 {
		t.Errorf("a cadre lists pregnancies: %d %s, want 403", st, raw)
	}
	var got pregnancy
	if st := staff.do("GET", fmt.Sprintf("/api/v1/bts/facilities/sobo/pregnancies/%d", risky.ID), nil, nil, &got); st != 200 || got.Name != "Ratna Sari" {
		t.Errorf("get: %d %+v", st, got)
	}
	if st, raw := staff.raw("POST", "/api/v1/bts/facilities/sobo/enrolments", map[string]any{
		"target_type": "bumil_risti", "pregnancy_id": risky.ID, "cadre": "kader1"}, nil); st != 201 {
		t.Errorf("enrol the woman at risk: %d %s", st, raw)
	}
}

// secondPuskesmas adds Puskesmas Kalipuro (btsEnv has Sobo) with a desa,
// kalipuro-desa, and a staff member, petugas2, whose client it returns.
func secondPuskesmas(t *testing.T, app *App) *client {
	t.Helper()
	ctx := context.Background()
	if _, err := app.DB.CreateFacility(ctx, queue.Facility{Code: "kalipuro", Name: "Puskesmas Kalipuro"}); err != nil {
		t.Fatal(err)
	}
	hash, err := account.HashPassword("rahasia123")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB.CreateUser(ctx, "kalipuro", "petugas2", account.Staff, hash); err != nil {
		t.Fatal(err)
	}
	admin := newClient(t, app.URL())
	admin.login("admin", "rahasia123")
	if st, raw := admin.raw("PUT", "/api/v1/bts/desa/kalipuro-desa", map[string]string{"name": "Kalipuro", "kecamatan": "glagah", "facility": "kalipuro"}, nil); st/100 != 2 {
		t.Fatalf("desa of the second Puskesmas: %d %s", st, raw)
	}
	other := newClient(t, app.URL())
	other.login("petugas2", "rahasia123")
	return other
}

// The same pregnancy is registered once: the same NIK again with an HPHT
// within 45 days of a pregnancy still running (HPHT at most 300 days ago)
// is 409 on nik, naming the Puskesmas when it is another, and nothing is
// stored. An HPHT 46 days away, a first pregnancy over 300 days ago, and an
// unknown HPHT (nothing to compare) are registered.
func TestBTSPregnancyRegisteredTwice(t *testing.T) {
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	today := puskesmasToday(t)
	day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
	register := func(c *client, facility, nik, hpht string) (int, apiErr) {
		t.Helper()
		body := map[string]any{"nik": nik, "name": "Sari Dewi", "desa": facility + "-desa"}
		if hpht != "" {
			body["hpht"] = hpht
		}
		st, raw := c.raw("POST", "/api/v1/bts/facilities/"+facility+"/pregnancies", body, nil)
		var got apiErr
		if st != 201 {
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("%d %s", st, raw)
			}
		}
		return st, got
	}
	const a, b, c = "3510014101950003", "3510014101950004", "3510014101950005"
	taken := func(st int, got apiErr, where string) bool {
		return st == 409 && got.Error.Code == "conflict" && got.Error.Field == "nik" && strings.Contains(got.Error.Message, where)
	}
	if st, got := register(staff, "sobo", a, day(-250)); st != 201 {
		t.Fatalf("register: %d %+v", st, got)
	}
	if st, got := register(staff, "sobo", a, day(-205)); !taken(st, got, "Cari dengan NIK ini") {
		t.Errorf("the same pregnancy again (HPHT 45 days later): %d %+v, want 409 on nik, search for her", st, got)
	}
	other := secondPuskesmas(t, app)
	if st, got := register(other, "kalipuro", a, day(-245)); !taken(st, got, "sudah terdaftar di Puskesmas Sobo") {
		t.Errorf("the same pregnancy at another Puskesmas: %d %+v, want 409 on nik naming Puskesmas Sobo", st, got)
	}
	if n := dbCount(t, app, `SELECT count(*) FROM bts_pregnancies WHERE nik = '`+a+`'`); n != 1 {
		t.Errorf("pregnancies with the NIK: %d, want 1", n)
	}
	for _, r := range []struct{ what, nik, hpht string }{
		{"her next pregnancy", a, day(-20)},
		{"an HPHT unknown", a, ""},
		{"a first pregnancy", b, day(-250)},
		{"an HPHT 46 days from the first", b, day(-204)},
		{"a pregnancy whose HPHT is 300 days ago", c, day(-300)},
	} {
		if st, got := register(staff, "sobo", r.nik, r.hpht); st != 201 {
			t.Errorf("%s: %d %+v, want 201", r.what, st, got)
		}
	}
	// On its 300th day a pregnancy still runs; from the 301st it is over.
	if st, got := register(staff, "sobo", c, day(-290)); !taken(st, got, "Cari dengan NIK ini") {
		t.Errorf("a pregnancy 10 days from one on its 300th day: %d %+v, want 409", st, got)
	}
	if _, err := app.DB.Pool.Exec(context.Background(), `UPDATE bts_pregnancies SET hpht = $2 WHERE nik = $1`, c, today.AddDate(0, 0, -301)); err != nil {
		t.Fatal(err)
	}
	if st, got := register(staff, "sobo", c, day(-295)); st != 201 {
		t.Errorf("a pregnancy 6 days from one over (301 days): %d %+v, want 201", st, got)
	}
}

// A child's NIK registered once is refused the second time, on the nik
// field, with a message that says what to do (naming the Puskesmas when it
// is another); nothing is stored twice.
func TestBTSChildNIKRegisteredTwice(t *testing.T) {
	_, app := btsEnv(t)
	staff := newClient(t, app.URL())
	staff.login("petugas", "rahasia123")
	child := map[string]any{"nik": "3510010101250009", "name": "Bayu", "sex": "L",
		"birth_date": puskesmasToday(t).AddDate(0, 0, -200).Format(time.DateOnly), "mother_name": "Ibu Bayu", "desa": "sobo-desa"}
	if st, raw := staff.raw("POST", "/api/v1/bts/facilities/sobo/children", child, nil); st != 201 {
		t.Fatalf("register: %d %s", st, raw)
	}
	child["name"] = "Bayu Lagi"
	st, raw := staff.raw("POST", "/api/v1/bts/facilities/sobo/children", child, nil)
	var got apiErr
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if st != 409 || got.Error.Code != "conflict" || got.Error.Field != "nik" || got.Error.Message != "NIK anak ini sudah terdaftar. Cari anak dengan NIK ini." {
		t.Errorf("the same NIK again: %d %s, want 409 conflict on nik, search for it", st, raw)
	}

	// At another Puskesmas a search would not find the child: the answer
	// says where it is registered instead.
	other := secondPuskesmas(t, app)
	child["desa"] = "kalipuro-desa"
	st, raw = other.raw("POST", "/api/v1/bts/facilities/kalipuro/children", child, nil)
	got = apiErr{}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if st != 409 || got.Error.Field != "nik" || !strings.Contains(got.Error.Message, "sudah terdaftar di Puskesmas Sobo") {
		t.Errorf("the NIK at another Puskesmas: %d %s, want 409 on nik naming Puskesmas Sobo", st, raw)
	}
	if n := dbCount(t, app, `SELECT count(*) FROM bts_children WHERE nik = '3510010101250009'`); n != 1 {
		t.Errorf("children with the NIK: %d, want 1", n)
	}
}
