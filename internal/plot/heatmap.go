package plot

import (
	"image"
	"image/color"
	"math"
	"strconv"
)

// Heatmap is a grid of values drawn as coloured cells, rows top to bottom
// and columns left to right, each cell labelled with its value.
type Heatmap struct {
	Title          string
	XLabel, YLabel string
	Cols, Rows     []string    // column and row labels
	Values         [][]float64 // [row][col]; NaN: no value (a grey cell)
	Lo, Hi         float64     // the values at the two ends of the colour ramp
}

// Missing is the colour of a cell without a value.
var Missing = color.RGBA{200, 200, 200, 255}

const (
	heatCell                   = 56 // cell side in pixels
	heatL, heatR, heatT, heatB = 90, 20, 60, 50
)

// DrawHeatmap renders h: cells of 56×56 pixels coloured from red (Lo)
// through yellow to green (Hi), values outside [Lo, Hi] clamped. It panics
// when a row of Values does not have one value per column (a programmer
// error).
func DrawHeatmap(h Heatmap) *image.RGBA {
	nc, nr := len(h.Cols), len(h.Rows)
	if len(h.Values) != nr {
		panic("plot: heat map has " + strconv.Itoa(len(h.Values)) + " rows of values for " + strconv.Itoa(nr) + " row labels")
	}
	w := heatL + max(nc*heatCell, TextWidth(h.Title, 2)) + heatR
	img := Blank(w, heatT+nr*heatCell+heatB)
	for r, row := range h.Values {
		if len(row) != nc {
			panic("plot: heat map row " + strconv.Itoa(r) + " has " + strconv.Itoa(len(row)) + " values for " + strconv.Itoa(nc) + " columns")
		}
		y := heatT + r*heatCell
		for c, v := range row {
			x := heatL + c*heatCell
			fill(img, image.Rect(x, y, x+heatCell, y+heatCell), RampColor(v, h.Lo, h.Hi))
			if !math.IsNaN(v) {
				s := strconv.FormatFloat(v, 'g', 2, 64)
				DrawText(img, x+(heatCell-TextWidth(s, 2))/2, y+heatCell/2-7, 2, s, Axis)
			}
		}
		DrawText(img, heatL-8-TextWidth(h.Rows[r], 2), y+heatCell/2-7, 2, h.Rows[r], Axis)
	}
	for c, s := range h.Cols {
		DrawText(img, heatL+c*heatCell+(heatCell-TextWidth(s, 2))/2, heatT+nr*heatCell+6, 2, s, Axis)
	}
	DrawText(img, heatL, 6, 2, h.Title, Axis)
	DrawText(img, 4, 40, 1, h.YLabel, Axis)
	DrawText(img, heatL+nc*heatCell-TextWidth(h.XLabel, 1), heatT+nr*heatCell+32, 1, h.XLabel, Axis)
	return img
}

// RampColor is v's colour on the heat map ramp from red (lo) through
// yellow to green (hi); NaN is Missing.
func RampColor(v, lo, hi float64) color.RGBA {
	if math.IsNaN(v) {
		return Missing
	}
	t := 0.5
	if hi != lo {
		t = math.Max(0, math.Min(1, (v-lo)/(hi-lo)))
	}
	red, yellow, green := [3]float64{215, 48, 39}, [3]float64{250, 220, 90}, [3]float64{26, 152, 80}
	a, b, u := red, yellow, 2*t
	if t > 0.5 {
		a, b, u = yellow, green, 2*t-1
	}
	mix := func(i int) uint8 { return uint8(math.Round(a[i] + (b[i]-a[i])*u)) }
	return color.RGBA{mix(0), mix(1), mix(2), 255}
}

// fill paints the rectangle r with c.
func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}
