package bts

import (
	"errors"
	"testing"

	"github.com/antrian/antrian/bts/photo"
	"github.com/antrian/antrian/fault"
)

func TestPhoneMeta(t *testing.T) {
	lat, lon := -8.2192, 114.3691
	fromEXIF := photo.Meta{TakenAt: "2026-03-14T07:15:30+07:00", Lat: &lat, Lon: &lon, Orientation: 6}
	for _, tc := range []struct {
		name             string
		m                photo.Meta
		taken, la, lo    string
		wantTaken        string
		wantLat, wantLon float64 // 0: no position
		wantField        string  // the field refused, "" for none
	}{
		{name: "nothing from the phone", wantTaken: ""},
		{name: "the phone fills a photo without EXIF", taken: "2026-03-15T08:00:00+07:00", la: "-8.3", lo: "114.2",
			wantTaken: "2026-03-15T08:00:00+07:00", wantLat: -8.3, wantLon: 114.2},
		{name: "a time without offset", taken: "2026-03-15T08:00:00", wantTaken: "2026-03-15T08:00:00"},
		{name: "the photo's own EXIF wins", m: fromEXIF, taken: "2026-03-15T08:00:00", la: "-8.3", lo: "114.2",
			wantTaken: "2026-03-14T07:15:30+07:00", wantLat: lat, wantLon: lon},
		{name: "a malformed time", taken: "kemarin", wantField: "taken_at"},
		{name: "a date only", taken: "2026-03-15", wantField: "taken_at"},
		{name: "a bad time even when unused", m: fromEXIF, taken: "2026:03:15 08:00:00", wantField: "taken_at"},
		{name: "latitude out of range", la: "91", lo: "114", wantField: "lat"},
		{name: "latitude without longitude", la: "-8.3", wantField: "lon"},
		{name: "longitude without latitude", lo: "114.2", wantField: "lat"},
		{name: "longitude not a number", la: "-8.3", lo: "NaN", wantField: "lon"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PhoneMeta(tc.m, tc.taken, tc.la, tc.lo)
			if tc.wantField != "" {
				var fe *fault.Error
				if !errors.As(err, &fe) || !errors.Is(err, fault.ErrInvalid) || fe.Field != tc.wantField {
					t.Fatalf("got %v, want invalid %s", err, tc.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.TakenAt != tc.wantTaken {
				t.Errorf("taken at %q, want %q", got.TakenAt, tc.wantTaken)
			}
			if tc.wantLat == 0 {
				if got.Lat != nil || got.Lon != nil {
					t.Errorf("position %v,%v, want none", *got.Lat, *got.Lon)
				}
			} else if got.Lat == nil || got.Lon == nil || *got.Lat != tc.wantLat || *got.Lon != tc.wantLon {
				t.Errorf("position %v,%v, want %v,%v", got.Lat, got.Lon, tc.wantLat, tc.wantLon)
			}
			if got.Orientation != tc.m.Orientation {
				t.Errorf("orientation %d, want %d kept", got.Orientation, tc.m.Orientation)
			}
		})
	}
}
