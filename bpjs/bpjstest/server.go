// Package bpjstest is a local HTTP server standing in for BPJS antreanfktp
// in tests: it checks every signature and answers with encrypted,
// LZ-string compressed payloads, as BPJS does.
package bpjstest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/antrian/antrian/bpjs"
)

// Call is one request the fake accepted.
type Call struct {
	Path string // without the base path, e.g. "antrean/add"
	Body map[string]any
}

// Answer decides the reply to an accepted call: an HTTP status other than
// 200 to fail at the transport level, else the metadata code and message
// and an optional response to encrypt.
type Answer func(c Call, attempt int) (httpStatus, code int, message string, response any)

// Server is a fake antreanfktp. Its base URL is URL + "/antreanfktp_dev/".
type Server struct {
	*httptest.Server
	ConsID, Secret, UserKey string

	mu       sync.Mutex
	answer   Answer
	calls    []Call
	attempts map[string]int
	badSigs  int
}

// New starts a fake that answers 200 Ok to everything until SetAnswer; it
// is closed when the test ends.
func New(t interface{ Cleanup(func()) }, consID, secret, userKey string) *Server {
	s := &Server{ConsID: consID, Secret: secret, UserKey: userKey, attempts: map[string]int{}}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

// BaseURL is what a facility configures.
func (s *Server) BaseURL() string { return s.URL + "/antreanfktp_dev/" }

// SetAnswer changes how the fake answers.
func (s *Server) SetAnswer(a Answer) {
	s.mu.Lock()
	s.answer = a
	s.mu.Unlock()
}

// Calls returns the calls accepted so far (failed attempts included).
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// BadSignatures counts refused requests.
func (s *Server) BadSignatures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.badSigs
}

// ServeHTTP implements the fake.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ts := r.Header.Get("X-timestamp")
	if r.Header.Get("X-cons-id") != s.ConsID || r.Header.Get("user_key") != s.UserKey || ts == "" ||
		r.Header.Get("X-signature") != bpjs.Signature(s.ConsID, s.Secret, ts) {
		s.mu.Lock()
		s.badSigs++
		s.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"metadata": map[string]any{"code": 401, "message": "Signature tidak valid"}})
		return
	}
	raw, _ := io.ReadAll(r.Body)
	c := Call{Path: strings.TrimPrefix(r.URL.Path, "/antreanfktp_dev/")}
	json.Unmarshal(raw, &c.Body)
	key := c.Path + string(raw)
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.attempts[key]++
	n, answer := s.attempts[key], s.answer
	s.mu.Unlock()
	status, code, msg, resp := http.StatusOK, 200, "Ok", any(nil)
	if answer != nil {
		status, code, msg, resp = answer(c, n)
	}
	if status != http.StatusOK {
		w.WriteHeader(status)
		return
	}
	out := map[string]any{"metadata": map[string]any{"code": code, "message": msg}}
	if resp != nil {
		b, _ := json.Marshal(resp)
		out["response"] = bpjs.Encrypt(s.ConsID, s.Secret, ts, b)
	}
	json.NewEncoder(w).Encode(out)
}
