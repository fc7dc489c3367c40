// Package account holds staff accounts: roles, argon2id password hashes and
// server-side sessions.
package account

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/antrian/antrian/fault"
	"golang.org/x/crypto/argon2"
)

// Role is what a staff account may do.
type Role string

// Roles.
const (
	Admin  Role = "admin"  // manages a facility, or the whole district when it has no facility
	Staff  Role = "staff"  // runs the queue of a facility's units
	Kader  Role = "kader"  // BTS cadre: reports deliveries only
	Dinkes Role = "dinkes" // district health office: read-only across the district
)

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case Admin, Staff, Kader, Dinkes:
		return r, nil
	}
	return "", fmt.Errorf("role %q: %w (admin, staff, kader, dinkes)", s, fault.ErrInvalid)
}

// User is a staff account.
type User struct {
	ID       int64
	Username string
	Role     Role
	Facility string // facility code; "" = the whole district
	Disabled bool
	// Units are the unit codes a staff account is assigned to; none = all
	// units of its facility.
	Units []string
	// Token is set when the caller is a machine with an API token (kiosk,
	// TV screen, integration) rather than a person with a session.
	Token bool
}

// Session is a logged-in browser.
type Session struct {
	User      User
	CSRFToken string
	CreatedAt time.Time
	SeenAt    time.Time // this request; the stored mark moves at most once a minute
}

// argon2id parameters (RFC 9106's second recommendation, lighter memory for
// a small server): 3 passes over 64 MiB with 2 lanes.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash of password.
func HashPassword(password string) (string, error) {
	if len(password) < 8 {
		return "", fmt.Errorf("password: %w: at least 8 characters", fault.ErrInvalid)
	}
	if len(password) > 1024 {
		return "", fmt.Errorf("password: %w: at most 1024 characters", fault.ErrInvalid)
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches an encoded hash.
func CheckPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || m > 1<<20 || t < 1 || t > 10 || p < 1 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the user does not exist, so that a
// login takes as long whether or not the username is known. It is made on
// the first such login rather than at start-up, which would leave 64 MiB of
// argon2 memory behind in every process (the CLI's too).
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("antrian-not-a-password")
	return h
})

// CheckDummy spends the time of one password check.
func CheckDummy(password string) { CheckPassword(dummyHash(), password) }

// NewSecret returns a random URL-safe secret of 32 bytes.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret is how a session id or API token is stored: never in clear.
func HashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// LoginProof is what a browser that signed in to the account username (in
// lower case) keeps to show it later: a MAC of the name under the service
// secret key. It opens nothing by itself; it only spares the browser the
// throttle on guesses at the account from many addresses.
func LoginProof(key []byte, username string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("login-proof:" + username))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:22]
}
