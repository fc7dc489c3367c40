package lzstring

import (
	"errors"
	"strings"
	"testing"
)

// fixtures were made with the JavaScript lz-string 1.4.4:
// LZString.compressToEncodedURIComponent(in).
var fixtures = []struct{ in, out string }{
	{"", "Q"},
	{"a", "IZA"},
	{"Hello, world", "BIUwNmD2A0AEDukBOYAmQ"},
	{`{"list":[{"kodepoli":"001","namapoli":"Poli Umum"}]}`, "N4IgNglgzgLiBcBtUBrA9gEwKYAc2QRAAYiBGEAGhADsBDAW1rwPhAAV8IACAVXoFd6IAL4BdYUA"},
	{"Puskesmas Sobo – antrean ✓ 😀", "AoVwzg1gpmC2CGYAEBlA9gIzUwyARPgHYAuATlIUoMjkSgvBuAAe0A"},
	{strings.Repeat("a", 48), "IY18ZXaQ"},
}

func TestFixtures(t *testing.T) {
	for _, f := range fixtures {
		if got := CompressToEncodedURIComponent(f.in); got != f.out {
			t.Errorf("compress %q: got %q, want %q", f.in, got, f.out)
		}
		got, err := DecompressFromEncodedURIComponent(f.out)
		if err != nil || got != f.in {
			t.Errorf("decompress %q: got %q, %v, want %q", f.out, got, err, f.in)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	var b strings.Builder
	for i := range 3000 {
		b.WriteString(`{"nomorantrean":"B-`)
		b.WriteByte(byte('0' + i%10))
		b.WriteString(`","ß€😀"},`)
		if i != 0 && i != 9 && i != 99 && i != 2999 {
			continue
		}
		in := b.String()
		out, err := DecompressFromEncodedURIComponent(CompressToEncodedURIComponent(in))
		if err != nil || out != in {
			t.Fatalf("round trip of %d bytes: got %d bytes, %v", len(in), len(out), err)
		}
	}
}

func TestCorrupt(t *testing.T) {
	for _, in := range []string{"", "!!!", "N4Ig%"} {
		if _, err := DecompressFromEncodedURIComponent(in); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decompress %q: got %v, want ErrCorrupt", in, err)
		}
	}
}

func FuzzDecompress(f *testing.F) {
	for _, x := range fixtures {
		f.Add(x.out)
	}
	f.Fuzz(func(t *testing.T, s string) {
		DecompressFromEncodedURIComponent(s) // must not panic
	})
}
