package vision

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// fuzzLimits keep each input cheap: at most a megapixel.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20}

// FuzzPreprocess feeds arbitrary bytes through Decode and Preprocess (the
// tiny model's 56-pixel tiles): corrupt, truncated and hostile images must
// give an error, never a panic, and declared sizes beyond the limit must be
// refused before decoding (bounded memory). Whatever decodes must give a
// well-formed tile set.
func FuzzPreprocess(f *testing.F) {
	for _, p := range []string{"images/image_a.png", "images/image_b.png"} {
		if b, err := os.ReadFile(filepath.Join(goldenDir, p)); err == nil {
			f.Add(b)
			f.Add(b[:len(b)/2])
		}
	}
	m := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 37)
	}
	f.Add(encodePNG(f, m))
	var j bytes.Buffer
	jpeg.Encode(&j, m, nil)
	f.Add(j.Bytes())
	var g bytes.Buffer
	gif.Encode(&g, m, nil)
	f.Add(g.Bytes())
	f.Add(webpSolid(3, 2, color.NRGBA{1, 2, 3, 4}))
	f.Add(webpSolid(16384, 16384, color.NRGBA{1, 2, 3, 255}))
	f.Add(pngHeader(70000, 70000))
	f.Add(pngHeader(1, 1))
	f.Add([]byte("GIF89a"))
	cfg := tinyPreprocess()
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data, fuzzLimits)
		if err != nil {
			return
		}
		if img.W*img.H > fuzzLimits.MaxPixels || len(img.Pix) != 3*img.W*img.H {
			t.Fatalf("decoded %d×%d with %d bytes", img.W, img.H, len(img.Pix))
		}
		px, err := Preprocess(img, cfg)
		if err != nil {
			t.Fatal(err)
		}
		n := px.Rows * px.Cols
		if n < 1 || n > cfg.MaxTiles {
			t.Fatalf("canvas %d×%d", px.Rows, px.Cols)
		}
		if n > 1 {
			n++
		}
		if len(px.Tiles) != n {
			t.Fatalf("%d tiles for a %d×%d canvas", len(px.Tiles), px.Rows, px.Cols)
		}
		for _, tl := range px.Tiles {
			if len(tl) != 3*cfg.TileSize*cfg.TileSize {
				t.Fatalf("tile of %d values", len(tl))
			}
			for _, v := range tl {
				if !(v >= -1 && v <= 1) {
					t.Fatalf("pixel value %v outside [-1, 1]", v)
				}
			}
		}
	})
}
