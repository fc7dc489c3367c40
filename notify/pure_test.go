package notify_test

import (
	"testing"
	"time"

	"github.com/antrian/antrian/notify"
)

func TestBackoff(t *testing.T) {
	base, max := time.Second, 10*time.Second
	tests := []struct {
		attempt int
		jitter  float64
		want    time.Duration
	}{
		{1, 0, 500 * time.Millisecond},
		{1, 0.999999, 999999500 * time.Nanosecond},
		{2, 0, time.Second},
		{3, 0.5, 3 * time.Second},
		{5, 0, 5 * time.Second},   // 16s capped to 10s, halved
		{50, 1, 10 * time.Second}, // capped
		{0, 0, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := notify.Backoff(tt.attempt, base, max, tt.jitter); got != tt.want {
			t.Errorf("Backoff(%d, jitter %v) = %v, want %v", tt.attempt, tt.jitter, got, tt.want)
		}
	}
	// The contract: the first retry comes within 2 s with the default base.
	if got := notify.Backoff(1, time.Second, 5*time.Minute, 0.999); got > 2*time.Second {
		t.Errorf("first retry after %v, want within 2s", got)
	}
}

func TestSign(t *testing.T) {
	// Known answer computed independently: printf '{"a":1}' | openssl dgst -sha256 -hmac s3cret
	got := notify.Sign([]byte("s3cret"), []byte(`{"a":1}`))
	want := "sha256=5910e62016ef5034272c926c27071992a465c2335cecf41851bda071577f4f6d"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}
