package web

import (
	"fmt"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// A QR code is drawn here rather than by a browser library or an outside
// service so that a tracking link, which carries the patient's secret,
// never leaves our own server to become a picture. The encoding (version,
// error correction, mask choice) is github.com/skip2/go-qrcode's.

// qrMaxBytes is the longest text drawn: a tracking link is about 90 bytes,
// and a larger symbol is hard to read off a 58 mm slip.
const qrMaxBytes = 271

// qrModules encodes text at error correction level M (15% of the symbol may
// be damaged) and returns its modules, true for dark, without a quiet zone.
func qrModules(text string) ([][]bool, error) {
	if len(text) > qrMaxBytes {
		return nil, fmt.Errorf("qr: %d bytes, at most %d", len(text), qrMaxBytes)
	}
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	q.DisableBorder = true
	return q.Bitmap(), nil
}

// qrSVGOf renders modules with a quiet zone of four modules, scaled to fit
// its container (crisp edges, black on white), one path for all dark runs.
func qrSVGOf(mod [][]bool) string {
	var b strings.Builder
	n := len(mod) + 8
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range mod {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start+4, y+4, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String()
}
