package web

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/antrian/antrian/internal/testenv"
)

func TestQRVersionAndLevel(t *testing.T) {
	tests := []struct {
		text    string
		version int
		level   qrECL
	}{
		{"", 1, qrM},
		{strings.Repeat("a", 14), 1, qrM},
		{strings.Repeat("a", 15), 2, qrM},
		{"https://antrian.example.id/t/0123456789abcdefghijklmnop#abcdefghijklmnopqrstuvwxyz012345", 6, qrM},
		{strings.Repeat("a", 213), 10, qrM},
		{strings.Repeat("a", 214), 9, qrL},
		{strings.Repeat("a", 271), 10, qrL},
	}
	for _, tt := range tests {
		q, err := encodeQR(tt.text)
		if err != nil {
			t.Fatalf("encodeQR(%d bytes): %v", len(tt.text), err)
		}
		if q.Version != tt.version || q.Level != tt.level {
			t.Errorf("encodeQR(%d bytes): got version %d level %d, want %d %d", len(tt.text), q.Version, q.Level, tt.version, tt.level)
		}
		if q.Size != 17+4*q.Version {
			t.Errorf("size %d for version %d", q.Size, q.Version)
		}
	}
	if _, err := encodeQR(strings.Repeat("a", 272)); !errors.Is(err, errQRTooLong) {
		t.Errorf("272 bytes: got %v, want errQRTooLong", err)
	}
}

func TestQRReedSolomon(t *testing.T) {
	// The worked example of ISO/IEC 18004 annex I: "01234567" at 1-M.
	data := []byte{0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11}
	want := []byte{0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55}
	got := rsRemainder(data, rsGenerator(10))
	if string(got) != string(want) {
		t.Errorf("EC codewords: got % X, want % X", got, want)
	}
}

func TestQRFormatAndFinders(t *testing.T) {
	q, _ := encodeQR("https://example.id/t/abc#def")
	// The dark module and the three finder centres.
	for _, p := range [][2]int{{8, q.Size - 8}, {3, 3}, {q.Size - 4, 3}, {3, q.Size - 4}} {
		if !q.Dark(p[0], p[1]) {
			t.Errorf("module %v should be dark", p)
		}
	}
	// Both copies of the format information agree.
	var a, b int
	for i := 0; i <= 5; i++ {
		a |= b2i(q.Dark(8, i)) << i
	}
	a |= b2i(q.Dark(8, 7))<<6 | b2i(q.Dark(8, 8))<<7 | b2i(q.Dark(7, 8))<<8
	for i := 9; i < 15; i++ {
		a |= b2i(q.Dark(14-i, 8)) << i
	}
	for i := 0; i < 8; i++ {
		b |= b2i(q.Dark(q.Size-1-i, 8)) << i
	}
	for i := 8; i < 15; i++ {
		b |= b2i(q.Dark(8, q.Size-15+i)) << i
	}
	if a != b {
		t.Errorf("format copies differ: %015b vs %015b", a, b)
	}
	if got := (a ^ 0x5412) >> 10; got != q.Level.formatBits()<<3|q.Mask {
		t.Errorf("format data %05b, want level %d mask %d", got, q.Level, q.Mask)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestQRDecodes reads the symbols back with zbarimg (zbar-tools, which
// scripts/test-deps.sh installs): the proof that a phone camera will read
// them.
func TestQRDecodes(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		testenv.Unavailable(t, "zbarimg not installed (apt-get install zbar-tools)")
	}
	dir := t.TempDir()
	texts := []string{
		"https://antrian.example.id/t/ABCDEFGHIJKLMNOP#0123456789abcdef0123456789abcdef",
		"http://127.0.0.1:8080/t/x",
		strings.Repeat("Puskesmas Sobo ", 9),   // version 8: with version information
		strings.Repeat("0123456789abcdef", 13), // version 10, level M
	}
	for i, text := range texts {
		q, err := encodeQR(text)
		if err != nil {
			t.Fatal(err)
		}
		const scale = 4
		n := (q.Size + 8) * scale
		img := image.NewGray(image.Rect(0, 0, n, n))
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				mx, my := x/scale-4, y/scale-4
				c := color.Gray{255}
				if mx >= 0 && my >= 0 && mx < q.Size && my < q.Size && q.Dark(mx, my) {
					c = color.Gray{0}
				}
				img.SetGray(x, y, c)
			}
		}
		path := filepath.Join(dir, "q.png")
		f, _ := os.Create(path)
		png.Encode(f, img)
		f.Close()
		out, err := exec.Command(zbar, "--raw", "-q", path).Output()
		if got := strings.TrimRight(string(out), "\n"); err != nil || got != text {
			t.Errorf("text %d (version %d, mask %d): zbarimg read %q (%v), want %q", i, q.Version, q.Mask, got, err, text)
		}
	}
}
