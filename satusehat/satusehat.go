// Package satusehat is a client of Kemenkes' SATUSEHAT FHIR R4 platform
// for what a queue knows: the OAuth2 client-credentials token (cached until
// shortly before it expires), the IHS number of a patient by NIK, and the
// Encounter of a visit, created when the patient arrives and updated as the
// queue serves them. NIKs are sent to SATUSEHAT only and never logged or
// put in errors.
package satusehat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Base URLs of the environments.
const (
	DevelopmentURL = "https://api-satusehat-dev.dto.kemkes.go.id"
	SandboxURL     = "https://api-satusehat-stg.dto.kemkes.go.id"
	ProductionURL  = "https://api-satusehat.kemkes.go.id"
)

// BaseURL returns the base URL of a named environment: "sandbox",
// "production" or "development"; "" for anything else.
func BaseURL(environment string) string {
	switch environment {
	case "sandbox":
		return SandboxURL
	case "production":
		return ProductionURL
	case "development":
		return DevelopmentURL
	}
	return ""
}

// Errors. Every error of this package wraps one of them.
var (
	// ErrNotFound is a search that found nothing (a NIK unknown to SATUSEHAT).
	ErrNotFound = errors.New("satusehat: not found")
	// ErrRejected is a 4xx answer other than 401 and 429: retrying the
	// same request will not help.
	ErrRejected = errors.New("satusehat: rejected")
	// ErrTemporary is a transport error, a 401 (token), 429 or 5xx.
	ErrTemporary = errors.New("satusehat: temporarily unavailable")
)

// Config is a facility's access to SATUSEHAT.
type Config struct {
	BaseURL        string
	ClientID       string
	ClientSecret   string
	OrganizationID string
}

// Client talks to SATUSEHAT for one facility. It is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
	// Now is the clock for token expiry; default time.Now.
	Now func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// New returns a client for cfg; a nil http client uses one with a 20 s timeout.
func New(cfg Config, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Client{cfg: cfg, http: hc, Now: time.Now}
}

// renewEarly is how long before expiry a token is renewed.
const renewEarly = 5 * time.Minute

// Token returns a valid access token, asking for a new one only when the
// cached one is missing or about to expire. Errors wrap ErrRejected (wrong
// credentials) or ErrTemporary.
func (c *Client) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.Now().Before(c.expires.Add(-renewEarly)) {
		return c.token, nil
	}
	form := url.Values{"client_id": {c.cfg.ClientID}, "client_secret": {c.cfg.ClientSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		c.cfg.BaseURL+"/oauth2/v1/accesstoken?grant_type=client_credentials", strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("satusehat token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   string `json:"expires_in"`
	}
	status, body, err := c.send(req)
	if err != nil {
		return "", fmt.Errorf("satusehat token: %w", err)
	}
	if status == http.StatusUnauthorized {
		// Wrong credentials; SATUSEHAT then limits token requests to one a minute.
		return "", fmt.Errorf("satusehat token: %w: client id or secret refused", ErrRejected)
	}
	if err := classify(status, body); err != nil {
		return "", fmt.Errorf("satusehat token: %w", err)
	}
	if err := json.Unmarshal(body, &out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("satusehat token: %w: no access_token", ErrTemporary)
	}
	secs, err := strconv.Atoi(out.ExpiresIn)
	if err != nil || secs <= 0 {
		secs = 3600
	}
	c.token, c.expires = out.AccessToken, c.Now().Add(time.Duration(secs)*time.Second)
	return c.token, nil
}

func (c *Client) send(req *http.Request) (int, []byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", ErrTemporary, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", ErrTemporary, err)
	}
	return resp.StatusCode, body, nil
}

// classify turns an HTTP status into nil, ErrTemporary or ErrRejected with
// the OperationOutcome's text.
func classify(status int, body []byte) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusUnauthorized || status == http.StatusTooManyRequests || status >= 500:
		return fmt.Errorf("%w: HTTP %d %s", ErrTemporary, status, outcome(body))
	}
	return fmt.Errorf("%w: HTTP %d %s", ErrRejected, status, outcome(body))
}

// outcome extracts the diagnostics of an OperationOutcome, for people.
func outcome(body []byte) string {
	var oo struct {
		Issue []struct {
			Code        string `json:"code"`
			Diagnostics string `json:"diagnostics"`
			Details     struct {
				Text string `json:"text"`
			} `json:"details"`
		} `json:"issue"`
	}
	if json.Unmarshal(body, &oo) != nil || len(oo.Issue) == 0 {
		return ""
	}
	i := oo.Issue[0]
	return strings.TrimSpace(i.Code + " " + i.Details.Text + " " + i.Diagnostics)
}

// fhir sends a FHIR request with the bearer token. A 401 drops the cached
// token so the next attempt gets a new one.
func (c *Client) fhir(ctx context.Context, method, path string, hdr map[string]string, in, out any) error {
	token, err := c.Token(ctx)
	if err != nil {
		return err
	}
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+"/fhir-r4/v1/"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/fhir+json, application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	status, body, err := c.send(req)
	if err != nil {
		return err
	}
	if status == http.StatusUnauthorized {
		c.mu.Lock()
		if c.token == token {
			c.token = ""
		}
		c.mu.Unlock()
	}
	if err := classify(status, body); err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("%w: undecodable answer: %v", ErrTemporary, err)
		}
	}
	return nil
}

// Patient is a patient found in SATUSEHAT.
type Patient struct {
	IHS  string // the patient's IHS number (resource id)
	Name string
}

// PatientByNIK finds a patient's IHS number. Errors wrap ErrNotFound,
// ErrRejected or ErrTemporary.
func (c *Client) PatientByNIK(ctx context.Context, nik string) (Patient, error) {
	var b struct {
		Total int `json:"total"`
		Entry []struct {
			Resource struct {
				ID   string `json:"id"`
				Name []struct {
					Text string `json:"text"`
				} `json:"name"`
			} `json:"resource"`
		} `json:"entry"`
	}
	q := url.Values{"identifier": {"https://fhir.kemkes.go.id/id/nik|" + nik}}
	if err := c.fhir(ctx, http.MethodGet, "Patient?"+q.Encode(), nil, nil, &b); err != nil {
		return Patient{}, fmt.Errorf("satusehat patient by nik: %w", err)
	}
	if len(b.Entry) == 0 || b.Entry[0].Resource.ID == "" {
		return Patient{}, fmt.Errorf("satusehat patient by nik: %w", ErrNotFound)
	}
	p := Patient{IHS: b.Entry[0].Resource.ID}
	if len(b.Entry[0].Resource.Name) > 0 {
		p.Name = b.Entry[0].Resource.Name[0].Text
	}
	return p, nil
}

// EncounterSystem is the identifier system of a facility's encounters.
func EncounterSystem(orgID string) string { return "http://sys-ids.kemkes.go.id/encounter/" + orgID }

// CreateEncounter creates e and returns its id. It is a conditional create
// on e's identifier, so repeating it after a lost answer does not make a
// second Encounter. Errors wrap ErrRejected or ErrTemporary.
func (c *Client) CreateEncounter(ctx context.Context, e Encounter) (string, error) {
	e.ID = ""
	hdr := map[string]string{}
	if len(e.Identifier) > 0 {
		hdr["If-None-Exist"] = "identifier=" + e.Identifier[0].System + "|" + e.Identifier[0].Value
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := c.fhir(ctx, http.MethodPost, "Encounter", hdr, e, &out); err != nil {
		return "", fmt.Errorf("satusehat create encounter: %w", err)
	}
	if out.ID == "" {
		return "", fmt.Errorf("satusehat create encounter: %w: no id in the answer", ErrTemporary)
	}
	return out.ID, nil
}

// UpdateEncounter replaces Encounter id with e. Errors wrap ErrRejected
// or ErrTemporary.
func (c *Client) UpdateEncounter(ctx context.Context, id string, e Encounter) error {
	e.ID = id
	if err := c.fhir(ctx, http.MethodPut, "Encounter/"+url.PathEscape(id), nil, e, nil); err != nil {
		return fmt.Errorf("satusehat update encounter: %w", err)
	}
	return nil
}
