package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// Meta is the verification data read from a photo's EXIF: when and
// where the camera says it was taken. It is kept with the report and never
// served inside the image.
type Meta struct {
	// TakenAt is DateTimeOriginal (or DateTime) as the camera wrote it,
	// reformatted to "2006-01-02T15:04:05" and followed by the offset
	// ("+07:00") when OffsetTimeOriginal gives one; "" when absent.
	TakenAt string
	// Lat and Lon are the GPS position in decimal degrees (south and west
	// negative); nil when absent.
	Lat, Lon *float64
	// Orientation is the EXIF orientation 1-8 (0 when absent), applied to
	// the pixels of the served image because the tag itself is stripped.
	Orientation int
}

// errNoEXIF reports an image without EXIF; errBadEXIF a malformed block.
var (
	errNoEXIF  = errors.New("no EXIF")
	errBadEXIF = errors.New("malformed EXIF")
)

// ReadEXIF reads Meta from a JPEG (APP1 "Exif"), PNG (eXIf chunk) or
// WebP (EXIF chunk) file. It never panics on any input; it returns an error
// when the file has no EXIF or it is malformed, with whatever fields were
// read before the fault.
//
// It is hand-written rather than a library because it needs four tags,
// must be safe on hostile uploads (bounds checked everywhere, no offsets
// followed twice, sizes capped), and is fuzzed (FuzzReadEXIF).
func ReadEXIF(b []byte) (Meta, error) {
	var tiff []byte
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8}):
		tiff = jpegEXIF(b)
	case bytes.HasPrefix(b, pngSignature):
		tiff = pngEXIF(b)
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		tiff = webpEXIF(b)
	}
	if tiff == nil {
		return Meta{}, errNoEXIF
	}
	return parseTIFF(tiff)
}

var pngSignature = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}

// jpegEXIF returns the TIFF block of the first APP1 Exif segment before the
// image data, or nil.
func jpegEXIF(b []byte) []byte {
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return nil
		}
		marker := b[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9: // start of scan, end of image
			return nil
		}
		n := int(binary.BigEndian.Uint16(b[i+2 : i+4]))
		if n < 2 || i+2+n > len(b) {
			return nil
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return seg[6:]
		}
		i += 2 + n
	}
	return nil
}

// pngEXIF returns the eXIf chunk's data, or nil.
func pngEXIF(b []byte) []byte {
	i := len(pngSignature)
	for i+12 <= len(b) {
		n := binary.BigEndian.Uint32(b[i : i+4])
		typ := string(b[i+4 : i+8])
		if n > uint32(len(b)-i-12) {
			return nil
		}
		data := b[i+8 : i+8+int(n)]
		switch typ {
		case "eXIf":
			return data
		case "IEND":
			return nil
		}
		i += 12 + int(n)
	}
	return nil
}

// webpEXIF returns the EXIF chunk's TIFF data, or nil.
func webpEXIF(b []byte) []byte {
	i := 12
	for i+8 <= len(b) {
		n := binary.LittleEndian.Uint32(b[i+4 : i+8])
		if n > uint32(len(b)-i-8) {
			return nil
		}
		data := b[i+8 : i+8+int(n)]
		if string(b[i:i+4]) == "EXIF" {
			return bytes.TrimPrefix(data, []byte("Exif\x00\x00"))
		}
		i += 8 + int(n) + int(n&1)
	}
	return nil
}

// EXIF tags read.
const (
	tagOrientation      = 0x0112
	tagDateTime         = 0x0132
	tagExifIFD          = 0x8769
	tagGPSIFD           = 0x8825
	tagDateTimeOriginal = 0x9003
	tagOffsetOriginal   = 0x9011
	tagGPSLatRef        = 0x0001
	tagGPSLat           = 0x0002
	tagGPSLonRef        = 0x0003
	tagGPSLon           = 0x0004
)

// TIFF field types used here, and the byte size of one value of each.
var tiffTypeSize = map[uint16]int{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8}

type tiffReader struct {
	b  []byte
	bo binary.ByteOrder
}

type tiffEntry struct {
	typ   uint16
	count uint32
	data  []byte // the value bytes, bounds-checked
}

// ifd reads the directory at off into a map of tag to entry. Entries whose
// values fall outside the block are left out.
func (r tiffReader) ifd(off uint32) (map[uint16]tiffEntry, error) {
	if off < 8 || uint64(off)+2 > uint64(len(r.b)) {
		return nil, errBadEXIF
	}
	n := int(r.bo.Uint16(r.b[off:]))
	if n > 512 || int(off)+2+12*n > len(r.b) {
		return nil, errBadEXIF
	}
	out := make(map[uint16]tiffEntry, n)
	for k := 0; k < n; k++ {
		e := r.b[int(off)+2+12*k:][:12]
		tag, typ, count := r.bo.Uint16(e[0:]), r.bo.Uint16(e[2:]), r.bo.Uint32(e[4:])
		size, ok := tiffTypeSize[typ]
		if !ok || count > 1<<16 {
			continue
		}
		total := uint64(size) * uint64(count)
		var data []byte
		if total <= 4 {
			data = e[8 : 8+total]
		} else {
			p := uint64(r.bo.Uint32(e[8:]))
			if p+total > uint64(len(r.b)) {
				continue
			}
			data = r.b[p : p+total]
		}
		out[tag] = tiffEntry{typ: typ, count: count, data: data}
	}
	return out, nil
}

func (r tiffReader) ascii(e tiffEntry, ok bool) string {
	if !ok || e.typ != 2 {
		return ""
	}
	s, _, _ := strings.Cut(string(e.data), "\x00")
	return strings.TrimSpace(s)
}

func (r tiffReader) uint(e tiffEntry, ok bool) (uint32, bool) {
	if !ok || e.count < 1 {
		return 0, false
	}
	switch e.typ {
	case 3:
		return uint32(r.bo.Uint16(e.data)), true
	case 4:
		return r.bo.Uint32(e.data), true
	}
	return 0, false
}

// degrees reads a GPS coordinate: three rationals (degrees, minutes,
// seconds).
func (r tiffReader) degrees(e tiffEntry, ok bool) (float64, bool) {
	if !ok || e.typ != 5 || e.count != 3 {
		return 0, false
	}
	v := 0.0
	for i, div := range []float64{1, 60, 3600} {
		num, den := r.bo.Uint32(e.data[8*i:]), r.bo.Uint32(e.data[8*i+4:])
		if den == 0 {
			return 0, false
		}
		v += float64(num) / float64(den) / div
	}
	return v, !math.IsNaN(v)
}

func parseTIFF(b []byte) (Meta, error) {
	var m Meta
	if len(b) < 8 {
		return m, errBadEXIF
	}
	r := tiffReader{b: b}
	switch string(b[0:4]) {
	case "II*\x00":
		r.bo = binary.LittleEndian
	case "MM\x00*":
		r.bo = binary.BigEndian
	default:
		return m, errBadEXIF
	}
	ifd0, err := r.ifd(r.bo.Uint32(b[4:]))
	if err != nil {
		return m, err
	}
	if o, ok := r.uint(ifd0[tagOrientation], has(ifd0, tagOrientation)); ok && o >= 1 && o <= 8 {
		m.Orientation = int(o)
	}
	taken := r.ascii(ifd0[tagDateTime], has(ifd0, tagDateTime))
	offset := ""
	var errs []error
	if p, ok := r.uint(ifd0[tagExifIFD], has(ifd0, tagExifIFD)); ok {
		if exif, err := r.ifd(p); err == nil {
			if t := r.ascii(exif[tagDateTimeOriginal], has(exif, tagDateTimeOriginal)); t != "" {
				taken = t
			}
			offset = r.ascii(exif[tagOffsetOriginal], has(exif, tagOffsetOriginal))
		} else {
			errs = append(errs, fmt.Errorf("exif IFD: %w", err))
		}
	}
	m.TakenAt = exifTime(taken, offset)
	if p, ok := r.uint(ifd0[tagGPSIFD], has(ifd0, tagGPSIFD)); ok {
		if gps, err := r.ifd(p); err == nil {
			lat, ok1 := r.degrees(gps[tagGPSLat], has(gps, tagGPSLat))
			lon, ok2 := r.degrees(gps[tagGPSLon], has(gps, tagGPSLon))
			if ok1 && ok2 && lat <= 90 && lon <= 180 {
				if r.ascii(gps[tagGPSLatRef], has(gps, tagGPSLatRef)) == "S" {
					lat = -lat
				}
				if r.ascii(gps[tagGPSLonRef], has(gps, tagGPSLonRef)) == "W" {
					lon = -lon
				}
				m.Lat, m.Lon = &lat, &lon
			}
		} else {
			errs = append(errs, fmt.Errorf("GPS IFD: %w", err))
		}
	}
	return m, errors.Join(errs...)
}

func has(m map[uint16]tiffEntry, tag uint16) bool { _, ok := m[tag]; return ok }

// exifTime turns "2006:01:02 15:04:05" into "2006-01-02T15:04:05" plus a
// valid "+07:00"-style offset; anything else is "".
func exifTime(s, offset string) string {
	if len(s) != 19 || s[4] != ':' || s[7] != ':' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return ""
	}
	for i, c := range []byte(s) {
		switch i {
		case 4, 7, 10, 13, 16:
		default:
			if c < '0' || c > '9' {
				return ""
			}
		}
	}
	if s[:4] == "0000" {
		return ""
	}
	t := s[0:4] + "-" + s[5:7] + "-" + s[8:10] + "T" + s[11:19]
	if len(offset) == 6 && (offset[0] == '+' || offset[0] == '-') && offset[3] == ':' {
		t += offset
	}
	return t
}
