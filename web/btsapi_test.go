package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/photo"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
)

// btsEnv is the real server on a fresh database with two Puskesmas (sobo
// and kabat, each with a desa), a signed-in session for each kind of
// caller, and a clock fixed at 10 March 2026, 10:00 WIB.
type btsEnv struct {
	t   *testing.T
	srv *Server
	db  *postgres.DB
	// Sessions by name: "" is anonymous.
	sessions map[string]btsSession
}

type btsSession struct{ id, csrf string }

func newBTSEnv(t *testing.T) *btsEnv {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 10, 0, 0, 0, time.FixedZone("WIB", 7*3600))
	clock := func() time.Time { return now }
	db := testenv.DB(t)
	svc := &bts.Service{Store: db, Photos: photo.Store{Dir: t.TempDir()}, Now: clock}
	srv, err := New(Config{}, Deps{DB: db, BTS: svc, Log: discard(), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	e := &btsEnv{t: t, srv: srv, db: db, sessions: map[string]btsSession{}}
	for _, f := range []queue.Facility{{Code: "sobo", Name: "Puskesmas Sobo"}, {Code: "kabat", Name: "Puskesmas Kabat"}} {
		if _, err := db.CreateFacility(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []struct {
		facility, name string
		role           account.Role
	}{
		{"", "district", account.Admin}, {"", "dinkes", account.Dinkes}, {"sobo", "admin-sobo", account.Admin},
		{"sobo", "petugas", account.Staff}, {"sobo", "kader1", account.Kader}, {"sobo", "kader2", account.Kader},
		{"kabat", "petugas-kabat", account.Staff}, {"kabat", "kader-kabat", account.Kader},
	} {
		acct, err := db.CreateUser(ctx, u.facility, u.name, u.role, "x")
		if err != nil {
			t.Fatal(err)
		}
		s := btsSession{account.NewSecret(), account.NewSecret()}
		if err := db.CreateSession(ctx, account.HashSecret(s.id), acct.ID, s.csrf, now); err != nil {
			t.Fatal(err)
		}
		e.sessions[u.name] = s
	}
	e.call("district", "PUT", "/api/v1/bts/kecamatan/kec-a", `{"name":"Kecamatan A"}`).want(200)
	e.call("district", "PUT", "/api/v1/bts/kecamatan/kec-b", `{"name":"Kecamatan B"}`).want(200)
	e.call("district", "PUT", "/api/v1/bts/facilities/sobo", `{"kecamatan":"kec-a"}`).want(200)
	e.call("district", "PUT", "/api/v1/bts/facilities/kabat", `{"kecamatan":"kec-b","method":"monthly"}`).want(200)
	e.call("district", "PUT", "/api/v1/bts/desa/desa-1", `{"name":"Desa Satu","kecamatan":"kec-a","facility":"sobo"}`).want(200)
	e.call("district", "PUT", "/api/v1/bts/desa/desa-3", `{"name":"Desa Tiga","kecamatan":"kec-b","facility":"kabat"}`).want(200)
	return e
}

// btsAnswer is a response, read.
type btsAnswer struct {
	t    *testing.T
	what string
	rec  *httptest.ResponseRecorder
}

// call makes a request as who ("" anonymous) with a JSON body (or none).
func (e *btsEnv) call(who, method, path, body string) btsAnswer {
	e.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.do(who, req)
}

func (e *btsEnv) do(who string, req *http.Request) btsAnswer {
	e.t.Helper()
	if s, ok := e.sessions[who]; ok {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: s.id})
		req.Header.Set("X-CSRF-Token", s.csrf)
	} else if who != "" {
		e.t.Fatalf("no session %q", who)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return btsAnswer{e.t, who + " " + req.Method + " " + req.URL.String(), rec}
}

// want checks the status and returns the body.
func (a btsAnswer) want(status int) []byte {
	a.t.Helper()
	if a.rec.Code != status {
		a.t.Fatalf("%s: status %d %s, want %d", a.what, a.rec.Code, a.rec.Body, status)
	}
	return a.rec.Body.Bytes()
}

// wantError checks the status and the error body: its code, field and
// message ("" for any message).
func (a btsAnswer) wantError(status int, code, field, message string) {
	a.t.Helper()
	var body struct {
		Error apiError `json:"error"`
	}
	if err := json.Unmarshal(a.want(status), &body); err != nil {
		a.t.Fatalf("%s: error body: %v", a.what, err)
	}
	if body.Error.Code != code || body.Error.Field != field || (message != "" && body.Error.Message != message) {
		a.t.Errorf("%s: error %+v, want code %q, field %q, message %q", a.what, body.Error, code, field, message)
	}
}

// into decodes a 2xx answer of status into v.
func (a btsAnswer) into(status int, v any) {
	a.t.Helper()
	if err := json.Unmarshal(a.want(status), v); err != nil {
		a.t.Fatalf("%s: %v", a.what, err)
	}
}

const btsChild = `{"name":"Ayu","sex":"P","birth_date":"2025-03-10","mother_name":"Rina","desa":"desa-1"}`

// TestBTSRoutesAccess holds each rule of the BTS routes to account: the
// anonymous are asked to sign in, callers of the wrong role or facility
// are refused, and the right ones get through.
func TestBTSRoutesAccess(t *testing.T) {
	e := newBTSEnv(t)
	for _, tc := range []struct {
		method, path, body string
		ok                 int
		allowed, refused   []string
	}{
		{"PUT", "/api/v1/bts/kecamatan/kec-c", `{"name":"C"}`, 200, []string{"district"}, []string{"admin-sobo", "dinkes", "petugas"}},
		{"PUT", "/api/v1/bts/facilities/sobo", `{"kecamatan":"kec-a"}`, 200, []string{"district"}, []string{"admin-sobo", "petugas"}},
		{"GET", "/api/v1/bts/facilities/sobo/children", "", 200, []string{"petugas", "admin-sobo", "dinkes", "district"}, []string{"kader1", "petugas-kabat"}},
		{"POST", "/api/v1/bts/facilities/sobo/children", btsChild, 201, []string{"petugas"}, []string{"kader1", "dinkes", "petugas-kabat"}},
		{"GET", "/api/v1/bts/facilities/sobo/cadres", "", 200, []string{"petugas", "district"}, []string{"kader1", "dinkes", "petugas-kabat"}},
		{"GET", "/api/v1/bts/facilities/sobo/enrolments", "", 200, []string{"kader1", "petugas"}, []string{"dinkes", "kader-kabat"}},
		{"GET", "/api/v1/bts/facilities/sobo/areas", "", 200, []string{"kader1", "dinkes", "petugas"}, []string{"kader-kabat", "petugas-kabat"}},
		{"GET", "/api/v1/bts/facilities/sobo/deliveries", "", 200, []string{"kader1", "dinkes", "petugas"}, []string{"kader-kabat"}},
		{"POST", "/api/v1/bts/facilities/sobo/deliveries", "", 400, []string{"kader1"}, []string{"dinkes", "kader-kabat"}},
		{"GET", "/api/v1/bts/reports/prevalence", "", 200, []string{"petugas", "dinkes", "district"}, []string{"kader1"}},
		{"GET", "/api/v1/bts/reports/outcome", "", 200, []string{"admin-sobo", "dinkes"}, []string{"kader-kabat"}},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			e.t = t
			e.call("", tc.method, tc.path, tc.body).wantError(401, "unauthenticated", "", "Silakan masuk terlebih dahulu.")
			for _, who := range tc.refused {
				e.call(who, tc.method, tc.path, tc.body).wantError(403, "forbidden", "", "Anda tidak berhak melakukan ini.")
			}
			for i, who := range tc.allowed {
				body := strings.Replace(tc.body, `"Ayu"`, `"Ayu `+strconv.Itoa(i)+`"`, 1)
				e.call(who, tc.method, tc.path, body).want(tc.ok)
			}
		})
	}
}

// TestBTSRegistryAPI checks the answers and the error shapes of the
// registry: 201 with the record, 400 naming the field, 404, 409.
func TestBTSRegistryAPI(t *testing.T) {
	e := newBTSEnv(t)
	var child childJSON
	e.call("petugas", "POST", "/api/v1/bts/facilities/sobo/children", btsChild).into(201, &child)
	if child.ID == 0 || child.Sex != "P" || child.Kecamatan != "kec-a" || child.DesaName != "Desa Satu" {
		t.Errorf("registered %+v", child)
	}
	id := strconv.FormatInt(child.ID, 10)
	e.call("petugas", "POST", "/api/v1/bts/facilities/sobo/children", `{"name":"X","sex":"L","birth_date":"10-03-2025","desa":"desa-1"}`).
		wantError(400, "invalid", "birth_date", "Tanggal harus berbentuk yyyy-mm-dd.")
	e.call("petugas", "POST", "/api/v1/bts/facilities/sobo/children", `{"name":"X","sex":"L","birth_date":"2026-03-11","desa":"desa-1"}`).
		wantError(400, "invalid", "birth_date", "Tanggal lahir tidak boleh kosong atau di masa depan.")
	e.call("petugas", "POST", "/api/v1/bts/facilities/sobo/children", `{"name":`).wantError(400, "invalid", "", "JSON tidak valid.")
	nik := `{"nik":"3510010101250001","name":"Bayu","sex":"L","birth_date":"2025-01-01","desa":"desa-3"}`
	e.call("petugas-kabat", "POST", "/api/v1/bts/facilities/kabat/children", nik).want(201)
	e.call("petugas", "POST", "/api/v1/bts/facilities/sobo/children", nik).wantError(409, "conflict", "nik",
		"NIK anak ini sudah terdaftar di Puskesmas Kabat. Pengukuran dan intervensinya dicatat di sana; hubungi Puskesmas itu bila anak pindah.")

	var m measurementJSON
	e.call("petugas", "POST", "/api/v1/bts/facilities/sobo/children/"+id+"/measurements", `{"lenhei_cm":68,"weight_kg":7.5,"measure":"l"}`).into(201, &m)
	if m.MeasuredOn != "2026-03-10" || m.MeasuredBy != "petugas" || m.Place != "puskesmas" || m.ZLen == nil || *m.ZLen != -2.33 || m.TBU != "pendek" {
		t.Errorf("measurement %+v: want today, by petugas, at the Puskesmas, zlen -2.33 pendek", m)
	}
	e.call("petugas", "POST", "/api/v1/bts/facilities/sobo/children/"+id+"/measurements", `{"weight_kg":7.5,"measure":"x"}`).
		wantError(400, "invalid", "measure", "Cara ukur harus l (terlentang) atau h (berdiri).")
	var rec struct {
		Child        childJSON         `json:"child"`
		Measurements []measurementJSON `json:"measurements"`
		Suggestion   *suggestionJSON   `json:"suggestion"`
	}
	e.call("dinkes", "GET", "/api/v1/bts/facilities/sobo/children/"+id, "").into(200, &rec)
	if rec.Child.ID != child.ID || len(rec.Measurements) != 1 || rec.Suggestion == nil || rec.Suggestion.TargetType != "baduta" {
		t.Errorf("child record %+v: want the measurement and a baduta suggestion", rec)
	}
	e.call("petugas", "GET", "/api/v1/bts/facilities/sobo/children/999999", "").wantError(404, "not_found", "", "Tidak ditemukan.")
	e.call("petugas", "GET", "/api/v1/bts/facilities/sobo/children/abc", "").wantError(404, "not_found", "", "Tidak ditemukan.")
	e.call("district", "GET", "/api/v1/bts/facilities/kabat/children/"+id, "").wantError(404, "not_found", "", "")
	svg := e.call("petugas", "GET", "/api/v1/bts/facilities/sobo/children/"+id+"/growth.svg?indicator=wfa", "")
	if svg.want(200); svg.rec.Header().Get("Content-Type") != "image/svg+xml" {
		t.Errorf("growth chart content type %q", svg.rec.Header().Get("Content-Type"))
	}
	e.call("petugas", "GET", "/api/v1/bts/facilities/sobo/children/"+id+"/growth.svg?indicator=bmi", "").
		wantError(400, "invalid", "indicator", "Grafik harus lhfa atau wfa.")

	var p pregnancyJSON
	e.call("petugas", "POST", "/api/v1/bts/facilities/sobo/pregnancies",
		`{"nik":"3510014101900001","name":"Ibu","hpht":"2026-01-06","lila_cm":22,"desa":"desa-1"}`).into(201, &p)
	if p.GestationalWeeks != 9 || p.Suggestion == nil || p.Suggestion.TargetType != "bumil_risti" || p.Risks == nil {
		t.Errorf("pregnancy %+v: want 9 weeks and a bumil risti suggestion", p)
	}
	e.call("petugas", "POST", "/api/v1/bts/facilities/sobo/pregnancies", `{"nik":"3510014101900001","name":"Ibu","hpht":"2026-01-10","desa":"desa-1"}`).
		wantError(409, "conflict", "nik", "Kehamilan ini sudah terdaftar (NIK sama, HPHT berdekatan). Cari dengan NIK ini.")
	var ps []pregnancyJSON
	e.call("dinkes", "GET", "/api/v1/bts/facilities/sobo/pregnancies?q=Ib", "").into(200, &ps)
	if len(ps) != 1 || ps[0].ID != p.ID {
		t.Errorf("search: %+v", ps)
	}
}

// multipartReport is a delivery upload for enrolment id, with the fields
// of extra (name, value, name, value...) besides.
func multipartReport(t *testing.T, clientID string, enrolment int64, img []byte, extra ...string) *http.Request {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range map[string]string{"client_id": clientID, "enrolment_id": strconv.FormatInt(enrolment, 10),
		"items": `[{"kind":"telur","qty":2,"price_rp":5000}]`, "consumption": "habis"} {
		w.WriteField(k, v)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		w.WriteField(extra[i], extra[i+1])
	}
	if img != nil {
		fw, _ := w.CreateFormFile("photo", "foto.jpg")
		fw.Write(img)
	}
	w.Close()
	req := httptest.NewRequest("POST", "/api/v1/bts/facilities/sobo/deliveries", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

// TestBTSDeliveryAPI follows a report from the cadre's upload to the
// nutritionist's verdict.
func TestBTSDeliveryAPI(t *testing.T) {
	e := newBTSEnv(t)
	var child childJSON
	e.call("petugas", "POST", "/api/v1/bts/facilities/sobo/children", btsChild).into(201, &child)
	var enr enrolmentJSON
	e.call("petugas", "POST", "/api/v1/bts/facilities/sobo/enrolments",
		`{"target_type":"baduta","child_id":`+strconv.FormatInt(child.ID, 10)+`,"cadre":"kader1"}`).into(201, &enr)
	if enr.Start != "2026-03-10" || enr.End != "2027-03-09" || enr.Cadre != "kader1" {
		t.Errorf("enrolment %+v", enr)
	}
	img, err := os.ReadFile("../bts/photo/testdata/gps.jpg")
	if err != nil {
		t.Fatal(err)
	}

	var d, again deliveryJSON
	e.do("kader1", multipartReport(t, "client-0001", enr.ID, img)).into(201, &d)
	if d.Date != "2026-03-10" || d.Cadre != "kader1" || d.Status != "pending" || d.Verification != nil ||
		d.PhotoURL != "/api/v1/bts/facilities/sobo/deliveries/"+strconv.FormatInt(d.ID, 10)+"/photo" {
		t.Errorf("report %+v: want today's pending report of kader1, without the EXIF for a cadre", d)
	}
	e.do("kader1", multipartReport(t, "client-0001", enr.ID, img)).into(200, &again)
	if again.ID != d.ID {
		t.Errorf("retry answered report %d, want %d", again.ID, d.ID)
	}
	// Another cadre who guesses the client id gets neither the report nor
	// a replay of it.
	e.do("kader2", multipartReport(t, "client-0001", enr.ID, img)).wantError(409, "conflict", "", "Data bertentangan dengan yang sudah tersimpan.")
	e.do("kader1", multipartReport(t, "client-0002", enr.ID, img)).wantError(409, "conflict", "date", "Sudah ada laporan sasaran ini untuk tanggal itu.")
	e.do("kader1", multipartReport(t, "client-0003", enr.ID, nil)).wantError(400, "invalid", "photo", "Foto wajib dilampirkan.")
	// The EXIF a phone read before shrinking the photo is checked by bts.
	e.do("kader1", multipartReport(t, "client-0004", enr.ID, img, "taken_at", "kemarin")).
		wantError(400, "invalid", "taken_at", "Waktu foto tidak valid.")
	e.do("kader1", multipartReport(t, "client-0004", enr.ID, img, "lat", "-8.2")).
		wantError(400, "invalid", "lon", "Bujur foto tidak valid.")
	e.call("kader1", "POST", "/api/v1/bts/facilities/sobo/deliveries", `{}`).
		wantError(400, "invalid", "", "Kirim laporan sebagai multipart/form-data.")

	var list []deliveryJSON
	e.call("petugas", "GET", "/api/v1/bts/facilities/sobo/deliveries", "").into(200, &list)
	if len(list) != 1 || list[0].Verification == nil || list[0].Verification.Lat == nil {
		t.Errorf("the nutritionist's list %+v: want the report with its GPS", list)
	}
	e.call("kader2", "GET", "/api/v1/bts/facilities/sobo/deliveries", "").into(200, &list)
	if len(list) != 0 {
		t.Errorf("kader2 sees %d reports of kader1", len(list))
	}
	e.call("kader2", "GET", d.PhotoURL, "").wantError(404, "not_found", "", "Tidak ditemukan.")
	photoAnswer := e.call("kader1", "GET", d.PhotoURL, "")
	if photoAnswer.want(200); photoAnswer.rec.Header().Get("Content-Type") != "image/jpeg" {
		t.Errorf("photo content type %q", photoAnswer.rec.Header().Get("Content-Type"))
	}
	e.call("petugas", "GET", "/api/v1/bts/facilities/sobo/deliveries?from=2026-03-10&to=2026-03-01", "").
		wantError(400, "invalid", "from", "Periode tidak valid (paling lama 5 tahun).")

	review := "/api/v1/bts/facilities/sobo/deliveries/" + strconv.FormatInt(d.ID, 10) + "/review"
	e.call("kader1", "POST", review, `{"status":"verified"}`).wantError(403, "forbidden", "", "")
	e.call("petugas", "POST", review, `{"status":"rejected"}`).wantError(400, "invalid", "note", "Tulis alasan penolakan.")
	var verdict deliveryJSON
	e.call("petugas", "POST", review, `{"status":"verified"}`).into(200, &verdict)
	if verdict.Status != "verified" || verdict.ReviewedBy != "petugas" || verdict.Verification == nil {
		t.Errorf("verdict %+v", verdict)
	}
	e.call("petugas", "POST", review, `{"status":"rejected","note":"x"}`).wantError(409, "conflict", "", "Data bertentangan dengan yang sudah tersimpan.")

	exit := "/api/v1/bts/facilities/sobo/enrolments/" + strconv.FormatInt(enr.ID, 10) + "/exit"
	e.call("petugas", "POST", exit, `{"exit_reason":""}`).wantError(400, "invalid", "exit_reason", "")
	e.call("petugas", "POST", exit, `{"exit_reason":"Pindah domisili"}`).want(200)
	e.call("petugas", "POST", exit, `{"exit_reason":"Pindah domisili"}`).wantError(409, "conflict", "", "")
}

// TestBTSReportsAPI checks whose facility a report covers and the export.
func TestBTSReportsAPI(t *testing.T) {
	e := newBTSEnv(t)
	var child childJSON
	e.call("petugas-kabat", "POST", "/api/v1/bts/facilities/kabat/children",
		`{"name":"Bayu","sex":"L","birth_date":"2025-03-10","desa":"desa-3"}`).into(201, &child)
	e.call("petugas-kabat", "POST", "/api/v1/bts/facilities/kabat/children/"+strconv.FormatInt(child.ID, 10)+"/measurements",
		`{"lenhei_cm":68,"measure":"l"}`).want(201)
	var r struct {
		Facility string `json:"facility"`
		From, To string
		Rows     []bts.PrevalenceRow `json:"rows"`
	}
	// Staff always get their own facility; dinkes choose.
	e.call("petugas", "GET", "/api/v1/bts/reports/prevalence?facility=kabat", "").into(200, &r)
	if r.Facility != "sobo" || len(r.Rows) != 0 {
		t.Errorf("sobo's staff asking for kabat got %+v, want sobo's (empty) report", r)
	}
	e.call("dinkes", "GET", "/api/v1/bts/reports/prevalence?facility=kabat&by=puskesmas", "").into(200, &r)
	if r.Facility != "kabat" || r.From != "2026-03-01" || r.To != "2026-03-10" || len(r.Rows) != 1 || r.Rows[0].All.Stunting.Cases != 1 {
		t.Errorf("dinkes asking for kabat got %+v, want kabat's month with one case", r)
	}
	e.call("dinkes", "GET", "/api/v1/bts/reports/prevalence?by=rt", "").wantError(400, "invalid", "by", "")
	e.call("dinkes", "GET", "/api/v1/bts/reports/cases?indicator=obesity", "").wantError(400, "invalid", "indicator", "")

	csv := e.call("dinkes", "GET", "/api/v1/bts/reports/export.csv?facility=kabat", "")
	body := string(csv.want(200))
	if cd := csv.rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename=bts-eppgbm-kabat-2026-`) || !strings.HasSuffix(cd, "-2026-03-10.csv") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if !strings.HasPrefix(body, "NIK,Nama,JK,") || !strings.Contains(body, "Bayu,L,2025-03-10") {
		t.Errorf("export:\n%s", body)
	}
	xlsx := e.call("dinkes", "GET", "/api/v1/bts/reports/export.csv?format=xlsx", "")
	if b := xlsx.want(200); !bytes.HasPrefix(b, []byte("PK")) ||
		xlsx.rec.Header().Get("Content-Disposition") != "attachment; filename=bts-eppgbm-2026-03-01-2026-03-10.xlsx" {
		t.Errorf("the district's XLSX export is not a spreadsheet download: %q", xlsx.rec.Header().Get("Content-Disposition"))
	}
	e.call("dinkes", "GET", "/api/v1/bts/reports/export.csv?format=pdf", "").wantError(400, "invalid", "format", "Format ekspor harus csv atau xlsx.")

	// The report page links the case list and the export of what it shows.
	page := string(e.call("dinkes", "GET", "/bts/laporan?facility=kabat&from=2026-03-01&to=2026-03-10", "").want(200))
	for _, link := range []string{
		`href="/api/v1/bts/reports/export.csv?facility=kabat&amp;from=2026-03-01&amp;to=2026-03-10"`,
		`href="/api/v1/bts/reports/cases?indicator=stunting&amp;facility=kabat&amp;from=2026-03-01&amp;to=2026-03-10"`,
	} {
		if !strings.Contains(page, link) {
			t.Errorf("the report page lacks %s", link)
		}
	}
}
