package plot

import (
	"image"
	"image/color"
	"math"
	"strconv"
)

// A figure is panels side by side (and in rows), each with curves of
// (x, y) points.

// Series is one curve of a Panel: points (Xs[i], Ys[i]) joined by lines;
// NaN or infinite y values break the curve.
type Series struct {
	Label  string
	Col    color.RGBA
	Xs, Ys []float64
	Mark   int // index of a point drawn as a large disc; −1 none
}

// Panel is one chart of a figure.
type Panel struct {
	Title          string
	XLabel, YLabel string
	LogX, LogY     bool
	Series         []Series
	Y0, Y1         float64   // y range (data units); equal: from the data
	XTicks         []float64 // x tick values (data units); nil: round values
}

// Palette is a list of distinct curve colours.
var Palette = []color.RGBA{
	{30, 90, 200, 255}, {210, 40, 40, 255}, {40, 150, 60, 255}, {150, 60, 180, 255},
	{230, 130, 20, 255}, {20, 160, 170, 255}, {120, 120, 120, 255}, {160, 110, 60, 255},
}

const (
	figPW, figPH           = 560, 400 // panel size
	figL, figR, figT, figB = 80, 20, 60, 50
)

// DrawFigure renders panels, 560×400 pixels each, in rows of cols.
func DrawFigure(panels []Panel, cols int) *image.RGBA {
	rows := (len(panels) + cols - 1) / cols
	img := image.NewRGBA(image.Rect(0, 0, cols*figPW, rows*figPH))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for i, p := range panels {
		drawPanel(img, image.Pt((i%cols)*figPW, (i/cols)*figPH), p)
	}
	return img
}

func drawPanel(img *image.RGBA, o image.Point, p Panel) {
	tx := func(v float64, log bool) float64 {
		if log {
			return math.Log10(v)
		}
		return v
	}
	x0, x1, y0, y1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range p.Series {
		for i := range s.Xs {
			x, y := tx(s.Xs[i], p.LogX), tx(s.Ys[i], p.LogY)
			if math.IsNaN(y) || math.IsInf(y, 0) {
				continue
			}
			x0, x1, y0, y1 = math.Min(x0, x), math.Max(x1, x), math.Min(y0, y), math.Max(y1, y)
		}
	}
	if p.Y0 != p.Y1 {
		y0, y1 = tx(p.Y0, p.LogY), tx(p.Y1, p.LogY)
	}
	if math.IsInf(x0, 0) {
		return
	}
	if x1-x0 < 1e-12 {
		x0, x1 = x0-1, x1+1
	}
	if y1-y0 < 1e-12 {
		y0, y1 = y0-1, y1+1
	}
	padX, padY := (x1-x0)*0.04, (y1-y0)*0.05
	x0, x1, y0, y1 = x0-padX, x1+padX, y0-padY, y1+padY
	w, h := figPW-figL-figR, figPH-figT-figB
	px := func(x float64) int { return o.X + figL + int(math.Round((x-x0)/(x1-x0)*float64(w))) }
	py := func(y float64) int {
		y = math.Max(y0, math.Min(y1, y)) // clamp into the panel
		return o.Y + figPH - figB - int(math.Round((y-y0)/(y1-y0)*float64(h)))
	}
	for _, t := range AxisTicks(y0, y1, p.LogY) {
		HLine(img, o.X+figL, o.X+figPW-figR, py(tx(t, p.LogY)), Grid)
		s := strconv.FormatFloat(t, 'g', 3, 64)
		DrawText(img, o.X+figL-6-TextWidth(s, 1)*2, py(tx(t, p.LogY))-7, 2, s, Axis)
	}
	xt := p.XTicks
	if xt == nil {
		xt = AxisTicks(x0, x1, p.LogX)
	}
	for _, t := range xt {
		VLine(img, px(tx(t, p.LogX)), o.Y+figT, o.Y+figPH-figB, Grid)
		s := strconv.FormatFloat(t, 'g', 3, 64)
		DrawText(img, px(tx(t, p.LogX))-TextWidth(s, 2)/2, o.Y+figPH-figB+6, 2, s, Axis)
	}
	HLine(img, o.X+figL, o.X+figPW-figR, o.Y+figPH-figB, Axis)
	VLine(img, o.X+figL, o.Y+figT, o.Y+figPH-figB, Axis)
	DrawText(img, o.X+figL, o.Y+6, 2, p.Title, Axis)
	DrawText(img, o.X+figL, o.Y+24, 1, p.YLabel, Axis)
	DrawText(img, o.X+figPW-figR-TextWidth(p.XLabel, 1), o.Y+figPH-14, 1, p.XLabel, Axis)
	// Legend: one line of labels under the title.
	lx := o.X + figL
	for _, s := range p.Series {
		DrawText(img, lx, o.Y+38, 1, s.Label, s.Col)
		lx += TextWidth(s.Label, 1) + 12
	}
	for _, s := range p.Series {
		var prev image.Point
		have := false
		for i := range s.Xs {
			y := tx(s.Ys[i], p.LogY)
			if math.IsNaN(y) || math.IsInf(y, 0) {
				have = false
				continue
			}
			pt := image.Pt(px(tx(s.Xs[i], p.LogX)), py(y))
			if have {
				Line(img, prev, pt, s.Col, 2)
			}
			Disc(img, pt, 2, s.Col)
			if i == s.Mark {
				Disc(img, pt, 6, s.Col)
			}
			prev, have = pt, true
		}
	}
}

// AxisTicks returns tick values (data units) in [lo, hi] (transformed
// units): round values on a linear axis, 1-2-5 values on a log axis.
func AxisTicks(lo, hi float64, log bool) []float64 {
	if !log {
		return Ticks(lo, hi, 8)
	}
	var out []float64
	for e := math.Floor(lo); e <= math.Ceil(hi); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if l := math.Log10(v); l >= lo-1e-9 && l <= hi+1e-9 {
				out = append(out, v)
			}
		}
	}
	if len(out) > 8 { // decades only
		var d []float64
		for _, v := range out {
			if m := v / math.Pow(10, math.Floor(math.Log10(v)+1e-9)); math.Abs(m-1) < 1e-6 {
				d = append(d, v)
			}
		}
		out = d
	}
	return out
}
