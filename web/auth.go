package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/antrian/antrian/account"
	"github.com/labstack/echo/v4"
)

const sessionCookie = "antrian_session"

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type userJSON struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Facility string `json:"facility"`
}

func (s *Server) login(c echo.Context) error {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Username == "" || req.Password == "" || len(req.Username) > 100 || len(req.Password) > 1024 {
		return errInvalid("username", "Isi nama pengguna dan kata sandi.")
	}
	ctx := c.Request().Context()
	u, hash, err := s.db.UserByName(ctx, req.Username)
	switch {
	case errors.Is(err, account.ErrNotFound):
		account.CheckDummy(req.Password)
		return errBadLogin
	case err != nil:
		return err
	case u.Disabled || !account.CheckPassword(hash, req.Password):
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
	return c.JSON(http.StatusOK, map[string]any{"user": userJSON{u.Username, string(u.Role), u.Facility}, "csrf_token": csrf})
}

var errBadLogin = &apiError{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "Nama pengguna atau kata sandi salah."}

func (s *Server) logout(c echo.Context) error {
	ctx := c.Request().Context()
	if sess, ok := c.Get(sessionKey).(string); ok {
		if err := s.db.DeleteSession(ctx, account.HashSecret(sess)); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(c)})
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) me(c echo.Context) error {
	u, _ := currentUser(c)
	body := map[string]any{"user": userJSON{u.Username, string(u.Role), u.Facility}}
	if csrf, ok := c.Get("antrian.csrf").(string); ok {
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

// authenticate finds the caller's session from its cookie. Cookie requests
// that change state must carry the session's CSRF token.
func (s *Server) authenticate(c echo.Context) (bool, error) {
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return false, nil
	}
	sess, err := s.db.Session(c.Request().Context(), account.HashSecret(ck.Value), s.now(), s.cfg.SessionIdle, s.cfg.SessionAbsolute)
	if errors.Is(err, account.ErrUnauthenticated) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch c.Request().Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		got := c.Request().Header.Get("X-CSRF-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
			return false, errCSRF
		}
	}
	c.Set(userKey, sess.User)
	c.Set(sessionKey, ck.Value)
	c.Set("antrian.csrf", sess.CSRFToken)
	return true, nil
}

// requireAuth refuses anonymous callers.
func (s *Server) requireAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ok, err := s.authenticate(c)
		if err != nil {
			return err
		}
		if !ok {
			return errUnauthenticated
		}
		return next(c)
	}
}

// optionalAuth recognises staff on public routes (a desk issuing a ticket).
func (s *Server) optionalAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := s.authenticate(c); err != nil {
			return err
		}
		return next(c)
	}
}

// mayRun checks that the caller may operate the queue of facility.
func (s *Server) mayRun(c echo.Context, facility string) error {
	u, ok := currentUser(c)
	if !ok {
		return errUnauthenticated
	}
	if !u.CanRunQueue(facility) {
		return errForbidden
	}
	return nil
}

// mayRead checks that the caller may see the queue of facility.
func (s *Server) mayRead(c echo.Context, facility string) error {
	u, ok := currentUser(c)
	if !ok {
		return errUnauthenticated
	}
	if !u.CanRead(facility) {
		return errForbidden
	}
	return nil
}
