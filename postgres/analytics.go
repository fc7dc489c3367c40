package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/antrian/antrian/analytics"
	"github.com/jackc/pgx/v5"
)

// Analytics reads the queue's history for the dashboards and the live
// state for the metrics. Errors are wrapped fault.ErrUnavailable (the
// database failed) unless said otherwise.

// LiveUnit is the live state of one unit with people in it today.
type LiveUnit struct {
	Facility string
	Unit     string
	Waiting  int
	Serving  int // called or being served
	// OldestSince is when the longest-waiting ticket joined the line; nil
	// when nobody waits.
	OldestSince *time.Time
}

// arrivedSQL is when a ticket joined its unit's line: its issue time, or
// the unit's opening time on the service date for a ticket booked ahead.
const arrivedSQL = `greatest(t.issued_at, (t.service_date + make_interval(mins => u.opens_min)) AT TIME ZONE f.timezone)`

// LiveUnits returns every unit that has tickets waiting, called or being
// served on its facility's current date at now. It reads only the active
// tickets (index tickets_active_day), so its cost follows the number of
// people in the buildings, not the history.
func (db *DB) LiveUnits(ctx context.Context, now time.Time) ([]LiveUnit, error) {
	// Every zone's today lies within a day of the UTC date.
	utc := now.UTC()
	rows, _ := db.Pool.Query(ctx, `SELECT f.code, u.code,
			count(*) FILTER (WHERE t.status = 'waiting'),
			count(*) FILTER (WHERE t.status <> 'waiting'),
			min(`+arrivedSQL+`) FILTER (WHERE t.status = 'waiting')
		FROM tickets t JOIN units u ON u.id = t.unit_id JOIN facilities f ON f.id = t.facility_id
		WHERE t.status IN ('waiting', 'called', 'serving')
			AND t.service_date BETWEEN $2 AND $3
			AND t.service_date = ($1::timestamptz AT TIME ZONE f.timezone)::date
		GROUP BY f.code, u.code ORDER BY f.code, u.code`,
		now, utc.AddDate(0, 0, -1).Format(time.DateOnly), utc.AddDate(0, 0, 1).Format(time.DateOnly))
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (LiveUnit, error) {
		var l LiveUnit
		err := r.Scan(&l.Facility, &l.Unit, &l.Waiting, &l.Serving, &l.OldestSince)
		return l, err
	})
	return out, interpret("live units", err)
}

// Backlog is the state of the outboxes: messages to patients and calls to
// BPJS and SATUSEHAT not sent yet, and those given up on.
type Backlog struct {
	NotifyPending      int
	NotifyOldest       *time.Time // created_at of the oldest pending message
	NotifyDead         int
	IntegrationPending map[string]int // by target: bpjs, satusehat
	IntegrationOldest  map[string]time.Time
	IntegrationDead    map[string]int
}

// OutboxBacklog counts the outboxes' pending and dead rows (partial
// indexes keep this cheap while the backlog is small).
func (db *DB) OutboxBacklog(ctx context.Context) (Backlog, error) {
	b := Backlog{IntegrationPending: map[string]int{}, IntegrationOldest: map[string]time.Time{}, IntegrationDead: map[string]int{}}
	err := db.Pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM notify_outbox WHERE state = 'pending'),
			(SELECT min(created_at) FROM notify_outbox WHERE state = 'pending'),
			(SELECT count(*) FROM notify_outbox WHERE state = 'dead')`).Scan(&b.NotifyPending, &b.NotifyOldest, &b.NotifyDead)
	if err != nil {
		return b, interpret("outbox backlog", err)
	}
	rows, _ := db.Pool.Query(ctx, `SELECT target, state, count(*), min(created_at) FROM integration_outbox
		WHERE state IN ('pending', 'dead') GROUP BY target, state`)
	var target, state string
	var n int
	var oldest time.Time
	_, err = pgx.ForEachRow(rows, []any{&target, &state, &n, &oldest}, func() error {
		if state == "pending" {
			b.IntegrationPending[target] = n
			b.IntegrationOldest[target] = oldest
		} else {
			b.IntegrationDead[target] = n
		}
		return nil
	})
	return b, interpret("integration backlog", err)
}

// AnalyticsFacility is a facility as the dashboards list it.
type AnalyticsFacility struct {
	ID       int64
	Code     string
	Name     string
	Location *time.Location
	Units    []AnalyticsUnit
}

// AnalyticsUnit is a unit as the dashboards list it.
type AnalyticsUnit struct {
	ID   int64
	Code string
	Name string
}

// AnalyticsFacilities lists the facilities (all when code is "") with
// their units, by name. fault.ErrNotFound for an unknown code.
func (db *DB) AnalyticsFacilities(ctx context.Context, code string) ([]AnalyticsFacility, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT f.id, f.code, f.name, f.timezone, u.id, u.code, u.name
		FROM facilities f JOIN units u ON u.facility_id = f.id
		WHERE $1 = '' OR f.code = $1 ORDER BY f.name, f.code, u.id`, code)
	var out []AnalyticsFacility
	var fid, uid int64
	var fcode, fname, tz, ucode, uname string
	_, err := pgx.ForEachRow(rows, []any{&fid, &fcode, &fname, &tz, &uid, &ucode, &uname}, func() error {
		if len(out) == 0 || out[len(out)-1].ID != fid {
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return fmt.Errorf("facility %s: time zone %q: %w", fcode, tz, err)
			}
			out = append(out, AnalyticsFacility{ID: fid, Code: fcode, Name: fname, Location: loc})
		}
		f := &out[len(out)-1]
		f.Units = append(f.Units, AnalyticsUnit{ID: uid, Code: ucode, Name: uname})
		return nil
	})
	if err != nil {
		return nil, interpret("analytics facilities", err)
	}
	if code != "" && len(out) == 0 {
		return nil, interpret("analytics facility "+code, pgx.ErrNoRows)
	}
	return out, nil
}

// visitRow is a Visit with the ids the rollups are keyed by.
type visitRow struct {
	facilityID, unitID int64
	analytics.Visit
}

// visits reads one row per ticket of the facilities on service dates from
// to to (inclusive, yyyy-mm-dd). The times are the ticket's own (its
// latest call, start and finish), so the read is one index range of
// tickets. With staff, the account that made the latest call is read from
// the event history too (one index lookup per ticket: for a facility's
// report, not for the district's rollups).
func (db *DB) visits(ctx context.Context, facilityIDs []int64, from, to string, staff bool) ([]visitRow, error) {
	who, join := `''`, ``
	if staff {
		who = `coalesce(c.actor, '')`
		join = `LEFT JOIN LATERAL (SELECT e.actor FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'called'
			ORDER BY e.seq DESC LIMIT 1) c ON true`
	}
	rows, _ := db.Pool.Query(ctx, `SELECT t.facility_id, f.code, t.unit_id, u.code, t.service_date::text, t.channel, t.status,
			t.from_unit <> '', `+arrivedSQL+`, t.called_at, t.started_at, t.finished_at, t.counter, `+who+`
		FROM tickets t JOIN units u ON u.id = t.unit_id JOIN facilities f ON f.id = t.facility_id `+join+`
		WHERE t.facility_id = ANY($1) AND t.service_date BETWEEN $2 AND $3`, facilityIDs, from, to)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (visitRow, error) {
		var v visitRow
		err := r.Scan(&v.facilityID, &v.Facility, &v.unitID, &v.Unit, &v.Date, &v.Channel, &v.Status, &v.TransferIn,
			&v.Arrived, &v.Called, &v.Started, &v.Finished, &v.Counter, &v.Staff)
		return v, err
	})
	return out, interpret("visits", err)
}

// Visits returns one Visit per ticket of the facilities on service dates
// from to to (inclusive). With staff, each carries the account that called
// it (for the per-staff breakdown); without, Staff is empty and the read
// is cheaper.
func (db *DB) Visits(ctx context.Context, facilityIDs []int64, from, to string, staff bool) ([]analytics.Visit, error) {
	rows, err := db.visits(ctx, facilityIDs, from, to, staff)
	if err != nil {
		return nil, err
	}
	out := make([]analytics.Visit, len(rows))
	for i, r := range rows {
		out[i] = r.Visit
	}
	return out, nil
}

// UnitDay is one unit's rolled-up day.
type UnitDay struct {
	FacilityID int64
	UnitID     int64
	Date       string
	analytics.Summary
}

// UnitDays returns the rollups of the facilities' days from to to
// (inclusive) that are over in each facility's zone at now. Days not
// rolled up yet are computed first, from the event history, and kept: a
// day that is over does not change. Today is never in it; read it with
// Visits.
func (db *DB) UnitDays(ctx context.Context, fs []AnalyticsFacility, from, to string, now time.Time) ([]UnitDay, error) {
	if len(fs) == 0 {
		return nil, nil
	}
	if err := db.rollUp(ctx, fs, from, to, now); err != nil {
		return nil, err
	}
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	rows, _ := db.Pool.Query(ctx, `SELECT facility_id, unit_id, service_date::text, booked_online, booked_kiosk, booked_desk,
			booked_jkn, transfers_in, called, served, skipped, cancelled, transferred, unserved, arrivals, wait_s, service_s
		FROM analytics_unit_days WHERE facility_id = ANY($1) AND service_date BETWEEN $2 AND $3`, ids, from, to)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (UnitDay, error) {
		var d UnitDay
		var online, kiosk, desk, jkn int
		var arrivals []int32
		err := r.Scan(&d.FacilityID, &d.UnitID, &d.Date, &online, &kiosk, &desk, &jkn, &d.TransfersIn, &d.Called,
			&d.Served, &d.Skipped, &d.Cancelled, &d.Transferred, &d.Unserved, &arrivals, &d.Waits, &d.Services)
		d.Booked = map[string]int{"online": online, "kiosk": kiosk, "desk": desk, "jkn": jkn}
		for h := 0; h < 24 && h < len(arrivals); h++ {
			d.Arrivals[h] = int(arrivals[h])
		}
		return d, err
	})
	return out, interpret("unit days", err)
}

// rollUp computes and stores the missing rollups of days that are over.
// Instances computing the same day at once agree (the first insert wins).
func (db *DB) rollUp(ctx context.Context, fs []AnalyticsFacility, from, to string, now time.Time) error {
	ids := make([]int64, len(fs))
	byID := map[int64]AnalyticsFacility{}
	for i, f := range fs {
		ids[i] = f.ID
		byID[f.ID] = f
	}
	type day struct {
		facility int64
		date     string
	}
	rows, _ := db.Pool.Query(ctx, `SELECT f.id, d::date::text
		FROM facilities f CROSS JOIN generate_series($2::date, $3::date, interval '1 day') d
		WHERE f.id = ANY($1) AND d::date < ($4::timestamptz AT TIME ZONE f.timezone)::date
			AND NOT EXISTS (SELECT 1 FROM analytics_days a WHERE a.facility_id = f.id AND a.service_date = d::date)`,
		ids, from, to, now)
	missing, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (day, error) {
		var d day
		err := r.Scan(&d.facility, &d.date)
		return d, err
	})
	if err != nil {
		return interpret("missing rollups", err)
	}
	if len(missing) == 0 {
		return nil
	}
	want := map[day]bool{}
	var need []int64
	lo, hi := missing[0].date, missing[0].date
	for _, d := range missing {
		want[d] = true
		if !slices.Contains(need, d.facility) {
			need = append(need, d.facility)
		}
		lo, hi = min(lo, d.date), max(hi, d.date)
	}
	vs, err := db.visits(ctx, need, lo, hi, false)
	if err != nil {
		return err
	}
	type unitDay struct {
		day
		unit int64
	}
	sums := map[unitDay]*analytics.Summary{}
	for _, v := range vs {
		d := day{v.facilityID, v.Date}
		if !want[d] {
			continue
		}
		k := unitDay{d, v.unitID}
		s := sums[k]
		if s == nil {
			s = &analytics.Summary{}
			sums[k] = s
		}
		s.Add(v.Visit, byID[v.facilityID].Location)
	}
	computed := now
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		// Lock out a concurrent rollup of the same days: the markers are
		// inserted first and only the transaction that inserted a marker
		// writes its rows.
		mine := map[day]bool{}
		for _, d := range missing {
			tag, err := tx.Exec(ctx, `INSERT INTO analytics_days (facility_id, service_date, computed_at) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, d.facility, d.date, computed)
			if err != nil {
				return err
			}
			mine[d] = tag.RowsAffected() == 1
		}
		rows := make([][]any, 0, len(sums))
		for k, s := range sums {
			if !mine[k.day] {
				continue
			}
			s.Sort()
			arrivals := make([]int32, 24)
			for h, n := range s.Arrivals {
				arrivals[h] = int32(n)
			}
			date, _ := time.Parse(time.DateOnly, k.date)
			rows = append(rows, []any{k.facility, date, k.unit, s.Booked["online"], s.Booked["kiosk"], s.Booked["desk"],
				s.Booked["jkn"], s.TransfersIn, s.Called, s.Served, s.Skipped, s.Cancelled, s.Transferred, s.Unserved,
				arrivals, nonNil(s.Waits), nonNil(s.Services)})
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"analytics_unit_days"}, []string{"facility_id", "service_date", "unit_id",
			"booked_online", "booked_kiosk", "booked_desk", "booked_jkn", "transfers_in", "called", "served", "skipped",
			"cancelled", "transferred", "unserved", "arrivals", "wait_s", "service_s"}, pgx.CopyFromRows(rows))
		return err
	})
	return interpret("roll up", err)
}

func nonNil(v []int32) []int32 {
	if v == nil {
		return []int32{}
	}
	return v
}

// SendCount is how many outbound messages or calls of one kind ended in
// one state.
type SendCount struct {
	Target string // "notify" (patient messages), "bpjs", "satusehat"
	State  string // pending, sent, dead, stale
	Count  int
}

// SendCounts counts the facility's patient messages and BPJS/SATUSEHAT
// calls created from from to to (exclusive), by target and state.
func (db *DB) SendCounts(ctx context.Context, facility string, from, to time.Time) ([]SendCount, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT 'notify', state, count(*)::int FROM notify_outbox
			WHERE facility = $1 AND created_at >= $2 AND created_at < $3 GROUP BY state
		UNION ALL
		SELECT target, state, count(*)::int FROM integration_outbox
			WHERE facility = $1 AND created_at >= $2 AND created_at < $3 GROUP BY target, state
		ORDER BY 1, 2`, facility, from, to)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[SendCount])
	return out, interpret("send counts", err)
}
