package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/bpjs/bpjstest"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
	"github.com/antrian/antrian/satusehat"
	"github.com/antrian/antrian/satusehat/satusehattest"
)

// startFast boots an instance like env.start, with an integration worker
// that polls and retries within milliseconds.
func (e *env) startFast() *App {
	e.t.Helper()
	vars := map[string]string{
		"DATABASE_URL":                    e.dbURL,
		"ANTRIAN_ADDR":                    "127.0.0.1:0",
		"ANTRIAN_LOG_LEVEL":               "debug",
		"ANTRIAN_PUBLIC_URL":              "https://antrian.example.id",
		"ANTRIAN_RATE_BOOKING_PER_ADDR":   "0",
		"ANTRIAN_RATE_BOOKING_PER_PERSON": "0",
	}
	for k, v := range e.vars {
		vars[k] = v
	}
	cfg, err := LoadConfig(func(k string) string { return vars[k] })
	if err != nil {
		e.t.Fatal(err)
	}
	app := NewApp(cfg, slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	app.Now = e.clock.Now
	app.IntegrationOptions = outbox.Options{PollInterval: 20 * time.Millisecond,
		BaseBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, MaxAttempts: 5}
	if err := app.Start(context.Background()); err != nil {
		e.t.Fatalf("start: %v", err)
	}
	e.t.Cleanup(func() {
		if err := app.Close(); err != nil {
			e.t.Errorf("close: %v", err)
		}
	})
	outboxDump = func() string {
		var b strings.Builder
		rows, err := app.DB.Pool.Query(context.Background(), `SELECT id, ticket_id, target, kind, state, attempts,
			next_attempt_at, coalesce(locked_until::text, '-'), last_error, now() FROM integration_outbox ORDER BY id`)
		if err != nil {
			return err.Error()
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var attempts int
			var ticket, target, kind, state, locked, lastErr string
			var next, now time.Time
			if err := rows.Scan(&id, &ticket, &target, &kind, &state, &attempts, &next, &locked, &lastErr, &now); err != nil {
				return err.Error()
			}
			fmt.Fprintf(&b, "%d %s %s %s %s attempts=%d next=%s locked=%s db-now=%s err=%q\n", id, ticket, target, kind, state,
				attempts, next.Format(time.RFC3339Nano), locked, now.Format(time.RFC3339Nano), lastErr)
		}
		return b.String()
	}
	e.t.Cleanup(func() { outboxDump = nil })
	return app
}

// jknClient is a fake Mobile JKN: it calls the provider web service the
// way BPJS does.
type jknClient struct {
	c        *client
	facility string
	user     string
	token    string
}

// jknAnswer is the BPJS envelope.
type jknAnswer struct {
	Response map[string]any `json:"response"`
	Metadata struct {
		Message string `json:"message"`
		Code    int    `json:"code"`
	} `json:"metadata"`
}

func (j *jknClient) call(method, path string, body any) (int, jknAnswer) {
	j.c.t.Helper()
	var a jknAnswer
	st := j.c.do(method, "/jkn/"+j.facility+"/"+path, body, map[string]string{"x-username": j.user, "x-token": j.token}, &a)
	return st, a
}

func (j *jknClient) auth(password string) jknAnswer {
	j.c.t.Helper()
	var a jknAnswer
	j.c.do("GET", "/jkn/"+j.facility+"/auth", nil, map[string]string{"x-username": j.user, "x-password": password}, &a)
	if tok, ok := a.Response["token"].(string); ok {
		j.token = tok
	}
	return a
}

func card(i int) string { return fmt.Sprintf("0001%09d", i) }
func nik(i int) string  { return fmt.Sprintf("351001120390%04d", i+1) }

func peserta(i int) map[string]any {
	return map[string]any{"nomorkartu": card(i), "nik": nik(i), "nomorkk": "3510010101010001", "nama": fmt.Sprintf("Peserta %d", i),
		"jeniskelamin": "P", "tanggallahir": "1990-03-12", "alamat": "Jl. Sobo 1", "kodeprop": "35", "namaprop": "Jawa Timur",
		"kodedati2": "3510", "namadati2": "Banyuwangi", "kodekec": "351001", "namakec": "Banyuwangi", "kodekel": "3510011001",
		"namakel": "Sobo", "rw": "001", "rt": "002"}
}

// configureJKN sets sobo's Mobile JKN account with the CLI.
func configureJKN(t *testing.T, e *env) {
	t.Helper()
	var out strings.Builder
	err := run(context.Background(), []string{"jkn", "configure", "--facility", "sobo", "--username", "bpjs-sobo",
		"--password-stdin", "--poli", "001=UMUM,002=GIGI"},
		func(k string) string { return map[string]string{"DATABASE_URL": e.dbURL}[k] },
		strings.NewReader("sandi-mobile-jkn\n"), &out, &out)
	if err != nil {
		t.Fatalf("jkn configure: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "sandi-mobile-jkn") {
		t.Error("the password was echoed")
	}
}

// Mobile JKN and web patients book the same unit at once: one sequence, no
// gaps, no duplicates; status, sisapeserta and batal agree with the queue;
// and every bad input is answered with the envelope and code 201.
func TestMobileJKNProvider(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.startFast()
	e.seed(app)
	configureJKN(t, e)
	ctx := context.Background()
	today := time.Now().In(mustZone(t)).Format(time.DateOnly)
	staff := staffClients(t, app)[0]
	j := &jknClient{c: newClient(t, app.URL()), facility: "sobo", user: "bpjs-sobo"}

	if a := j.auth("salah-sandi"); a.Metadata.Code != 201 || j.token != "" {
		t.Fatalf("auth with a wrong password: %+v", a)
	}
	if a := j.auth("sandi-mobile-jkn"); a.Metadata.Code != 200 || j.token == "" {
		t.Fatalf("auth: %+v", a)
	}

	const n = 20
	for i := range n {
		if _, a := j.call("POST", "peserta", peserta(i)); a.Metadata.Code != 200 || a.Response["norm"] == "" {
			t.Fatalf("peserta %d: %+v", i, a)
		}
	}
	t.Run("concurrent with web bookings", func(t *testing.T) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		jknCodes := map[string]bool{}
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, a := j.call("POST", "antrean", map[string]any{"nomorkartu": card(i), "nik": nik(i), "kodepoli": "001",
					"tanggalperiksa": today, "keluhan": "demam", "nohp": "081234567890", "kodedokter": 123})
				if a.Metadata.Code != 200 {
					t.Errorf("jkn booking %d: %+v", i, a.Metadata)
					return
				}
				mu.Lock()
				jknCodes[a.Response["nomorantrean"].(string)] = true
				mu.Unlock()
			}()
			go func() {
				defer wg.Done()
				if st, _ := newClient(t, app.URL()).book("UMUM", nil); st != 201 {
					t.Errorf("web booking: status %d", st)
				}
			}()
		}
		wg.Wait()
		rows, err := app.DB.Pool.Query(ctx, `SELECT t.number, t.channel FROM tickets t JOIN units u ON u.id = t.unit_id
			WHERE u.code = 'UMUM' ORDER BY t.number`)
		if err != nil {
			t.Fatal(err)
		}
		var numbers []int
		channels := map[string]int{}
		for rows.Next() {
			var num int
			var ch string
			rows.Scan(&num, &ch)
			numbers = append(numbers, num)
			channels[ch]++
		}
		for i, num := range numbers {
			if num != i+1 {
				t.Fatalf("numbers: got %v, want 1..%d without gaps or duplicates", numbers, 2*n)
			}
		}
		if len(numbers) != 2*n || channels["jkn"] != n || channels["online"] != n || len(jknCodes) != n {
			t.Errorf("got %d tickets, channels %v, %d distinct JKN codes; want %d, %d each", len(numbers), channels, len(jknCodes), 2*n, n)
		}
	})

	t.Run("status, sisapeserta and batal agree with the queue", func(t *testing.T) {
		if st, c := staff.callNext("UMUM", "Ruang 1"); st != 200 {
			t.Fatalf("call: %d", st)
		} else {
			_, a := j.call("GET", "antrean/status/001/"+today, nil)
			waiting, _ := staff.queue("UMUM")
			if a.Metadata.Code != 200 || a.Response["namapoli"] != "Poli Umum" || a.Response["totalantrean"] != float64(2*n) ||
				a.Response["sisaantrean"] != float64(len(waiting)) || a.Response["antreanpanggil"] != c.Code {
				t.Errorf("status: %+v; want total %d, waiting %d, called %s", a, 2*n, len(waiting), c.Code)
			}
		}
		waiting, current := staff.queue("UMUM")
		for _, i := range []int{3, n - 1} {
			_, a := j.call("GET", fmt.Sprintf("antrean/sisapeserta/%s/001/%s", card(i), today), nil)
			if len(current) == 1 && a.Response["nomorantrean"] == current[0].Code {
				// The bookings raced, so this card may hold the ticket just called.
				if a.Metadata.Code != 200 || a.Response["sisaantrean"] != float64(0) || a.Response["keterangan"] != "Nomor Anda sedang dipanggil." {
					t.Errorf("sisapeserta %d of the called ticket: %+v", i, a)
				}
				continue
			}
			var want *ticket
			for k := range waiting {
				if waiting[k].Code == a.Response["nomorantrean"] {
					want = &waiting[k]
				}
			}
			if a.Metadata.Code != 200 || want == nil || a.Response["sisaantrean"] != float64(*want.Ahead) {
				t.Errorf("sisapeserta %d: %+v, queue entry %+v", i, a, want)
			}
		}
		// Cancel one waiting ticket: it leaves the queue; then it cannot be cancelled twice.
		_, a := j.call("PUT", "antrean/batal", map[string]any{"nomorkartu": card(5), "kodepoli": "001", "tanggalperiksa": today, "alasan": "sembuh"})
		if a.Metadata.Code != 200 {
			t.Fatalf("batal: %+v", a)
		}
		if got := dbCount(t, app, `SELECT count(*) FROM tickets WHERE bpjs = $1 AND status = 'cancelled'`, card(5)); got != 1 {
			t.Errorf("cancelled tickets of the card: %d", got)
		}
		after, _ := staff.queue("UMUM")
		if len(after) != len(waiting)-1 {
			t.Errorf("waiting after batal: %d, want %d", len(after), len(waiting)-1)
		}
		_, a = j.call("PUT", "antrean/batal", map[string]any{"nomorkartu": card(5), "kodepoli": "001", "tanggalperiksa": today, "alasan": "x"})
		if a.Metadata.Code != 201 {
			t.Errorf("second batal: %+v", a)
		}
		// The card can book again after cancelling.
		_, a = j.call("POST", "antrean", map[string]any{"nomorkartu": card(5), "nik": nik(5), "kodepoli": "001", "tanggalperiksa": today})
		if a.Metadata.Code != 200 {
			t.Errorf("booking again after batal: %+v", a)
		}
	})

	t.Run("a called ticket cannot be cancelled; a JKN ticket is tracked and called like any other", func(t *testing.T) {
		var jt ticket
		for {
			st, c := staff.callNext("UMUM", "Ruang 1")
			if st != 200 {
				t.Fatal("no JKN ticket was called")
			}
			if dbCount(t, app, `SELECT count(*) FROM tickets WHERE id = $1 AND channel = 'jkn'`, c.ID) == 1 {
				jt = c
				break
			}
		}
		var bpjsNo string
		app.DB.Pool.QueryRow(ctx, `SELECT bpjs FROM tickets WHERE id = $1`, jt.ID).Scan(&bpjsNo)
		_, a := j.call("PUT", "antrean/batal", map[string]any{"nomorkartu": bpjsNo, "kodepoli": "001", "tanggalperiksa": today, "alasan": "x"})
		if a.Metadata.Code != 201 || !strings.Contains(a.Metadata.Message, "tidak dapat dibatalkan") {
			t.Errorf("batal of a called ticket: %+v", a)
		}
		_, a = j.call("GET", fmt.Sprintf("antrean/sisapeserta/%s/001/%s", bpjsNo, today), nil)
		if a.Metadata.Code != 200 || a.Response["sisaantrean"] != 0.0 || a.Response["antreanpanggil"] != jt.Code {
			t.Errorf("sisapeserta of the called ticket: %+v", a)
		}
		// The tracking link in keterangan opens the ticket like any other.
		if link := trackingToken(t, app, jt.ID); link == "" {
			t.Error("no tracking token")
		}
	})

	t.Run("on a unit that requires check-in, a JKN ticket waits for its patient", func(t *testing.T) {
		requireCheckIn(t, nil, app)
		if _, a := j.call("POST", "peserta", peserta(30)); a.Metadata.Code != 200 {
			t.Fatalf("peserta: %+v", a)
		}
		_, a := j.call("POST", "antrean", map[string]any{"nomorkartu": card(30), "nik": nik(30), "kodepoli": "001", "tanggalperiksa": today})
		if a.Metadata.Code != 200 || !strings.Contains(fmt.Sprint(a.Response["keterangan"]), "check-in") {
			t.Fatalf("jkn booking: %+v, want keterangan to say to check in", a)
		}
		if n := dbCount(t, app, `SELECT count(*) FROM tickets WHERE bpjs = $1 AND status = 'booked'`, card(30)); n != 1 {
			t.Fatalf("%d booked tickets of the card, want 1", n)
		}
		_, a = j.call("GET", fmt.Sprintf("antrean/sisapeserta/%s/001/%s", card(30), today), nil)
		if a.Metadata.Code != 200 || !strings.Contains(fmt.Sprint(a.Response["keterangan"]), "check-in") {
			t.Errorf("sisapeserta of a booked ticket: %+v", a)
		}
		_, a = j.call("PUT", "antrean/batal", map[string]any{"nomorkartu": card(30), "kodepoli": "001", "tanggalperiksa": today, "alasan": "batal"})
		if a.Metadata.Code != 200 {
			t.Errorf("batal of a booked ticket: %+v", a)
		}
	})

	t.Run("every bad input gets the envelope with code 201", func(t *testing.T) {
		fid, err := app.DB.FacilityID(ctx, "sobo")
		if err != nil {
			t.Fatal(err)
		}
		if err := app.DB.SaveUnit(ctx, fid, queue.Unit{Code: "GIGI", Name: "Poli Gigi", Prefix: "C", DailyQuota: 1,
			OpenDays: postgres.AllDays, Policy: queue.DefaultPolicy(), DefaultServiceS: 300}); err != nil {
			t.Fatal(err)
		}
		app.Queue.ForgetFacility("sobo")
		if _, a := j.call("POST", "antrean", map[string]any{"nomorkartu": card(1), "nik": nik(1), "kodepoli": "002", "tanggalperiksa": today}); a.Metadata.Code != 200 {
			t.Fatalf("first GIGI booking: %+v", a)
		}
		yesterday := time.Now().In(mustZone(t)).AddDate(0, 0, -1).Format(time.DateOnly)
		book := func(over map[string]any) map[string]any {
			b := map[string]any{"nomorkartu": card(2), "nik": nik(2), "kodepoli": "001", "tanggalperiksa": today}
			for k, v := range over {
				b[k] = v
			}
			return b
		}
		cases := []struct {
			name, method, path string
			body               any
			token              string
			want               int
		}{
			{"card of 12 digits", "POST", "antrean", book(map[string]any{"nomorkartu": "000100000000"}), "", 201},
			{"card with letters", "POST", "antrean", book(map[string]any{"nomorkartu": "00010000000AB"}), "", 201},
			{"NIK of 15 digits", "POST", "antrean", book(map[string]any{"nik": "351001120390000"}), "", 201},
			{"NIK of another card", "POST", "antrean", book(map[string]any{"nik": nik(3)}), "", 201},
			{"date in the past", "POST", "antrean", book(map[string]any{"tanggalperiksa": yesterday}), "", 201},
			{"date not yyyy-mm-dd", "POST", "antrean", book(map[string]any{"tanggalperiksa": "27-11-2026"}), "", 201},
			{"unknown poli", "POST", "antrean", book(map[string]any{"kodepoli": "999"}), "", 201},
			{"second ticket for the card, poli and date", "POST", "antrean", book(nil), "", 201},
			{"quota full", "POST", "antrean", book(map[string]any{"kodepoli": "002"}), "", 201},
			{"new patient", "POST", "antrean", book(map[string]any{"nomorkartu": card(99), "nik": nik(99)}), "", 202},
			{"numbers as JSON numbers", "POST", "antrean", `{"nomorkartu": 12, "nik": 3, "kodepoli": 1, "tanggalperiksa": "x"}`, "", 201},
			{"not JSON", "POST", "antrean", "nomorkartu=1", "", 201},
			{"a JSON array", "POST", "antrean", "[]", "", 201},
			{"no token", "POST", "antrean", book(nil), "-", 201},
			{"wrong token", "GET", "antrean/status/001/" + today, nil, "bukan-token", 201},
			{"status of an unknown poli", "GET", "antrean/status/999/" + today, nil, "", 201},
			{"status in the past", "GET", "antrean/status/001/" + yesterday, nil, "", 201},
			{"sisapeserta without a ticket", "GET", fmt.Sprintf("antrean/sisapeserta/%s/002/%s", card(7), today), nil, "", 201},
			{"sisapeserta of a bad card", "GET", "antrean/sisapeserta/123/001/" + today, nil, "", 201},
			{"batal without alasan", "PUT", "antrean/batal", map[string]any{"nomorkartu": card(8), "kodepoli": "001", "tanggalperiksa": today}, "", 201},
			{"batal of no ticket", "PUT", "antrean/batal", map[string]any{"nomorkartu": card(99), "kodepoli": "001", "tanggalperiksa": today, "alasan": "x"}, "", 201},
			{"peserta with a bad gender", "POST", "peserta", func() map[string]any { p := peserta(50); p["jeniskelamin"] = "X"; return p }(), "", 201},
			{"peserta without a KK", "POST", "peserta", func() map[string]any { p := peserta(51); delete(p, "nomorkk"); return p }(), "", 201},
			{"peserta born in the future", "POST", "peserta", func() map[string]any {
				p := peserta(52)
				p["tanggallahir"] = time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
				return p
			}(), "", 201},
			{"unknown path", "GET", "antrean/lain", nil, "", 201},
			{"wrong method", "DELETE", "antrean", nil, "", 201},
			{"unknown facility", "GET", "/jkn/nowhere/antrean/status/001/" + today, nil, "", 201},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				jj := *j
				switch tc.token {
				case "-":
					jj.token = ""
				case "":
				default:
					jj.token = tc.token
				}
				path := "/jkn/sobo/" + tc.path
				if strings.HasPrefix(tc.path, "/") {
					path = tc.path
				}
				st, raw := jj.c.raw(tc.method, path, tc.body, map[string]string{"x-username": jj.user, "x-token": jj.token})
				var a jknAnswer
				if err := json.Unmarshal(raw, &a); err != nil || st != 200 || a.Metadata.Code != tc.want || a.Metadata.Message == "" {
					t.Errorf("got HTTP %d %s, want HTTP 200 with metadata code %d and a reason", st, raw, tc.want)
				}
			})
		}
	})

	t.Run("tokens expire", func(t *testing.T) {
		e.clock.Set(time.Now().Add(61 * time.Minute))
		defer e.clock.Set(time.Time{})
		if _, a := j.call("GET", "antrean/status/001/"+today, nil); a.Metadata.Code != 201 {
			t.Errorf("status with an expired token: %+v", a)
		}
	})
}

func mustZone(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// trackingToken checks that the patient's tracking endpoint answers for a
// ticket with its token, and returns the token.
func trackingToken(t *testing.T, app *App, id string) string {
	t.Helper()
	tok := app.Queue.Token(id)
	var tk ticket
	if st := newClient(t, app.URL()).do("GET", "/api/v1/tickets/"+id, nil, map[string]string{"X-Ticket-Token": tok}, &tk); st != 200 || tk.ID != id {
		t.Errorf("tracking %s: status %d", id, st)
		return ""
	}
	return tok
}

// adminClient logs in a facility admin created for the test.
func adminClient(t *testing.T, app *App, facility, name string) *client {
	t.Helper()
	hash, _ := account.HashPassword("rahasia123")
	if _, err := app.DB.CreateUser(context.Background(), facility, name, account.Admin, hash); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, app.URL())
	c.login(name, "rahasia123")
	return c
}

// waitFor polls cond until it holds or five seconds pass.
// eventually waits for an outbox delivery to show. The worker polls every
// 20 ms with retries of at most 100 ms here, so a quiet machine converges
// in well under a second; the 15 s allow for every package's race tests
// sharing two cores (a 5 s limit ran out once in a full run). On a timeout
// the outbox rows are logged, to tell a slow machine from a stuck row.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("timed out waiting for %s", what)
			if outboxDump != nil {
				t.Logf("integration outbox then:\n%s", outboxDump())
			}
			t.FailNow()
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// outboxDump, set by startFast, describes the integration outbox's rows.
var outboxDump func() string

type sendState struct {
	Summary []string `json:"summary"`
	Calls   []struct {
		ID        int64  `json:"id"`
		Target    string `json:"target"`
		Kind      string `json:"kind"`
		State     string `json:"state"`
		Attempts  int    `json:"attempts"`
		LastError string `json:"last_error"`
	} `json:"calls"`
}

func states(t *testing.T, c *client, id string) sendState {
	t.Helper()
	var s sendState
	if st := c.do("GET", "/api/v1/tickets/"+id+"/integrations", nil, nil, &s); st != 200 {
		t.Fatalf("integrations of %s: status %d", id, st)
	}
	return s
}

func hasSummary(s sendState, want string) bool {
	for _, x := range s.Summary {
		if strings.HasPrefix(x, want) {
			return true
		}
	}
	return false
}

// Tickets with a BPJS card taken outside Mobile JKN reach a fake BPJS that
// checks signatures and answers encrypted, compressed payloads: failures
// are retried, "already registered" ends as success, refusals are shown
// and can be retried by an admin.
// configureBPJS maps Poli Umum of Puskesmas Sobo to BPJS poli 001 (dr. Sari,
// kodedokter 123) and sends its BPJS Antrean FKTP calls to fake.
func configureBPJS(t *testing.T, admin *client, fake *bpjstest.Server) {
	t.Helper()
	if st := admin.do("PUT", "/api/v1/facilities/sobo/integrations/jkn", map[string]any{"username": "bpjs-sobo", "password": "sandi-mobile-jkn",
		"poli": []map[string]any{{"kodepoli": "001", "unit": "UMUM", "kodedokter": 123, "namadokter": "dr. Sari", "jampraktek": "08:00-12:00"}}}, nil, nil); st != 204 {
		t.Fatalf("configure jkn: %d", st)
	}
	if st := admin.do("PUT", "/api/v1/facilities/sobo/integrations/bpjs", map[string]any{"enabled": true, "environment": "custom",
		"base_url": fake.BaseURL(), "cons_id": "9999", "secret": "s3cret", "user_key": "user-key", "pcare_user": "pcare", "pcare_password": "pw"}, nil, nil); st != 204 {
		t.Fatalf("configure bpjs: %d", st)
	}
}

func TestBPJSOutbox(t *testing.T) {
	fake := bpjstest.New(t, "9999", "s3cret", "user-key")
	e := newEnv(t, backend{name: "embedded"})
	app := e.startFast()
	e.seed(app)
	admin := adminClient(t, app, "sobo", "admin-sobo")
	staff := staffClients(t, app)[0]
	configureBPJS(t, admin, fake)
	var settings map[string]map[string]any
	admin.do("GET", "/api/v1/facilities/sobo/integrations", nil, nil, &settings)
	if settings["bpjs"]["secret_set"] != true || settings["bpjs"]["secret"] != nil || settings["jkn"]["username"] != "bpjs-sobo" {
		t.Errorf("settings: %v", settings)
	}

	fake.SetAnswer(func(c bpjstest.Call, attempt int) (int, int, string, any) {
		switch {
		case c.Path == "ref/poli/tanggal/2026-11-27":
			return 200, 200, "Ok", map[string]any{"list": []map[string]string{{"kodepoli": "001", "namapoli": "Poli Umum"}}}
		case c.Body["nomorkartu"] == card(1) && c.Path == "antrean/add" && attempt <= 2:
			return http.StatusServiceUnavailable, 0, "", nil
		case c.Body["nomorkartu"] == card(2) && c.Path == "antrean/add":
			return 200, 201, "Peserta sudah terdaftar", nil
		case c.Body["nomorkartu"] == card(3):
			return 200, 201, "Kode poli tidak sesuai", nil
		}
		return 200, 200, "Ok", nil
	})
	var polis []map[string]any
	if st := admin.do("GET", "/api/v1/facilities/sobo/integrations/bpjs/poli?date=2026-11-27", nil, nil, &polis); st != 200 || len(polis) != 1 || polis[0]["namapoli"] != "Poli Umum" {
		t.Errorf("ref poli through the admin API: %d %v", st, polis)
	}

	pub := newClient(t, app.URL())
	_, t1 := pub.book("UMUM", map[string]any{"bpjs": card(1), "phone": "081234567890"})
	_, t2 := pub.book("UMUM", map[string]any{"bpjs": card(2)})
	_, t3 := pub.book("UMUM", map[string]any{"bpjs": card(3)})
	_, plain := pub.book("UMUM", nil)
	eventually(t, "antrean/add of the three cards", func() bool {
		return hasSummary(states(t, staff, t1.ID), "BPJS: terkirim") && hasSummary(states(t, staff, t2.ID), "BPJS: terkirim") &&
			hasSummary(states(t, staff, t3.ID), "BPJS: gagal")
	})
	s1 := states(t, staff, t1.ID)
	if s1.Calls[0].Kind != "antrean_add" || s1.Calls[0].Attempts != 3 {
		t.Errorf("first card: %+v, want antrean_add sent at the third attempt", s1.Calls)
	}
	if s3 := states(t, staff, t3.ID); !strings.Contains(s3.Summary[0], "Kode poli tidak sesuai") {
		t.Errorf("refused card: %v", s3.Summary)
	}
	if len(states(t, staff, plain.ID).Calls) != 0 {
		t.Error("a ticket without a card was sent to BPJS")
	}
	var added map[string]any
	for _, c := range fake.Calls() {
		if c.Path == "antrean/add" && c.Body["nomorkartu"] == card(1) {
			added = c.Body
		}
	}
	if added["nomorantrean"] != t1.Code || added["angkaantrean"] != float64(t1.Number) || added["kodepoli"] != "001" ||
		added["namapoli"] != "Poli Umum" || added["kodedokter"] != 123.0 || added["nohp"] != "081234567890" {
		t.Errorf("antrean/add body: %v", added)
	}

	// Called, then absent, then cancelled by staff: panggil 1, panggil 2, batal.
	if _, c := staff.callNext("UMUM", "Ruang 1"); c.ID != t1.ID {
		t.Fatalf("called %s, want %s", c.Code, t1.Code)
	}
	staff.do("POST", "/api/v1/tickets/"+t1.ID+"/skip", map[string]any{}, nil, nil)
	staff.do("POST", "/api/v1/tickets/"+t2.ID+"/cancel", map[string]any{}, nil, nil)
	eventually(t, "panggil and batal", func() bool {
		var kinds []string
		for _, c := range fake.Calls() {
			if c.Path != "antrean/add" && strings.HasPrefix(c.Path, "antrean/") {
				kinds = append(kinds, fmt.Sprint(c.Path, c.Body["status"]))
			}
		}
		sort.Strings(kinds)
		return strings.Join(kinds, " ") == "antrean/batal<nil> antrean/panggil1 antrean/panggil2"
	})
	for _, c := range fake.Calls() {
		if c.Path == "antrean/panggil" && (c.Body["waktu"].(float64) < 1e12 || c.Body["kodepoli"] != "001" || c.Body["nomorkartu"] != card(1)) {
			t.Errorf("panggil body: %v", c.Body)
		}
	}

	// A Mobile JKN ticket is not reported back to BPJS.
	before := len(fake.Calls())
	j := &jknClient{c: newClient(t, app.URL()), facility: "sobo", user: "bpjs-sobo"}
	j.auth("sandi-mobile-jkn")
	j.call("POST", "peserta", peserta(4))
	today := time.Now().In(mustZone(t)).Format(time.DateOnly)
	if _, a := j.call("POST", "antrean", map[string]any{"nomorkartu": card(4), "nik": nik(4), "kodepoli": "001", "tanggalperiksa": today}); a.Metadata.Code != 200 {
		t.Fatalf("jkn booking: %+v", a)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(fake.Calls()); n != before {
		t.Errorf("a Mobile JKN booking caused %d calls to BPJS", n-before)
	}

	// An admin fixes the cause and retries the refused call.
	var failed []struct {
		ID       int64  `json:"id"`
		TicketID string `json:"ticket_id"`
	}
	admin.do("GET", "/api/v1/facilities/sobo/integrations/failed", nil, nil, &failed)
	if len(failed) != 1 || failed[0].TicketID != t3.ID {
		t.Fatalf("failed calls: %+v", failed)
	}
	fake.SetAnswer(nil)
	if st := staff.do("POST", fmt.Sprintf("/api/v1/integrations/%d/retry", failed[0].ID), map[string]any{}, nil, nil); st != 403 {
		t.Errorf("retry by staff: %d, want 403", st)
	}
	if st := admin.do("POST", fmt.Sprintf("/api/v1/integrations/%d/retry", failed[0].ID), map[string]any{}, nil, nil); st != 204 {
		t.Fatalf("retry: %d", st)
	}
	eventually(t, "the retried call", func() bool { return hasSummary(states(t, staff, t3.ID), "BPJS: terkirim") })
	if fake.BadSignatures() != 0 {
		t.Errorf("%d requests had a bad signature", fake.BadSignatures())
	}
	if strings.Contains(e.logs.String(), card(1)) || strings.Contains(e.logs.String(), "081234567890") {
		t.Error("a card or phone number was logged")
	}
}

// A ticket's life (kiosk, call, start, finish) produces one Encounter whose
// status history matches the queue's timestamps.
func TestSATUSEHATEncounter(t *testing.T) {
	fake := satusehattest.New(t, "client-sobo", "secret-sobo", map[string]string{nik(1): "P02478375538", nik(2): "P00000002"})
	e := newEnv(t, backend{name: "embedded"})
	app := e.startFast()
	e.seed(app)
	admin := adminClient(t, app, "sobo", "admin-sobo")
	staff := staffClients(t, app)[0]
	if st := admin.do("PUT", "/api/v1/facilities/sobo/integrations/satusehat", map[string]any{"enabled": true, "environment": "custom",
		"base_url": fake.URL, "client_id": "client-sobo", "client_secret": "secret-sobo", "organization_id": "ORG-SOBO",
		"locations": []map[string]string{{"unit": "UMUM", "location_id": "LOC-UMUM", "practitioner": "N10000001"}}}, nil, nil); st != 204 {
		t.Fatalf("configure satusehat: %d", st)
	}
	if st := admin.do("PUT", "/api/v1/facilities/sobo/integrations/satusehat", map[string]any{"environment": "mars"}, nil, nil); st != 400 {
		t.Errorf("an unknown environment: %d, want 400", st)
	}
	pub := newClient(t, app.URL())
	t0 := time.Now().Truncate(time.Second)
	e.clock.Set(t0)
	defer e.clock.Set(time.Time{})
	fake.FailNext(1) // the first FHIR call fails and is retried
	_, tk := pub.book("UMUM", map[string]any{"nik": nik(1), "channel": "kiosk"})
	_, online := pub.book("UMUM", map[string]any{"nik": nik(2)})
	eventually(t, "the arrived encounter", func() bool { return len(fake.Encounters()) == 1 })
	e.clock.Set(t0.Add(5 * time.Minute))
	staff.callNext("UMUM", "Ruang 1")
	e.clock.Set(t0.Add(7 * time.Minute))
	staff.do("POST", "/api/v1/tickets/"+tk.ID+"/start", map[string]any{}, nil, nil)
	e.clock.Set(t0.Add(20 * time.Minute))
	staff.do("POST", "/api/v1/tickets/"+tk.ID+"/finish", map[string]any{}, nil, nil)
	staff.do("POST", "/api/v1/tickets/"+online.ID+"/cancel", map[string]any{}, nil, nil)
	eventually(t, "the finished encounter", func() bool {
		es := fake.Encounters()
		return len(es) == 1 && es[0].Status == "finished" && hasSummary(states(t, staff, online.ID), "SATUSEHAT: terkirim")
	})
	enc := fake.Encounters()[0]
	var issued, called, finished time.Time
	app.DB.Pool.QueryRow(context.Background(), `SELECT issued_at, called_at, finished_at FROM tickets WHERE id = $1`, tk.ID).
		Scan(&issued, &called, &finished)
	ft := satusehat.FHIRTime
	want := []satusehat.StatusHistory{
		{Status: "arrived", Period: satusehat.Period{Start: ft(issued), End: ft(called)}},
		{Status: "in-progress", Period: satusehat.Period{Start: ft(called), End: ft(finished)}},
		{Status: "finished", Period: satusehat.Period{Start: ft(finished), End: ft(finished)}},
	}
	if fmt.Sprint(enc.StatusHistory) != fmt.Sprint(want) {
		t.Errorf("status history:\ngot  %v\nwant %v", enc.StatusHistory, want)
	}
	if enc.Identifier[0].Value != tk.ID || enc.Identifier[0].System != "http://sys-ids.kemkes.go.id/encounter/ORG-SOBO" ||
		enc.Subject.Reference != "Patient/P02478375538" || enc.Location[0].Location.Reference != "Location/LOC-UMUM" ||
		enc.ServiceProvider.Reference != "Organization/ORG-SOBO" || enc.Class.Code != "AMB" ||
		enc.Period.Start != ft(issued) || enc.Period.End != ft(finished) || enc.Participant[0].Individual.Reference != "Practitioner/N10000001" {
		t.Errorf("encounter: %+v", enc)
	}
	if ft(called) != ft(t0.Add(5*time.Minute)) {
		t.Errorf("called at %s, want the clock's %s", ft(called), ft(t0.Add(5*time.Minute)))
	}
	eventually(t, "the send state", func() bool { return hasSummary(states(t, staff, tk.ID), "SATUSEHAT: terkirim") })
	if n := fake.TokenRequests(); n != 1 {
		t.Errorf("token requests: %d, want 1 (cached)", n)
	}

	// A NIK unknown to SATUSEHAT is a failure staff can see.
	e.clock.Set(t0.Add(21 * time.Minute))
	_, unknown := pub.book("UMUM", map[string]any{"nik": nik(3), "channel": "kiosk"})
	eventually(t, "the failed lookup", func() bool { return hasSummary(states(t, staff, unknown.ID), "SATUSEHAT: gagal: NIK") })
	if strings.Contains(e.logs.String(), nik(1)) {
		t.Error("a NIK was logged")
	}
}

// A patient referred from a Puskesmas appears in the hospital's queue, with
// where they came from, gets the tracking link and a message, and can be
// called there.
func TestReferral(t *testing.T) {
	sink := &webhookSink{}
	hs := httptest.NewServer(sink)
	defer hs.Close()
	srv := hs.URL
	e := newEnv(t, backend{name: "embedded"})
	e.vars = map[string]string{"ANTRIAN_WEBHOOK_URL": srv, "ANTRIAN_WEBHOOK_SECRET": "rahasia-webhook"}
	app := e.startFast()
	e.seed(app)
	ctx := context.Background()
	rsID, err := app.DB.CreateFacility(ctx, queue.Facility{Code: "rsud", Name: "RSUD Blambangan", Kind: "rumah_sakit"})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.DB.SaveUnit(ctx, rsID, queue.Unit{Code: "DALAM", Name: "Poli Penyakit Dalam", Prefix: "P", DailyQuota: 50,
		OpenDays: postgres.AllDays, Policy: queue.DefaultPolicy(), DefaultServiceS: 600}); err != nil {
		t.Fatal(err)
	}
	hash, _ := account.HashPassword("rahasia123")
	if _, err := app.DB.CreateUser(ctx, "rsud", "perawat-rs", account.Staff, hash); err != nil {
		t.Fatal(err)
	}
	hospital := newClient(t, app.URL())
	hospital.login("perawat-rs", "rahasia123")
	staff := staffClients(t, app)[0]
	pub := newClient(t, app.URL())

	_, tk := pub.book("UMUM", map[string]any{"name": "Siti", "phone": "081234567891", "notify": true, "nik": nik(1)})
	if st, _ := staff.raw("POST", "/api/v1/tickets/"+tk.ID+"/refer", map[string]any{"facility": "rsud", "unit": "DALAM", "reason": "x"}, nil); st != 409 {
		t.Errorf("refer a waiting ticket: %d, want 409", st)
	}
	staff.callNext("UMUM", "Ruang 1")
	if st, _ := staff.raw("POST", "/api/v1/tickets/"+tk.ID+"/refer", map[string]any{"facility": "sobo", "unit": "GIGI", "reason": "x"}, nil); st != 400 {
		t.Errorf("refer to a Puskesmas: %d, want 400", st)
	}
	if st, _ := hospital.raw("POST", "/api/v1/tickets/"+tk.ID+"/refer", map[string]any{"facility": "rsud", "unit": "DALAM", "reason": "x"}, nil); st != 403 {
		t.Errorf("refer by the hospital's staff: %d, want 403", st)
	}
	var ref struct {
		From ticket `json:"from"`
		To   ticket `json:"to"`
		Link string `json:"link"`
	}
	today := time.Now().In(mustZone(t)).Format(time.DateOnly)
	if st := staff.do("POST", "/api/v1/tickets/"+tk.ID+"/refer", map[string]any{"facility": "rsud", "unit": "DALAM",
		"service_date": today, "reason": "Curiga diabetes melitus, perlu pemeriksaan lanjutan"}, nil, &ref); st != 201 {
		t.Fatalf("refer: %d", st)
	}
	if ref.From.Status != "done" || ref.To.Unit != "DALAM" || ref.To.Code != "P-001" || ref.To.Token == "" || ref.Link != "/t/"+ref.To.ID+"#"+ref.To.Token {
		t.Errorf("referral answer: %+v", ref)
	}
	if trackingToken(t, app, ref.To.ID) != ref.To.Token {
		t.Error("the tracking token does not open the hospital ticket")
	}
	var origin map[string]any
	if st := hospital.do("GET", "/api/v1/tickets/"+ref.To.ID+"/referral", nil, nil, &origin); st != 200 ||
		origin["from_facility"] != "sobo" || origin["from_facility_name"] != "Puskesmas Sobo" || origin["from_unit"] != "UMUM" ||
		origin["reason"] != "Curiga diabetes melitus, perlu pemeriksaan lanjutan" || origin["referred_by"] != "petugas" {
		t.Errorf("referral seen by the hospital: %d %v", st, origin)
	}
	var list []map[string]any
	hospital.do("GET", "/api/v1/facilities/rsud/referrals?date="+today, nil, nil, &list)
	if len(list) != 1 || list[0]["ticket_id"] != ref.To.ID {
		t.Errorf("referrals to rsud: %v", list)
	}
	var q struct {
		Waiting []ticket `json:"waiting"`
	}
	hospital.do("GET", "/api/v1/facilities/rsud/units/DALAM/queue", nil, nil, &q)
	if len(q.Waiting) != 1 || q.Waiting[0].ID != ref.To.ID {
		t.Errorf("hospital queue: %+v", q.Waiting)
	}
	var called ticket
	if st := hospital.do("POST", "/api/v1/facilities/rsud/units/DALAM/call", map[string]string{"counter": "Ruang 3"}, nil, &called); st != 200 || called.ID != ref.To.ID {
		t.Errorf("hospital call: %d %+v", st, called)
	}
	eventually(t, "the booked message for the hospital ticket", func() bool {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		for _, m := range sink.got {
			if m["ticket_id"] == ref.To.ID && m["kind"] == "booked" && strings.Contains(m["text"], "/t/"+ref.To.ID) {
				return true
			}
		}
		return false
	})
}

// TestJKNSessions: for a unit with practice sessions, antrean/add tells
// BPJS the doctor and the hours of the ticket's day from its session, not
// those entered with the poli mapping.
func TestJKNSessions(t *testing.T) {
	fake := bpjstest.New(t, "9999", "s3cret", "user-key")
	e := newEnv(t, backend{name: "embedded"})
	app := e.startFast()
	e.seed(app)
	admin := adminClient(t, app, "sobo", "admin-sobo")
	configureBPJS(t, admin, fake)
	// Every day a morning with dr. Budi and an afternoon with the midwife.
	var sessions []map[string]any
	for wd := range 7 {
		sessions = append(sessions, map[string]any{"weekday": wd, "start": "07:00", "end": "11:30", "staff": "dr. Budi", "kodedokter": 777},
			map[string]any{"weekday": wd, "start": "13:00", "end": "15:00", "staff": "Bidan Rina", "kodedokter": 888})
	}
	if st := admin.do("PUT", "/api/v1/facilities/sobo/units/UMUM/sessions", sessions, nil, nil); st != 200 {
		t.Fatalf("sessions: %d", st)
	}
	staff := staffClients(t, app)[0]
	tomorrow := time.Now().In(mustZone(t)).AddDate(0, 0, 1).Format(time.DateOnly)
	_, tk := newClient(t, app.URL()).book("UMUM", map[string]any{"bpjs": card(1), "service_date": tomorrow})
	if tk.ID == "" {
		t.Fatal("booking for tomorrow refused")
	}
	eventually(t, "antrean/add", func() bool { return hasSummary(states(t, staff, tk.ID), "BPJS: terkirim") })
	var added map[string]any
	for _, c := range fake.Calls() {
		if c.Path == "antrean/add" && c.Body["nomorkartu"] == card(1) {
			added = c.Body
		}
	}
	// A ticket for a later day is served from the day's first session.
	if added["kodedokter"] != 777.0 || added["namadokter"] != "dr. Budi" || added["jampraktek"] != "07:00-11:30" || added["tanggalperiksa"] != tomorrow {
		t.Errorf("antrean/add body: %v, want dr. Budi (777) at 07:00-11:30", added)
	}

	// Mobile JKN's status of the poli tells the day's sessions.
	j := &jknClient{c: newClient(t, app.URL()), facility: "sobo", user: "bpjs-sobo"}
	j.auth("sandi-mobile-jkn")
	_, a := j.call("GET", "antrean/status/001/"+tomorrow, nil)
	if want := "Jam praktik 07:00-11:30 (dr. Budi), 13:00-15:00 (Bidan Rina)."; a.Metadata.Code != 200 || a.Response["keterangan"] != want {
		t.Errorf("status: %+v, want keterangan %q", a, want)
	}
	// A Mobile JKN booking for that day is told its window in the session.
	j.call("POST", "peserta", peserta(4))
	_, a = j.call("POST", "antrean", map[string]any{"nomorkartu": card(4), "nik": nik(4), "kodepoli": "001", "tanggalperiksa": tomorrow})
	if k, _ := a.Response["keterangan"].(string); a.Metadata.Code != 200 || !strings.HasPrefix(k, "1 orang di depan Anda. Perkiraan dilayani pukul 07.00–07.30.") {
		t.Errorf("jkn booking: %+v, want the window 07.00–07.30", a)
	}
}
