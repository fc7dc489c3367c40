package photo

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/antrian/antrian/fault"
)

// exifBlock builds a TIFF block with an orientation, DateTimeOriginal with
// its offset, and a GPS position, in byte order bo.
func exifBlock(bo binary.ByteOrder, lat, lon float64, orientation uint16) []byte {
	type entry struct {
		tag, typ uint16
		count    uint32
		value    []byte // inline when 4 bytes or less
	}
	u16 := func(v uint16) []byte { b := make([]byte, 2); bo.PutUint16(b, v); return b }
	u32 := func(v uint32) []byte { b := make([]byte, 4); bo.PutUint32(b, v); return b }
	dms := func(v float64) []byte {
		v = math.Abs(v)
		d := math.Floor(v)
		m := math.Floor((v - d) * 60)
		s := ((v-d)*60 - m) * 60
		var b []byte
		for _, r := range [][2]uint32{{uint32(d), 1}, {uint32(m), 1}, {uint32(math.Round(s * 10000)), 10000}} {
			b = append(append(b, u32(r[0])...), u32(r[1])...)
		}
		return b
	}
	ref := func(neg bool, pos, negc string) []byte {
		if neg {
			return []byte(negc + "\x00")
		}
		return []byte(pos + "\x00")
	}
	// Layout: header (8), IFD0 (3 entries), Exif IFD (2), GPS IFD (4), data.
	ifdSize := func(n int) int { return 2 + 12*n + 4 }
	ifd0 := 8
	exif := ifd0 + ifdSize(3)
	gps := exif + ifdSize(2)
	data := gps + ifdSize(4)
	var tail []byte
	put := func(v []byte) []byte {
		if len(v) <= 4 {
			return append(v, make([]byte, 4-len(v))...)
		}
		off := data + len(tail)
		tail = append(tail, v...)
		return u32(uint32(off))
	}
	dir := func(es []entry) []byte {
		b := u16(uint16(len(es)))
		for _, e := range es {
			b = append(b, u16(e.tag)...)
			b = append(b, u16(e.typ)...)
			b = append(b, u32(e.count)...)
			b = append(b, put(e.value)...)
		}
		return append(b, u32(0)...)
	}
	var out []byte
	if bo == binary.LittleEndian {
		out = []byte("II*\x00")
	} else {
		out = []byte("MM\x00*")
	}
	out = append(out, u32(8)...)
	out = append(out, dir([]entry{
		{tagOrientation, 3, 1, u16(orientation)},
		{tagExifIFD, 4, 1, u32(uint32(exif))},
		{tagGPSIFD, 4, 1, u32(uint32(gps))},
	})...)
	out = append(out, dir([]entry{
		{tagDateTimeOriginal, 2, 20, []byte("2026:03:14 07:15:30\x00")},
		{tagOffsetOriginal, 2, 7, []byte("+07:00\x00")},
	})...)
	out = append(out, dir([]entry{
		{tagGPSLatRef, 2, 2, ref(lat < 0, "N", "S")},
		{tagGPSLat, 5, 3, dms(lat)},
		{tagGPSLonRef, 2, 2, ref(lon < 0, "E", "W")},
		{tagGPSLon, 5, 3, dms(lon)},
	})...)
	return append(out, tail...)
}

// testJPEG encodes a w×h image whose left half is red and right half blue,
// with an APP1 Exif segment carrying exifBlock.
func testJPEG(t testing.TB, w, h int, bo binary.ByteOrder, lat, lon float64, orientation uint16) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{200, 0, 0, 255}
			if x >= w/2 {
				c = color.RGBA{0, 0, 200, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	tiff := append([]byte("Exif\x00\x00"), exifBlock(bo, lat, lon, orientation)...)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(tiff)+2))
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), append(app1, tiff...)...), b[2:]...)
}

func TestReadEXIF(t *testing.T) {
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		t.Run(bo.String(), func(t *testing.T) {
			b := testJPEG(t, 8, 8, bo, -8.2192, 114.3691, 6)
			m, err := ReadEXIF(b)
			if err != nil {
				t.Fatalf("ReadEXIF: %v", err)
			}
			if m.Lat == nil || m.Lon == nil {
				t.Fatalf("got no GPS, want -8.2192, 114.3691")
			}
			if math.Abs(*m.Lat - -8.2192) > 1e-6 || math.Abs(*m.Lon-114.3691) > 1e-6 {
				t.Errorf("got %v, %v, want -8.2192, 114.3691", *m.Lat, *m.Lon)
			}
			if m.TakenAt != "2026-03-14T07:15:30+07:00" {
				t.Errorf("TakenAt = %q, want 2026-03-14T07:15:30+07:00", m.TakenAt)
			}
			if m.Orientation != 6 {
				t.Errorf("Orientation = %d, want 6", m.Orientation)
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		var buf bytes.Buffer
		jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4)), nil)
		if m, err := ReadEXIF(buf.Bytes()); err == nil || m.Lat != nil {
			t.Errorf("plain JPEG: got %+v, %v, want no EXIF", m, err)
		}
	})
	t.Run("png eXIf", func(t *testing.T) {
		b := pngWithEXIF(t, exifBlock(binary.BigEndian, 1.5, -2.25, 1))
		m, err := ReadEXIF(b)
		if err != nil || m.Lat == nil || *m.Lat != 1.5 || *m.Lon != -2.25 {
			t.Errorf("PNG: got %+v, %v, want 1.5, -2.25", m, err)
		}
	})
}

// pngWithEXIF encodes a small PNG with an eXIf chunk after IHDR.
func pngWithEXIF(t testing.TB, tiff []byte) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	ihdrEnd := 8 + 12 + 13
	chunk := make([]byte, 8)
	binary.BigEndian.PutUint32(chunk, uint32(len(tiff)))
	copy(chunk[4:], "eXIf")
	chunk = append(append(chunk, tiff...), 0, 0, 0, 0) // the CRC is not checked by readers of eXIf here
	return append(append(append([]byte{}, b[:ihdrEnd]...), chunk...), b[ihdrEnd:]...)
}

func TestProcessPhotoStripsMetadata(t *testing.T) {
	in := testJPEG(t, 40, 20, binary.LittleEndian, -8.2192, 114.3691, 6)
	p, err := Process(in)
	if err != nil {
		t.Fatal(err)
	}
	if p.Format != "jpeg" || p.Meta.Lat == nil {
		t.Fatalf("got format %q meta %+v, want jpeg with GPS", p.Format, p.Meta)
	}
	if bytes.Contains(p.JPEG, []byte("Exif")) {
		t.Error("the served image still has an Exif segment")
	}
	if _, err := ReadEXIF(p.JPEG); err == nil {
		t.Error("ReadEXIF on the served image found EXIF")
	}
	img, err := jpeg.Decode(bytes.NewReader(p.JPEG))
	if err != nil {
		t.Fatal(err)
	}
	// Orientation 6 turns the 40×20 picture upright: 20×40, red on top.
	if b := img.Bounds(); b.Dx() != 20 || b.Dy() != 40 {
		t.Errorf("served size %v, want 20×40", b.Size())
	}
	if r, _, bl, _ := img.At(10, 5).RGBA(); r < bl {
		t.Errorf("top of the upright image is not red")
	}
}

func TestProcessPhotoFormats(t *testing.T) {
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewNRGBA(image.Rect(0, 0, 3000, 100))) // transparent
	webp1x1, _ := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	for _, tc := range []struct {
		name   string
		in     []byte
		format string
		w, h   int
	}{
		{"png scaled down", pngBuf.Bytes(), "png", ServedMaxSide, 53},
		{"webp", webp1x1, "webp", 1, 1},
	} {
		p, err := Process(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(p.JPEG))
		if err != nil || p.Format != tc.format || cfg.Width != tc.w || cfg.Height != tc.h {
			t.Errorf("%s: got %s %dx%d (%v), want %s %dx%d", tc.name, p.Format, cfg.Width, cfg.Height, err, tc.format, tc.w, tc.h)
		}
	}
}

func TestProcessPhotoRejects(t *testing.T) {
	good := testJPEG(t, 16, 16, binary.LittleEndian, 0, 0, 1)
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"text", []byte("bukan foto, hanya teks"), fault.ErrInvalid},
		{"empty", nil, fault.ErrInvalid},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), fault.ErrInvalid},
		{"truncated jpeg", good[:len(good)/2], fault.ErrInvalid},
		{"html named .jpg", []byte("<html><script>alert(1)</script>"), fault.ErrInvalid},
		{"too many bytes", append(append([]byte{}, good...), make([]byte, MaxBytes)...), fault.ErrTooLarge},
		{"too many pixels", hugePNGHeader(), fault.ErrTooLarge},
	} {
		_, err := Process(tc.in)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
		var fe *fault.Error
		if tc.want == fault.ErrInvalid && (!errors.As(err, &fe) || fe.Field != "photo") {
			t.Errorf("%s: got %v, want a fault.Error for photo", tc.name, err)
		}
	}
}

// hugePNGHeader is a PNG whose header claims 20000×20000 pixels.
func hugePNGHeader() []byte {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b[16:], 20000)
	binary.BigEndian.PutUint32(b[20:], 20000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestPhotoStore(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	p, err := Process(testJPEG(t, 8, 8, binary.LittleEndian, 1, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Put(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	f, err := s.Open(t.Context(), p.Hash)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, h := range []string{"../../etc/passwd", strings.Repeat("0", 64)} {
		if _, err := s.Open(t.Context(), h); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Open(%q): got %v, want fault.ErrNotFound", h, err)
		}
	}
	if _, err := os.Stat(s.Dir + "/" + p.Hash[:2] + "/" + p.Hash + ".jpg"); err != nil {
		t.Errorf("not content-addressed: %v", err)
	}
	for range 2 { // deleting what is not there is not an error
		if err := s.Delete(t.Context(), p.Hash); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Open(t.Context(), p.Hash); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("Open after Delete: %v, want fault.ErrNotFound", err)
	}
}

func FuzzReadEXIF(f *testing.F) {
	f.Add(testJPEG(f, 4, 4, binary.LittleEndian, -8.2, 114.3, 6))
	f.Add(testJPEG(f, 4, 4, binary.BigEndian, 8.2, -114.3, 3))
	f.Add(pngWithEXIF(f, exifBlock(binary.BigEndian, 1, 2, 1)))
	f.Add(append([]byte("RIFF\x00\x00\x00\x00WEBPEXIF\x20\x00\x00\x00"), exifBlock(binary.LittleEndian, 1, 2, 1)[:32]...))
	f.Add([]byte("II*\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := ReadEXIF(b)
		if m.Lat != nil && (math.IsNaN(*m.Lat) || math.Abs(*m.Lat) > 90) {
			t.Errorf("latitude %v", *m.Lat)
		}
		if m.Orientation < 0 || m.Orientation > 8 {
			t.Errorf("orientation %d", m.Orientation)
		}
		// The TIFF parser alone, on the raw bytes.
		parseTIFF(b)
	})
}

var update = flag.Bool("update", false, "rewrite testdata/gps.jpg")

// TestGPSFixture keeps testdata/gps.jpg, a photo with EXIF GPS (-8.2192,
// 114.3691) used by the end-to-end tests, in step with testJPEG.
func TestGPSFixture(t *testing.T) {
	want := testJPEG(t, 64, 48, binary.LittleEndian, -8.2192, 114.3691, 1)
	if *update {
		if err := os.WriteFile("testdata/gps.jpg", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("testdata/gps.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := ReadEXIF(got); err != nil || m.Lat == nil || math.Abs(*m.Lat - -8.2192) > 1e-6 {
		t.Errorf("testdata/gps.jpg: got %+v, %v; run go test -update", m, err)
	}
}
