package plot

import (
	"image/color"
	"math"
	"testing"
)

// TestRampColor: the ends of the ramp are red and green, the middle
// yellow, values outside clamp and NaN is the missing colour.
func TestRampColor(t *testing.T) {
	red, yellow, green := color.RGBA{215, 48, 39, 255}, color.RGBA{250, 220, 90, 255}, color.RGBA{26, 152, 80, 255}
	for _, tc := range []struct {
		v, lo, hi float64
		want      color.RGBA
	}{
		{0, 0, 1, red}, {1, 0, 1, green}, {0.5, 0, 1, yellow},
		{-3, 0, 1, red}, {7, 0, 1, green}, {5, 5, 5, yellow},
		{math.NaN(), 0, 1, Missing},
		{2, 2, 4, red}, {4, 2, 4, green},
	} {
		if got := RampColor(tc.v, tc.lo, tc.hi); got != tc.want {
			t.Errorf("RampColor(%g, %g, %g) = %v, want %v", tc.v, tc.lo, tc.hi, got, tc.want)
		}
	}
}

// TestDrawHeatmap: the image has one cell per value, each cell's corner
// pixel (clear of its label) has the value's colour.
func TestDrawHeatmap(t *testing.T) {
	h := Heatmap{Title: "niah", XLabel: "length", YLabel: "depth",
		Cols: []string{"512", "1k", "2k"}, Rows: []string{"0", "0.5", "1"},
		Values: [][]float64{{1, 1, 0}, {1, math.NaN(), 0.5}, {0, 1, 1}}, Lo: 0, Hi: 1}
	img := DrawHeatmap(h)
	b := img.Bounds()
	if b.Dx() != heatL+3*heatCell+heatR || b.Dy() != heatT+3*heatCell+heatB {
		t.Fatalf("image %v", b)
	}
	for r, row := range h.Values {
		for c, v := range row {
			x, y := heatL+c*heatCell+2, heatT+r*heatCell+2
			if got, want := img.RGBAAt(x, y), RampColor(v, 0, 1); got != want {
				t.Errorf("cell (%d,%d) = %v, want %v", r, c, got, want)
			}
		}
	}
}

// TestDrawHeatmapShape: a row of the wrong width is a programmer error.
func TestDrawHeatmapShape(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a short row")
		}
	}()
	DrawHeatmap(Heatmap{Cols: []string{"a", "b"}, Rows: []string{"x"}, Values: [][]float64{{1}}})
}
