package queue

// BPJSSettings are a facility's credentials for BPJS Antrean FKTP
// (antreanfktp), and whether its queue events are sent there.
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

// SATUSEHATSettings are a facility's SATUSEHAT credentials and units, and
// whether its visits are sent there.
type SATUSEHATSettings struct {
	Enabled bool
	// Environment is "sandbox", "production", "development", or "custom"
	// with BaseURL.
	Environment    string
	BaseURL        string
	ClientID       string
	ClientSecret   string
	OrganizationID string
	Locations      []SATUSEHATLocation
}

// SATUSEHATLocation maps a unit to its SATUSEHAT Location and attending
// Practitioner.
type SATUSEHATLocation struct {
	Unit         string
	LocationID   string
	Practitioner string
}
