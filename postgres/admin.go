package postgres

import (
	"context"
	"fmt"

	"github.com/antrian/antrian/queue"
)

// CreateFacility adds a facility, or updates its name, kind and time zone
// when the code exists. It returns the facility id.
func (db *DB) CreateFacility(ctx context.Context, f queue.Facility) (int64, error) {
	if f.Kind == "" {
		f.Kind = "puskesmas"
	}
	if f.Timezone == "" {
		f.Timezone = "Asia/Jakarta"
	}
	if f.BookingWindow == 0 {
		f.BookingWindow = 7
	}
	var id int64
	err := db.Pool.QueryRow(ctx, `INSERT INTO facilities (code, name, kind, timezone, booking_window)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE
		SET name = EXCLUDED.name, kind = EXCLUDED.kind, timezone = EXCLUDED.timezone, booking_window = EXCLUDED.booking_window
		RETURNING id`, f.Code, f.Name, f.Kind, f.Timezone, f.BookingWindow).Scan(&id)
	if err != nil {
		return 0, interpret("create facility "+f.Code, err)
	}
	return id, nil
}

// SaveUnit adds or updates a unit of facility (by code). A unit whose
// check-in rule is the zero value keeps the rule it has (a new unit: the
// default, check-in not required).
func (db *DB) SaveUnit(ctx context.Context, facilityID int64, u queue.Unit) error {
	if err := u.Policy.Validate(); err != nil {
		return err
	}
	keep := u.CheckIn == queue.CheckInRule{}
	ci := queue.DefaultCheckIn()
	if !keep {
		if err := u.CheckIn.Validate(); err != nil {
			return err
		}
		ci = u.CheckIn
	}
	_, err := db.Pool.Exec(ctx, `INSERT INTO units (facility_id, code, name, prefix, daily_quota, opens_min, closes_min,
			open_days, policy_mode, policy_every, policy_max_wait, requeue_ahead, default_service_s,
			checkin_required, checkin_grace_min, noshow_rule)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (facility_id, code) DO UPDATE SET name = EXCLUDED.name, prefix = EXCLUDED.prefix,
			daily_quota = EXCLUDED.daily_quota, opens_min = EXCLUDED.opens_min, closes_min = EXCLUDED.closes_min,
			open_days = EXCLUDED.open_days, policy_mode = EXCLUDED.policy_mode, policy_every = EXCLUDED.policy_every,
			policy_max_wait = EXCLUDED.policy_max_wait, requeue_ahead = EXCLUDED.requeue_ahead,
			default_service_s = EXCLUDED.default_service_s,
			checkin_required = CASE WHEN $17 THEN units.checkin_required ELSE EXCLUDED.checkin_required END,
			checkin_grace_min = CASE WHEN $17 THEN units.checkin_grace_min ELSE EXCLUDED.checkin_grace_min END,
			noshow_rule = CASE WHEN $17 THEN units.noshow_rule ELSE EXCLUDED.noshow_rule END`,
		facilityID, u.Code, u.Name, u.Prefix, u.DailyQuota, u.Opens, u.Closes, u.OpenDays,
		u.Policy.Mode, u.Policy.Every, u.Policy.MaxWait, u.Policy.RequeueAhead, u.DefaultServiceS,
		ci.Required, ci.GraceMin, ci.NoShow, keep)
	return interpret("save unit "+u.Code, err)
}

// AllDays is OpenDays for a unit open every day of the week.
const AllDays = 0b1111111

// DemoUnits are the units of the demo facility.
var DemoUnits = []struct{ Code, Name, Prefix string }{
	{"LOKET", "Pendaftaran", "A"},
	{"UMUM", "Poli Umum", "B"},
	{"GIGI", "Poli Gigi", "C"},
	{"KIA", "KIA/KB", "D"},
	{"LAB", "Laboratorium", "E"},
	{"FARMASI", "Farmasi", "F"},
}

// SeedDistrict creates n facilities pkm001... ("Puskesmas 001"...) with the
// demo units, for load tests and dashboards of a whole district.
func (db *DB) SeedDistrict(ctx context.Context, n int) error {
	for i := 1; i <= n; i++ {
		id, err := db.CreateFacility(ctx, queue.Facility{Code: fmt.Sprintf("pkm%03d", i), Name: fmt.Sprintf("Puskesmas %03d", i)})
		if err != nil {
			return err
		}
		for _, d := range DemoUnits {
			u := queue.Unit{Code: d.Code, Name: d.Name, Prefix: d.Prefix, DailyQuota: 999, OpenDays: AllDays,
				Policy: queue.DefaultPolicy(), DefaultServiceS: 300}
			if err := db.SaveUnit(ctx, id, u); err != nil {
				return fmt.Errorf("seed district: %w", err)
			}
		}
	}
	return nil
}

// SeedDemo creates the demo facility "sobo" (Puskesmas Sobo) with its six
// units, open every day and hour with a quota of 999. Running it again
// restores the demo settings and keeps the history.
func (db *DB) SeedDemo(ctx context.Context) error {
	id, err := db.CreateFacility(ctx, queue.Facility{Code: "sobo", Name: "Puskesmas Sobo"})
	if err != nil {
		return err
	}
	for _, d := range DemoUnits {
		u := queue.Unit{Code: d.Code, Name: d.Name, Prefix: d.Prefix, DailyQuota: 999, Opens: 0, Closes: 0,
			OpenDays: AllDays, Policy: queue.DefaultPolicy(), DefaultServiceS: 300}
		if err := db.SaveUnit(ctx, id, u); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	return nil
}
