package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/notify"
	"github.com/antrian/antrian/queue"
)

// fakeFonnte is a local HTTP server standing in for the Fonnte gateway: it
// takes the service's outgoing messages as Fonnte does and keeps them.
type fakeFonnte struct {
	mu   sync.Mutex
	sent []sentMessage
	keys map[string]int // Idempotency-Key: times seen
}

type sentMessage struct{ To, Text string }

func (f *fakeFonnte) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "token-perangkat" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	r.ParseForm()
	f.mu.Lock()
	f.sent = append(f.sent, sentMessage{To: r.PostForm.Get("target"), Text: r.PostForm.Get("message")})
	f.keys[r.Header.Get("Idempotency-Key")]++
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"status":true,"detail":"success! message in queue","id":["1"],"process":"pending"}`)
}

// to returns the messages sent to a number so far.
func (f *fakeFonnte) to(number string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.sent {
		if m.To == number {
			out = append(out, m.Text)
		}
	}
	return out
}

// wait returns the messages to number once there are n of them, after a
// pause in which no more may arrive.
func (f *fakeFonnte) wait(t *testing.T, number string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for len(f.to(number)) < n && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	got := f.to(number)
	if len(got) != n {
		t.Fatalf("messages to %s: got %d, want %d:\n%s", number, len(got), n, strings.Join(got, "\n---\n"))
	}
	return got
}

const waSecret = "rahasia-webhook-fonnte"

// waSend delivers one incoming message through instance app's Fonnte
// webhook, as Fonnte does, and returns the status and how many messages the
// service answered.
func waSend(t *testing.T, app *App, secret, id, from, text string) (int, string) {
	t.Helper()
	form := url.Values{"device": {"6285100000000"}, "sender": {from}, "message": {text}, "inboxid": {id}, "name": {"Pasien"}}
	resp, err := http.Post(app.URL()+"/api/v1/whatsapp/fonnte/sobo?secret="+url.QueryEscape(secret),
		"application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waOK(t *testing.T, app *App, id, from, text string) {
	t.Helper()
	if st, body := waSend(t, app, waSecret, id, from, text); st != 200 || body != `{"answered":1}`+"\n" {
		t.Fatalf("message %s %q: %d %s", id, text, st, body)
	}
}

// A patient queues by WhatsApp from start to end, through two instances
// over one Postgres and one Redis, with a fake Fonnte gateway.
func TestWhatsAppConversation(t *testing.T) {
	gw := &fakeFonnte{keys: map[string]int{}}
	fake := httptest.NewServer(gw)
	defer fake.Close()
	e := newEnv(t, backend{name: "redis", redis: testenv.Redis(t, false)})
	e.vars = map[string]string{"ANTRIAN_GATEWAY": "fonnte", "ANTRIAN_GATEWAY_URL": fake.URL, "ANTRIAN_GATEWAY_TOKEN": "token-perangkat",
		"ANTRIAN_WHATSAPP_SECRET": waSecret, "ANTRIAN_PUBLIC_URL": "https://antrian.example.id",
		"ANTRIAN_WHATSAPP_RATE_PER_MINUTE": "30", "ANTRIAN_WHATSAPP_MAX_TICKETS": "2",
		"ANTRIAN_WHATSAPP_APP_SECRET": "meta-app-secret", "ANTRIAN_WHATSAPP_VERIFY_TOKEN": "verif-123"}
	a, b := e.start(), e.start()
	e.seed(a)
	b.Queue.ForgetFacility("sobo")
	const budi, sari = "6281234567890", "6285712345678"

	t.Run("unsigned or wrongly signed changes nothing", func(t *testing.T) {
		for _, secret := range []string{"", "rahasia-yang-salah"} {
			if st, _ := waSend(t, a, secret, "x1", budi, "ANTRI"); st != 401 {
				t.Errorf("secret %q: status %d, want 401", secret, st)
			}
		}
		if n := dbCount(t, a, `SELECT count(*) FROM whatsapp_inbound`) + dbCount(t, a, `SELECT count(*) FROM whatsapp_conversations`) +
			dbCount(t, a, `SELECT count(*) FROM notify_outbox`); n != 0 {
			t.Errorf("%d rows written by unsigned requests", n)
		}
	})

	var ticketID string
	t.Run("ANTRI, a number, a name: booked", func(t *testing.T) {
		waOK(t, a, "m1", "0812-3456-7890", "antri")
		list := gw.wait(t, budi, 1)[0]
		choice := regexp.MustCompile(`(\d+)\. Poli Umum`).FindStringSubmatch(list)
		if choice == nil || !strings.Contains(list, "Puskesmas Sobo") {
			t.Fatalf("unit list: %q", list)
		}
		waOK(t, b, "m2", budi, choice[1]) // the next message reaches the other instance
		if ask := gw.wait(t, budi, 2)[1]; !strings.Contains(ask, "Poli Umum") || !strings.Contains(ask, "nama") {
			t.Fatalf("asked: %q", ask)
		}
		waOK(t, a, "m3", budi, "Budi Santoso")
		booked := gw.wait(t, budi, 3)[2]
		ticketID = dbString(t, a, `SELECT id FROM tickets WHERE channel = 'whatsapp' AND name = 'Budi Santoso' AND phone = $1 AND notify`, budi)
		for _, want := range []string{"B-001", "Poli Umum", "Di depan Anda 0 orang", "https://antrian.example.id/t/" + ticketID + "#" + a.Queue.Token(ticketID)} {
			if !strings.Contains(booked, want) {
				t.Errorf("booked reply lacks %q: %q", want, booked)
			}
		}
	})

	t.Run("the same message delivered twice is answered once and books once", func(t *testing.T) {
		if st, body := waSend(t, b, waSecret, "m3", budi, "Budi Santoso"); st != 200 || !strings.Contains(body, `"answered":0`) {
			t.Fatalf("redelivery: %d %s", st, body)
		}
		gw.wait(t, budi, 3)
		if n := dbCount(t, a, `SELECT count(*) FROM tickets WHERE channel = 'whatsapp'`); n != 1 {
			t.Errorf("%d tickets, want 1", n)
		}
	})

	t.Run("two instances answer the same number at once", func(t *testing.T) {
		// One message delivered to both instances at the same moment, and
		// two different messages of the same number.
		var wg sync.WaitGroup
		answered := make(chan string, 4)
		for i, m := range []struct {
			app      *App
			id, text string
		}{{a, "m4", "STATUS"}, {b, "m4", "STATUS"}, {a, "m5", "STATUS"}, {b, "m6", "status"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, body := waSend(t, m.app, waSecret, m.id, budi, m.text)
				answered <- fmt.Sprintf("%d:%d %s", i, st, body)
			}()
		}
		wg.Wait()
		close(answered)
		total := 0
		for s := range answered {
			if strings.Contains(s, `"answered":1`) {
				total++
			} else if !strings.Contains(s, `"answered":0`) {
				t.Errorf("answer %s", s)
			}
		}
		if total != 3 {
			t.Errorf("%d messages answered, want 3 (m4 once, m5, m6)", total)
		}
		for _, s := range gw.wait(t, budi, 6)[3:] {
			if !strings.Contains(s, "B-001 di Poli Umum: 0 orang di depan Anda") {
				t.Errorf("status reply: %q", s)
			}
		}
	})

	t.Run("BATAL cancels, help for anything else, the per-number limit", func(t *testing.T) {
		waOK(t, a, "m7", budi, "batal")
		if got := gw.wait(t, budi, 7)[6]; !strings.Contains(got, "B-001") || !strings.Contains(got, "dibatalkan") {
			t.Errorf("cancel reply: %q", got)
		}
		if st := dbString(t, a, `SELECT status FROM tickets WHERE id = $1`, ticketID); st != "cancelled" {
			t.Errorf("ticket %s, want cancelled", st)
		}
		waOK(t, b, "m8", budi, "halo, selamat pagi")
		if got := gw.wait(t, budi, 8)[7]; !strings.Contains(got, "ANTRI") || !strings.Contains(got, "BANTUAN") {
			t.Errorf("help reply: %q", got)
		}
		waOK(t, a, "m9", budi, "ANTRI")
		list := gw.wait(t, budi, 9)[8]
		umum := regexp.MustCompile(`(\d+)\. Poli Umum`).FindStringSubmatch(list)
		gigi := regexp.MustCompile(`(\d+)\. Poli Gigi`).FindStringSubmatch(list)
		if umum == nil || gigi == nil {
			t.Fatalf("unit list: %q", list)
		}
		waOK(t, a, "m10", budi, umum[1]+" Budi Santoso")
		waOK(t, a, "m11", budi, "ANTRI")
		waOK(t, a, "m12", budi, gigi[1]+" Budi Santoso")
		waOK(t, a, "m13", budi, "ANTRI")
		waOK(t, a, "m14", budi, "1 Budi Santoso")
		got := gw.wait(t, budi, 14)
		if !strings.Contains(got[9], "B-002") || !strings.Contains(got[11], "C-001") {
			t.Errorf("bookings: %q, %q", got[9], got[11])
		}
		if !strings.Contains(got[13], "2 antrean") {
			t.Errorf("third ticket of the number: %q, want the limit of 2", got[13])
		}
	})

	t.Run("STOP: nothing more is sent to the number", func(t *testing.T) {
		waOK(t, a, "s1", sari, "ANTRI")
		umum := regexp.MustCompile(`(\d+)\. Poli Umum`).FindStringSubmatch(gw.wait(t, sari, 1)[0])
		if umum == nil {
			t.Fatal("no Poli Umum in the list")
		}
		waOK(t, a, "s2", sari, umum[1]+" Sari")
		gw.wait(t, sari, 2)
		waOK(t, b, "m15", budi, "STOP")
		if got := gw.wait(t, budi, 15)[14]; !strings.Contains(got, "tidak akan menerima pesan lagi") {
			t.Errorf("stop reply: %q", got)
		}
		if st, body := waSend(t, a, waSecret, "m16", budi, "STATUS"); st != 200 || !strings.Contains(body, `"answered":1`) {
			t.Errorf("status after stop: %d %s", st, body)
		}
		staff := staffClients(t, a)[0]
		for _, want := range []string{"B-002", "B-003"} { // Budi's ticket, then Sari's
			if _, c := staff.callNext("UMUM", "Ruang 1"); c.Code != want {
				t.Fatalf("called %s, want %s", c.Code, want)
			}
		}
		// Sari hears that her turn is near (Budi was called), then her call.
		if got := gw.wait(t, sari, 4); !strings.Contains(got[2], "tinggal 0 orang") || !strings.Contains(got[3], "B-003") || !strings.Contains(got[3], "Ruang 1") {
			t.Errorf("Sari's messages: %q", got[2:])
		}
		gw.wait(t, budi, 15) // nothing after the STOP reply: no status reply, no call
		if n := dbCount(t, a, `SELECT count(*) FROM notify_outbox WHERE recipient = '+'||$1 AND kind = 'called'`, budi); n != 0 {
			t.Errorf("%d call messages queued for a number that wrote STOP", n)
		}
		waOK(t, a, "m17", budi, "ANTRI") // writing in again is consent again
		if got := gw.wait(t, budi, 16)[15]; !strings.Contains(got, "Poli Umum") {
			t.Errorf("after ANTRI again: %q", got)
		}
	})

	t.Run("WhatsApp Cloud: the handshake and signed messages", func(t *testing.T) {
		get := func(token string) (int, string) {
			resp, err := http.Get(b.URL() + "/api/v1/whatsapp/whatsapp-cloud/sobo?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=" + token)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		if st, body := get("verif-123"); st != 200 || body != "1158201444" {
			t.Errorf("handshake: %d %q, want the challenge", st, body)
		}
		if st, _ := get("verif-999"); st != 401 {
			t.Errorf("handshake with a wrong token: %d, want 401", st)
		}
		const rina = "6281311112222"
		body := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",` +
			`"messages":[{"from":"` + rina + `","id":"wamid.HBgN1","timestamp":"1764990000","type":"text","text":{"body":"BANTUAN"}}]}}]}]}`
		post := func(sig string) (int, string) {
			req, _ := http.NewRequest("POST", a.URL()+"/api/v1/whatsapp/whatsapp-cloud/sobo", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if sig != "" {
				req.Header.Set("X-Hub-Signature-256", sig)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		for _, sig := range []string{"", notify.Sign([]byte("another-secret"), []byte(body)), "sha256=00"} {
			if st, _ := post(sig); st != 401 {
				t.Errorf("signature %q: %d, want 401", sig, st)
			}
		}
		if n := dbCount(t, a, `SELECT count(*) FROM whatsapp_inbound WHERE gateway = 'whatsapp-cloud'`); n != 0 {
			t.Fatalf("%d messages recorded from unsigned requests", n)
		}
		if st, got := post(notify.Sign([]byte("meta-app-secret"), []byte(body))); st != 200 || !strings.Contains(got, `"answered":1`) {
			t.Fatalf("signed: %d %s", st, got)
		}
		if help := gw.wait(t, rina, 1)[0]; !strings.Contains(help, "Puskesmas Sobo") || !strings.Contains(help, "STOP") {
			t.Errorf("help: %q", help)
		}
	})

	t.Run("a refused name is asked again", func(t *testing.T) {
		const rudi = "6281366667777"
		waOK(t, a, "r1", rudi, "ANTRI")
		umum := regexp.MustCompile(`(\d+)\. Poli Umum`).FindStringSubmatch(gw.wait(t, rudi, 1)[0])
		if umum == nil {
			t.Fatal("no Poli Umum in the list")
		}
		waOK(t, a, "r2", rudi, umum[1])
		waOK(t, b, "r3", rudi, "<b>Rudi</b>")
		if got := gw.wait(t, rudi, 3)[2]; !strings.Contains(got, "tanpa tanda < >") || !strings.Contains(got, "Balas dengan nama pasien") {
			t.Errorf("refused name: %q", got)
		}
		waOK(t, a, "r4", rudi, "Rudi")
		if got := gw.wait(t, rudi, 4)[3]; !strings.Contains(got, "Nomor antrean Anda B-") {
			t.Errorf("after a good name: %q", got)
		}
	})

	t.Run("flooding is limited per number", func(t *testing.T) {
		const flood = "6281999999999"
		e.clock.Set(time.Now()) // the burst is instantaneous, however slow the machine
		defer e.clock.Set(time.Time{})
		answered := 0
		for i := range 35 {
			st, body := waSend(t, a, waSecret, fmt.Sprintf("f%d", i), flood, "halo")
			if st != 200 {
				t.Fatalf("flood %d: %d %s", i, st, body)
			}
			if strings.Contains(body, `"answered":1`) {
				answered++
			}
		}
		if answered != 30 {
			t.Errorf("answered %d of 35 messages in a burst, want the limit of 30", answered)
		}
	})

	t.Run("a full quota, a closed unit and the day's end answer with the reason", func(t *testing.T) {
		const nina, tono = "6281322223333", "6281344445555"
		edit := func(sql string) {
			t.Helper()
			if _, err := a.DB.Pool.Exec(t.Context(), sql); err != nil {
				t.Fatal(err)
			}
			a.Queue.ForgetFacility("sobo")
			b.Queue.ForgetFacility("sobo")
		}
		edit(`UPDATE units SET daily_quota = 1 WHERE code = 'LAB'`)
		choice := func(list, name string) string {
			m := regexp.MustCompile(`(\d+)\. ` + regexp.QuoteMeta(name)).FindStringSubmatch(list)
			if m == nil {
				t.Fatalf("no %s in %q", name, list)
			}
			return m[1]
		}
		waOK(t, a, "n1", nina, "ANTRI")
		waOK(t, a, "n2", nina, choice(gw.wait(t, nina, 1)[0], "Laboratorium")+" Nina")
		if got := gw.wait(t, nina, 2)[1]; !strings.Contains(got, "E-001") {
			t.Fatalf("Nina's booking: %q", got)
		}
		waOK(t, b, "t1", tono, "ANTRI")
		list := gw.wait(t, tono, 1)[0]
		waOK(t, b, "t2", tono, choice(list, "Laboratorium")+" Tono")
		if got := gw.wait(t, tono, 2)[1]; !strings.Contains(got, "kuota") || !strings.Contains(got, "Laboratorium") {
			t.Errorf("full quota: %q", got)
		}
		// The pharmacy closes while Tono reads the list.
		waOK(t, b, "t3", tono, "ANTRI")
		list = gw.wait(t, tono, 3)[2]
		edit(`UPDATE units SET opens_min = 0, closes_min = 1 WHERE code = 'FARMASI'`)
		waOK(t, b, "t4", tono, choice(list, "Farmasi")+" Tono")
		if got := gw.wait(t, tono, 4)[3]; !strings.Contains(got, "Farmasi sudah tutup") {
			t.Errorf("closed unit: %q", got)
		}
		waOK(t, a, "t5", tono, "ANTRI")
		if got := gw.wait(t, tono, 5)[4]; strings.Contains(got, "Farmasi") || !strings.Contains(got, "Poli Umum") {
			t.Errorf("the list after the pharmacy closed: %q", got)
		}
		edit(`UPDATE units SET opens_min = 0, closes_min = 1`) // the day is over everywhere
		waOK(t, a, "t6", tono, "ANTRI")
		if got := gw.wait(t, tono, 6)[5]; !strings.Contains(got, "tidak ada layanan") {
			t.Errorf("after the day's end: %q", got)
		}
		if n := dbCount(t, a, `SELECT count(*) FROM tickets WHERE phone = $1`, tono); n != 0 {
			t.Errorf("Tono holds %d tickets, want none", n)
		}
	})

	t.Run("a unit that requires check-in: the reply says to check in", func(t *testing.T) {
		// Open again (the test before ended the day), all day.
		requireCheckIn(t, func(u *queue.Unit) { u.Opens, u.Closes = 0, 0 }, a, b)
		const dewi = "6281377778888"
		waOK(t, a, "c1", dewi, "ANTRI")
		list := gw.wait(t, dewi, 1)[0]
		choice := regexp.MustCompile(`(\d+)\. Poli Umum`).FindStringSubmatch(list)
		if choice == nil {
			t.Fatalf("no Poli Umum in the list: %q", list)
		}
		waOK(t, a, "c2", dewi, choice[1])
		gw.wait(t, dewi, 2)
		waOK(t, a, "c3", dewi, "Dewi Lestari")
		booked := gw.wait(t, dewi, 3)[2]
		id := dbString(t, a, `SELECT id FROM tickets WHERE channel = 'whatsapp' AND name = 'Dewi Lestari' AND status = 'booked'`)
		for _, want := range []string{"lakukan check-in", "https://antrian.example.id/t/" + id + "#"} {
			if !strings.Contains(booked, want) {
				t.Errorf("booked reply lacks %q: %q", want, booked)
			}
		}
		if strings.Contains(booked, "Di depan Anda") {
			t.Errorf("booked reply gives a place in a line she is not in yet: %q", booked)
		}
		waOK(t, b, "c4", dewi, "STATUS")
		if got := gw.wait(t, dewi, 4)[3]; !strings.Contains(got, "terdaftar") || !strings.Contains(got, "check-in") {
			t.Errorf("status of a booked ticket: %q", got)
		}
		waOK(t, a, "c5", dewi, "BATAL")
		if got := gw.wait(t, dewi, 5)[4]; !strings.Contains(got, "dibatalkan") {
			t.Errorf("cancel of a booked ticket: %q", got)
		}
	})

	gw.mu.Lock()
	for _, w := range gw.keys {
		if w != 1 {
			t.Errorf("a message was sent %d times", w)
		}
	}
	gw.mu.Unlock()
	if strings.Contains(e.logs.String(), "81234567890") {
		t.Error("a phone number reached the logs")
	}
}

// dbString reads one text value.
func dbString(t testing.TB, app *App, sql string, args ...any) string {
	t.Helper()
	var s string
	if err := app.DB.Pool.QueryRow(t.Context(), sql, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}
