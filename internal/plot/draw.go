// Package plot draws small charts (curves, bars, axes with round ticks and
// labels in a built-in 5×7 bitmap font) into RGBA images for PNG output, with
// the standard library only.
package plot

import (
	"image"
	"image/color"
	"math"
)

// Axis and Grid are the colours of axes and labels, and of grid lines.
var (
	Axis = color.RGBA{40, 40, 40, 255}
	Grid = color.RGBA{225, 225, 225, 255}
)

// Blank returns a white w×h image.
func Blank(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	return img
}

// Ticks returns round values (1, 2 or 5 times a power of ten apart) in
// [lo, hi], about n of them.
func Ticks(lo, hi float64, n int) []float64 {
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for t := math.Ceil(lo/step) * step; t <= hi+step*1e-9; t += step {
		out = append(out, math.Round(t/step)*step)
	}
	return out
}

// HLine draws a horizontal line from (xa, y) to (xb, y).
func HLine(img *image.RGBA, xa, xb, y int, c color.Color) {
	for x := xa; x <= xb; x++ {
		img.Set(x, y, c)
	}
}

// VLine draws a vertical line from (x, ya) to (x, yb).
func VLine(img *image.RGBA, x, ya, yb int, c color.Color) {
	for y := ya; y <= yb; y++ {
		img.Set(x, y, c)
	}
}

// Line draws from a to b, w pixels wide (Bresenham with a square pen).
func Line(img *image.RGBA, a, b image.Point, c color.Color, w int) {
	dx, dy := abs(b.X-a.X), -abs(b.Y-a.Y)
	sx, sy := sign(b.X-a.X), sign(b.Y-a.Y)
	e := dx + dy
	for p := a; ; {
		for i := range w {
			for j := range w {
				img.Set(p.X+i-w/2, p.Y+j-w/2, c)
			}
		}
		if p == b {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			p.X += sx
		}
		if e2 <= dx {
			e += dx
			p.Y += sy
		}
	}
}

// Disc draws a filled disc of radius r at p.
func Disc(img *image.RGBA, p image.Point, r int, c color.Color) {
	for y := -r; y <= r; y++ {
		for x := -r; x <= r; x++ {
			if x*x+y*y <= r*r {
				img.Set(p.X+x, p.Y+y, c)
			}
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func sign(x int) int {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}
