package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/fault"
	"github.com/jackc/pgx/v5"
)

// BTSFacility returns the facility with code. fault.ErrNotFound when there is
// none.
func (db *DB) BTSFacility(ctx context.Context, code string) (bts.Facility, error) {
	var f bts.Facility
	var tz, method string
	err := db.Pool.QueryRow(ctx, `SELECT f.id, f.code, f.name, f.timezone, coalesce(k.code, ''), coalesce(k.name, ''),
			coalesce(b.method, 'daily')
		FROM facilities f LEFT JOIN bts_facilities b ON b.facility_id = f.id LEFT JOIN bts_kecamatan k ON k.id = b.kecamatan_id
		WHERE f.code = $1`, code).Scan(&f.ID, &f.Code, &f.Name, &tz, &f.Kecamatan, &f.KecamatanName, &method)
	if err != nil {
		return f, interpret("facility "+code, err)
	}
	if f.Location, err = time.LoadLocation(tz); err != nil {
		return f, fmt.Errorf("facility %s: time zone %q: %w", code, tz, err)
	}
	f.Method, err = anthro.ParseMethod(method)
	return f, err
}

// SaveKecamatan adds a kecamatan or renames it (by code).
func (db *DB) SaveKecamatan(ctx context.Context, k bts.Kecamatan) (int64, error) {
	var id int64
	err := db.Pool.QueryRow(ctx, `INSERT INTO bts_kecamatan (code, name) VALUES ($1, $2)
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING id`, k.Code, k.Name).Scan(&id)
	return id, interpret("save kecamatan "+k.Code, err)
}

// SetBTSFacility places a facility in a kecamatan and sets its method.
// fault.ErrNotFound for an unknown facility or kecamatan.
func (db *DB) SetBTSFacility(ctx context.Context, facility, kecamatan string, m anthro.Method) error {
	tag, err := db.Pool.Exec(ctx, `INSERT INTO bts_facilities (facility_id, kecamatan_id, method)
		SELECT f.id, k.id, $3 FROM facilities f, bts_kecamatan k WHERE f.code = $1 AND k.code = $2
		ON CONFLICT (facility_id) DO UPDATE SET kecamatan_id = EXCLUDED.kecamatan_id, method = EXCLUDED.method`,
		facility, kecamatan, m.String())
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return interpret("set BTS facility "+facility, err)
}

// SaveDesa adds a desa or updates it (by code). fault.ErrNotFound for an
// unknown kecamatan or facility.
func (db *DB) SaveDesa(ctx context.Context, d bts.Desa) (int64, error) {
	var id int64
	err := db.Pool.QueryRow(ctx, `INSERT INTO bts_desa (kecamatan_id, facility_id, code, name)
		SELECT k.id, f.id, $3, $4 FROM bts_kecamatan k, facilities f WHERE k.code = $1 AND f.code = $2
		ON CONFLICT (code) DO UPDATE SET kecamatan_id = EXCLUDED.kecamatan_id, facility_id = EXCLUDED.facility_id,
			name = EXCLUDED.name
		RETURNING id`, d.Kecamatan, d.Facility, d.Code, d.Name).Scan(&id)
	return id, interpret("save desa "+d.Code, err)
}

// SavePosyandu adds a posyandu to a desa (or finds it by name).
func (db *DB) SavePosyandu(ctx context.Context, p bts.Posyandu) (int64, error) {
	var id int64
	err := db.Pool.QueryRow(ctx, `INSERT INTO bts_posyandu (desa_id, name)
		SELECT d.id, $2 FROM bts_desa d WHERE d.code = $1
		ON CONFLICT (desa_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`, p.Desa, p.Name).Scan(&id)
	return id, interpret("save posyandu", err)
}

// Desas returns the desa of a facility's working area ("" = all), with
// their posyandu.
func (db *DB) Desas(ctx context.Context, facility string) ([]bts.Desa, []bts.Posyandu, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT d.id, d.code, d.name, k.code, f.code FROM bts_desa d
		JOIN bts_kecamatan k ON k.id = d.kecamatan_id JOIN facilities f ON f.id = d.facility_id
		WHERE $1 = '' OR f.code = $1 ORDER BY d.name`, facility)
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bts.Desa, error) {
		var d bts.Desa
		return d, r.Scan(&d.ID, &d.Code, &d.Name, &d.Kecamatan, &d.Facility)
	})
	if err != nil {
		return nil, nil, interpret("desa list", err)
	}
	rows, _ = db.Pool.Query(ctx, `SELECT p.id, d.code, p.name FROM bts_posyandu p JOIN bts_desa d ON d.id = p.desa_id
		JOIN facilities f ON f.id = d.facility_id WHERE $1 = '' OR f.code = $1 ORDER BY p.name`, facility)
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bts.Posyandu, error) {
		var p bts.Posyandu
		return p, r.Scan(&p.ID, &p.Desa, &p.Name)
	})
	return ds, ps, interpret("posyandu list", err)
}

// resolveAddress finds the desa id of a.Desa and checks that the posyandu
// (if any) lies in it. A *fault.Error when either does not fit.
func resolveAddress(ctx context.Context, q querier, a bts.Address) (int64, *int64, error) {
	var desaID int64
	if err := q.QueryRow(ctx, `SELECT id FROM bts_desa WHERE code = $1`, a.Desa).Scan(&desaID); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, nil, fault.Invalid("desa", "Desa tidak dikenal.")
		}
		return 0, nil, err
	}
	if a.PosyanduID == 0 {
		return desaID, nil, nil
	}
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM bts_posyandu WHERE id = $1 AND desa_id = $2)`,
		a.PosyanduID, desaID).Scan(&ok); err != nil {
		return 0, nil, err
	}
	if !ok {
		return 0, nil, fault.Invalid("posyandu_id", "Posyandu tidak ada di desa itu.")
	}
	p := a.PosyanduID
	return desaID, &p, nil
}

func nz(v float64) *float64 {
	if v == 0 {
		return nil
	}
	return &v
}

func nzi(v int) *int {
	if v == 0 {
		return nil
	}
	return &v
}

func nzd(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func nzid(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

// CreateChild registers a child. fault.ErrConflict when the NIK is already
// registered; a *fault.Error for an unknown desa or posyandu.
func (db *DB) CreateChild(ctx context.Context, c bts.Child) (bts.Child, error) {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		desaID, posyanduID, err := resolveAddress(ctx, tx, c.Address)
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO bts_children (facility_id, nik, name, sex, birth_date, birth_weight_kg,
				birth_length_cm, mother_name, mother_nik, kk, desa_id, posyandu_id, rt, rw, address, lat, lon, poor_basis)
			SELECT f.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18
			FROM facilities f WHERE f.code = $1 RETURNING id`,
			c.Facility, c.NIK, c.Name, int(c.Sex), c.BirthDate, nz(c.BirthWeightKg), nz(c.BirthLengthCm),
			c.MotherName, c.MotherNIK, c.KK, desaID, posyanduID, c.Address.RT, c.Address.RW, c.Address.Street,
			c.Address.Lat, c.Address.Lon, c.PoorBasis).Scan(&c.ID)
	})
	if err != nil {
		return c, interpret("create child", err)
	}
	return db.Child(ctx, "", c.ID)
}

// ChildFacilityByNIK returns the code and name of the Puskesmas where a
// child with this NIK is registered. fault.ErrNotFound when none is.
func (db *DB) ChildFacilityByNIK(ctx context.Context, nik string) (code, name string, err error) {
	err = db.Pool.QueryRow(ctx, `SELECT f.code, f.name FROM bts_children c JOIN facilities f ON f.id = c.facility_id
		WHERE c.nik = $1 AND c.nik <> ''`, nik).Scan(&code, &name)
	return code, name, interpret("child by nik", err)
}

const childColumns = `c.id, f.code, c.nik, c.name, c.sex, c.birth_date, coalesce(c.birth_weight_kg, 0),
	coalesce(c.birth_length_cm, 0), c.mother_name, c.mother_nik, c.kk, k.code, d.code, d.name, coalesce(c.posyandu_id, 0),
	coalesce(p.name, ''), c.rt, c.rw, c.address, c.lat, c.lon, c.poor_basis, k.name, f.name`

const childFrom = ` FROM bts_children c JOIN facilities f ON f.id = c.facility_id JOIN bts_desa d ON d.id = c.desa_id
	JOIN bts_kecamatan k ON k.id = d.kecamatan_id LEFT JOIN bts_posyandu p ON p.id = c.posyandu_id `

// scanChild scans childColumns; the last two (kecamatan and facility
// names) go to kec and fac.
func scanChild(r pgx.Row, kec, fac *string) (bts.Child, error) {
	var c bts.Child
	var sex int
	err := r.Scan(&c.ID, &c.Facility, &c.NIK, &c.Name, &sex, &c.BirthDate, &c.BirthWeightKg, &c.BirthLengthCm,
		&c.MotherName, &c.MotherNIK, &c.KK, &c.Address.Kecamatan, &c.Address.Desa, &c.Address.DesaName,
		&c.Address.PosyanduID, &c.Address.Posyandu, &c.Address.RT, &c.Address.RW, &c.Address.Street,
		&c.Address.Lat, &c.Address.Lon, &c.PoorBasis, kec, fac)
	c.Sex = anthro.Sex(sex)
	return c, err
}

// Child returns a child registered at facility ("" = any facility).
// fault.ErrNotFound when there is none.
func (db *DB) Child(ctx context.Context, facility string, id int64) (bts.Child, error) {
	var kec, fac string
	c, err := scanChild(db.Pool.QueryRow(ctx, `SELECT `+childColumns+childFrom+
		` WHERE c.id = $1 AND ($2 = '' OR f.code = $2)`, id, facility), &kec, &fac)
	return c, interpret(fmt.Sprintf("child %d", id), err)
}

// Children lists the children of a facility ("" = all), at most limit,
// whose name or NIK starts with (or whose name contains) q.
func (db *DB) Children(ctx context.Context, facility, q string, limit int) ([]bts.Child, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+childColumns+childFrom+`
		WHERE ($1 = '' OR f.code = $1) AND ($2 = '' OR c.name ILIKE '%' || $2 || '%' OR c.nik LIKE $2 || '%')
		ORDER BY c.name, c.id LIMIT $3`, facility, likeText(q), limit)
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bts.Child, error) {
		var kec, fac string
		return scanChild(r, &kec, &fac)
	})
	return cs, interpret("children", err)
}

// CreatePregnancy registers a pregnant woman.
//
// A woman's NIK comes back with each pregnancy, so it is not unique; the
// same pregnancy is what is refused (*bts.PregnancyTakenError): with both HPHTs
// known, one within bts.SamePregnancyDays of a pregnancy whose HPHT is at
// most bts.MaxGestationDays before today. Registrations of one NIK are
// serialised, so two at once cannot both pass. A pregnancy whose HPHT is
// unknown is not compared: without a way to end a pregnancy, a guess would
// block a woman's next one.
func (db *DB) CreatePregnancy(ctx context.Context, p bts.Pregnancy, today time.Time) (bts.Pregnancy, error) {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if p.NIK != "" && !p.HPHT.IsZero() {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('bts pregnancy ' || $1))`, p.NIK); err != nil {
				return err
			}
			var taken bts.PregnancyTakenError
			err := tx.QueryRow(ctx, `SELECT f.code, f.name FROM bts_pregnancies p JOIN facilities f ON f.id = p.facility_id
				WHERE p.nik = $1 AND p.hpht >= $3 AND abs(p.hpht - $2::date) <= $4
				ORDER BY p.id DESC LIMIT 1`, p.NIK, p.HPHT, today.AddDate(0, 0, -bts.MaxGestationDays), bts.SamePregnancyDays).
				Scan(&taken.Facility, &taken.Name)
			switch {
			case err == nil:
				return &taken
			case !errors.Is(err, pgx.ErrNoRows):
				return err
			}
		}
		desaID, posyanduID, err := resolveAddress(ctx, tx, p.Address)
		if err != nil {
			return err
		}
		risks := p.Risks
		if risks == nil {
			risks = []string{}
		}
		return tx.QueryRow(ctx, `INSERT INTO bts_pregnancies (facility_id, nik, name, birth_date, hpht, gravida, parity,
				height_cm, lila_cm, hb_g_dl, systolic, diastolic, risks, desa_id, posyandu_id, rt, rw, address, lat, lon, poor_basis)
			SELECT f.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21
			FROM facilities f WHERE f.code = $1 RETURNING id`,
			p.Facility, p.NIK, p.Name, nzd(p.BirthDate), nzd(p.HPHT), nzi(p.Gravida), p.Parity, nz(p.HeightCm),
			nz(p.LiLACm), nz(p.HbGdL), nzi(p.Systolic), nzi(p.Diastolic), risks, desaID, posyanduID,
			p.Address.RT, p.Address.RW, p.Address.Street, p.Address.Lat, p.Address.Lon, p.PoorBasis).Scan(&p.ID)
	})
	if err != nil {
		return p, interpret("create pregnancy", err)
	}
	return db.Pregnancy(ctx, "", p.ID)
}

// likeText escapes what a person typed for use inside a LIKE pattern, so
// that "%" and "_" in a search match themselves.
var likeText = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace

const pregnancyColumns = `p.id, f.code, p.nik, p.name, p.birth_date, p.hpht, coalesce(p.gravida, 0), coalesce(p.parity, 0),
	coalesce(p.height_cm, 0), coalesce(p.lila_cm, 0), coalesce(p.hb_g_dl, 0), coalesce(p.systolic, 0),
	coalesce(p.diastolic, 0), p.risks, k.code, d.code, d.name, coalesce(p.posyandu_id, 0), coalesce(y.name, ''),
	p.rt, p.rw, p.address, p.lat, p.lon, p.poor_basis`

const pregnancyFrom = ` FROM bts_pregnancies p JOIN facilities f ON f.id = p.facility_id JOIN bts_desa d ON d.id = p.desa_id
	JOIN bts_kecamatan k ON k.id = d.kecamatan_id LEFT JOIN bts_posyandu y ON y.id = p.posyandu_id `

func scanPregnancy(r pgx.Row) (bts.Pregnancy, error) {
	var p bts.Pregnancy
	var birth, hpht *time.Time
	err := r.Scan(&p.ID, &p.Facility, &p.NIK, &p.Name, &birth, &hpht, &p.Gravida, &p.Parity, &p.HeightCm, &p.LiLACm, &p.HbGdL,
		&p.Systolic, &p.Diastolic, &p.Risks, &p.Address.Kecamatan, &p.Address.Desa, &p.Address.DesaName,
		&p.Address.PosyanduID, &p.Address.Posyandu, &p.Address.RT, &p.Address.RW, &p.Address.Street,
		&p.Address.Lat, &p.Address.Lon, &p.PoorBasis)
	if birth != nil {
		p.BirthDate = *birth
	}
	if hpht != nil {
		p.HPHT = *hpht
	}
	return p, err
}

// Pregnancy returns a pregnancy registered at facility ("" = any).
func (db *DB) Pregnancy(ctx context.Context, facility string, id int64) (bts.Pregnancy, error) {
	p, err := scanPregnancy(db.Pool.QueryRow(ctx, `SELECT `+pregnancyColumns+pregnancyFrom+
		`WHERE p.id = $1 AND ($2 = '' OR f.code = $2)`, id, facility))
	return p, interpret(fmt.Sprintf("pregnancy %d", id), err)
}

// Pregnancies lists the pregnant women registered at facility ("" = all)
// whose name contains q or whose NIK starts with it (every one when q is
// empty), by name, at most limit.
func (db *DB) Pregnancies(ctx context.Context, facility, q string, limit int) ([]bts.Pregnancy, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+pregnancyColumns+pregnancyFrom+`
		WHERE ($1 = '' OR f.code = $1) AND ($2 = '' OR p.name ILIKE '%' || $2 || '%' OR p.nik LIKE $2 || '%')
		ORDER BY p.name, p.id LIMIT $3`, facility, likeText(q), limit)
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bts.Pregnancy, error) { return scanPregnancy(r) })
	return ps, interpret("pregnancies", err)
}

func zcol(s anthro.Score) *float64 {
	if !s.Valid {
		return nil
	}
	return &s.Z
}

// AddMeasurement stores a computed measurement. A ticket, when given, must
// be one of the measurement's facility (a *fault.Error otherwise).
func (db *DB) AddMeasurement(ctx context.Context, m bts.Measurement) (bts.Measurement, error) {
	r := m.Result
	var ticket *string
	if m.TicketID != "" {
		ticket = &m.TicketID
	}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if ticket != nil {
			var ok bool
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tickets t JOIN facilities f ON f.id = t.facility_id
				WHERE t.id = $1 AND f.code = $2)`, *ticket, m.Facility).Scan(&ok)
			if err != nil {
				return err
			}
			if !ok {
				return fault.Invalid("ticket_id", "Tiket antrean tidak ditemukan di fasilitas ini.")
			}
		}
		return tx.QueryRow(ctx, `INSERT INTO bts_measurements (child_id, facility_id, measured_on, weight_kg, lenhei_cm,
				measure, lila_cm, head_cm, oedema, measured_by, place, ticket_id, posyandu_id, method, age_days, age_months,
				clenhei_cm, bmi, zlen, zwei, zwfl, zbmi, flen, fwei, fwfl, fbmi, fmeasure, tbu, bbu, bbtb, imtu)
			SELECT $1, f.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
				$23, $24, $25, $26, $27, $28, $29, $30, $31
			FROM facilities f WHERE f.code = $2 RETURNING id`,
			m.ChildID, m.Facility, m.MeasuredOn, nz(m.WeightKg), nz(m.LenHeiCm), m.Measure.Code(), nz(m.LiLACm),
			nz(m.HeadCm), m.Oedema, m.MeasuredBy, string(m.Place), ticket, nzid(m.PosyanduID), r.Method.String(),
			r.AgeDays, r.AgeMonths, nz(r.AdjustedLenHei), nz(r.BMI), zcol(r.ZLen), zcol(r.ZWei), zcol(r.ZWFL), zcol(r.ZBMI),
			r.FLen, r.FWei, r.FWFL, r.FBMI, r.FMeasure, string(r.TBU), string(r.BBU), string(r.BBTB), string(r.IMTU)).Scan(&m.ID)
	})
	return m, interpret("add measurement", err)
}

const measurementColumns = `m.id, m.child_id, mf.code, m.measured_on, coalesce(m.weight_kg, 0), coalesce(m.lenhei_cm, 0),
	m.measure, coalesce(m.lila_cm, 0), coalesce(m.head_cm, 0), m.oedema, m.measured_by, m.place, coalesce(m.ticket_id, ''),
	coalesce(m.posyandu_id, 0), m.method, m.age_days, m.age_months, coalesce(m.clenhei_cm, 0), coalesce(m.bmi, 0),
	m.zlen, m.zwei, m.zwfl, m.zbmi, m.flen, m.fwei, m.fwfl, m.fbmi, m.fmeasure, m.tbu, m.bbu, m.bbtb, m.imtu`

// scanMeasurement scans measurementColumns followed by extra destinations.
func scanMeasurement(r pgx.Row, extra ...any) (bts.Measurement, error) {
	var m bts.Measurement
	var measure, place, method string
	var zlen, zwei, zwfl, zbmi *float64
	var tbu, bbu, bbtb, imtu string
	dst := []any{&m.ID, &m.ChildID, &m.Facility, &m.MeasuredOn, &m.WeightKg, &m.LenHeiCm, &measure, &m.LiLACm,
		&m.HeadCm, &m.Oedema, &m.MeasuredBy, &place, &m.TicketID, &m.PosyanduID, &method, &m.Result.AgeDays,
		&m.Result.AgeMonths, &m.Result.AdjustedLenHei, &m.Result.BMI, &zlen, &zwei, &zwfl, &zbmi, &m.Result.FLen,
		&m.Result.FWei, &m.Result.FWFL, &m.Result.FBMI, &m.Result.FMeasure, &tbu, &bbu, &bbtb, &imtu}
	if err := r.Scan(append(dst, extra...)...); err != nil {
		return m, err
	}
	m.Measure, _ = anthro.ParseMeasure(measure)
	m.Result.Method, _ = anthro.ParseMethod(method)
	m.Place = bts.Place(place)
	score := func(z *float64) anthro.Score {
		if z == nil {
			return anthro.Score{}
		}
		return anthro.Score{Z: *z, Valid: true}
	}
	m.Result.ZLen, m.Result.ZWei, m.Result.ZWFL, m.Result.ZBMI = score(zlen), score(zwei), score(zwfl), score(zbmi)
	m.Result.TBU, m.Result.BBU, m.Result.BBTB, m.Result.IMTU = anthro.Category(tbu), anthro.Category(bbu), anthro.Category(bbtb), anthro.Category(imtu)
	return m, nil
}

// Measurements returns a child's measurements, oldest first.
func (db *DB) Measurements(ctx context.Context, childID int64) ([]bts.Measurement, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+measurementColumns+` FROM bts_measurements m
		JOIN facilities mf ON mf.id = m.facility_id WHERE m.child_id = $1 ORDER BY m.measured_on, m.id`, childID)
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bts.Measurement, error) { return scanMeasurement(r) })
	return ms, interpret("measurements", err)
}

// Observations returns every measurement taken from..to (dates, included)
// of children registered at facility ("" = the whole district), with the
// child and the names of its areas: the input of the district reports.
func (db *DB) Observations(ctx context.Context, facility string, from, to time.Time) ([]bts.Observation, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+measurementColumns+`, `+childColumns+childFrom+`
		JOIN bts_measurements m ON m.child_id = c.id JOIN facilities mf ON mf.id = m.facility_id
		WHERE ($1 = '' OR f.code = $1) AND m.measured_on BETWEEN $2 AND $3
		ORDER BY m.measured_on, m.id`, facility, from, to)
	obs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bts.Observation, error) {
		var o bts.Observation
		var c bts.Child
		var sex int
		m, err := scanMeasurement(r, &c.ID, &c.Facility, &c.NIK, &c.Name, &sex, &c.BirthDate, &c.BirthWeightKg,
			&c.BirthLengthCm, &c.MotherName, &c.MotherNIK, &c.KK, &c.Address.Kecamatan, &c.Address.Desa,
			&c.Address.DesaName, &c.Address.PosyanduID, &c.Address.Posyandu, &c.Address.RT, &c.Address.RW,
			&c.Address.Street, &c.Address.Lat, &c.Address.Lon, &c.PoorBasis, &o.KecamatanName, &o.FacilityName)
		c.Sex = anthro.Sex(sex)
		o.Child, o.Measurement = c, m
		return o, err
	})
	return obs, interpret("observations", err)
}

// CreateEnrolment enrols a target. The cadre (by username, optional) must
// be a kader account of the same facility; the child or pregnancy must be
// registered there. *fault.Error or fault.ErrNotFound otherwise.
func (db *DB) CreateEnrolment(ctx context.Context, e bts.Enrolment) (bts.Enrolment, error) {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var cadre *int64
		if e.Cadre != "" {
			var id int64
			err := tx.QueryRow(ctx, `SELECT u.id FROM users u JOIN facilities f ON f.id = u.facility_id
				WHERE u.username = $1 AND u.role = 'kader' AND f.code = $2`, e.Cadre, e.Facility).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				return fault.Invalid("cadre", "Kader tidak ditemukan di fasilitas ini.")
			} else if err != nil {
				return err
			}
			cadre = &id
		}
		var ok bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM facilities f WHERE f.code = $1 AND (
				EXISTS (SELECT 1 FROM bts_children c WHERE c.id = $2 AND c.facility_id = f.id) OR
				EXISTS (SELECT 1 FROM bts_pregnancies p WHERE p.id = $3 AND p.facility_id = f.id)))`,
			e.Facility, e.ChildID, e.PregnancyID).Scan(&ok)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("target: %w", fault.ErrNotFound)
		}
		return tx.QueryRow(ctx, `INSERT INTO bts_enrolments (facility_id, target_type, child_id, pregnancy_id, reason,
				start_date, end_date, allowance_rp, cadre_id, supplier)
			SELECT f.id, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM facilities f WHERE f.code = $1 RETURNING id`,
			e.Facility, string(e.Target), nzid(e.ChildID), nzid(e.PregnancyID), e.Reason, e.Start, e.End,
			e.AllowanceRp, cadre, e.Supplier).Scan(&e.ID)
	})
	if err != nil {
		return e, interpret("create enrolment", err)
	}
	return db.Enrolment(ctx, e.Facility, e.ID)
}

// ExitEnrolment records that enrolment id of facility ended early (see
// bts.Enrolment.Exit, which validates). fault.ErrNotFound, or fault.ErrConflict
// when it has already ended.
func (db *DB) ExitEnrolment(ctx context.Context, facility string, id int64, on time.Time, reason string) (bts.Enrolment, error) {
	tag, err := db.Pool.Exec(ctx, `UPDATE bts_enrolments e SET exited_on = $3, exit_reason = $4
		FROM facilities f WHERE e.id = $1 AND f.id = e.facility_id AND f.code = $2 AND e.exited_on IS NULL`,
		id, facility, on, reason)
	if err != nil {
		return bts.Enrolment{}, interpret("exit enrolment", err)
	}
	e, err := db.Enrolment(ctx, facility, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = fmt.Errorf("enrolment %d has already ended: %w", id, fault.ErrConflict)
	}
	return e, err
}

const enrolmentColumns = `e.id, f.code, e.target_type, coalesce(e.child_id, 0), coalesce(e.pregnancy_id, 0),
	coalesce(c.name, p.name), coalesce(cd.code, pd.code), e.reason, e.start_date, e.end_date, e.allowance_rp,
	coalesce(e.cadre_id, 0), coalesce(u.username, ''), e.supplier, e.exit_reason, e.exited_on`

const enrolmentFrom = ` FROM bts_enrolments e JOIN facilities f ON f.id = e.facility_id
	LEFT JOIN bts_children c ON c.id = e.child_id LEFT JOIN bts_desa cd ON cd.id = c.desa_id
	LEFT JOIN bts_pregnancies p ON p.id = e.pregnancy_id LEFT JOIN bts_desa pd ON pd.id = p.desa_id
	LEFT JOIN users u ON u.id = e.cadre_id `

func scanEnrolment(r pgx.Row) (bts.Enrolment, error) {
	var e bts.Enrolment
	var target string
	var exited *time.Time
	err := r.Scan(&e.ID, &e.Facility, &target, &e.ChildID, &e.PregnancyID, &e.TargetName, &e.Desa, &e.Reason,
		&e.Start, &e.End, &e.AllowanceRp, &e.CadreID, &e.Cadre, &e.Supplier, &e.ExitReason, &exited)
	e.Target = bts.TargetType(target)
	if exited != nil {
		e.ExitedOn = *exited
	}
	return e, err
}

// Enrolment returns an enrolment of facility ("" = any).
func (db *DB) Enrolment(ctx context.Context, facility string, id int64) (bts.Enrolment, error) {
	e, err := scanEnrolment(db.Pool.QueryRow(ctx, `SELECT `+enrolmentColumns+enrolmentFrom+
		` WHERE e.id = $1 AND ($2 = '' OR f.code = $2)`, id, facility))
	return e, interpret(fmt.Sprintf("enrolment %d", id), err)
}

// Enrolments lists the enrolments of facility ("" = all) that overlap
// from..to; with cadreID not 0, only those assigned to that cadre.
func (db *DB) Enrolments(ctx context.Context, facility string, cadreID int64, from, to time.Time) ([]bts.Enrolment, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+enrolmentColumns+enrolmentFrom+`
		WHERE ($1 = '' OR f.code = $1) AND ($2 = 0 OR e.cadre_id = $2) AND e.start_date <= $4 AND e.end_date >= $3
		ORDER BY coalesce(c.name, p.name), e.id`, facility, cadreID, from, to)
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bts.Enrolment, error) { return scanEnrolment(r) })
	return es, interpret("enrolments", err)
}

// Cadres returns the usernames of the facility's kader accounts that are
// not disabled, in order: those a target can be assigned to.
func (db *DB) Cadres(ctx context.Context, facility string) ([]string, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT u.username FROM users u JOIN facilities f ON f.id = u.facility_id
		WHERE f.code = $1 AND u.role = 'kader' AND NOT u.disabled ORDER BY u.username`, facility)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return names, interpret("cadres of "+facility, err)
}

const deliveryColumns = `d.id, d.client_id, d.enrolment_id, f.code, d.delivered_on, d.cadre_id, cu.username, d.items,
	d.total_rp, d.consumption, d.notes, d.photo, d.photo_bytes, d.exif_taken_at, d.exif_lat, d.exif_lon, d.received_at,
	d.status, d.review_note, coalesce(vu.username, ''), d.verified_at, coalesce(tc.name, tp.name, '')`

// deliveryFrom joins each report to its target's name, so that a list of
// reports is one query.
const deliveryFrom = ` FROM bts_deliveries d JOIN facilities f ON f.id = d.facility_id JOIN users cu ON cu.id = d.cadre_id
	LEFT JOIN users vu ON vu.id = d.verified_by JOIN bts_enrolments te ON te.id = d.enrolment_id
	LEFT JOIN bts_children tc ON tc.id = te.child_id LEFT JOIN bts_pregnancies tp ON tp.id = te.pregnancy_id `

func scanDelivery(r pgx.Row) (bts.Delivery, error) {
	var d bts.Delivery
	var items []byte
	var consumption, status string
	err := r.Scan(&d.ID, &d.ClientID, &d.EnrolmentID, &d.Facility, &d.DeliveredOn, &d.CadreID, &d.Cadre, &items,
		&d.TotalRp, &consumption, &d.Notes, &d.Photo.Hash, &d.Photo.Bytes, &d.Photo.Meta.TakenAt, &d.Photo.Meta.Lat,
		&d.Photo.Meta.Lon, &d.ReceivedAt, &status, &d.ReviewNote, &d.ReviewedBy, &d.ReviewedAt, &d.TargetName)
	if err != nil {
		return d, err
	}
	d.Consumption, d.Status = bts.Consumption(consumption), bts.Status(status)
	return d, json.Unmarshal(items, &d.Items)
}

// DeliveryByClientID returns the report made with a client id.
// fault.ErrNotFound when there is none.
func (db *DB) DeliveryByClientID(ctx context.Context, clientID string) (bts.Delivery, error) {
	d, err := scanDelivery(db.Pool.QueryRow(ctx, `SELECT `+deliveryColumns+deliveryFrom+` WHERE d.client_id = $1`, clientID))
	return d, interpret("delivery", err)
}

// Delivery returns a report of facility ("" = any).
func (db *DB) Delivery(ctx context.Context, facility string, id int64) (bts.Delivery, error) {
	d, err := scanDelivery(db.Pool.QueryRow(ctx, `SELECT `+deliveryColumns+deliveryFrom+
		` WHERE d.id = $1 AND ($2 = '' OR f.code = $2)`, id, facility))
	return d, interpret(fmt.Sprintf("delivery %d", id), err)
}

var errDeliveredThatDay = fault.Conflict("date", "Sudah ada laporan sasaran ini untuk tanggal itu.")

// CreateDelivery stores a delivery report once. When a report with the same
// client id exists it is returned with created false and nothing changes
// (a retried upload); fault.ErrConflict when that report is for another
// target or day, or when the target already has a report for the day.
func (db *DB) CreateDelivery(ctx context.Context, d bts.Delivery) (bts.Delivery, bool, error) {
	items, err := json.Marshal(d.Items)
	if err != nil {
		return d, false, err
	}
	var id int64
	err = db.Pool.QueryRow(ctx, `INSERT INTO bts_deliveries (client_id, enrolment_id, facility_id, delivered_on, cadre_id,
			items, total_rp, consumption, notes, photo, photo_bytes, exif_taken_at, exif_lat, exif_lon, received_at)
		SELECT $1, $2, f.id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15 FROM facilities f WHERE f.code = $3
		ON CONFLICT (client_id) DO NOTHING RETURNING id`,
		d.ClientID, d.EnrolmentID, d.Facility, d.DeliveredOn, d.CadreID, items, d.TotalRp, string(d.Consumption),
		d.Notes, d.Photo.Hash, d.Photo.Bytes, d.Photo.Meta.TakenAt, d.Photo.Meta.Lat, d.Photo.Meta.Lon, d.ReceivedAt).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		prev, err := db.DeliveryByClientID(ctx, d.ClientID)
		if err != nil {
			return d, false, err
		}
		if prev.EnrolmentID != d.EnrolmentID || !prev.DeliveredOn.Equal(d.DeliveredOn) {
			return prev, false, fmt.Errorf("delivery %s: client id reused for another report: %w", d.ClientID, fault.ErrConflict)
		}
		return prev, false, nil
	}
	if isCode(err, "23505") { // the target's report of that day
		return d, false, fmt.Errorf("create delivery: %w", errDeliveredThatDay)
	}
	if err != nil {
		return d, false, interpret("create delivery", err)
	}
	out, err := db.Delivery(ctx, "", id)
	return out, true, err
}

// Deliveries lists the reports of facility ("" = all) from..to; with
// cadreID not 0 only that cadre's, with status not "" only that status.
func (db *DB) Deliveries(ctx context.Context, facility string, cadreID int64, status bts.Status, from, to time.Time) ([]bts.Delivery, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+deliveryColumns+deliveryFrom+`
		WHERE ($1 = '' OR f.code = $1) AND ($2 = 0 OR d.cadre_id = $2) AND ($3 = '' OR d.status = $3)
			AND d.delivered_on BETWEEN $4 AND $5
		ORDER BY d.delivered_on DESC, d.id DESC`, facility, cadreID, string(status), from, to)
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bts.Delivery, error) { return scanDelivery(r) })
	return ds, interpret("deliveries", err)
}

// ReviewDelivery records the nutritionist's verdict on a pending report of
// facility ("" = any). fault.ErrConflict when it was already reviewed.
func (db *DB) ReviewDelivery(ctx context.Context, facility string, id int64, verdict bts.Status, note string, reviewerID int64, at time.Time) (bts.Delivery, error) {
	var out bts.Delivery
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		d, err := scanDelivery(tx.QueryRow(ctx, `SELECT `+deliveryColumns+deliveryFrom+
			` WHERE d.id = $1 AND ($2 = '' OR f.code = $2) FOR UPDATE OF d`, id, facility))
		if err != nil {
			return err
		}
		if d, err = d.Review(verdict, note, "", at); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE bts_deliveries SET status = $2, review_note = $3, verified_by = $4, verified_at = $5
			WHERE id = $1`, id, string(d.Status), d.ReviewNote, reviewerID, at)
		return err
	})
	if err != nil {
		return out, interpret(fmt.Sprintf("review delivery %d", id), err)
	}
	return db.Delivery(ctx, facility, id)
}

// ChildMeasurements returns the measurements of the given children, keyed
// by child id.
func (db *DB) ChildMeasurements(ctx context.Context, childIDs []int64) (map[int64][]bts.Measurement, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT `+measurementColumns+` FROM bts_measurements m
		JOIN facilities mf ON mf.id = m.facility_id WHERE m.child_id = ANY($1) ORDER BY m.measured_on, m.id`, childIDs)
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bts.Measurement, error) { return scanMeasurement(r) })
	if err != nil {
		return nil, interpret("measurements", err)
	}
	out := map[int64][]bts.Measurement{}
	for _, m := range ms {
		out[m.ChildID] = append(out[m.ChildID], m)
	}
	return out, nil
}
