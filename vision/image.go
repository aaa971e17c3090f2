package vision

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // registers GIF
	_ "image/jpeg" // registers JPEG
	_ "image/png"  // registers PNG

	_ "golang.org/x/image/webp" // registers WebP
)

// Image is a decoded 8-bit RGB picture, rows top to bottom, H×W×3 bytes.
type Image struct {
	W, H int
	Pix  []uint8 // len 3·W·H; pixel (x, y) is Pix[3(yW+x) : 3(yW+x)+3]
}

// Limits protect memory from hostile or oversized images.
type Limits struct {
	MaxBytes  int // largest encoded image, in bytes
	MaxPixels int // largest width·height, checked from the header before decoding
}

// DefaultLimits accept images up to 64 MiB encoded and 40 megapixels.
var DefaultLimits = Limits{MaxBytes: 64 << 20, MaxPixels: 40_000_000}

// Errors returned (wrapped) by Decode.
var (
	ErrUnknownFormat = errors.New("unknown image format (want PNG, JPEG, GIF or WebP)")
	ErrTooLarge      = errors.New("image too large")
	ErrCorrupt       = errors.New("corrupt image")
)

// Decode decodes a PNG, JPEG, GIF (first frame) or WebP image and converts it
// to RGB, compositing any transparency onto white as the reference processor
// does (transformers' convert_to_rgb: Pillow alpha_composite over an opaque
// white background). The declared dimensions are checked against lim before
// any pixel is decoded, so decompression bombs fail early. Errors wrap
// ErrUnknownFormat, ErrTooLarge or ErrCorrupt; Decode never panics on bad
// input.
func Decode(data []byte, lim Limits) (img *Image, err error) {
	if lim.MaxBytes > 0 && len(data) > lim.MaxBytes {
		return nil, fmt.Errorf("vision: %w: %d bytes exceed the limit of %d", ErrTooLarge, len(data), lim.MaxBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, fmt.Errorf("vision: %w", ErrUnknownFormat)
		}
		return nil, fmt.Errorf("vision: %w: header: %v", ErrCorrupt, err)
	}
	if err := checkSize(cfg.Width, cfg.Height, lim); err != nil {
		return nil, fmt.Errorf("vision: %s: %w", format, err)
	}
	// The standard decoders report malformed data as errors; the recover is a
	// last line of defence so that one hostile image cannot take the process down.
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("vision: %w: %s decoder failed: %v", ErrCorrupt, format, r)
		}
	}()
	m, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("vision: %w: %s: %v", ErrCorrupt, format, err)
	}
	b := m.Bounds()
	if err := checkSize(b.Dx(), b.Dy(), lim); err != nil {
		return nil, fmt.Errorf("vision: %s: %w", format, err)
	}
	return toRGB(m), nil
}

func checkSize(w, h int, lim Limits) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: empty image (%d×%d)", ErrCorrupt, w, h)
	}
	if lim.MaxPixels > 0 && (w > lim.MaxPixels || h > lim.MaxPixels || w*h > lim.MaxPixels) {
		return fmt.Errorf("%w: %d×%d pixels exceed the limit of %d", ErrTooLarge, w, h, lim.MaxPixels)
	}
	return nil
}

// toRGB converts any decoded image to RGB. Opaque pixels are copied; a pixel
// with alpha a is blended onto white with Pillow's integer alpha_composite
// (7 fraction bits, rounded division by 255), so PNG/GIF/WebP transparency
// gives the same bytes as the reference.
func toRGB(m image.Image) *Image {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	out := &Image{W: w, H: h, Pix: make([]uint8, 3*w*h)}
	switch src := m.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi := src.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := src.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bb := color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
				o := 3 * (y*w + x)
				out.Pix[o], out.Pix[o+1], out.Pix[o+2] = r, g, bb
			}
		}
	case *image.NYCbCrA: // lossy WebP with alpha
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi := src.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := src.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bb := color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
				blendWhite(out.Pix[3*(y*w+x):], r, g, bb, src.A[src.AOffset(b.Min.X+x, b.Min.Y+y)])
			}
		}
	case *image.NRGBA: // PNG with alpha, lossless WebP
		for y := 0; y < h; y++ {
			row := src.Pix[y*src.Stride : y*src.Stride+4*w]
			for x := 0; x < w; x++ {
				blendWhite(out.Pix[3*(y*w+x):], row[4*x], row[4*x+1], row[4*x+2], row[4*x+3])
			}
		}
	case *image.NRGBA64: // 16-bit PNG with alpha: the high byte of each sample, as Pillow reads it
		for y := 0; y < h; y++ {
			row := src.Pix[y*src.Stride : y*src.Stride+8*w]
			for x := 0; x < w; x++ {
				p := row[8*x:]
				blendWhite(out.Pix[3*(y*w+x):], p[0], p[2], p[4], p[6])
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.NRGBAModel.Convert(m.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				blendWhite(out.Pix[3*(y*w+x):], c.R, c.G, c.B, c.A)
			}
		}
	}
	return out
}

// blendWhite writes the RGB of straight-alpha (r, g, b, a) composited onto
// opaque white, exactly as Pillow's ImagingAlphaComposite computes it.
func blendWhite(dst []uint8, r, g, b, a uint8) {
	switch a {
	case 255:
		dst[0], dst[1], dst[2] = r, g, b
		return
	case 0:
		dst[0], dst[1], dst[2] = 255, 255, 255
		return
	}
	const prec = 7
	blend := uint32(255) * (255 - uint32(a)) // background alpha 255
	outa255 := uint32(a)*255 + blend
	coef1 := uint32(a) * 255 * 255 * (1 << prec) / outa255
	coef2 := 255*(1<<prec) - coef1
	for i, c := range [3]uint8{r, g, b} {
		t := uint32(c)*coef1 + 255*coef2 + (0x80 << prec)
		dst[i] = uint8((((t >> 8) + t) >> 8) >> prec)
	}
}
