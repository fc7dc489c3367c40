package integration

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/antrian/antrian/bpjs"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/satusehat"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// BPJSSettings are a facility's credentials for antreanfktp.
type BPJSSettings struct {
	Enabled bool
	// Environment is "development" or "production", or "custom" with BaseURL.
	Environment   string
	BaseURL       string
	ConsID        string
	Secret        string
	UserKey       string
	PCareUser     string
	PCarePassword string
}

// Config is the client configuration of s.
func (s BPJSSettings) Config() bpjs.Config {
	return bpjs.Config{BaseURL: s.BaseURL, ConsID: s.ConsID, Secret: s.Secret, UserKey: s.UserKey,
		PCareUser: s.PCareUser, PCarePassword: s.PCarePassword}
}

func invalid(msg string) error { return fault.Invalid("", msg) }

func checkURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return invalid("Alamat layanan harus URL http(s).")
	}
	return nil
}

// LoadBPJS returns a facility's BPJS settings. Errors wrap fault.ErrNotFound.
func LoadBPJS(ctx context.Context, q Querier, facility string) (BPJSSettings, error) {
	var s BPJSSettings
	err := q.QueryRow(ctx, `SELECT enabled, base_url, cons_id, secret, user_key, pcare_user, pcare_password
		FROM bpjs_settings WHERE facility = $1`, facility).
		Scan(&s.Enabled, &s.BaseURL, &s.ConsID, &s.Secret, &s.UserKey, &s.PCareUser, &s.PCarePassword)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, fmt.Errorf("bpjs settings of %s: %w", facility, fault.ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("bpjs settings of %s: %w", facility, err)
	}
	switch s.BaseURL {
	case bpjs.ProductionURL:
		s.Environment = "production"
	case bpjs.DevelopmentURL:
		s.Environment = "development"
	default:
		s.Environment = "custom"
	}
	return s, nil
}

// SaveBPJS stores a facility's BPJS settings. Empty secrets keep the
// stored ones. Errors wrap fault.ErrInvalid with a message for admins.
func SaveBPJS(ctx context.Context, pool *pgxpool.Pool, facility string, s BPJSSettings) error {
	switch s.Environment {
	case "development", "":
		s.BaseURL = bpjs.DevelopmentURL
	case "production":
		s.BaseURL = bpjs.ProductionURL
	case "custom":
		if err := checkURL(s.BaseURL); err != nil {
			return err
		}
		if !strings.HasSuffix(s.BaseURL, "/") {
			s.BaseURL += "/"
		}
	default:
		return invalid("Lingkungan BPJS harus development, production atau custom.")
	}
	if strings.TrimSpace(s.ConsID) == "" {
		return invalid("Cons ID wajib diisi.")
	}
	old, err := LoadBPJS(ctx, pool, facility)
	if err != nil && !errors.Is(err, fault.ErrNotFound) {
		return err
	}
	keep := func(v *string, o string) {
		if *v == "" {
			*v = o
		}
	}
	keep(&s.Secret, old.Secret)
	keep(&s.UserKey, old.UserKey)
	keep(&s.PCarePassword, old.PCarePassword)
	if s.Secret == "" || s.UserKey == "" {
		return invalid("Secret key dan user key wajib diisi.")
	}
	_, err = pool.Exec(ctx, `INSERT INTO bpjs_settings (facility, enabled, base_url, cons_id, secret, user_key, pcare_user,
			pcare_password, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
		ON CONFLICT (facility) DO UPDATE SET enabled = EXCLUDED.enabled, base_url = EXCLUDED.base_url,
			cons_id = EXCLUDED.cons_id, secret = EXCLUDED.secret, user_key = EXCLUDED.user_key,
			pcare_user = EXCLUDED.pcare_user, pcare_password = EXCLUDED.pcare_password, updated_at = now()`,
		facility, s.Enabled, s.BaseURL, s.ConsID, s.Secret, s.UserKey, s.PCareUser, s.PCarePassword)
	if err != nil {
		return fmt.Errorf("save bpjs settings of %s: %w", facility, err)
	}
	return nil
}

// Location maps a unit to its SATUSEHAT Location and attending Practitioner.
type Location struct {
	Unit         string
	LocationID   string
	Practitioner string
}

// SATUSEHATSettings are a facility's SATUSEHAT settings.
type SATUSEHATSettings struct {
	Enabled bool
	// Environment is "sandbox", "production", "development", or "custom"
	// with BaseURL.
	Environment    string
	BaseURL        string
	ClientID       string
	ClientSecret   string
	OrganizationID string
	Locations      []Location
}

// Config is the client configuration of s.
func (s SATUSEHATSettings) Config() satusehat.Config {
	return satusehat.Config{BaseURL: s.BaseURL, ClientID: s.ClientID, ClientSecret: s.ClientSecret, OrganizationID: s.OrganizationID}
}

// Querier is a pool or a transaction.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// LoadSATUSEHAT returns a facility's SATUSEHAT settings. Errors wrap fault.ErrNotFound.
func LoadSATUSEHAT(ctx context.Context, q Querier, facility string) (SATUSEHATSettings, error) {
	var s SATUSEHATSettings
	err := q.QueryRow(ctx, `SELECT enabled, environment, base_url, client_id, client_secret, organization_id
		FROM satusehat_settings WHERE facility = $1`, facility).
		Scan(&s.Enabled, &s.Environment, &s.BaseURL, &s.ClientID, &s.ClientSecret, &s.OrganizationID)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, fmt.Errorf("satusehat settings of %s: %w", facility, fault.ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("satusehat settings of %s: %w", facility, err)
	}
	rows, _ := q.Query(ctx, `SELECT unit, location_id, practitioner FROM satusehat_locations WHERE facility = $1 ORDER BY unit`, facility)
	s.Locations, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Location, error) {
		var l Location
		err := r.Scan(&l.Unit, &l.LocationID, &l.Practitioner)
		return l, err
	})
	if err != nil {
		return s, fmt.Errorf("satusehat locations of %s: %w", facility, err)
	}
	return s, nil
}

// SaveSATUSEHAT stores a facility's SATUSEHAT settings and replaces its
// locations. An empty client secret keeps the stored one. Errors wrap
// fault.ErrInvalid with a message for admins.
func SaveSATUSEHAT(ctx context.Context, pool *pgxpool.Pool, facility string, s SATUSEHATSettings) error {
	if s.Environment == "custom" {
		if err := checkURL(s.BaseURL); err != nil {
			return err
		}
	} else if s.BaseURL = satusehat.BaseURL(s.Environment); s.BaseURL == "" {
		return invalid("Lingkungan SATUSEHAT harus sandbox, production, development atau custom.")
	}
	if strings.TrimSpace(s.ClientID) == "" || strings.TrimSpace(s.OrganizationID) == "" {
		return invalid("Client ID dan Organization ID wajib diisi.")
	}
	if s.ClientSecret == "" {
		old, err := LoadSATUSEHAT(ctx, pool, facility)
		if err != nil && !errors.Is(err, fault.ErrNotFound) {
			return err
		}
		if s.ClientSecret = old.ClientSecret; s.ClientSecret == "" {
			return invalid("Client secret wajib diisi.")
		}
	}
	seen := map[string]bool{}
	for _, l := range s.Locations {
		if l.Unit == "" || strings.TrimSpace(l.LocationID) == "" || seen[l.Unit] {
			return invalid("Setiap unit dipetakan ke satu Location ID.")
		}
		seen[l.Unit] = true
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO satusehat_settings (facility, enabled, environment, base_url, client_id, client_secret,
				organization_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())
			ON CONFLICT (facility) DO UPDATE SET enabled = EXCLUDED.enabled, environment = EXCLUDED.environment,
				base_url = EXCLUDED.base_url, client_id = EXCLUDED.client_id, client_secret = EXCLUDED.client_secret,
				organization_id = EXCLUDED.organization_id, updated_at = now()`,
			facility, s.Enabled, s.Environment, s.BaseURL, s.ClientID, s.ClientSecret, s.OrganizationID)
		if err != nil {
			return fmt.Errorf("save satusehat settings of %s: %w", facility, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM satusehat_locations WHERE facility = $1`, facility); err != nil {
			return fmt.Errorf("save satusehat locations of %s: %w", facility, err)
		}
		for _, l := range s.Locations {
			if _, err := tx.Exec(ctx, `INSERT INTO satusehat_locations (facility, unit, location_id, practitioner) VALUES ($1, $2, $3, $4)`,
				facility, l.Unit, strings.TrimSpace(l.LocationID), strings.TrimSpace(l.Practitioner)); err != nil {
				return fmt.Errorf("save satusehat locations of %s: %w", facility, err)
			}
		}
		return nil
	})
}
