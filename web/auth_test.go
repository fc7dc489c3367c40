package web

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/antrian/antrian/account"
)

// Wrong passwords slow down the address that sends them, not the account:
// a stranger cannot keep a staff member out, while guessing from one
// address, or spread over many, stays throttled.
func TestLoginThrottlePerAccountAndAddress(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("sobo", "petugas", account.Staff)
	e.user("sobo", "bidan", account.Staff)
	wrong := func(c *caller) int { t.Helper(); return c.login("petugas", "salah-salah") }

	// The staff member's own browser signed in before the attack.
	desk := e.caller("10.1.0.1")
	if st := desk.login("petugas", "rahasia123"); st != http.StatusOK {
		t.Fatalf("first login: %d", st)
	}
	desk.do("POST", "/api/v1/auth/logout", map[string]string{})

	attacker := e.caller("203.0.113.9")
	for i := range 5 {
		if st := wrong(attacker); st != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: status %d, want 401", i+1, st)
		}
	}
	t.Run("the guessing address is throttled, even with the right password", func(t *testing.T) {
		rec := attacker.do("POST", "/api/v1/auth/login", map[string]string{"username": "petugas", "password": "rahasia123"})
		if rec.Code != http.StatusTooManyRequests || errorCode(rec) != "rate_limited" || rec.Header().Get("Retry-After") == "" {
			t.Errorf("status %d %q, Retry-After %q; want 429 rate_limited with Retry-After", rec.Code, errorCode(rec), rec.Header().Get("Retry-After"))
		}
	})
	t.Run("the same address may still sign in to another account", func(t *testing.T) {
		if st := attacker.login("bidan", "rahasia123"); st != http.StatusOK {
			t.Errorf("status %d, want 200", st)
		}
	})
	t.Run("the right password from another address works", func(t *testing.T) {
		if st := e.caller("10.1.0.2").login("petugas", "rahasia123"); st != http.StatusOK {
			t.Errorf("status %d, want 200", st)
		}
	})

	// A guess spread over many addresses, a few from each, is throttled
	// for the account as a whole.
	for i := range 50 {
		wrong(e.caller(fmt.Sprintf("198.51.100.%d", i+1)))
	}
	t.Run("after many failures from many addresses, a new address waits", func(t *testing.T) {
		if st := e.caller("10.1.0.3").login("petugas", "rahasia123"); st != http.StatusTooManyRequests {
			t.Errorf("status %d, want 429", st)
		}
	})
	t.Run("a browser that signed in to the account before still gets in", func(t *testing.T) {
		desk.addr = "10.1.0.4" // the desk's address changed meanwhile
		if st := desk.login("petugas", "rahasia123"); st != http.StatusOK {
			t.Errorf("status %d, want 200", st)
		}
	})
	t.Run("that browser is still throttled per address when it guesses", func(t *testing.T) {
		desk.do("POST", "/api/v1/auth/logout", map[string]string{})
		for range 5 {
			wrong(desk)
		}
		if st := desk.login("petugas", "rahasia123"); st != http.StatusTooManyRequests {
			t.Errorf("status %d, want 429", st)
		}
	})
	t.Run("a proof of another account does not open this one", func(t *testing.T) {
		c := e.caller("10.1.0.5")
		if st := c.login("bidan", "rahasia123"); st != http.StatusOK {
			t.Fatalf("login bidan: %d", st)
		}
		if st := c.login("petugas", "rahasia123"); st != http.StatusTooManyRequests {
			t.Errorf("status %d, want 429", st)
		}
	})
}

// Every attempt counts against its address, whichever account it tries.
func TestLoginThrottlePerAddress(t *testing.T) {
	e := newEnv(t, Config{})
	for i := range 5 {
		e.user("sobo", fmt.Sprintf("petugas%d", i), account.Staff)
	}
	c := e.caller("203.0.113.10")
	for i := range 20 {
		if st := c.login(fmt.Sprintf("petugas%d", i/5), "salah-salah"); st != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, st)
		}
	}
	if st := c.login("petugas4", "rahasia123"); st != http.StatusTooManyRequests {
		t.Errorf("a 21st attempt, on an account not tried yet: status %d, want 429", st)
	}
	if st := e.caller("203.0.113.11").login("petugas4", "rahasia123"); st != http.StatusOK {
		t.Errorf("another address: status %d, want 200", st)
	}
}
