package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/antrian/antrian/fault"
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
const arrivedSQL = `coalesce(t.checked_in_at, greatest(t.issued_at, (t.service_date + make_interval(mins => u.opens_min)) AT TIME ZONE f.timezone))`

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

// Visit is what the reports need of one ticket (package analytics reads it
// as its own Visit, which has the same fields). It carries no personal data:
// Staff is the account name of the staff member who called it.
type Visit struct {
	Facility, Unit, Date, Channel, Status string // codes; Date is the service date, yyyy-mm-dd
	TransferIn                            bool   // the continuation of a transfer from another unit
	Arrived                               time.Time
	Called, Started, Finished             *time.Time
	Counter, Staff                        string
	WindowEnd, CheckedIn, NoShowAt        *time.Time // booked patients of check-in units
}

// Visits returns one Visit per ticket of the facilities on service dates
// from to to (inclusive, yyyy-mm-dd). Arrived is when the patient joined
// the line: the issue time, or the unit's opening time on the service date
// for a ticket booked ahead. The times are the ticket's own (its latest
// call, start and finish), so the read is one index range of tickets. With
// staff, Staff is the account that made the latest call, read from the
// event history (one index lookup per ticket: for a facility's report, not
// for the district's rollups); without, it is empty.
func (db *DB) Visits(ctx context.Context, facilityIDs []int64, from, to string, staff bool) ([]Visit, error) {
	who, join := `''`, ``
	if staff {
		who = `coalesce(c.actor, '')`
		join = `LEFT JOIN LATERAL (SELECT e.actor FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'called'
			ORDER BY e.seq DESC LIMIT 1) c ON true`
	}
	rows, _ := db.Pool.Query(ctx, `SELECT f.code, u.code, t.service_date::text, t.channel, t.status,
			t.from_unit <> '', `+arrivedSQL+`, t.called_at, t.started_at, t.finished_at, t.counter, `+who+`,
			t.window_end, t.checked_in_at, t.window_end + make_interval(mins => u.checkin_grace_min)
		FROM tickets t JOIN units u ON u.id = t.unit_id JOIN facilities f ON f.id = t.facility_id `+join+`
		WHERE t.facility_id = ANY($1) AND t.service_date BETWEEN $2 AND $3`, facilityIDs, from, to)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Visit, error) {
		var v Visit
		err := r.Scan(&v.Facility, &v.Unit, &v.Date, &v.Channel, &v.Status, &v.TransferIn,
			&v.Arrived, &v.Called, &v.Started, &v.Finished, &v.Counter, &v.Staff, &v.WindowEnd, &v.CheckedIn, &v.NoShowAt)
		return v, err
	})
	return out, interpret("visits", err)
}

// UnitDay is one unit's rolled-up day: what happened to its tickets of a
// service date that is over.
type UnitDay struct {
	Facility, Unit, Date string         // codes, and the service date yyyy-mm-dd
	Booked               map[string]int // by channel: online, kiosk, desk, jkn, whatsapp
	TransfersIn          int
	Called               int
	Served               int
	Skipped              int
	Cancelled            int
	Transferred          int
	Unserved             int
	Arrivals             [24]int // by hour, in the facility's zone
	Waits, Services      []int32 // every measured time, seconds, sorted
}

// FacilityDay names one facility's service date.
type FacilityDay struct {
	Facility string // code
	Date     string // yyyy-mm-dd
}

// MissingDays returns the facilities' days from to to (inclusive) that
// are over in each facility's zone at now and not rolled up yet.
func (db *DB) MissingDays(ctx context.Context, facilityIDs []int64, from, to string, now time.Time) ([]FacilityDay, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT f.code, d::date::text
		FROM facilities f CROSS JOIN generate_series($2::date, $3::date, interval '1 day') d
		WHERE f.id = ANY($1) AND d::date < ($4::timestamptz AT TIME ZONE f.timezone)::date
			AND NOT EXISTS (SELECT 1 FROM analytics_days a WHERE a.facility_id = f.id AND a.service_date = d::date)
		ORDER BY 1, 2`, facilityIDs, from, to, now)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[FacilityDay])
	return out, interpret("missing rollups", err)
}

// SaveDays stores the rollups of days (a day's units without tickets have
// no row) as computed at at. A day already stored keeps what it has: when
// two instances roll up the same day at once the first one's rows stay,
// and the other's are dropped, so a day is never counted twice.
// fault.ErrNotFound when a row names a unit the facility does not have.
func (db *DB) SaveDays(ctx context.Context, days []FacilityDay, rows []UnitDay, at time.Time) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		// The markers go in first: only the transaction that inserted a
		// day's marker writes its rows.
		mine := map[FacilityDay]bool{}
		for _, d := range days {
			tag, err := tx.Exec(ctx, `INSERT INTO analytics_days (facility_id, service_date, computed_at)
				SELECT id, $2, $3 FROM facilities WHERE code = $1 ON CONFLICT DO NOTHING`, d.Facility, d.Date, at)
			if err != nil {
				return err
			}
			mine[d] = tag.RowsAffected() == 1
		}
		ids, err := unitIDs(ctx, tx, days)
		if err != nil {
			return err
		}
		copied := make([][]any, 0, len(rows))
		for _, r := range rows {
			if !mine[FacilityDay{r.Facility, r.Date}] {
				continue
			}
			id, ok := ids[[2]string{r.Facility, r.Unit}]
			if !ok {
				return fmt.Errorf("unit %s of %s: %w", r.Unit, r.Facility, fault.ErrNotFound)
			}
			arrivals := make([]int32, 24)
			for h, n := range r.Arrivals {
				arrivals[h] = int32(n)
			}
			date, err := time.Parse(time.DateOnly, r.Date)
			if err != nil {
				return fmt.Errorf("rollup date %q: %w", r.Date, fault.ErrInvalid)
			}
			copied = append(copied, []any{id[0], date, id[1], r.Booked["online"], r.Booked["kiosk"], r.Booked["desk"],
				r.Booked["jkn"], r.Booked["whatsapp"], r.TransfersIn, r.Called, r.Served, r.Skipped, r.Cancelled, r.Transferred, r.Unserved,
				arrivals, nonNil(r.Waits), nonNil(r.Services)})
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"analytics_unit_days"}, []string{"facility_id", "service_date", "unit_id",
			"booked_online", "booked_kiosk", "booked_desk", "booked_jkn", "booked_whatsapp", "transfers_in", "called", "served", "skipped",
			"cancelled", "transferred", "unserved", "arrivals", "wait_s", "service_s"}, pgx.CopyFromRows(copied))
		return err
	})
	return interpret("save rollups", err)
}

// unitIDs maps (facility code, unit code) to {facility id, unit id} for
// the facilities of days.
func unitIDs(ctx context.Context, tx pgx.Tx, days []FacilityDay) (map[[2]string][2]int64, error) {
	var codes []string
	for _, d := range days {
		if !slices.Contains(codes, d.Facility) {
			codes = append(codes, d.Facility)
		}
	}
	rows, _ := tx.Query(ctx, `SELECT f.code, u.code, f.id, u.id FROM facilities f JOIN units u ON u.facility_id = f.id
		WHERE f.code = ANY($1)`, codes)
	out := map[[2]string][2]int64{}
	var fcode, ucode string
	var fid, uid int64
	_, err := pgx.ForEachRow(rows, []any{&fcode, &ucode, &fid, &uid}, func() error {
		out[[2]string{fcode, ucode}] = [2]int64{fid, uid}
		return nil
	})
	return out, err
}

// UnitDays returns the stored rollups of the facilities' days from to to
// (inclusive). A day not rolled up yet (MissingDays) has none, and today
// never has: read it with Visits.
func (db *DB) UnitDays(ctx context.Context, facilityIDs []int64, from, to string) ([]UnitDay, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT f.code, u.code, d.service_date::text, d.booked_online, d.booked_kiosk, d.booked_desk,
			d.booked_jkn, d.booked_whatsapp, d.transfers_in, d.called, d.served, d.skipped, d.cancelled, d.transferred, d.unserved, d.arrivals,
			d.wait_s, d.service_s
		FROM analytics_unit_days d JOIN facilities f ON f.id = d.facility_id JOIN units u ON u.id = d.unit_id
		WHERE d.facility_id = ANY($1) AND d.service_date BETWEEN $2 AND $3`, facilityIDs, from, to)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (UnitDay, error) {
		var d UnitDay
		var online, kiosk, desk, jkn, wa int
		var arrivals []int32
		err := r.Scan(&d.Facility, &d.Unit, &d.Date, &online, &kiosk, &desk, &jkn, &wa, &d.TransfersIn, &d.Called,
			&d.Served, &d.Skipped, &d.Cancelled, &d.Transferred, &d.Unserved, &arrivals, &d.Waits, &d.Services)
		d.Booked = map[string]int{"online": online, "kiosk": kiosk, "desk": desk, "jkn": jkn, "whatsapp": wa}
		for h := 0; h < 24 && h < len(arrivals); h++ {
			d.Arrivals[h] = int(arrivals[h])
		}
		return d, err
	})
	return out, interpret("unit days", err)
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
