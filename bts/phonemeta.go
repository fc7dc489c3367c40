package bts

import (
	"math"
	"strconv"
	"time"

	"github.com/antrian/antrian/bts/photo"
	"github.com/antrian/antrian/fault"
)

// PhoneMeta completes m, the EXIF read from an uploaded photo, with what
// the phone read from the original before shrinking it: takenAt (as
// photo.Meta.TakenAt writes it, "2006-01-02T15:04:05" with an optional
// "+07:00" offset) and lat, lon (decimal degrees), each "" when the phone
// had none. The photo's own EXIF wins wherever it has the value: the
// phone's word only fills what the upload lacks. Fields the phone sends
// are checked even when unused, so a broken phone build shows at once.
//
// It returns a *fault.Error (fault.ErrInvalid) for field taken_at, lat or
// lon that is malformed or out of range, or for a lat without a lon.
func PhoneMeta(m photo.Meta, takenAt, lat, lon string) (photo.Meta, error) {
	if takenAt != "" {
		if !validTakenAt(takenAt) {
			return m, fault.Invalid("taken_at", "Waktu foto tidak valid.")
		}
		if m.TakenAt == "" {
			m.TakenAt = takenAt
		}
	}
	if lat == "" && lon == "" {
		return m, nil
	}
	la, errLat := strconv.ParseFloat(lat, 64)
	lo, errLon := strconv.ParseFloat(lon, 64)
	switch {
	case errLat != nil || math.IsNaN(la) || la < -90 || la > 90:
		return m, fault.Invalid("lat", "Lintang foto tidak valid.")
	case errLon != nil || math.IsNaN(lo) || lo < -180 || lo > 180:
		return m, fault.Invalid("lon", "Bujur foto tidak valid.")
	}
	if m.Lat == nil || m.Lon == nil {
		m.Lat, m.Lon = &la, &lo
	}
	return m, nil
}

// validTakenAt reports whether s is a capture time as photo.Meta writes it.
func validTakenAt(s string) bool {
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04:05-07:00"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() > 1900 {
			return true
		}
	}
	return false
}
