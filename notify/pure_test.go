package notify_test

import (
	"testing"

	"github.com/antrian/antrian/notify"
)

func TestSign(t *testing.T) {
	// Known answer computed independently: printf '{"a":1}' | openssl dgst -sha256 -hmac s3cret
	got := notify.Sign([]byte("s3cret"), []byte(`{"a":1}`))
	want := "sha256=5910e62016ef5034272c926c27071992a465c2335cecf41851bda071577f4f6d"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}
