package eppgbm

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"testing"
	"time"

	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/anthro"
)

func TestAgeText(t *testing.T) {
	d := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct{ birth, on, want string }{
		{"2024-01-10", "2024-01-10", "0 Tahun - 0 Bulan - 0 Hari"},
		{"2024-01-10", "2025-03-13", "1 Tahun - 2 Bulan - 3 Hari"},
		{"2024-05-20", "2026-05-19", "1 Tahun - 11 Bulan - 29 Hari"},
		// Born on a day later months lack: a month is up on their last day.
		{"2025-01-31", "2025-03-01", "0 Tahun - 1 Bulan - 1 Hari"},
		{"2025-01-31", "2025-02-28", "0 Tahun - 0 Bulan - 28 Hari"},
		{"2024-01-31", "2024-03-01", "0 Tahun - 1 Bulan - 1 Hari"},
		{"2023-12-31", "2024-03-30", "0 Tahun - 2 Bulan - 30 Hari"},
		{"2024-02-29", "2025-02-28", "0 Tahun - 11 Bulan - 30 Hari"},
		{"2024-02-29", "2025-03-01", "1 Tahun - 0 Bulan - 1 Hari"},
	}
	for _, tc := range tests {
		if got := ageText(d(tc.birth), d(tc.on)); got != tc.want {
			t.Errorf("ageText(%s, %s) = %q, want %q", tc.birth, tc.on, got, tc.want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	birth := time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
	c := bts.Child{NIK: "3510010101240001", Name: "Ayu", Sex: anthro.Female, BirthDate: birth, BirthWeightKg: 3.1,
		MotherName: "Rina", Address: bts.Address{DesaName: "Sobo", Posyandu: "Melati", RT: "001", RW: "002", Street: "Jl. Mawar"}}
	m, err := bts.NewMeasurement(c, bts.MeasurementInput{MeasuredOn: birth.AddDate(0, 0, 548), WeightKg: 8.1, LenHeiCm: 74.9,
		Measure: anthro.MeasureLying, Place: bts.AtPosyandu}, anthro.MethodDaily, birth.AddDate(5, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, []bts.Observation{{Child: c, Measurement: m, KecamatanName: "Banyuwangi", FacilityName: "Puskesmas Sobo"}}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || !reflect.DeepEqual(recs[0], Columns) {
		t.Fatalf("got %d records with header %q", len(recs), recs[0])
	}
	want := []string{"3510010101240001", "Ayu", "P", "2024-01-10", "3.10", "", "Rina",
		"Banyuwangi", "Puskesmas Sobo", "Sobo", "Melati", "001", "002", "Jl. Mawar",
		"1 Tahun - 6 Bulan - 1 Hari", "2025-07-11", "8.10", "74.9", "Terlentang", "",
		string(m.Result.BBU), m.Result.ZWei.String(), "normal", "-2.00", string(m.Result.BBTB), m.Result.ZWFL.String()}
	if !reflect.DeepEqual(recs[1], want) {
		t.Errorf("row:\n got %q\nwant %q", recs[1], want)
	}
}
