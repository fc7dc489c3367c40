package bts

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// EPPGBMColumns are the columns of the e-PPGBM-style export, in order.
var EPPGBMColumns = []string{
	"NIK", "Nama", "JK", "Tgl Lahir", "BB Lahir", "TB Lahir", "Nama Ortu",
	"Kec", "Puskesmas", "Desa/Kel", "Posyandu", "RT", "RW", "Alamat",
	"Usia Saat Ukur", "Tanggal Pengukuran", "Berat", "Tinggi", "Cara Ukur", "LiLA",
	"BB/U", "ZS BB/U", "TB/U", "ZS TB/U", "BB/TB", "ZS BB/TB",
}

// EPPGBMRow returns the export fields of one observation, as text.
// Usia Saat Ukur is written as e-PPGBM does: "Y Tahun - M Bulan - D Hari".
func EPPGBMRow(o Observation) []string {
	c, m := o.Child, o.Measurement
	num := func(v float64, prec int) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatFloat(v, 'f', prec, 64)
	}
	jk := "L"
	if c.Sex == Female {
		jk = "P"
	}
	cara := map[Measure]string{MeasureLying: "Terlentang", MeasureStanding: "Berdiri"}[m.Measure]
	return []string{
		c.NIK, c.Name, jk, c.BirthDate.Format(time.DateOnly), num(c.BirthWeightKg, 2), num(c.BirthLengthCm, 1), c.MotherName,
		o.KecamatanName, o.FacilityName, c.Address.DesaName, c.Address.Posyandu, c.Address.RT, c.Address.RW, c.Address.Street,
		ageText(c.BirthDate, m.MeasuredOn), m.MeasuredOn.Format(time.DateOnly), num(m.WeightKg, 2), num(m.LenHeiCm, 1), cara, num(m.LiLACm, 1),
		string(m.Result.BBU), m.Result.ZWei.String(), string(m.Result.TBU), m.Result.ZLen.String(), string(m.Result.BBTB), m.Result.ZWFL.String(),
	}
}

// ageText is the calendar age "Y Tahun - M Bulan - D Hari" on date on.
func ageText(birth, on time.Time) string {
	b, e := dateOf(birth), dateOf(on)
	months := (e.Year()-b.Year())*12 + int(e.Month()-b.Month())
	if e.Day() < b.Day() {
		months--
	}
	anchor := b.AddDate(0, months, 0)
	days := AgeDays(anchor, e)
	return fmt.Sprintf("%d Tahun - %d Bulan - %d Hari", months/12, months%12, days)
}

// WriteEPPGBM writes observations as CSV with EPPGBMColumns. It returns any
// write error.
func WriteEPPGBM(w io.Writer, obs []Observation) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(EPPGBMColumns); err != nil {
		return err
	}
	for _, o := range obs {
		if err := cw.Write(EPPGBMRow(o)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
