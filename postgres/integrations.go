package postgres

import (
	"context"
	"time"

	"github.com/antrian/antrian/queue"
	"github.com/jackc/pgx/v5"
)

// JKNAccount returns the Mobile JKN username and password hash of a
// facility. fault.ErrNotFound before the facility is configured.
func (db *DB) JKNAccount(ctx context.Context, facility string) (string, string, error) {
	var user, hash string
	err := db.Pool.QueryRow(ctx, `SELECT username, password_hash FROM jkn_accounts WHERE facility = $1`, facility).Scan(&user, &hash)
	return user, hash, interpret("jkn account "+facility, err)
}

// SaveJKNAccount sets a facility's Mobile JKN credentials; an empty hash
// keeps the stored password. Changing them ends every token handed out.
func (db *DB) SaveJKNAccount(ctx context.Context, facility, username, passwordHash string) error {
	return interpret("save jkn account "+facility, db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO jkn_accounts (facility, username, password_hash, updated_at) VALUES ($1, $2, $3, now())
			ON CONFLICT (facility) DO UPDATE SET username = EXCLUDED.username,
				password_hash = CASE WHEN EXCLUDED.password_hash = '' THEN jkn_accounts.password_hash ELSE EXCLUDED.password_hash END,
				updated_at = now()`, facility, username, passwordHash)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM jkn_tokens WHERE facility = $1`, facility)
		return err
	}))
}

// JKNPoli returns a facility's mapping of PCare poli codes to units.
func (db *DB) JKNPoli(ctx context.Context, facility string) ([]queue.Poli, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT kodepoli, unit, kodedokter, namadokter, jampraktek FROM jkn_poli
		WHERE facility = $1 ORDER BY kodepoli`, facility)
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (queue.Poli, error) {
		var p queue.Poli
		err := r.Scan(&p.KodePoli, &p.Unit, &p.KodeDokter, &p.NamaDokter, &p.JamPraktek)
		return p, err
	})
	return ps, interpret("jkn poli", err)
}

// SaveJKNPoli replaces a facility's poli mapping.
func (db *DB) SaveJKNPoli(ctx context.Context, facility string, polis []queue.Poli) error {
	return interpret("save jkn poli "+facility, db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM jkn_poli WHERE facility = $1`, facility); err != nil {
			return err
		}
		for _, p := range polis {
			if _, err := tx.Exec(ctx, `INSERT INTO jkn_poli (facility, kodepoli, unit, kodedokter, namadokter, jampraktek)
				VALUES ($1, $2, $3, $4, $5, $6)`, facility, p.KodePoli, p.Unit, p.KodeDokter, p.NamaDokter, p.JamPraktek); err != nil {
				return err
			}
		}
		return nil
	}))
}

// SaveJKNToken stores the hash of a new x-token, and forgets expired ones.
func (db *DB) SaveJKNToken(ctx context.Context, facility, username string, tokenHash []byte, expires time.Time) error {
	return interpret("save jkn token", db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM jkn_tokens WHERE expires_at < $1`, expires.Add(-24*time.Hour)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO jkn_tokens (token_hash, facility, username, expires_at) VALUES ($1, $2, $3, $4)`,
			tokenHash, facility, username, expires)
		return err
	}))
}

// JKNTokenValid reports whether a token hash was handed out to username at
// facility and is still valid at now.
func (db *DB) JKNTokenValid(ctx context.Context, facility, username string, tokenHash []byte, now time.Time) (bool, error) {
	var ok bool
	err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM jkn_tokens WHERE token_hash = $1 AND facility = $2
		AND username = $3 AND expires_at > $4)`, tokenHash, facility, username, now).Scan(&ok)
	return ok, interpret("jkn token", err)
}

// JKNDay counts a unit's tickets on date: issued and not cancelled,
// waiting, and the latest call.
func (db *DB) JKNDay(ctx context.Context, facility, unit, date string) (queue.Day, error) {
	var d queue.Day
	err := db.Pool.QueryRow(ctx, `SELECT
			count(t.id) FILTER (WHERE t.status <> 'cancelled'),
			count(t.id) FILTER (WHERE t.status = 'waiting'),
			coalesce((SELECT c.code FROM tickets c WHERE c.unit_id = u.id AND c.service_date = $3::date
				AND c.status IN ('called', 'serving') ORDER BY c.called_at DESC, c.id LIMIT 1), '')
		FROM units u JOIN facilities f ON f.id = u.facility_id
		LEFT JOIN tickets t ON t.unit_id = u.id AND t.service_date = $3::date
		WHERE f.code = $1 AND u.code = $2 GROUP BY u.id`, facility, unit, date).Scan(&d.Total, &d.Waiting, &d.Current)
	return d, interpret("jkn day", err)
}

// JKNTicket returns the id of the latest ticket of a card in a unit on
// date that was not cancelled. fault.ErrNotFound if there is none.
func (db *DB) JKNTicket(ctx context.Context, facility, unit, date, card string) (string, error) {
	var id string
	err := db.Pool.QueryRow(ctx, `SELECT t.id FROM tickets t JOIN units u ON u.id = t.unit_id JOIN facilities f ON f.id = t.facility_id
		WHERE f.code = $1 AND u.code = $2 AND t.service_date = $3::date AND t.bpjs = $4 AND t.status <> 'cancelled'
		ORDER BY t.issued_at DESC LIMIT 1`, facility, unit, date, card).Scan(&id)
	return id, interpret("jkn ticket", err)
}

// JKNPatient returns a patient registered through peserta.
// fault.ErrNotFound if the card is not registered at the facility.
func (db *DB) JKNPatient(ctx context.Context, facility, card string) (queue.Patient, error) {
	p := queue.Patient{NomorKartu: card}
	err := db.Pool.QueryRow(ctx, `SELECT nik, nama, norm FROM jkn_patients WHERE facility = $1 AND nomorkartu = $2`,
		facility, card).Scan(&p.NIK, &p.Nama, &p.NoRM)
	return p, interpret("jkn patient", err)
}

// SaveJKNPatient registers a patient with a new medical record number, or
// returns the one already registered with that card.
func (db *DB) SaveJKNPatient(ctx context.Context, facility string, p queue.Patient) (queue.Patient, error) {
	_, err := db.Pool.Exec(ctx, `INSERT INTO jkn_patients (facility, nomorkartu, nik, nama, norm)
		VALUES ($1, $2, $3, $4, 'JKN' || lpad(nextval('jkn_norm_seq')::text, 7, '0'))
		ON CONFLICT (facility, nomorkartu) DO NOTHING`, facility, p.NomorKartu, p.NIK, p.Nama)
	if err != nil {
		return p, interpret("save jkn patient", err)
	}
	return db.JKNPatient(ctx, facility, p.NomorKartu)
}

// ReferralHook records the referral carried by a booking's context
// (queue.WithReferral) in the booking's own transaction, so a referred
// ticket never exists without its origin. It is an EventHook.
func ReferralHook(ctx context.Context, tx *Tx, e queue.Event, t queue.Ticket, actor string) error {
	r, ok := queue.ReferralFrom(ctx)
	if !ok || e.Kind != "booked" {
		return nil
	}
	_, err := tx.tx.Exec(ctx, `INSERT INTO referrals (to_ticket_id, to_facility, to_unit, from_ticket_id, from_facility, from_unit,
		reason, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.Facility, t.Unit, r.FromTicket, r.FromFacility, r.FromUnit, r.Reason, r.Actor, e.At)
	if err != nil {
		return interpret("record referral", err)
	}
	return nil
}

const referralColumns = `r.to_ticket_id, r.to_facility, r.to_unit, r.from_ticket_id, r.from_facility,
	coalesce(f.name, r.from_facility), r.from_unit, r.reason, r.actor, r.created_at`

func scanReferral(row pgx.CollectableRow) (queue.Referral, error) {
	var r queue.Referral
	err := row.Scan(&r.ToTicket, &r.ToFacility, &r.ToUnit, &r.FromTicket, &r.FromFacility, &r.FromName, &r.FromUnit,
		&r.Reason, &r.Actor, &r.At)
	return r, err
}

// ReferralTo returns the referral that created ticket id.
// fault.ErrNotFound if the ticket was not referred.
func (db *DB) ReferralTo(ctx context.Context, ticketID string) (queue.Referral, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+referralColumns+` FROM referrals r
		LEFT JOIN facilities f ON f.code = r.from_facility WHERE r.to_ticket_id = $1`, ticketID)
	r, err := pgx.CollectExactlyOneRow(rows, scanReferral)
	return r, interpret("referral of "+ticketID, err)
}

// ReferralsTo lists the patients referred to facility for service on
// date (every date when empty), newest first.
func (db *DB) ReferralsTo(ctx context.Context, facility, date string) ([]queue.Referral, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+referralColumns+` FROM referrals r
		LEFT JOIN facilities f ON f.code = r.from_facility
		JOIN tickets t ON t.id = r.to_ticket_id
		WHERE r.to_facility = $1 AND ($2 = '' OR t.service_date = $2::date)
		ORDER BY r.created_at DESC LIMIT 500`, facility, date)
	rs, err := pgx.CollectRows(rows, scanReferral)
	return rs, interpret("referrals to "+facility, err)
}

// BPJSSettings returns a facility's BPJS settings; Environment is left
// for the caller to name from BaseURL. fault.ErrNotFound before any are
// saved.
func (db *DB) BPJSSettings(ctx context.Context, facility string) (queue.BPJSSettings, error) {
	var s queue.BPJSSettings
	err := db.Pool.QueryRow(ctx, `SELECT enabled, base_url, cons_id, secret, user_key, pcare_user, pcare_password
		FROM bpjs_settings WHERE facility = $1`, facility).
		Scan(&s.Enabled, &s.BaseURL, &s.ConsID, &s.Secret, &s.UserKey, &s.PCareUser, &s.PCarePassword)
	return s, interpret("bpjs settings of "+facility, err)
}

// SaveBPJSSettings stores a facility's BPJS settings as given.
func (db *DB) SaveBPJSSettings(ctx context.Context, facility string, s queue.BPJSSettings) error {
	_, err := db.Pool.Exec(ctx, `INSERT INTO bpjs_settings (facility, enabled, base_url, cons_id, secret, user_key, pcare_user,
			pcare_password, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
		ON CONFLICT (facility) DO UPDATE SET enabled = EXCLUDED.enabled, base_url = EXCLUDED.base_url,
			cons_id = EXCLUDED.cons_id, secret = EXCLUDED.secret, user_key = EXCLUDED.user_key,
			pcare_user = EXCLUDED.pcare_user, pcare_password = EXCLUDED.pcare_password, updated_at = now()`,
		facility, s.Enabled, s.BaseURL, s.ConsID, s.Secret, s.UserKey, s.PCareUser, s.PCarePassword)
	return interpret("save bpjs settings of "+facility, err)
}

// SATUSEHATSettings returns a facility's SATUSEHAT settings and locations,
// by unit. fault.ErrNotFound before any are saved.
func (db *DB) SATUSEHATSettings(ctx context.Context, facility string) (queue.SATUSEHATSettings, error) {
	var s queue.SATUSEHATSettings
	err := db.Pool.QueryRow(ctx, `SELECT enabled, environment, base_url, client_id, client_secret, organization_id
		FROM satusehat_settings WHERE facility = $1`, facility).
		Scan(&s.Enabled, &s.Environment, &s.BaseURL, &s.ClientID, &s.ClientSecret, &s.OrganizationID)
	if err != nil {
		return s, interpret("satusehat settings of "+facility, err)
	}
	rows, _ := db.Pool.Query(ctx, `SELECT unit, location_id, practitioner FROM satusehat_locations WHERE facility = $1 ORDER BY unit`, facility)
	s.Locations, err = pgx.CollectRows(rows, pgx.RowToStructByPos[queue.SATUSEHATLocation])
	return s, interpret("satusehat locations of "+facility, err)
}

// SaveSATUSEHATSettings stores a facility's SATUSEHAT settings as given
// and replaces its locations, in one transaction.
func (db *DB) SaveSATUSEHATSettings(ctx context.Context, facility string, s queue.SATUSEHATSettings) error {
	return interpret("save satusehat settings of "+facility, db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO satusehat_settings (facility, enabled, environment, base_url, client_id, client_secret,
				organization_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())
			ON CONFLICT (facility) DO UPDATE SET enabled = EXCLUDED.enabled, environment = EXCLUDED.environment,
				base_url = EXCLUDED.base_url, client_id = EXCLUDED.client_id, client_secret = EXCLUDED.client_secret,
				organization_id = EXCLUDED.organization_id, updated_at = now()`,
			facility, s.Enabled, s.Environment, s.BaseURL, s.ClientID, s.ClientSecret, s.OrganizationID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM satusehat_locations WHERE facility = $1`, facility); err != nil {
			return err
		}
		for _, l := range s.Locations {
			if _, err := tx.Exec(ctx, `INSERT INTO satusehat_locations (facility, unit, location_id, practitioner) VALUES ($1, $2, $3, $4)`,
				facility, l.Unit, l.LocationID, l.Practitioner); err != nil {
				return err
			}
		}
		return nil
	}))
}

// SATUSEHATEncounter returns the id of the Encounter SATUSEHAT keeps for a
// ticket. fault.ErrNotFound before one was created.
func (db *DB) SATUSEHATEncounter(ctx context.Context, ticketID string) (string, error) {
	var id string
	err := db.Pool.QueryRow(ctx, `SELECT encounter_id FROM satusehat_encounters WHERE ticket_id = $1`, ticketID).Scan(&id)
	return id, interpret("satusehat encounter of "+ticketID, err)
}

// SaveSATUSEHATEncounter records the Encounter of a ticket and the status
// it was last sent with.
func (db *DB) SaveSATUSEHATEncounter(ctx context.Context, ticketID, encounterID, status string) error {
	_, err := db.Pool.Exec(ctx, `INSERT INTO satusehat_encounters (ticket_id, encounter_id, status) VALUES ($1, $2, $3)
		ON CONFLICT (ticket_id) DO UPDATE SET encounter_id = EXCLUDED.encounter_id, status = EXCLUDED.status, updated_at = now()`,
		ticketID, encounterID, status)
	return interpret("save satusehat encounter of "+ticketID, err)
}

// SATUSEHATPatient returns the IHS number and name cached under the keyed
// hash of a NIK (the cache holds no NIK). fault.ErrNotFound when none is.
func (db *DB) SATUSEHATPatient(ctx context.Context, nikHash []byte) (ihs, name string, err error) {
	err = db.Pool.QueryRow(ctx, `SELECT ihs, name FROM satusehat_patients WHERE nik_hash = $1`, nikHash).Scan(&ihs, &name)
	return ihs, name, interpret("satusehat patient", err)
}

// SaveSATUSEHATPatient caches the IHS number and name of a NIK's hash.
func (db *DB) SaveSATUSEHATPatient(ctx context.Context, nikHash []byte, ihs, name string) error {
	_, err := db.Pool.Exec(ctx, `INSERT INTO satusehat_patients (nik_hash, ihs, name) VALUES ($1, $2, $3)
		ON CONFLICT (nik_hash) DO UPDATE SET ihs = EXCLUDED.ihs, name = EXCLUDED.name, updated_at = now()`, nikHash, ihs, name)
	return interpret("save satusehat patient", err)
}

// SATUSEHATEnabled reports whether a facility sends its visits to SATUSEHAT.
func (tx *Tx) SATUSEHATEnabled(ctx context.Context, facility string) (bool, error) {
	var on bool
	err := tx.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM satusehat_settings WHERE facility = $1 AND enabled)`, facility).Scan(&on)
	return on, interpret("satusehat enabled", err)
}

// BPJSPoli returns the PCare poli code of a unit of a facility that sends
// its queue to BPJS. fault.ErrNotFound when the unit is not mapped or the
// facility's BPJS settings are missing or off.
func (tx *Tx) BPJSPoli(ctx context.Context, facility, unit string) (string, error) {
	var kodepoli string
	err := tx.tx.QueryRow(ctx, `SELECT p.kodepoli FROM jkn_poli p JOIN bpjs_settings b ON b.facility = p.facility AND b.enabled
		WHERE p.facility = $1 AND p.unit = $2`, facility, unit).Scan(&kodepoli)
	return kodepoli, interpret("bpjs poli of "+facility+"/"+unit, err)
}
