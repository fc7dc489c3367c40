package outbox_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/notify"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/postgres"
)

const secret = "rahasia"

// received is one request seen by the fake provider.
type received struct {
	at       time.Time
	key      string
	sigValid bool
	body     notify.WebhookBody
}

// provider is a real local HTTP server standing in for the webhook receiver.
// respond picks the status for the n-th request (from 1) carrying a key.
type provider struct {
	*httptest.Server
	respond func(key string, n int) int
	delay   time.Duration

	mu          sync.Mutex
	got         []received
	perKey      map[string]int
	inFlight    map[string]int
	maxInFlight int // most concurrent requests seen for one key
}

func newProvider(t *testing.T, respond func(key string, n int) int) *provider {
	t.Helper()
	p := &provider{respond: respond, perKey: map[string]int{}, inFlight: map[string]int{}}
	if p.respond == nil {
		p.respond = func(string, int) int { return http.StatusOK }
	}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

func (p *provider) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	key := r.Header.Get("Idempotency-Key")
	var body notify.WebhookBody
	_ = json.Unmarshal(raw, &body)
	sig := r.Header.Get("X-Antrian-Signature")
	valid := hmac.Equal([]byte(sig), []byte(notify.Sign([]byte(secret), raw)))

	p.mu.Lock()
	p.perKey[key]++
	n := p.perKey[key]
	p.inFlight[key]++
	p.maxInFlight = max(p.maxInFlight, p.inFlight[key])
	p.got = append(p.got, received{at: time.Now(), key: key, sigValid: valid, body: body})
	p.mu.Unlock()

	time.Sleep(p.delay)
	status := p.respond(key, n)

	p.mu.Lock()
	p.inFlight[key]--
	p.mu.Unlock()
	w.WriteHeader(status)
}

func (p *provider) requests() []received {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]received(nil), p.got...)
}

// fastOptions keep tests quick: short polls and backoffs.
func fastOptions() outbox.Options {
	return outbox.Options{
		PollInterval: 5 * time.Millisecond,
		BaseBackoff:  40 * time.Millisecond,
		MaxBackoff:   200 * time.Millisecond,
		SendTimeout:  2 * time.Second,
		MaxAttempts:  5,
	}
}

// run starts w until the returned stop is called or the test ends. After
// stop, every outcome the worker saw is recorded and counted.
func run(t *testing.T, w *outbox.Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// enqueue enqueues m in a committed transaction.
func enqueue(t *testing.T, db *postgres.DB, m notify.Message) {
	t.Helper()
	ctx := context.Background()
	if err := db.WithTx(ctx, func(tx *postgres.Tx) error { return notify.Enqueue(ctx, tx, m) }); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
}

func msg(ticket string, kind notify.Kind) notify.Message {
	return notify.Message{Kind: kind, TicketID: ticket, Facility: "sobo", Unit: "UMUM", Code: "B-013",
		To: "0812-3456-7890", Text: "Antrian B-013 " + kind, OptIn: true}
}

func states(t *testing.T, db *postgres.DB) map[string]int {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT state, count(*) FROM notify_outbox GROUP BY state`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		out[s] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func outboxIDs(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT id::text FROM notify_outbox ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// syncBuffer is a bytes.Buffer safe for a logger writing while a test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestBookedThenCalled(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	prov := newProvider(t, nil)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tpl := notify.NewTemplates(db)
	data := notify.TemplateData{Code: "B-013", UnitName: "Poli Umum", FacilityName: "Puskesmas Sobo",
		Date: "Senin, 3 Maret 2025", Counter: "Ruang 2", Link: "https://antrian.example/t/T1"}

	for _, kind := range []string{notify.KindBooked, notify.KindCalled} {
		text, enabled, err := tpl.Render(ctx, "sobo", kind, data)
		if err != nil || !enabled {
			t.Fatalf("Render(%s) = %q, %v, %v", kind, text, enabled, err)
		}
		m := msg("T1", kind)
		m.Text = text
		m.Event = "call-1"
		// The queue change and its message commit together; a replay of the
		// same logical message is a no-op.
		enqueue(t, db, m)
		enqueue(t, db, m)
	}
	// A rolled-back transaction leaves no message.
	err := db.WithTx(ctx, func(tx *postgres.Tx) error {
		if err := notify.Enqueue(ctx, tx, msg("T1", notify.KindCancelled)); err != nil {
			return err
		}
		return errors.New("queue change failed")
	})
	if err == nil {
		t.Fatal("want the transaction to fail")
	}

	w := notify.NewWorker(db.NotifyOutbox(), map[string]outbox.Sender{
		notify.ChannelWebhook: notify.NewWebhook(prov.URL, secret, nil),
	}, fastOptions(), logger)
	stop := run(t, w)
	waitFor(t, "two messages sent", func() bool { return states(t, db)[outbox.StateSent] == 2 })
	stop()

	got := prov.requests()
	if len(got) != 2 {
		t.Fatalf("provider got %d requests, want 2", len(got))
	}
	ids := outboxIDs(t, db)
	wantText := []string{
		"Antrian B-013 di Poli Umum, Puskesmas Sobo untuk Senin, 3 Maret 2025 sudah terdaftar. Pantau giliran Anda di https://antrian.example/t/T1",
		"Nomor antrian B-013 dipanggil. Silakan menuju Ruang 2 sekarang.",
	}
	for i, kind := range []string{notify.KindBooked, notify.KindCalled} {
		r := got[i]
		want := notify.WebhookBody{ID: ids[i], Kind: kind, Channel: "webhook", To: "+6281234567890",
			Text: wantText[i], TicketID: "T1", Facility: "sobo", Unit: "UMUM", Code: "B-013"}
		if r.body != want {
			t.Errorf("message %d = %+v, want %+v", i, r.body, want)
		}
		if !r.sigValid {
			t.Errorf("message %d: signature does not verify", i)
		}
		if r.key != ids[i] {
			t.Errorf("message %d: Idempotency-Key %q, want outbox id %q", i, r.key, ids[i])
		}
	}
	s := w.Stats()
	if s.Sent != 2 || s.Retried != 0 || s.Failed != 0 || s.Stale != 0 || s.LatencySum <= 0 {
		t.Errorf("Stats = %+v, want 2 sent and some latency", s)
	}
	if strings.Contains(logs.String(), "3456") {
		t.Errorf("a phone number was logged:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), ids[0]) {
		t.Errorf("logs do not name the outbox id:\n%s", logs.String())
	}
}

func TestRetryThenSuccess(t *testing.T) {
	db := testenv.DB(t)
	prov := newProvider(t, func(_ string, n int) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	enqueue(t, db, msg("T2", notify.KindNear))
	w := notify.NewWorker(db.NotifyOutbox(), map[string]outbox.Sender{
		notify.ChannelWebhook: notify.NewWebhook(prov.URL, secret, nil),
	}, fastOptions(), nil)
	stop := run(t, w)
	waitFor(t, "message sent", func() bool { return states(t, db)[outbox.StateSent] == 1 })
	stop()

	got := prov.requests()
	if len(got) != 3 {
		t.Fatalf("provider got %d requests, want 3 (two failures, one success)", len(got))
	}
	for i, r := range got {
		if r.key != got[0].key {
			t.Errorf("attempt %d carried key %q, want %q", i+1, r.key, got[0].key)
		}
	}
	// Jitter keeps each delay within [d/2, d]: at least 20 ms, then 40 ms.
	if gap := got[1].at.Sub(got[0].at); gap < 20*time.Millisecond {
		t.Errorf("first retry after %v, want >= 20ms", gap)
	}
	if gap := got[2].at.Sub(got[1].at); gap < 40*time.Millisecond {
		t.Errorf("second retry after %v, want >= 40ms", gap)
	}
	if s := w.Stats(); s.Sent != 1 || s.Retried != 2 || s.Failed != 0 {
		t.Errorf("Stats = %+v, want 1 sent, 2 retried", s)
	}
	rec, err := db.NotifyOutbox().Get(context.Background(), got[0].key)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Attempts != 3 || rec.SentAt == nil {
		t.Errorf("record = %+v, want 3 attempts and a sent time", rec)
	}
}

func TestPermanentFailureIsDeadLettered(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	var status = http.StatusBadRequest
	var mu sync.Mutex
	prov := newProvider(t, func(string, int) int {
		mu.Lock()
		defer mu.Unlock()
		return status
	})
	enqueue(t, db, msg("T3", notify.KindBooked))
	w := notify.NewWorker(db.NotifyOutbox(), map[string]outbox.Sender{
		notify.ChannelWebhook: notify.NewWebhook(prov.URL, secret, nil),
	}, fastOptions(), nil)
	run(t, w)
	waitFor(t, "dead letter", func() bool { return states(t, db)[outbox.StateDead] == 1 })
	time.Sleep(50 * time.Millisecond) // would cover a retry, if there were one

	if n := len(prov.requests()); n != 1 {
		t.Errorf("provider got %d requests, want 1 (no retry after 400)", n)
	}
	waitFor(t, "failure counted", func() bool { return w.Stats().Failed == 1 })
	if s := w.Stats(); s.Retried != 0 {
		t.Errorf("Stats = %+v, want 0 retried", s)
	}
	dead, err := db.NotifyOutbox().Dead(ctx, "sobo", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].Message.Kind != notify.KindBooked || !strings.Contains(dead[0].LastError, "400") {
		t.Fatalf("DeadLetters = %+v, want the booked message with its 400", dead)
	}
	if other, _ := db.NotifyOutbox().Dead(ctx, "other", 10); len(other) != 0 {
		t.Errorf("another facility sees %d dead letters, want 0", len(other))
	}

	// An admin fixes the cause and requeues it.
	mu.Lock()
	status = http.StatusOK
	mu.Unlock()
	if err := db.NotifyOutbox().Retry(ctx, dead[0].ID); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	waitFor(t, "requeued message sent", func() bool { return states(t, db)[outbox.StateSent] == 1 })
	if err := db.NotifyOutbox().Retry(ctx, dead[0].ID); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("Retry of a sent message = %v, want fault.ErrConflict", err)
	}
	if err := db.NotifyOutbox().Retry(ctx, "not-a-uuid"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("Retry(not-a-uuid) = %v, want fault.ErrNotFound", err)
	}
}

// hangingChannel sends through the webhook, then never returns until
// released, as a worker that dies before recording the outcome.
type hangingChannel struct {
	next    outbox.Sender
	sent    chan struct{}
	release chan struct{}
}

func (h *hangingChannel) Send(ctx context.Context, d outbox.Delivery) error {
	err := h.next.Send(ctx, d)
	close(h.sent)
	<-h.release
	return err
}

func TestCrashBetweenSendAndRecord(t *testing.T) {
	db := testenv.DB(t)
	prov := newProvider(t, nil)
	enqueue(t, db, msg("T4", notify.KindCalled))
	webhook := notify.NewWebhook(prov.URL, secret, nil)

	hang := &hangingChannel{next: webhook, sent: make(chan struct{}), release: make(chan struct{})}
	opts := fastOptions()
	opts.ID = "dies"
	opts.SendTimeout = 50 * time.Millisecond
	opts.Lease = 100 * time.Millisecond
	dying := notify.NewWorker(db.NotifyOutbox(), map[string]outbox.Sender{notify.ChannelWebhook: hang}, opts, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- dying.Run(ctx) }()
	<-hang.sent

	// While the lease holds, no other worker may take the row.
	opts.ID = "survives"
	survivor := notify.NewWorker(db.NotifyOutbox(), map[string]outbox.Sender{notify.ChannelWebhook: webhook}, opts, nil)
	if n, err := survivor.RunOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("RunOnce during the lease claimed %d rows (err %v), want 0", n, err)
	}
	time.Sleep(opts.Lease)
	waitFor(t, "the survivor to resend", func() bool {
		_, _ = survivor.RunOnce(context.Background())
		return states(t, db)[outbox.StateSent] == 1
	})

	// The dying worker wakes up: its outcome must not overwrite the survivor's.
	close(hang.release)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	got := prov.requests()
	if len(got) != 2 {
		t.Fatalf("provider got %d requests, want 2 (original and retry)", len(got))
	}
	if got[0].key == "" || got[1].key != got[0].key {
		t.Errorf("retry carried Idempotency-Key %q, original %q: want the same", got[1].key, got[0].key)
	}
	if s := dying.Stats(); s.Sent != 0 {
		t.Errorf("dying worker counted %d sent, want 0 (it lost its lease)", s.Sent)
	}
	rec, err := db.NotifyOutbox().Get(context.Background(), got[0].key)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != outbox.StateSent || rec.Attempts != 2 {
		t.Errorf("record state %s, %d attempts; want sent after 2", rec.State, rec.Attempts)
	}
}

func TestTwoWorkersNeverSendTheSameMessageConcurrently(t *testing.T) {
	db := testenv.DB(t)
	// Every third message fails once, so retries mix with first attempts.
	prov := newProvider(t, func(key string, n int) int {
		if n == 1 && key[len(key)-1]%3 == 0 {
			return http.StatusBadGateway
		}
		return http.StatusOK
	})
	prov.delay = 3 * time.Millisecond
	const tickets = 30
	for i := range tickets {
		ticket := "W" + string(rune('A'+i))
		enqueue(t, db, msg(ticket, notify.KindBooked))
		enqueue(t, db, msg(ticket, notify.KindNear))
	}
	channels := map[string]outbox.Sender{notify.ChannelWebhook: notify.NewWebhook(prov.URL, secret, nil)}
	opts := fastOptions()
	opts.BatchSize = 4
	opts.BaseBackoff = 5 * time.Millisecond
	w1 := notify.NewWorker(db.NotifyOutbox(), channels, opts, nil)
	w2 := notify.NewWorker(db.NotifyOutbox(), channels, opts, nil)
	stop1, stop2 := run(t, w1), run(t, w2)
	waitFor(t, "all sent", func() bool { return states(t, db)[outbox.StateSent] == 2*tickets })
	stop1()
	stop2()

	prov.mu.Lock()
	defer prov.mu.Unlock()
	if prov.maxInFlight != 1 {
		t.Errorf("a message was in flight %d times at once, want 1", prov.maxInFlight)
	}
	for key, n := range prov.perKey {
		want := 1
		if key[len(key)-1]%3 == 0 {
			want = 2
		}
		if n != want {
			t.Errorf("message %s sent %d times, want %d", key, n, want)
		}
	}
	// Each ticket's messages arrive in order even across workers.
	seen := map[string]string{}
	for _, r := range prov.got {
		if r.body.Kind == notify.KindNear && seen[r.body.TicketID] != notify.KindBooked {
			t.Errorf("ticket %s: near before booked was delivered", r.body.TicketID)
		}
		if r.body.Kind == notify.KindBooked {
			seen[r.body.TicketID] = notify.KindBooked
		}
	}
	s1, s2 := w1.Stats(), w2.Stats()
	if s1.Sent+s2.Sent != 2*tickets {
		t.Errorf("workers counted %d+%d sent, want %d", s1.Sent, s2.Sent, 2*tickets)
	}
	if s1.Sent == 0 || s2.Sent == 0 {
		t.Logf("one worker did all the work: %d/%d", s1.Sent, s2.Sent)
	}
}

func TestStaleMessageIsDropped(t *testing.T) {
	db := testenv.DB(t)
	prov := newProvider(t, nil)
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	m := msg("T5", notify.KindNear)
	m.CreatedAt = now.Add(-time.Hour) // "your turn is near", an hour late
	enqueue(t, db, m)
	fresh := msg("T6", notify.KindNear)
	fresh.CreatedAt = now.Add(-time.Minute)
	enqueue(t, db, fresh)

	opts := fastOptions()
	opts.Now = func() time.Time { return now }
	w := notify.NewWorker(db.NotifyOutbox(), map[string]outbox.Sender{
		notify.ChannelWebhook: notify.NewWebhook(prov.URL, secret, nil),
	}, opts, nil)
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := prov.requests()
	if len(got) != 1 || got[0].body.TicketID != "T6" {
		t.Fatalf("provider got %+v, want only the fresh message", got)
	}
	if st := states(t, db); st[outbox.StateStale] != 1 || st[outbox.StateSent] != 1 {
		t.Errorf("states = %v, want 1 stale, 1 sent", st)
	}
	if s := w.Stats(); s.Stale != 1 || s.Sent != 1 || s.LatencySum != time.Minute {
		t.Errorf("Stats = %+v, want 1 stale, 1 sent with 1m latency", s)
	}
}

func TestRetryThatWouldBeStaleIsDropped(t *testing.T) {
	db := testenv.DB(t)
	prov := newProvider(t, func(string, int) int { return http.StatusInternalServerError })
	enqueue(t, db, msg("T7", notify.KindCalled))
	opts := fastOptions()
	opts.MaxAge = map[string]time.Duration{notify.KindCalled: 30 * time.Millisecond}
	opts.BaseBackoff = time.Second
	w := notify.NewWorker(db.NotifyOutbox(), map[string]outbox.Sender{
		notify.ChannelWebhook: notify.NewWebhook(prov.URL, secret, nil),
	}, opts, nil)
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := states(t, db); st[outbox.StateStale] != 1 {
		t.Errorf("states = %v, want the failed message dropped as stale", st)
	}
}

func TestMaxAttemptsDeadLetters(t *testing.T) {
	db := testenv.DB(t)
	prov := newProvider(t, func(string, int) int { return http.StatusTooManyRequests })
	enqueue(t, db, msg("T8", notify.KindBooked))
	opts := fastOptions()
	opts.MaxAttempts = 3
	opts.BaseBackoff = time.Millisecond
	w := notify.NewWorker(db.NotifyOutbox(), map[string]outbox.Sender{
		notify.ChannelWebhook: notify.NewWebhook(prov.URL, secret, nil),
	}, opts, nil)
	stop := run(t, w)
	waitFor(t, "dead letter", func() bool { return states(t, db)[outbox.StateDead] == 1 })
	stop()
	if n := len(prov.requests()); n != 3 {
		t.Errorf("provider got %d requests, want 3", n)
	}
	if s := w.Stats(); s.Retried != 2 || s.Failed != 1 {
		t.Errorf("Stats = %+v, want 2 retried, 1 failed", s)
	}
}

func TestUnconfiguredChannelDeadLetters(t *testing.T) {
	db := testenv.DB(t)
	m := msg("T9", notify.KindBooked)
	m.Channel = notify.ChannelSMS
	enqueue(t, db, m)
	w := notify.NewWorker(db.NotifyOutbox(), map[string]outbox.Sender{}, fastOptions(), nil)
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	dead, err := db.NotifyOutbox().Dead(context.Background(), "sobo", 0)
	if err != nil || len(dead) != 1 || !strings.Contains(dead[0].LastError, "sms") {
		t.Errorf("DeadLetters = %+v, %v; want the sms message", dead, err)
	}
}
