package bts

import (
	"reflect"
	"testing"
	"time"

	"github.com/antrian/antrian/bts/photo"
)

// A photo is suspect without EXIF, with an unreadable capture time, or
// taken more than a day from its delivery (a day either way is allowed:
// phones write local time).
func TestPhotoWarning(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tc := range []struct {
		taken string
		want  *PhotoWarning
	}{
		{"2026-03-14T07:15:30+07:00", nil},
		{"2026-03-13T23:59:00", nil},
		{"2026-03-15T06:00:00", nil},
		{"", &PhotoWarning{Kind: PhotoNoEXIF}},
		{"14/03/2026", &PhotoWarning{Kind: PhotoUnreadable}},
		{"2026-03-10T08:00:00", &PhotoWarning{Kind: PhotoFar, Taken: day("2026-03-10"), Days: 4}},
		{"2026-03-17T08:00:00", &PhotoWarning{Kind: PhotoFar, Taken: day("2026-03-17"), Days: 3}},
	} {
		d := Delivery{DeliveredOn: day("2026-03-14"), Photo: PhotoRef{Meta: photo.Meta{TakenAt: tc.taken}}}
		if got := d.PhotoWarning(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("taken %q: %+v, want %+v", tc.taken, got, tc.want)
		}
	}
}
