package notify_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/antrian/antrian/notify"
	"github.com/antrian/antrian/outbox"
)

// newBrowserSubscription makes a subscription with real P-256 and auth keys,
// as a browser would, pointing at endpoint.
func newBrowserSubscription(t *testing.T, endpoint string) json.RawMessage {
	t.Helper()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	b, _ := json.Marshal(map[string]any{"endpoint": endpoint, "keys": map[string]string{
		"p256dh": base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes()),
		"auth":   base64.RawURLEncoding.EncodeToString(auth),
	}})
	return b
}

func TestPush(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	var mu sync.Mutex
	hits := map[string]int{}
	var vapid string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		hits[r.URL.Path]++
		if r.URL.Path == "/ok" {
			vapid = r.Header.Get("Authorization")
		}
		mu.Unlock()
		switch r.URL.Path {
		case "/ok":
			w.WriteHeader(http.StatusCreated)
		case "/gone":
			w.WriteHeader(http.StatusGone)
		case "/missing":
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()

	for _, path := range []string{"/ok", "/gone", "/missing"} {
		if err := notify.SavePushSubscription(ctx, db, "P1", newBrowserSubscription(t, srv.URL+path)); err != nil {
			t.Fatal(err)
		}
	}
	if err := notify.SavePushSubscription(ctx, db, "P1", json.RawMessage(`{"endpoint":"ftp://x"}`)); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("SavePushSubscription(bad) = %v, want fault.ErrInvalid", err)
	}

	priv, pub, err := notify.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	push, err := notify.NewPush(db, notify.PushOptions{VAPIDPublicKey: pub, VAPIDPrivateKey: priv, Subscriber: "admin@puskesmas.example"})
	if err != nil {
		t.Fatal(err)
	}

	// The subscription is the opt-in: a push message is enqueued without a phone.
	m := msg("P1", notify.KindNear)
	m.Channel, m.To, m.OptIn = notify.ChannelPush, "", false
	enqueue(t, db, m)
	w := notify.NewWorker(db.NotifyOutbox(), map[string]outbox.Sender{notify.ChannelPush: push}, fastOptions(), nil)
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if st := states(t, db); st[outbox.StateSent] != 1 {
		t.Fatalf("states = %v, want the push message sent", st)
	}
	mu.Lock()
	if hits["/ok"] != 1 || hits["/gone"] != 1 || hits["/missing"] != 1 {
		t.Errorf("push service hits = %v, want one each", hits)
	}
	if !strings.HasPrefix(vapid, "vapid t=") || !strings.Contains(vapid, "k="+pub) {
		t.Errorf("Authorization = %q, want a VAPID header with our key", vapid)
	}
	mu.Unlock()
	subs, err := notify.PushSubscriptions(ctx, db, "P1")
	if err != nil || len(subs) != 1 || subs[0].Endpoint != srv.URL+"/ok" {
		t.Errorf("subscriptions left = %+v, %v; want only /ok", subs, err)
	}

	// With every subscription gone, a message is dead-lettered, not retried forever.
	if err := push.Send(ctx, outbox.Delivery{ID: "x", Message: outbox.Message{TicketID: "nobody"}}); !errors.Is(err, notify.ErrPermanent) {
		t.Errorf("Send to a ticket without subscriptions = %v, want ErrPermanent", err)
	}
}
