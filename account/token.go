package account

import "time"

// APIToken is a machine credential as admins see it (never the secret).
type APIToken struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	Facility  string     `json:"facility"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	LastUsed  *time.Time `json:"last_used"`
	Revoked   *time.Time `json:"revoked_at"`
}

// AuditEntry is one staff or admin action.
type AuditEntry struct {
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Role     string    `json:"role"`
	Facility string    `json:"facility"`
	Action   string    `json:"action"`
	Target   string    `json:"target"`
	Status   int       `json:"status"`
	Address  string    `json:"address"`
}
