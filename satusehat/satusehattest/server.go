// Package satusehattest is a local HTTP server standing in for SATUSEHAT in
// tests: the OAuth2 token endpoint, Patient search by NIK and Encounter
// create (conditional on its identifier) and update.
package satusehattest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/antrian/antrian/satusehat"
)

// Server is a fake SATUSEHAT. Set Patients before use; read the rest under
// its methods.
type Server struct {
	*httptest.Server
	ClientID, ClientSecret string
	// Patients maps a NIK to an IHS number.
	Patients map[string]string

	mu            sync.Mutex
	tokens        map[string]bool
	tokenRequests int
	encounters    map[string]satusehat.Encounter
	byIdentifier  map[string]string
	puts          int
	failNext      int
	log           []string
}

// New starts a fake SATUSEHAT; it is closed when the test ends.
func New(t interface{ Cleanup(func()) }, clientID, secret string, patients map[string]string) *Server {
	s := &Server{ClientID: clientID, ClientSecret: secret, Patients: patients, tokens: map[string]bool{},
		encounters: map[string]satusehat.Encounter{}, byIdentifier: map[string]string{}}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

// FailNext makes the next n FHIR requests fail with 503.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	s.failNext = n
	s.mu.Unlock()
}

// TokenRequests is how many tokens were asked for.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenRequests
}

// Encounters returns every stored Encounter.
func (s *Server) Encounters() []satusehat.Encounter {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []satusehat.Encounter
	for _, e := range s.encounters {
		out = append(out, e)
	}
	return out
}

// Log lists the requests served, as "METHOD path".
func (s *Server) Log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

func outcome(w http.ResponseWriter, status int, code, text string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"resourceType": "OperationOutcome",
		"issue": []map[string]any{{"severity": "error", "code": code, "details": map[string]string{"text": text}}}})
}

func newID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ServeHTTP implements the fake.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, r.Method+" "+r.URL.Path)
	if r.URL.Path == "/oauth2/v1/accesstoken" {
		r.ParseForm()
		if r.Method != http.MethodPost || r.URL.Query().Get("grant_type") != "client_credentials" ||
			r.PostForm.Get("client_id") != s.ClientID || r.PostForm.Get("client_secret") != s.ClientSecret {
			outcome(w, http.StatusUnauthorized, "invalid", "Invalid client")
			return
		}
		s.tokenRequests++
		tok := newID()
		s.tokens[tok] = true
		json.NewEncoder(w).Encode(map[string]string{"access_token": tok, "token_type": "BearerToken",
			"expires_in": "14399", "issued_at": "1700000000000", "status": "approved"})
		return
	}
	if !s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] {
		outcome(w, http.StatusUnauthorized, "login", "Invalid access token")
		return
	}
	if s.failNext > 0 {
		s.failNext--
		outcome(w, http.StatusServiceUnavailable, "transient", "try later")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/fhir-r4/v1/")
	switch {
	case r.Method == http.MethodGet && path == "Patient":
		nik := strings.TrimPrefix(r.URL.Query().Get("identifier"), "https://fhir.kemkes.go.id/id/nik|")
		b := map[string]any{"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []any{}}
		if ihs, ok := s.Patients[nik]; ok {
			b["total"] = 1
			b["entry"] = []any{map[string]any{"resource": map[string]any{"resourceType": "Patient", "id": ihs,
				"name": []map[string]string{{"text": "Pasien " + ihs}}}}}
		}
		json.NewEncoder(w).Encode(b)
	case r.Method == http.MethodPost && path == "Encounter":
		var e satusehat.Encounter
		if err := json.NewDecoder(r.Body).Decode(&e); err != nil || len(e.Identifier) == 0 || e.ResourceType != "Encounter" {
			outcome(w, http.StatusBadRequest, "invalid", "bad encounter")
			return
		}
		key := e.Identifier[0].System + "|" + e.Identifier[0].Value
		if id, ok := s.byIdentifier[key]; ok {
			if r.Header.Get("If-None-Exist") == "identifier="+key {
				w.WriteHeader(http.StatusOK)
				json.NewEncoder(w).Encode(s.encounters[id])
				return
			}
			outcome(w, http.StatusBadRequest, "duplicate", "Found duplicate resource")
			return
		}
		e.ID = newID()
		s.byIdentifier[key] = e.ID
		s.encounters[e.ID] = e
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(e)
	case r.Method == http.MethodPut && strings.HasPrefix(path, "Encounter/"):
		id := strings.TrimPrefix(path, "Encounter/")
		var e satusehat.Encounter
		if _, ok := s.encounters[id]; !ok || json.NewDecoder(r.Body).Decode(&e) != nil || e.ID != id {
			outcome(w, http.StatusNotFound, "not-found", "no such encounter")
			return
		}
		s.encounters[id] = e
		s.puts++
		json.NewEncoder(w).Encode(e)
	default:
		outcome(w, http.StatusNotFound, "not-supported", r.Method+" "+path)
	}
}
