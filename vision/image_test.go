package vision

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// bitWriter packs bits least-significant first, as VP8L reads them.
type bitWriter struct {
	buf  []byte
	n    uint
	bits uint64
}

func (w *bitWriter) put(v uint64, n uint) {
	w.bits |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.buf = append(w.buf, byte(w.bits))
		w.bits >>= 8
		w.n -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.n > 0 {
		w.buf = append(w.buf, byte(w.bits))
	}
	return w.buf
}

// webpSolid encodes a w×h lossless WebP of one colour: every prefix code is
// a one-symbol "simple" code, so the pixels take no bits at all (which also
// makes a compact decompression bomb).
func webpSolid(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.buf = []byte{0x2f}
	bw.put(uint64(w-1), 14)
	bw.put(uint64(h-1), 14)
	bw.put(1, 1) // alpha is used
	bw.put(0, 3) // version
	bw.put(0, 1) // no transform
	bw.put(0, 1) // no colour cache
	bw.put(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A, 0} {
		bw.put(1, 1) // simple code
		bw.put(0, 1) // one symbol
		bw.put(1, 1) // 8-bit symbol
		bw.put(uint64(sym), 8)
	}
	data := bw.bytes()
	pad := len(data) % 2
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(4+8+len(data)+pad))
	b.WriteString("WEBPVP8L")
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	if pad == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}

// pngHeader is a PNG whose IHDR declares w×h RGB pixels, with an empty IDAT:
// a decompression bomb's header.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", nil)
	chunk("IEND", nil)
	return b.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDecodeFormats decodes each supported format and checks the pixels,
// including transparency composited onto white.
func TestDecodeFormats(t *testing.T) {
	nrgba := image.NewNRGBA(image.Rect(0, 0, 3, 1))
	nrgba.SetNRGBA(0, 0, color.NRGBA{10, 20, 30, 255})
	nrgba.SetNRGBA(1, 0, color.NRGBA{10, 20, 30, 0})
	nrgba.SetNRGBA(2, 0, color.NRGBA{0, 100, 200, 128})
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.RGBA{1, 2, 3, 255}, color.RGBA{0, 0, 0, 0}})
	pal.SetColorIndex(1, 0, 1)
	var g bytes.Buffer
	if err := gif.Encode(&g, pal, nil); err != nil {
		t.Fatal(err)
	}
	gray := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range gray.Pix {
		gray.Pix[i] = 77
	}
	var j bytes.Buffer
	if err := jpeg.Encode(&j, gray, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		w, h int
		want []uint8 // nil: only check the size
	}{
		// alpha 128 onto white: Pillow gives (127, 177, 227).
		{"png-alpha", encodePNG(t, nrgba), 3, 1, []uint8{10, 20, 30, 255, 255, 255, 127, 177, 227}},
		{"gif-transparent", g.Bytes(), 2, 1, []uint8{1, 2, 3, 255, 255, 255}},
		{"jpeg-gray", j.Bytes(), 8, 8, nil},
		{"webp-lossless", webpSolid(2, 3, color.NRGBA{40, 50, 60, 255}), 2, 3, []uint8{40, 50, 60, 40, 50, 60, 40, 50, 60, 40, 50, 60, 40, 50, 60, 40, 50, 60}},
		{"webp-transparent", webpSolid(1, 1, color.NRGBA{40, 50, 60, 0}), 1, 1, []uint8{255, 255, 255}},
	} {
		img, err := Decode(tc.data, DefaultLimits)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if img.W != tc.w || img.H != tc.h {
			t.Errorf("%s: %d×%d, want %d×%d", tc.name, img.W, img.H, tc.w, tc.h)
		}
		if tc.want != nil && !bytes.Equal(img.Pix, tc.want) {
			t.Errorf("%s: pixels %v, want %v", tc.name, img.Pix, tc.want)
		}
		if tc.name == "jpeg-gray" {
			for _, v := range img.Pix {
				if v < 76 || v > 78 {
					t.Errorf("jpeg: pixel %d, want 77±1", v)
					break
				}
			}
		}
	}
}

// TestDecodeErrors checks that bad input gives the right error class.
func TestDecodeErrors(t *testing.T) {
	good := encodePNG(t, image.NewRGBA(image.Rect(0, 0, 4, 4)))
	for _, tc := range []struct {
		name string
		data []byte
		lim  Limits
		want error
	}{
		{"empty", nil, DefaultLimits, ErrUnknownFormat},
		{"text", []byte("hello, I am not an image"), DefaultLimits, ErrUnknownFormat},
		{"truncated-png", good[:len(good)-20], DefaultLimits, ErrCorrupt},
		{"truncated-header", good[:20], DefaultLimits, ErrCorrupt},
		{"png-bomb", pngHeader(100000, 100000), DefaultLimits, ErrTooLarge},
		{"png-wide", pngHeader(1<<30, 1), DefaultLimits, ErrTooLarge},
		{"png-zero", pngHeader(0, 5), DefaultLimits, ErrCorrupt},
		{"webp-bomb", webpSolid(16384, 16384, color.NRGBA{1, 2, 3, 255}), DefaultLimits, ErrTooLarge},
		{"pixels-limit", good, Limits{MaxPixels: 15}, ErrTooLarge},
		{"bytes-limit", good, Limits{MaxBytes: 10}, ErrTooLarge},
	} {
		_, err := Decode(tc.data, tc.lim)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestBlendWhiteMatchesFormula checks the integer alpha blend against the
// real-valued composite: within half a level, and exact at both ends.
func TestBlendWhiteMatchesFormula(t *testing.T) {
	var out [3]uint8
	for a := 0; a < 256; a++ {
		for c := 0; c < 256; c += 5 {
			blendWhite(out[:], uint8(c), uint8(c), uint8(c), uint8(a))
			want := (float64(c)*float64(a) + 255*float64(255-a)) / 255
			if d := float64(out[0]) - want; d > 1 || d < -1 {
				t.Fatalf("c=%d a=%d: %d, want ≈%.2f", c, a, out[0], want)
			}
		}
	}
	blendWhite(out[:], 7, 8, 9, 255)
	if out != [3]uint8{7, 8, 9} {
		t.Errorf("opaque: %v", out)
	}
}
