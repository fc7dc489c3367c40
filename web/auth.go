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

// Login throttles: failed logins per account and attempts per address.
var (
	loginPerAccount = ratelimit.Limit{Rate: 5, Period: 15 * time.Minute}
	loginPerAddress = ratelimit.Limit{Rate: 20, Period: 10 * time.Minute}
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
	if err := s.limit(c, "login-addr:"+c.RealIP(), loginPerAddress, false); err != nil {
		return err
	}
	accountKey := "login-user:" + strings.ToLower(req.Username)
	if err := s.limit(c, accountKey, loginPerAccount, true); err != nil {
		return err
	}
	u, hash, err := s.db.UserByName(ctx, req.Username)
	switch {
	case errors.Is(err, fault.ErrNotFound):
		account.CheckDummy(req.Password)
		s.limit(c, accountKey, loginPerAccount, false)
		return errBadLogin
	case err != nil:
		return err
	case u.Disabled || !account.CheckPassword(hash, req.Password):
		s.limit(c, accountKey, loginPerAccount, false)
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
	s.audit(c, u, "login", u.Facility, "", http.StatusOK)
	return c.JSON(http.StatusOK, map[string]any{"user": userJSON{u.Username, string(u.Role), u.Facility, nil}, "csrf_token": csrf})
}

var errBadLogin = fault.New(fault.ErrUnauthenticated, "", "Nama pengguna atau kata sandi salah.")

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

func (s *Server) secure(c echo.Context) bool {
	if s.cfg.SecureCookies || c.Request().TLS != nil {
		return true
	}
	return s.cfg.TrustProxyHeader != "" && strings.EqualFold(c.Request().Header.Get(s.cfg.TrustProxyHeader), "https")
}

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

// optionalAuth recognises staff on public routes (a desk issuing a ticket).
func (s *Server) optionalAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, _, err := s.authenticate(c, true); err != nil {
			return err
		}
		return next(c)
	}
}
