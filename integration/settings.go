package integration

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/antrian/antrian/bpjs"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/antrian/antrian/satusehat"
)

// Settings stores the facilities' BPJS and SATUSEHAT settings as given;
// *postgres.DB implements it. Reads of settings never saved return an error
// wrapping fault.ErrNotFound.
type Settings interface {
	BPJSSettings(ctx context.Context, facility string) (queue.BPJSSettings, error)
	SaveBPJSSettings(ctx context.Context, facility string, s queue.BPJSSettings) error
	SATUSEHATSettings(ctx context.Context, facility string) (queue.SATUSEHATSettings, error)
	SaveSATUSEHATSettings(ctx context.Context, facility string, s queue.SATUSEHATSettings) error
}

// BPJSConfig is the client configuration of a facility's BPJS settings.
func BPJSConfig(s queue.BPJSSettings) bpjs.Config {
	return bpjs.Config{BaseURL: s.BaseURL, ConsID: s.ConsID, Secret: s.Secret, UserKey: s.UserKey,
		PCareUser: s.PCareUser, PCarePassword: s.PCarePassword}
}

// SATUSEHATConfig is the client configuration of a facility's SATUSEHAT settings.
func SATUSEHATConfig(s queue.SATUSEHATSettings) satusehat.Config {
	return satusehat.Config{BaseURL: s.BaseURL, ClientID: s.ClientID, ClientSecret: s.ClientSecret, OrganizationID: s.OrganizationID}
}

func invalid(msg string) error { return fault.Invalid("", msg) }

func checkURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return invalid("Alamat layanan harus URL http(s).")
	}
	return nil
}

// LoadBPJS returns a facility's BPJS settings, with Environment named from
// the service address. Errors wrap fault.ErrNotFound before any are saved.
func LoadBPJS(ctx context.Context, store Settings, facility string) (queue.BPJSSettings, error) {
	s, err := store.BPJSSettings(ctx, facility)
	if err != nil {
		return s, err
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
func SaveBPJS(ctx context.Context, store Settings, facility string, s queue.BPJSSettings) error {
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
	old, err := store.BPJSSettings(ctx, facility)
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
	return store.SaveBPJSSettings(ctx, facility, s)
}

// LoadSATUSEHAT returns a facility's SATUSEHAT settings. Errors wrap
// fault.ErrNotFound before any are saved.
func LoadSATUSEHAT(ctx context.Context, store Settings, facility string) (queue.SATUSEHATSettings, error) {
	return store.SATUSEHATSettings(ctx, facility)
}

// SaveSATUSEHAT stores a facility's SATUSEHAT settings and replaces its
// locations. An empty client secret keeps the stored one. Errors wrap
// fault.ErrInvalid with a message for admins.
func SaveSATUSEHAT(ctx context.Context, store Settings, facility string, s queue.SATUSEHATSettings) error {
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
		old, err := store.SATUSEHATSettings(ctx, facility)
		if err != nil && !errors.Is(err, fault.ErrNotFound) {
			return err
		}
		if s.ClientSecret = old.ClientSecret; s.ClientSecret == "" {
			return invalid("Client secret wajib diisi.")
		}
	}
	seen := map[string]bool{}
	locations := make([]queue.SATUSEHATLocation, len(s.Locations))
	for i, l := range s.Locations {
		if l.Unit == "" || strings.TrimSpace(l.LocationID) == "" || seen[l.Unit] {
			return invalid("Setiap unit dipetakan ke satu Location ID.")
		}
		seen[l.Unit] = true
		locations[i] = queue.SATUSEHATLocation{Unit: l.Unit, LocationID: strings.TrimSpace(l.LocationID),
			Practitioner: strings.TrimSpace(l.Practitioner)}
	}
	s.Locations = locations
	return store.SaveSATUSEHATSettings(ctx, facility, s)
}
