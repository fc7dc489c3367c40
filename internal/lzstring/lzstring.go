// Package lzstring implements the "encoded URI component" form of
// LZ-string 1.4.4 (pieroxy/lz-string), which BPJS applies to the payloads
// of its web services before encrypting them.
//
// Strings are handled as JavaScript does, as UTF-16 code units, so that
// text with characters outside the Basic Multilingual Plane round-trips
// exactly as with the JavaScript library.
package lzstring

import (
	"errors"
	"strings"
	"unicode/utf16"
)

// ErrCorrupt reports input that is not a valid compressed stream.
var ErrCorrupt = errors.New("lzstring: corrupt input")

const uriAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$"

var uriValue = func() [256]int {
	var v [256]int
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(uriAlphabet); i++ {
		v[uriAlphabet[i]] = i
	}
	return v
}()

// DecompressFromEncodedURIComponent is the inverse of
// CompressToEncodedURIComponent, like the JavaScript function of that name.
// It returns ErrCorrupt for characters outside the alphabet and for streams
// that do not decode (where JavaScript returns null or "").
func DecompressFromEncodedURIComponent(s string) (string, error) {
	if s == "" {
		return "", ErrCorrupt
	}
	s = strings.ReplaceAll(s, " ", "+")
	vals := make([]int, len(s))
	for i := 0; i < len(s); i++ {
		v := uriValue[s[i]]
		if v < 0 {
			return "", ErrCorrupt
		}
		vals[i] = v
	}
	units, err := decompress(vals, 32)
	if err != nil {
		return "", err
	}
	return string(utf16.Decode(units)), nil
}

// reader reads bits, lowest first within each character of the stream.
type reader struct {
	vals     []int
	reset    int
	val      int
	position int
	index    int
}

func (r *reader) next() int {
	if r.index < len(r.vals) {
		v := r.vals[r.index]
		r.index++
		return v
	}
	r.index++
	return 0 // past the end JavaScript reads undefined, which is 0 in bit operations
}

func (r *reader) bits(n int) int {
	out := 0
	for i := 0; i < n; i++ {
		b := r.val & r.position
		r.position >>= 1
		if r.position == 0 {
			r.position = r.reset
			r.val = r.next()
		}
		if b > 0 {
			out |= 1 << i
		}
	}
	return out
}

func decompress(vals []int, reset int) ([]uint16, error) {
	r := &reader{vals: vals, reset: reset, position: reset}
	r.val = r.next()
	dict := [][]uint16{{0}, {1}, {2}}
	enlargeIn, numBits := 4, 3

	var c []uint16
	switch r.bits(2) {
	case 0:
		c = []uint16{uint16(r.bits(8))}
	case 1:
		c = []uint16{uint16(r.bits(16))}
	case 2:
		return nil, nil
	default:
		return nil, ErrCorrupt
	}
	dict = append(dict, c)
	w := c
	result := append([]uint16(nil), c...)
	for {
		if r.index > len(vals) {
			return nil, ErrCorrupt
		}
		code := r.bits(numBits)
		switch code {
		case 0, 1:
			n := 8
			if code == 1 {
				n = 16
			}
			dict = append(dict, []uint16{uint16(r.bits(n))})
			code = len(dict) - 1
			enlargeIn--
		case 2:
			return result, nil
		}
		if enlargeIn == 0 {
			enlargeIn = 1 << numBits
			numBits++
		}
		var entry []uint16
		switch {
		case code < len(dict):
			entry = dict[code]
		case code == len(dict):
			entry = append(append([]uint16(nil), w...), w[0])
		default:
			return nil, ErrCorrupt
		}
		result = append(result, entry...)
		dict = append(dict, append(append([]uint16(nil), w...), entry[0]))
		enlargeIn--
		w = entry
		if enlargeIn == 0 {
			enlargeIn = 1 << numBits
			numBits++
		}
	}
}

// CompressToEncodedURIComponent compresses s exactly as the JavaScript
// function of that name does. BPJS never needs it from us; test servers
// standing in for BPJS do.
func CompressToEncodedURIComponent(s string) string {
	units := utf16.Encode([]rune(s))
	w := &writer{bitsPerChar: 6}
	key := func(u []uint16) string {
		b := make([]byte, 2*len(u))
		for i, x := range u {
			b[2*i], b[2*i+1] = byte(x>>8), byte(x)
		}
		return string(b)
	}
	dict := map[string]int{}
	toCreate := map[string]bool{}
	enlargeIn, dictSize, numBits := 2, 3, 2
	var cw []uint16

	emit := func() {
		k := key(cw)
		if toCreate[k] {
			if cw[0] < 256 {
				w.write(0, numBits)
				w.write(int(cw[0]), 8)
			} else {
				w.write(1, numBits)
				w.write(int(cw[0]), 16)
			}
			enlargeIn--
			if enlargeIn == 0 {
				enlargeIn = 1 << numBits
				numBits++
			}
			delete(toCreate, k)
		} else {
			w.write(dict[k], numBits)
		}
		enlargeIn--
		if enlargeIn == 0 {
			enlargeIn = 1 << numBits
			numBits++
		}
	}

	for _, u := range units {
		c := []uint16{u}
		ck := key(c)
		if _, ok := dict[ck]; !ok {
			dict[ck] = dictSize
			dictSize++
			toCreate[ck] = true
		}
		wc := append(append([]uint16(nil), cw...), u)
		if _, ok := dict[key(wc)]; ok {
			cw = wc
			continue
		}
		emit()
		dict[key(wc)] = dictSize
		dictSize++
		cw = c
	}
	if len(cw) > 0 {
		emit()
	}
	w.write(2, numBits)
	return w.flush()
}

// writer packs bits, lowest first, into characters of bitsPerChar bits.
type writer struct {
	bitsPerChar int
	val         int
	position    int
	out         strings.Builder
}

func (w *writer) write(value, n int) {
	for i := 0; i < n; i++ {
		w.val = w.val<<1 | value&1
		value >>= 1
		if w.position == w.bitsPerChar-1 {
			w.position = 0
			w.out.WriteByte(uriAlphabet[w.val])
			w.val = 0
		} else {
			w.position++
		}
	}
}

func (w *writer) flush() string {
	for {
		w.val <<= 1
		if w.position == w.bitsPerChar-1 {
			w.out.WriteByte(uriAlphabet[w.val])
			return w.out.String()
		}
		w.position++
	}
}
