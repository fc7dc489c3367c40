package notify_test

import (
	"errors"
	"testing"
	"time"

	"github.com/antrian/antrian/notify"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"081234567890", "+6281234567890", true},
		{"0812-3456-7890", "+6281234567890", true},
		{"+62 812 3456 7890", "+6281234567890", true},
		{"6281234567890", "+6281234567890", true},
		{"006281234567890", "+6281234567890", true},
		{"81234567890", "+6281234567890", true},
		{"(021) 5551234", "+62215551234", true},
		{" 0812.3456.789 ", "+628123456789", true},
		{"", "", false},
		{"+6581234567", "", false},       // Singapore
		{"0812", "", false},              // too short
		{"08123456789012345", "", false}, // too long
		{"0812345678a", "", false},
		{"+62 0812345678", "", false},
		{"12345678", "", false},
	}
	for _, tt := range tests {
		got, err := notify.NormalizePhone(tt.in)
		if tt.ok && (err != nil || got != tt.want) {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if !tt.ok && !errors.Is(err, notify.ErrInvalid) {
			t.Errorf("NormalizePhone(%q) = %q, %v; want ErrInvalid", tt.in, got, err)
		}
	}
}

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
