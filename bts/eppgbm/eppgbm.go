// Package eppgbm writes BTS observations in the columns of e-PPGBM, the
// national nutrition recording system, as CSV or as a spreadsheet, so that
// a Puskesmas or the Dinas Kesehatan can import them.
package eppgbm

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/antrian/antrian/analytics"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/anthro"
)

// Columns are the columns of the e-PPGBM-style export, in order.
var Columns = []string{
	"NIK", "Nama", "JK", "Tgl Lahir", "BB Lahir", "TB Lahir", "Nama Ortu",
	"Kec", "Puskesmas", "Desa/Kel", "Posyandu", "RT", "RW", "Alamat",
	"Usia Saat Ukur", "Tanggal Pengukuran", "Berat", "Tinggi", "Cara Ukur", "LiLA",
	"BB/U", "ZS BB/U", "TB/U", "ZS TB/U", "BB/TB", "ZS BB/TB",
}

// Row returns the export fields of one observation, as text.
// Usia Saat Ukur is written as e-PPGBM does: "Y Tahun - M Bulan - D Hari".
func Row(o bts.Observation) []string {
	c, m := o.Child, o.Measurement
	num := func(v float64, prec int) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatFloat(v, 'f', prec, 64)
	}
	jk := "L"
	if c.Sex == anthro.Female {
		jk = "P"
	}
	cara := map[anthro.Measure]string{anthro.MeasureLying: "Terlentang", anthro.MeasureStanding: "Berdiri"}[m.Measure]
	return []string{
		c.NIK, c.Name, jk, c.BirthDate.Format(time.DateOnly), num(c.BirthWeightKg, 2), num(c.BirthLengthCm, 1), c.MotherName,
		o.KecamatanName, o.FacilityName, c.Address.DesaName, c.Address.Posyandu, c.Address.RT, c.Address.RW, c.Address.Street,
		ageText(c.BirthDate, m.MeasuredOn), m.MeasuredOn.Format(time.DateOnly), num(m.WeightKg, 2), num(m.LenHeiCm, 1), cara, num(m.LiLACm, 1),
		string(m.Result.BBU), m.Result.ZWei.String(), string(m.Result.TBU), m.Result.ZLen.String(), string(m.Result.BBTB), m.Result.ZWFL.String(),
	}
}

// ageText is the calendar age "Y Tahun - M Bulan - D Hari" on date on.
func ageText(birth, on time.Time) string {
	b, e := day(birth), day(on)
	months := (e.Year()-b.Year())*12 + int(e.Month()-b.Month())
	if e.Day() < b.Day() {
		months--
	}
	// The day of the month she was born, or the month's last day when it
	// has no such day (born on the 31st): never a day past e.
	y, m, _ := b.AddDate(0, months, 1-b.Day()).Date()
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	anchor := time.Date(y, m, min(b.Day(), last), 0, 0, 0, 0, time.UTC)
	days := anthro.AgeDays(anchor, e)
	return fmt.Sprintf("%d Tahun - %d Bulan - %d Hari", months/12, months%12, days)
}

// day is t's date as midnight UTC.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// WriteCSV writes observations as CSV with Columns. It returns any write
// error.
func WriteCSV(w io.Writer, obs []bts.Observation) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	for _, o := range obs {
		if err := cw.Write(Row(o)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes observations as a spreadsheet with Columns, for offices
// that import XLSX. It returns any write error.
func WriteXLSX(w io.Writer, obs []bts.Observation) error {
	t := analytics.Table{Name: "e-ppgbm", Title: "e-PPGBM", Columns: Columns}
	for _, o := range obs {
		row := Row(o)
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = v
		}
		t.Rows = append(t.Rows, cells)
	}
	return analytics.WriteXLSX(w, t)
}
