package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/geomap"
	"github.com/jackc/pgx/v5"
)

// SaveBoundaries replaces the district's desa boundaries with areas (each
// area's Code a desa code), recording the property that matched them and
// who uploaded them. A *fault.Error (ErrInvalid) when a code names no desa.
func (db *DB) SaveBoundaries(ctx context.Context, areas []geomap.Area, property, by string, at time.Time) error {
	return interpret("save boundaries", db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM map_boundaries`); err != nil {
			return err
		}
		for _, a := range areas {
			shape, err := geomap.EncodeShape(a.Shape)
			if err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, `INSERT INTO map_boundaries (desa_id, shape, property, uploaded_by, uploaded_at)
				SELECT id, $2, $3, $4, $5 FROM bts_desa WHERE code = $1`, a.Code, shape, property, by, at)
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 1 {
				return fault.Invalid("geojson", fmt.Sprintf("Desa %q tidak terdaftar.", a.Code))
			}
		}
		return nil
	}))
}

// Boundaries returns the stored desa boundaries, by desa name, with the
// desa's current name; none is an empty list.
func (db *DB) Boundaries(ctx context.Context) ([]geomap.Area, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT d.code, d.name, b.shape FROM map_boundaries b
		JOIN bts_desa d ON d.id = b.desa_id ORDER BY d.name, d.code`)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (geomap.Area, error) {
		var a geomap.Area
		var shape []byte
		if err := r.Scan(&a.Code, &a.Name, &shape); err != nil {
			return a, err
		}
		var err error
		a.Shape, err = geomap.DecodeShape(shape)
		return a, err
	})
	return out, interpret("boundaries", err)
}

// DeleteBoundaries removes every desa boundary: the map goes back to
// points.
func (db *DB) DeleteBoundaries(ctx context.Context) error {
	_, err := db.Pool.Exec(ctx, `DELETE FROM map_boundaries`)
	return interpret("delete boundaries", err)
}

// Place is a Puskesmas or a posyandu with its coordinates.
type Place struct {
	ID        int64  // posyandu id; 0 for a Puskesmas
	Code      string // facility code; for a posyandu, the desa code
	Facility  string // the facility whose working area it is in
	Name      string
	Lat, Lon  *float64
	Puskesmas bool
}

// Places returns every Puskesmas and posyandu with the coordinates stored
// for them (nil when none).
func (db *DB) Places(ctx context.Context) ([]Place, error) {
	rows, _ := db.Pool.Query(ctx, `SELECT 0, f.code, f.code, f.name, f.lat, f.lon, true FROM facilities f
		WHERE f.kind = 'puskesmas'
		UNION ALL
		SELECT p.id, d.code, f.code, p.name, p.lat, p.lon, false FROM bts_posyandu p
		JOIN bts_desa d ON d.id = p.desa_id JOIN facilities f ON f.id = d.facility_id
		ORDER BY 7 DESC, 4, 1`)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Place, error) {
		var p Place
		return p, r.Scan(&p.ID, &p.Code, &p.Facility, &p.Name, &p.Lat, &p.Lon, &p.Puskesmas)
	})
	return out, interpret("places", err)
}

// SetPlaces stores the coordinates of Puskesmas (by Code) and posyandu (by
// ID) in one transaction. fault.ErrNotFound when one of them does not
// exist; fault.ErrInvalid for coordinates out of range.
func (db *DB) SetPlaces(ctx context.Context, places []Place) error {
	return interpret("set places", db.inTx(ctx, func(tx pgx.Tx) error {
		for _, p := range places {
			query, key, what := `UPDATE bts_posyandu SET lat = $2, lon = $3 WHERE id = $1`, any(p.ID), fmt.Sprintf("Posyandu %d", p.ID)
			if p.Puskesmas {
				query, key, what = `UPDATE facilities SET lat = $2, lon = $3 WHERE code = $1`, p.Code, "Puskesmas "+p.Code
			}
			tag, err := tx.Exec(ctx, query, key, p.Lat, p.Lon)
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 1 {
				return &fault.Error{Kind: fault.ErrNotFound, Message: what + " tidak ditemukan."}
			}
		}
		return nil
	}))
}
