package web

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/antrian/antrian/internal/testenv"
)

// TestQRDecodes draws the symbols as the SVG does (the same modules, the
// same quiet zone) and reads them back with zbarimg (zbar-tools, which
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
		strings.Repeat("Puskesmas Sobo ", 9),
		strings.Repeat("0123456789abcdef", 13),
		strings.Repeat("a", qrMaxBytes),
	}
	for i, text := range texts {
		mod, err := qrModules(text)
		if err != nil {
			t.Fatalf("text %d: %v", i, err)
		}
		svg := qrSVGOf(mod)
		img := rasterize(t, svg, 4)
		path := filepath.Join(dir, "q.png")
		f, _ := os.Create(path)
		png.Encode(f, img)
		f.Close()
		out, err := exec.Command(zbar, "--raw", "-q", path).Output()
		if got := strings.TrimRight(string(out), "\n"); err != nil || got != text {
			t.Errorf("text %d (%d modules): zbarimg read %q (%v), want %q", i, len(mod), got, err, text)
		}
	}
	if _, err := qrModules(strings.Repeat("a", qrMaxBytes+1)); err == nil {
		t.Errorf("%d bytes: no error", qrMaxBytes+1)
	}
}

// rasterize paints the SVG's dark runs ("M x y h w v1 h-w z") at scale
// pixels per module, so the test reads what the browser is given.
func rasterize(t *testing.T, svg string, scale int) *image.Gray {
	t.Helper()
	vb := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(svg)
	if vb == nil {
		t.Fatalf("no viewBox in %.80s", svg)
	}
	n, _ := strconv.Atoi(vb[1])
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for _, m := range regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-\d+z`).FindAllStringSubmatch(svg, -1) {
		x0, _ := strconv.Atoi(m[1])
		y0, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for y := y0 * scale; y < (y0+1)*scale; y++ {
			for x := x0 * scale; x < (x0+w)*scale; x++ {
				img.SetGray(x, y, color.Gray{0})
			}
		}
	}
	return img
}
