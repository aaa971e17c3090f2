package vision

import (
	"bytes"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel"
)

// TestDecodeMatchesRawPixels checks that the PNG decoder gives the raw RGB
// bytes stored next to each golden image.
func TestDecodeMatchesRawPixels(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
	}{{"image_a", 40, 30}, {"image_b", 130, 70}} {
		img := goldenImage(t, tc.name)
		if img.W != tc.w || img.H != tc.h {
			t.Fatalf("%s: %d×%d, want %d×%d", tc.name, img.W, img.H, tc.w, tc.h)
		}
		if raw := testmodel.ReadFile(t, golden(t, "images/"+tc.name+".rgb.u8")); !bytes.Equal(img.Pix, raw) {
			t.Errorf("%s: decoded pixels differ from the raw file", tc.name)
		}
	}
}

// TestPreprocessGolden compares every preprocessing stage with the reference:
// the canvas choice, resized sizes, the uint8 canvases (exactly), and
// pixel_values (exactly).
func TestPreprocessGolden(t *testing.T) {
	var tiles [][]float32
	for _, tc := range []struct {
		name       string
		rows, cols int
		rh, rw     int
		canvas     string
		global     string
	}{
		{"image_a", 1, 1, 42, 56, "canvas_image_a.u8", ""},
		{"image_b", 2, 2, 60, 112, "canvas_image_b.u8", "global_tile_image_b.u8"},
	} {
		px, err := Preprocess(goldenImage(t, tc.name), tinyPreprocess())
		if err != nil {
			t.Fatal(err)
		}
		if px.Rows != tc.rows || px.Cols != tc.cols || px.ResizedH != tc.rh || px.ResizedW != tc.rw {
			t.Fatalf("%s: canvas %d×%d tiles, resized %d×%d; want %d×%d, %d×%d", tc.name, px.Rows, px.Cols, px.ResizedH, px.ResizedW, tc.rows, tc.cols, tc.rh, tc.rw)
		}
		checkU8(t, tc.name+" canvas", px.Canvas, testmodel.ReadFile(t, golden(t, "golden/"+tc.canvas)))
		if tc.global != "" {
			checkU8(t, tc.name+" global tile", px.Global, testmodel.ReadFile(t, golden(t, "golden/"+tc.global)))
		} else if px.Global != nil {
			t.Errorf("%s: a single-tile image got a global tile", tc.name)
		}
		tiles = append(tiles, px.Tiles...)
	}
	want := testmodel.ReadF32(t, golden(t, "golden/pixel_values.f32"))
	var got []float32
	for _, tl := range tiles {
		got = append(got, tl...)
	}
	d, at := maxDiff(got, want)
	t.Logf("pixel_values: %d values, max |diff| %g", len(got), d)
	if d != 0 {
		t.Errorf("pixel_values differ: max |diff| %g at %d", d, at)
	}
}

func checkU8(t *testing.T, what string, got, want []uint8) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	n, worst := 0, 0
	for i := range got {
		d := int(got[i]) - int(want[i])
		if d < 0 {
			d = -d
		}
		if d != 0 {
			n++
			worst = max(worst, d)
		}
	}
	t.Logf("%s: %d of %d values differ, by at most %d", what, n, len(got), worst)
	if n != 0 {
		t.Errorf("%s: %d values differ (max %d levels)", what, n, worst)
	}
}
