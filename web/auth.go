package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/ratelimit"
	"github.com/labstack/echo/v4"
)

const sessionCookie = "antrian_session"

// Login throttles, shared by every instance through Redis. A wrong
// password counts against its account from the address that sent it: after
// 5 in 15 minutes that address waits, while the account stays open from
// everywhere else, so that a stranger cannot keep staff out. It counts
// against the account from all addresses too: after 50 in an hour a guess
// spread over many addresses waits as well, except in a browser that
// signed in to the account before (it holds the proof in loginCookie).
// Every attempt, right or wrong, counts against its address.
var (
	loginPerAccountAddr = ratelimit.Limit{Rate: 5, Period: 15 * time.Minute}
	loginPerAccount     = ratelimit.Limit{Rate: 50, Period: time.Hour}
	loginPerAddress     = ratelimit.Limit{Rate: 20, Period: 10 * time.Minute}
)

// loginCookie keeps, for the login route only, the proofs
// (account.LoginProof) of the accounts this browser signed in to lately.
const (
	loginCookie       = "antrian_login"
	loginCookieProofs = 8
	loginCookieAge    = 90 * 24 * time.Hour
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type userJSON struct {
	Username string   `json:"username"`
	Role     string   `json:"role"`
	Facility string   `json:"facility"`
	Units    []string `json:"units,omitempty"`
}

func (s *Server) login(c echo.Context) error {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Username == "" || req.Password == "" || len(req.Username) > 100 || len(req.Password) > 1024 {
		return fault.Invalid("username", "Isi nama pengguna dan kata sandi.")
	}
	ctx := c.Request().Context()
	noStore(c) // the answer carries the CSRF token
	throttle, err := s.throttleLogin(c, req.Username)
	if err != nil {
		return err
	}
	u, hash, err := s.db.UserByName(ctx, req.Username)
	switch {
	case errors.Is(err, fault.ErrNotFound):
		account.CheckDummy(req.Password)
		throttle.failed()
		return errBadLogin
	case err != nil:
		return err
	case u.Disabled || !account.CheckPassword(hash, req.Password):
		throttle.failed()
		return errBadLogin
	}
	// A new session id at every login: a session planted before login is
	// never promoted (no fixation).
	if old, err := c.Cookie(sessionCookie); err == nil {
		s.db.DeleteSession(ctx, account.HashSecret(old.Value))
	}
	id, csrf := account.NewSecret(), account.NewSecret()
	if err := s.db.CreateSession(ctx, account.HashSecret(id), u.ID, csrf, s.now()); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(c), MaxAge: int(s.cfg.SessionAbsolute.Seconds())})
	s.rememberLogin(c, req.Username)
	s.audit(c, u, "login", u.Facility, "", http.StatusOK)
	return c.JSON(http.StatusOK, map[string]any{"user": userJSON{u.Username, string(u.Role), u.Facility, nil}, "csrf_token": csrf})
}

var errBadLogin = fault.New(fault.ErrUnauthenticated, "", "Nama pengguna atau kata sandi salah.")

// loginThrottle is one login attempt's place in the login throttles.
type loginThrottle struct {
	s              *Server
	c              echo.Context
	account, pair  string // the account's key, and the account's from this address
	signedInBefore bool
}

// throttleLogin counts a login attempt against its address and answers
// 429 when the address, the account from this address, or (for a browser
// that never signed in to it) the account as a whole is over its limit.
func (s *Server) throttleLogin(c echo.Context, username string) (loginThrottle, error) {
	name := strings.ToLower(username)
	t := loginThrottle{s: s, c: c, account: "login-account:" + name, pair: "login-account-addr:" + name + "|" + c.RealIP(),
		signedInBefore: s.signedInBefore(c, name)}
	if err := s.limit(c, "login-addr:"+c.RealIP(), loginPerAddress, false); err != nil {
		return t, err
	}
	if err := s.limit(c, t.pair, loginPerAccountAddr, true); err != nil {
		return t, err
	}
	if !t.signedInBefore {
		if err := s.limit(c, t.account, loginPerAccount, true); err != nil {
			return t, err
		}
	}
	return t, nil
}

// failed counts a wrong password (or an unknown account).
func (t loginThrottle) failed() {
	t.s.limit(t.c, t.pair, loginPerAccountAddr, false)
	t.s.limit(t.c, t.account, loginPerAccount, false)
}

// loginProofs returns the proofs in the request's login cookie.
func loginProofs(c echo.Context) []string {
	ck, err := c.Cookie(loginCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	ps := strings.Split(ck.Value, ".")
	return ps[:min(len(ps), loginCookieProofs)]
}

// signedInBefore reports whether the browser holds the proof of an earlier
// sign-in to the account name (lower case).
func (s *Server) signedInBefore(c echo.Context, name string) bool {
	if len(s.queue.Secret) == 0 {
		return false
	}
	want := account.LoginProof(s.queue.Secret, name)
	for _, p := range loginProofs(c) {
		if subtle.ConstantTimeCompare([]byte(p), []byte(want)) == 1 {
			return true
		}
	}
	return false
}

// rememberLogin gives the browser the proof of its sign-in to username,
// newest first among the few it keeps.
func (s *Server) rememberLogin(c echo.Context, username string) {
	if len(s.queue.Secret) == 0 {
		return
	}
	proof := account.LoginProof(s.queue.Secret, strings.ToLower(username))
	proofs := []string{proof}
	for _, p := range loginProofs(c) {
		if p != proof && len(proofs) < loginCookieProofs {
			proofs = append(proofs, p)
		}
	}
	c.SetCookie(&http.Cookie{Name: loginCookie, Value: strings.Join(proofs, "."), Path: "/api/v1/auth/login", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure(c), MaxAge: int(loginCookieAge.Seconds())})
}

// limit counts an event against lim (or only looks, with peek) and answers
// 429 rate_limited with Retry-After when it is over. When Redis is down the
// event is allowed: losing the limiter must not close the Puskesmas.
func (s *Server) limit(c echo.Context, key string, lim ratelimit.Limit, peek bool) error {
	if s.limiter == nil || lim.Off() {
		return nil
	}
	check := s.limiter.Allow
	if peek {
		check = s.limiter.Peek
	}
	ok, retry, err := check(c.Request().Context(), key, lim)
	if err != nil {
		s.log.Warn("rate limiter unavailable", "err", err)
		return nil
	}
	if ok {
		return nil
	}
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
	return &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited",
		Message: fmt.Sprintf("Terlalu banyak percobaan. Coba lagi dalam %d detik.", int(math.Ceil(retry.Seconds())))}
}

func (s *Server) clearSession(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(c)})
}

func (s *Server) logout(c echo.Context) error {
	if sess, ok := c.Get(sessionKey).(string); ok {
		if err := s.db.DeleteSession(c.Request().Context(), account.HashSecret(sess)); err != nil {
			return err
		}
	}
	s.clearSession(c)
	return c.NoContent(http.StatusNoContent)
}

// logoutAll ends every session of the caller's account, on every device.
func (s *Server) logoutAll(c echo.Context) error {
	u, _ := currentUser(c)
	if u.Token {
		return errForbidden
	}
	if err := s.db.DeleteUserSessions(c.Request().Context(), u.ID); err != nil {
		return err
	}
	s.clearSession(c)
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) me(c echo.Context) error {
	u, _ := currentUser(c)
	body := map[string]any{"user": userJSON{u.Username, string(u.Role), u.Facility, u.Units}}
	if csrf, ok := c.Get(csrfKey).(string); ok {
		body["csrf_token"] = csrf
	}
	return c.JSON(http.StatusOK, body)
}

// secure reports whether cookies are marked Secure: always with
// SecureCookies, else when the request came over https.
func (s *Server) secure(c echo.Context) bool { return s.cfg.SecureCookies || s.https(c) }

const csrfKey = "antrian.csrf"

// authenticate identifies the caller by an API token (Authorization:
// Bearer) or a session cookie. Cookie requests that change state must carry
// the session's CSRF token: on a protected route a missing or wrong token is
// 403; on a public route (lenient) the caller is then treated as anonymous.
// It returns the user and whether there is one.
func (s *Server) authenticate(c echo.Context, lenient bool) (account.User, bool, error) {
	if u, ok := currentUser(c); ok {
		return u, true, nil
	}
	ctx := c.Request().Context()
	if h := c.Request().Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			return account.User{}, false, errUnauthenticated
		}
		u, err := s.db.TokenUser(ctx, account.HashSecret(token), s.now())
		if errors.Is(err, fault.ErrUnauthenticated) {
			return u, false, fault.New(fault.ErrUnauthenticated, "", "Token API tidak dikenal atau sudah dicabut.")
		}
		if err != nil {
			return u, false, err
		}
		c.Set(userKey, u)
		return u, true, nil
	}
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return account.User{}, false, nil
	}
	sess, err := s.db.Session(ctx, account.HashSecret(ck.Value), s.now(), s.cfg.SessionIdle, s.cfg.SessionAbsolute)
	if errors.Is(err, fault.ErrUnauthenticated) {
		return account.User{}, false, nil
	}
	if err != nil {
		return account.User{}, false, err
	}
	switch c.Request().Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		got := c.Request().Header.Get("X-CSRF-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
			if lenient {
				return account.User{}, false, nil
			}
			return account.User{}, false, errCSRF
		}
	}
	c.Set(userKey, sess.User)
	c.Set(sessionKey, ck.Value)
	c.Set(csrfKey, sess.CSRFToken)
	return sess.User, true, nil
}
