package notify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/antrian/antrian/notify"
	"github.com/antrian/antrian/outbox"
)

func delivery() outbox.Delivery {
	return outbox.Delivery{ID: "0b8f7a52-0000-4000-8000-000000000001", Attempt: 1, Message: outbox.Message{
		Kind: notify.KindCalled, TicketID: "T1", Facility: "sobo", Unit: "UMUM", Code: "B-013",
		To: "+6281234567890", Channel: notify.ChannelWhatsApp, Text: "Nomor antrian B-013 dipanggil."}}
}

func TestWebhookStatuses(t *testing.T) {
	tests := []struct {
		status    int
		permanent bool
		ok        bool
	}{
		{200, false, true}, {201, false, true}, {204, false, true},
		{400, true, false}, {401, true, false}, {404, true, false}, {422, true, false},
		{429, false, false}, {500, false, false}, {502, false, false}, {503, false, false},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tt.status)
		}))
		err := notify.NewWebhook(srv.URL, secret, nil).Send(context.Background(), delivery())
		srv.Close()
		switch {
		case tt.ok && err != nil:
			t.Errorf("HTTP %d: Send = %v, want success", tt.status, err)
		case !tt.ok && err == nil:
			t.Errorf("HTTP %d: Send succeeded, want an error", tt.status)
		case !tt.ok && errors.Is(err, notify.ErrPermanent) != tt.permanent:
			t.Errorf("HTTP %d: Send = %v, permanent %v, want %v", tt.status, err, !tt.permanent, tt.permanent)
		}
	}

	t.Run("timeout is retryable", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		err := notify.NewWebhook(srv.URL, secret, &http.Client{Timeout: 20 * time.Millisecond}).
			Send(context.Background(), delivery())
		if err == nil || errors.Is(err, notify.ErrPermanent) {
			t.Errorf("Send to a hung receiver = %v, want a retryable error", err)
		}
	})
}
