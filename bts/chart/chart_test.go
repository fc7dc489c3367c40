package chart

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/fault"
)

func TestPoints(t *testing.T) {
	birth := time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
	measure := func(days int, kg, cm float64, m anthro.Measure) bts.Measurement {
		t.Helper()
		out, err := bts.NewMeasurement(bts.Child{Sex: anthro.Female, BirthDate: birth}, bts.MeasurementInput{
			MeasuredOn: birth.AddDate(0, 0, days), WeightKg: kg, LenHeiCm: cm, Measure: m, Place: bts.AtPuskesmas},
			anthro.MethodDaily, birth.AddDate(10, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	ms := []bts.Measurement{
		measure(100, 5.5, 0, anthro.MeasureUnknown),                   // weight only
		measure(200, 0, 64, anthro.MeasureStanding),                   // standing under 9 months: flagged, +0.7 cm
		measure(anthro.MaxAgeDays+1, 18, 110, anthro.MeasureStanding), // past the charts
	}
	lh := Points(ms, LenHei)
	if len(lh) != 1 || lh[0].AgeDays != 200 || lh[0].Value != 64.7 || !lh[0].Flagged {
		t.Errorf("length points: got %+v, want one flagged point of 64.7 cm at day 200", lh)
	}
	w := Points(ms, Weight)
	if len(w) != 1 || w[0].AgeDays != 100 || w[0].Value != 5.5 || w[0].Flagged {
		t.Errorf("weight points: got %+v, want one point of 5.5 kg at day 100", w)
	}
}

func TestSVG(t *testing.T) {
	svg, err := SVG(anthro.Male, Weight, []Point{{AgeDays: 30, Value: 4.5}, {AgeDays: 60, Value: 5, Flagged: true}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	if !strings.HasPrefix(s, "<svg ") || !strings.HasSuffix(s, "</svg>") {
		t.Errorf("not one SVG document: %.60q", s)
	}
	if n := strings.Count(s, "<polyline"); n != 8 {
		t.Errorf("%d lines, want 7 curves and the child's", n)
	}
	if n := strings.Count(s, `class="point"`); n != 2 {
		t.Errorf("%d points drawn, want 2", n)
	}
	if !strings.Contains(s, `fill="#fff" stroke="#1a4fd6"`) {
		t.Error("the flagged point is not drawn hollow")
	}
	if !strings.Contains(s, "Berat Badan menurut Umur (BB/U)") {
		t.Error("no title")
	}
	for _, bad := range []struct {
		sex anthro.Sex
		ind Indicator
	}{{0, Weight}, {anthro.Female, "bmi"}} {
		if _, err := SVG(bad.sex, bad.ind, nil); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("SVG(%d, %q): got %v, want fault.ErrInvalid", bad.sex, bad.ind, err)
		}
	}
}
