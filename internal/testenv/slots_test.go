package testenv

import "testing"

// The slots are those `CLUSTER KEYSLOT` answers on redis-server 7.0.
func TestKeySlot(t *testing.T) {
	for key, want := range map[string]int{
		"foo": 12182, "somekey": 11058, "hello": 866,
		"{user1000}.following":              3443,
		"antrian:{sobo:UMUM}:2026-12-06:ep": 12262,
		"a{}b":                              13694, // an empty tag does not count
		"{}":                                15257,
		"x{y":                               2740, // nor an unclosed one
	} {
		if got := KeySlot(key); got != want {
			t.Errorf("KeySlot(%q) = %d, want %d", key, got, want)
		}
	}
}
