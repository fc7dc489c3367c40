package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"github.com/antrian/antrian/fault"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Limits on uploaded photos.
const (
	// MaxBytes is the largest upload taken (phone cameras make 2-6 MB).
	MaxBytes = 10 << 20
	// MaxPixels caps the decoded size, so a small file that claims a
	// huge image cannot exhaust memory.
	MaxPixels = 50_000_000
	// ServedMaxSide is the longest side of the served image: enough to see
	// the food on a screen, small enough for a slow connection.
	ServedMaxSide = 1600
)

// Photo is an uploaded photo made safe to serve.
type Photo struct {
	// JPEG is the served image: decoded, turned upright per the EXIF
	// orientation, scaled down to ServedMaxSide, and encoded anew, so no
	// byte of the upload's metadata (EXIF, GPS, XMP, comments) survives.
	JPEG []byte
	// Hash is the sha256 hex of JPEG, its content address.
	Hash string
	// Format is the upload's format by content: "jpeg", "png" or "webp".
	Format string
	// Meta is the verification data read from the upload's EXIF.
	Meta Meta
}

// ErrTooLarge is a photo over MaxBytes or MaxPixels.
var ErrTooLarge = fault.New(fault.ErrTooLarge, "", "Foto terlalu besar.")

// Process checks an upload and makes the image to serve. The type is
// decided by the content, never by the name or the declared type.
//
// It returns an error wrapping fault.ErrTooLarge when the file is over
// MaxBytes or the image over MaxPixels, and a *fault.Error
// (fault.ErrInvalid) for field "photo" when the content is not a whole JPEG, PNG
// or WebP image.
func Process(b []byte) (Photo, error) {
	if len(b) > MaxBytes {
		return Photo{}, fmt.Errorf("photo of %d bytes: %w", len(b), ErrTooLarge)
	}
	notImage := fault.Invalid("photo", "Foto harus berupa gambar JPEG, PNG atau WebP.")
	var p Photo
	var decodeConfig func([]byte) (image.Config, error)
	var decode func([]byte) (image.Image, error)
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		p.Format = "jpeg"
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	case bytes.HasPrefix(b, pngSignature):
		p.Format = "png"
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		p.Format = "webp"
		decodeConfig = func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }
	default:
		return Photo{}, notImage
	}
	cfg, err := decodeConfig(b)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return Photo{}, notImage
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return Photo{}, fmt.Errorf("photo of %dx%d pixels: %w", cfg.Width, cfg.Height, ErrTooLarge)
	}
	img, err := decode(b)
	if err != nil {
		return Photo{}, notImage
	}
	// A damaged EXIF block costs only the verification data, not the photo.
	p.Meta, _ = ReadEXIF(b)

	out := orient(shrink(img, ServedMaxSide), p.Meta.Orientation)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 82}); err != nil {
		return Photo{}, fmt.Errorf("encode photo: %w", err)
	}
	p.JPEG = buf.Bytes()
	sum := sha256.Sum256(p.JPEG)
	p.Hash = hex.EncodeToString(sum[:])
	return p, nil
}

// shrink draws img onto a white RGBA canvas (transparent PNG areas become
// white), scaled so that its longest side is at most max.
func shrink(img image.Image, max int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > max || h > max {
		if w >= h {
			w, h = max, max*h/w
		} else {
			w, h = max*w/h, max
		}
		w, h = maxInt(w, 1), maxInt(h, 1)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Over)
	} else {
		draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	}
	return dst
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// orient returns src turned upright for EXIF orientation o (1-8; other
// values leave it as it is).
func orient(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // upside down
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored upside down
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // turn 90° clockwise
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // turn 90° anticlockwise
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dst.PixOffset(dx, dy):][:4], src.Pix[src.PixOffset(x, y):][:4])
		}
	}
	return dst
}
