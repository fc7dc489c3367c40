package outbox_test

import (
	"testing"
	"time"

	"github.com/antrian/antrian/outbox"
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
		if got := outbox.Backoff(tt.attempt, base, max, tt.jitter); got != tt.want {
			t.Errorf("Backoff(%d, jitter %v) = %v, want %v", tt.attempt, tt.jitter, got, tt.want)
		}
	}
	// The contract: the first retry comes within 2 s with the default base.
	if got := outbox.Backoff(1, time.Second, 5*time.Minute, 0.999); got > 2*time.Second {
		t.Errorf("first retry after %v, want within 2s", got)
	}
}
