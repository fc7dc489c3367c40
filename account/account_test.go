package account

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"golang.org/x/crypto/argon2"
)

// A password hash at the service's cost takes about a second on a small
// server, so these tests make as few as they can: the parsing and refusals
// are checked against hashes cheap enough to compute by the dozen.

// cheapHash encodes an argon2id hash with the given parameters, as
// another tool (or an older version of this one) would have written it.
func cheapHash(password string, m, t uint32, p uint8) string {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte(password), salt, t, m, p, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// parsed is an encoded hash taken apart.
type parsed struct {
	version, params string
	salt, key       []byte
}

func parse(t *testing.T, encoded string) parsed {
	t.Helper()
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		t.Fatalf("hash %q is not $argon2id$v=..$params$salt$key", encoded)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		t.Fatalf("salt of %q: %v", encoded, err)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		t.Fatalf("key of %q: %v", encoded, err)
	}
	return parsed{parts[2], parts[3], salt, key}
}

func TestHashPassword(t *testing.T) {
	const password = "rahasia1" // the shortest accepted: 8 characters
	h, err := HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	long, err := HashPassword(strings.Repeat("x", 1024))
	if err != nil {
		t.Fatalf("a password of 1024 characters: %v, want it accepted", err)
	}

	t.Run("the encoding names the algorithm and its parameters", func(t *testing.T) {
		got := parse(t, h)
		if got.version != "v=19" || got.params != "m=65536,t=3,p=2" {
			t.Errorf("got %s %s, want v=19 m=65536,t=3,p=2", got.version, got.params)
		}
		if len(got.salt) != 16 || len(got.key) != 32 {
			t.Errorf("got a salt of %d bytes and a key of %d, want 16 and 32", len(got.salt), len(got.key))
		}
	})
	t.Run("every hash has a salt of its own", func(t *testing.T) {
		if a, b := parse(t, h).salt, parse(t, long).salt; string(a) == string(b) {
			t.Errorf("two hashes share the salt %x", a)
		}
	})
	t.Run("round trip", func(t *testing.T) {
		if !CheckPassword(h, password) {
			t.Error("the password does not match its own hash")
		}
	})
	t.Run("length limits", func(t *testing.T) {
		for _, n := range []int{0, 7, 1025, 4096} {
			if _, err := HashPassword(strings.Repeat("x", n)); !errors.Is(err, fault.ErrInvalid) {
				t.Errorf("a password of %d characters: got %v, want fault.ErrInvalid", n, err)
			}
		}
	})
}

func TestCheckPassword(t *testing.T) {
	good := cheapHash("rahasia1", 64, 1, 1)
	t.Run("the parameters are read from the hash", func(t *testing.T) {
		// A hash made at another cost still verifies, so the cost can be
		// raised without locking anyone out.
		if !CheckPassword(good, "rahasia1") {
			t.Error("a valid hash at other parameters does not verify")
		}
	})
	wrong := []string{"", "rahasia", "rahasia1 ", "Rahasia1", "rahasia2"}
	for _, pw := range wrong {
		t.Run(fmt.Sprintf("wrong password %q", pw), func(t *testing.T) {
			if CheckPassword(good, pw) {
				t.Error("got a match, want none")
			}
		})
	}
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	malformed := []struct{ name, hash string }{
		{"empty", ""},
		{"a password in clear", "rahasia1"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"scrypt-like", "$scrypt$ln=16,r=8,p=1$" + salt + "$" + key},
		{"too few parts", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"too many parts", good + "$x"},
		{"unreadable parameters", "$argon2id$v=19$memory=64$" + salt + "$" + key},
		{"salt not base64", "$argon2id$v=19$m=64,t=1,p=1$!!$" + key},
		{"key not base64", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$!!"},
		{"no key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$"},
		{"memory over 1 GiB", "$argon2id$v=19$m=2097152,t=1,p=1$" + salt + "$" + key},
		{"over 10 passes", "$argon2id$v=19$m=64,t=11,p=1$" + salt + "$" + key},
		{"no passes", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key},
		{"no lanes", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
		{"negative memory", "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key},
		{"lanes over 255", "$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + key},
		{"another key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key},
	}
	for _, tc := range malformed {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			if CheckPassword(tc.hash, "rahasia1") {
				t.Errorf("hash %q matched", tc.hash)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("refusing took %v: the hash's parameters were trusted", d)
			}
		})
	}
}

func TestCheckDummy(t *testing.T) {
	// The dummy must cost a real check: a hash that failed to parse would
	// answer at once and tell an attacker which usernames exist.
	if got, want := parse(t, dummyHash()).params, "m=65536,t=3,p=2"; got != want {
		t.Errorf("got dummy parameters %s, want those of HashPassword, %s", got, want)
	}
	start := time.Now()
	CheckDummy("rahasia1")
	if d := time.Since(start); d < 10*time.Millisecond {
		t.Errorf("CheckDummy took %v, want the time of an argon2id check at 64 MiB", d)
	}
}

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := NewSecret()
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) != 32 || len(s) != 43 {
			t.Fatalf("got %q (%d bytes, %v), want 32 bytes in 43 URL-safe characters", s, len(b), err)
		}
		if seen[s] {
			t.Fatalf("secret %q returned twice", s)
		}
		seen[s] = true
	}
}

func TestHashSecret(t *testing.T) {
	// SHA-256 of "abc" (FIPS 180-2, appendix B.1).
	if got, want := hex.EncodeToString(HashSecret("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	s := NewSecret()
	if a, b := HashSecret(s), HashSecret(s); string(a) != string(b) || len(a) != sha256.Size {
		t.Errorf("one secret hashed as %x and %x, want one hash of %d bytes", a, b, sha256.Size)
	}
	if a, b := HashSecret(s), HashSecret(s+"x"); string(a) == string(b) {
		t.Error("two secrets hashed alike")
	}
}

func TestParseRole(t *testing.T) {
	for _, s := range []string{"admin", "staff", "kader", "dinkes"} {
		if r, err := ParseRole(s); err != nil || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", s, r, err, s)
		}
	}
	for _, s := range []string{"", "Admin", "ADMIN", " staff", "root", "superadmin", "kader,admin"} {
		if r, err := ParseRole(s); !errors.Is(err, fault.ErrInvalid) || r != "" {
			t.Errorf("ParseRole(%q) = %q, %v; want fault.ErrInvalid", s, r, err)
		}
	}
}
