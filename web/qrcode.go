package web

import (
	"errors"
	"fmt"
	"strings"
)

// This file is a small QR code encoder (ISO/IEC 18004): byte mode, error
// correction level M (or L when M does not fit), versions 1 to 10. That holds
// up to 213 bytes, plenty for a tracking link. It exists so that the link with
// the patient's secret never has to leave our own server to become a picture.

// qrECL is an error correction level.
type qrECL int

const (
	qrL qrECL = iota
	qrM
)

// formatBits are the two bits of the level in the format information.
func (l qrECL) formatBits() int {
	if l == qrL {
		return 1
	}
	return 0
}

// qrBlocks describes the error correction of one version and level: EC
// codewords per block, and the count and data length of the two block groups.
type qrBlocks struct{ ec, n1, d1, n2, d2 int }

func (b qrBlocks) data() int { return b.n1*b.d1 + b.n2*b.d2 }

// qrTable[level][version-1].
var qrTable = [2][10]qrBlocks{
	qrL: {{7, 1, 19, 0, 0}, {10, 1, 34, 0, 0}, {15, 1, 55, 0, 0}, {20, 1, 80, 0, 0}, {26, 1, 108, 0, 0},
		{18, 2, 68, 0, 0}, {20, 2, 78, 0, 0}, {24, 2, 97, 0, 0}, {30, 2, 116, 0, 0}, {18, 2, 68, 2, 69}},
	qrM: {{10, 1, 16, 0, 0}, {16, 1, 28, 0, 0}, {26, 1, 44, 0, 0}, {18, 2, 32, 0, 0}, {24, 2, 43, 0, 0},
		{16, 4, 27, 0, 0}, {18, 4, 31, 0, 0}, {22, 2, 38, 2, 39}, {22, 3, 36, 2, 37}, {26, 4, 43, 1, 44}},
}

var qrAlign = [11][]int{2: {6, 18}, 3: {6, 22}, 4: {6, 26}, 5: {6, 30}, 6: {6, 34},
	7: {6, 22, 38}, 8: {6, 24, 42}, 9: {6, 26, 46}, 10: {6, 28, 50}}

// errQRTooLong is returned for text that does not fit version 10.
var errQRTooLong = errors.New("qr: text too long")

// qrCode is an encoded symbol: Size x Size modules, true = dark.
type qrCode struct {
	Size    int
	Version int
	Level   qrECL
	Mask    int
	mod     [][]bool
	fn      [][]bool // function modules (not data)
}

// Dark reports whether the module at column x, row y is dark.
func (q *qrCode) Dark(x, y int) bool { return q.mod[y][x] }

// encodeQR encodes text in byte mode at level M if it fits in version 10,
// else at level L; the smallest version that fits is used.
func encodeQR(text string) (*qrCode, error) {
	for _, l := range []qrECL{qrM, qrL} {
		for v := 1; v <= 10; v++ {
			countBits := 8
			if v >= 10 {
				countBits = 16
			}
			if 4+countBits+8*len(text) <= 8*qrTable[l][v-1].data() {
				return encodeQRAt(text, v, l), nil
			}
		}
	}
	return nil, fmt.Errorf("%w: %d bytes", errQRTooLong, len(text))
}

func encodeQRAt(text string, version int, level qrECL) *qrCode {
	blocks := qrTable[level][version-1]
	capBits := blocks.data() * 8
	var bits qrBits
	bits.put(0b0100, 4)
	if version >= 10 {
		bits.put(len(text), 16)
	} else {
		bits.put(len(text), 8)
	}
	for i := 0; i < len(text); i++ {
		bits.put(int(text[i]), 8)
	}
	bits.put(0, min(4, capBits-bits.n))
	bits.put(0, (8-bits.n%8)%8)
	for pad := 0xEC; bits.n < capBits; pad ^= 0xEC ^ 0x11 {
		bits.put(pad, 8)
	}
	codewords := interleave(bits.bytes(), blocks)

	size := 17 + 4*version
	q := &qrCode{Size: size, Version: version, Level: level}
	q.mod = make([][]bool, size)
	q.fn = make([][]bool, size)
	for i := range q.mod {
		q.mod[i] = make([]bool, size)
		q.fn[i] = make([]bool, size)
	}
	q.drawFunctions()
	q.drawCodewords(codewords)
	best, bestScore := 0, -1
	for m := 0; m < 8; m++ {
		q.applyMask(m)
		q.drawFormat(m)
		if s := q.penalty(); bestScore < 0 || s < bestScore {
			best, bestScore = m, s
		}
		q.applyMask(m) // XOR again undoes it
	}
	q.Mask = best
	q.applyMask(best)
	q.drawFormat(best)
	return q
}

// qrBits is a big-endian bit buffer.
type qrBits struct {
	b []byte
	n int
}

func (q *qrBits) put(v, n int) {
	for i := n - 1; i >= 0; i-- {
		if q.n%8 == 0 {
			q.b = append(q.b, 0)
		}
		if v>>uint(i)&1 == 1 {
			q.b[q.n/8] |= 0x80 >> uint(q.n%8)
		}
		q.n++
	}
}

func (q *qrBits) bytes() []byte { return q.b }

// interleave splits data into blocks, appends each block's Reed-Solomon
// codewords and interleaves them as the symbol stores them.
func interleave(data []byte, b qrBlocks) []byte {
	var dataBlocks, ecBlocks [][]byte
	gen := rsGenerator(b.ec)
	off := 0
	for i := 0; i < b.n1+b.n2; i++ {
		n := b.d1
		if i >= b.n1 {
			n = b.d2
		}
		blk := data[off : off+n]
		off += n
		dataBlocks = append(dataBlocks, blk)
		ecBlocks = append(ecBlocks, rsRemainder(blk, gen))
	}
	out := make([]byte, 0, len(data)+b.ec*(b.n1+b.n2))
	for i := 0; i < max(b.d1, b.d2); i++ {
		for _, blk := range dataBlocks {
			if i < len(blk) {
				out = append(out, blk[i])
			}
		}
	}
	for i := 0; i < b.ec; i++ {
		for _, blk := range ecBlocks {
			out = append(out, blk[i])
		}
	}
	return out
}

// gfMul multiplies in GF(2^8) modulo x^8+x^4+x^3+x^2+1.
func gfMul(x, y byte) byte {
	var z byte
	for i := 7; i >= 0; i-- {
		hi := z & 0x80
		z <<= 1
		if hi != 0 {
			z ^= 0x1D
		}
		if y>>uint(i)&1 == 1 {
			z ^= x
		}
	}
	return z
}

// rsGenerator returns the coefficients (highest first, leading 1 omitted) of
// the product of (x - 2^i) for i < degree.
func rsGenerator(degree int) []byte {
	g := make([]byte, degree)
	g[degree-1] = 1
	root := byte(1)
	for i := 0; i < degree; i++ {
		for j := range g {
			g[j] = gfMul(g[j], root)
			if j+1 < len(g) {
				g[j] ^= g[j+1]
			}
		}
		root = gfMul(root, 2)
	}
	return g
}

func rsRemainder(data, gen []byte) []byte {
	r := make([]byte, len(gen))
	for _, d := range data {
		f := d ^ r[0]
		copy(r, r[1:])
		r[len(r)-1] = 0
		for i := range r {
			r[i] ^= gfMul(gen[i], f)
		}
	}
	return r
}

func (q *qrCode) set(x, y int, dark bool) {
	q.mod[y][x] = dark
	q.fn[y][x] = true
}

func (q *qrCode) drawFunctions() {
	n := q.Size
	for i := 0; i < n; i++ {
		q.set(6, i, i%2 == 0)
		q.set(i, 6, i%2 == 0)
	}
	for _, c := range [][2]int{{3, 3}, {n - 4, 3}, {3, n - 4}} {
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := c[0]+dx, c[1]+dy
				if x < 0 || y < 0 || x >= n || y >= n {
					continue
				}
				d := max(abs(dx), abs(dy))
				q.set(x, y, d != 2 && d != 4)
			}
		}
	}
	pos := qrAlign[q.Version]
	for i, ax := range pos {
		for j, ay := range pos {
			if (i == 0 && j == 0) || (i == 0 && j == len(pos)-1) || (i == len(pos)-1 && j == 0) {
				continue // overlaps a finder
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					q.set(ax+dx, ay+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
	q.drawFormat(0) // reserve the area; drawn for real after masking
	if q.Version >= 7 {
		rem := q.Version
		for i := 0; i < 12; i++ {
			rem = rem<<1 ^ (rem>>11)*0x1F25
		}
		bits := q.Version<<12 | rem
		for i := 0; i < 18; i++ {
			dark := bits>>uint(i)&1 == 1
			a, b := n-11+i%3, i/3
			q.set(a, b, dark)
			q.set(b, a, dark)
		}
	}
}

func (q *qrCode) drawFormat(mask int) {
	data := q.Level.formatBits()<<3 | mask
	rem := data
	for i := 0; i < 10; i++ {
		rem = rem<<1 ^ (rem>>9)*0x537
	}
	bits := (data<<10 | rem) ^ 0x5412
	bit := func(i int) bool { return bits>>uint(i)&1 == 1 }
	n := q.Size
	for i := 0; i <= 5; i++ {
		q.set(8, i, bit(i))
	}
	q.set(8, 7, bit(6))
	q.set(8, 8, bit(7))
	q.set(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		q.set(14-i, 8, bit(i))
	}
	for i := 0; i < 8; i++ {
		q.set(n-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		q.set(8, n-15+i, bit(i))
	}
	q.set(8, n-8, true)
}

func (q *qrCode) drawCodewords(data []byte) {
	i, n := 0, q.Size
	for right := n - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for vert := 0; vert < n; vert++ {
			for j := 0; j < 2; j++ {
				x := right - j
				y := vert
				if (right+1)&2 == 0 {
					y = n - 1 - vert
				}
				if !q.fn[y][x] && i < len(data)*8 {
					q.mod[y][x] = data[i>>3]>>uint(7-i&7)&1 == 1
					i++
				}
			}
		}
	}
}

func (q *qrCode) applyMask(m int) {
	for y := 0; y < q.Size; y++ {
		for x := 0; x < q.Size; x++ {
			var inv bool
			switch m {
			case 0:
				inv = (x+y)%2 == 0
			case 1:
				inv = y%2 == 0
			case 2:
				inv = x%3 == 0
			case 3:
				inv = (x+y)%3 == 0
			case 4:
				inv = (x/3+y/2)%2 == 0
			case 5:
				inv = x*y%2+x*y%3 == 0
			case 6:
				inv = (x*y%2+x*y%3)%2 == 0
			case 7:
				inv = ((x+y)%2+x*y%3)%2 == 0
			}
			if inv && !q.fn[y][x] {
				q.mod[y][x] = !q.mod[y][x]
			}
		}
	}
}

// penalty scores a masked symbol by the standard's four rules; lower is better.
func (q *qrCode) penalty() int {
	n, score, dark := q.Size, 0, 0
	at := func(x, y int, col bool) bool {
		if col {
			return q.mod[x][y]
		}
		return q.mod[y][x]
	}
	for _, col := range []bool{false, true} {
		for y := 0; y < n; y++ {
			run := 0
			for x := 0; x < n; x++ {
				if x > 0 && at(x, y, col) == at(x-1, y, col) {
					run++
				} else {
					if run >= 5 {
						score += run - 2
					}
					run = 1
				}
				// 1:1:3:1:1 finder-like pattern with 4 light modules on one side.
				if x >= 10 {
					p := [11]bool{}
					for k := range p {
						p[k] = at(x-10+k, y, col)
					}
					core := p[0] && !p[1] && p[2] && p[3] && p[4] && !p[5] && p[6]
					if core && !p[7] && !p[8] && !p[9] && !p[10] {
						score += 40
					}
					core = p[4] && !p[5] && p[6] && p[7] && p[8] && !p[9] && p[10]
					if core && !p[0] && !p[1] && !p[2] && !p[3] {
						score += 40
					}
				}
			}
			if run >= 5 {
				score += run - 2
			}
		}
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if q.mod[y][x] {
				dark++
			}
			if x+1 < n && y+1 < n {
				c := q.mod[y][x]
				if c == q.mod[y][x+1] && c == q.mod[y+1][x] && c == q.mod[y+1][x+1] {
					score += 3
				}
			}
		}
	}
	return score + abs(dark*100/(n*n)-50)/5*10
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// SVG renders the symbol with a quiet zone of four modules, scaled to fit its
// container (crisp edges, black on white).
func (q *qrCode) SVG() string {
	var b strings.Builder
	n := q.Size + 8
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := 0; y < q.Size; y++ {
		for x := 0; x < q.Size; {
			if !q.mod[y][x] {
				x++
				continue
			}
			start := x
			for x < q.Size && q.mod[y][x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start+4, y+4, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String()
}
