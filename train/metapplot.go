package train

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"sort"
	"strconv"
)

// A figure of panels side by side (and in rows), each with curves of
// (x, y) points, for the MetaP evidence plots.
type figSeries struct {
	label  string
	col    color.RGBA
	xs, ys []float64
	mark   int // index of a point drawn as a large disc; −1 none
}

type figPanel struct {
	title          string
	xlabel, ylabel string
	logX, logY     bool
	series         []figSeries
	y0, y1         float64   // y range (data units); equal: from the data
	xticks         []float64 // x tick values (data units); nil: round values
}

var figPalette = []color.RGBA{
	{30, 90, 200, 255}, {210, 40, 40, 255}, {40, 150, 60, 255}, {150, 60, 180, 255},
	{230, 130, 20, 255}, {20, 160, 170, 255}, {120, 120, 120, 255}, {160, 110, 60, 255},
}

const (
	figPW, figPH           = 560, 400 // panel size
	figL, figR, figT, figB = 80, 20, 60, 50
)

// drawFigure renders panels in rows of cols.
func drawFigure(panels []figPanel, cols int) *image.RGBA {
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

func drawPanel(img *image.RGBA, o image.Point, p figPanel) {
	tx := func(v float64, log bool) float64 {
		if log {
			return math.Log10(v)
		}
		return v
	}
	x0, x1, y0, y1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range p.series {
		for i := range s.xs {
			x, y := tx(s.xs[i], p.logX), tx(s.ys[i], p.logY)
			if math.IsNaN(y) || math.IsInf(y, 0) {
				continue
			}
			x0, x1, y0, y1 = math.Min(x0, x), math.Max(x1, x), math.Min(y0, y), math.Max(y1, y)
		}
	}
	if p.y0 != p.y1 {
		y0, y1 = tx(p.y0, p.logY), tx(p.y1, p.logY)
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
	for _, t := range axisTicks(y0, y1, p.logY) {
		hline(img, o.X+figL, o.X+figPW-figR, py(tx(t, p.logY)), colGrid)
		s := strconv.FormatFloat(t, 'g', 3, 64)
		drawText(img, o.X+figL-6-textWidth(s, 1)*2, py(tx(t, p.logY))-7, 2, s, colAxis)
	}
	xt := p.xticks
	if xt == nil {
		xt = axisTicks(x0, x1, p.logX)
	}
	for _, t := range xt {
		vline(img, px(tx(t, p.logX)), o.Y+figT, o.Y+figPH-figB, colGrid)
		s := strconv.FormatFloat(t, 'g', 3, 64)
		drawText(img, px(tx(t, p.logX))-textWidth(s, 2)/2, o.Y+figPH-figB+6, 2, s, colAxis)
	}
	hline(img, o.X+figL, o.X+figPW-figR, o.Y+figPH-figB, colAxis)
	vline(img, o.X+figL, o.Y+figT, o.Y+figPH-figB, colAxis)
	drawText(img, o.X+figL, o.Y+6, 2, p.title, colAxis)
	drawText(img, o.X+figL, o.Y+24, 1, p.ylabel, colAxis)
	drawText(img, o.X+figPW-figR-textWidth(p.xlabel, 1), o.Y+figPH-14, 1, p.xlabel, colAxis)
	// Legend: one line of labels under the title.
	lx := o.X + figL
	for _, s := range p.series {
		drawText(img, lx, o.Y+38, 1, s.label, s.col)
		lx += textWidth(s.label, 1) + 12
	}
	for _, s := range p.series {
		var prev image.Point
		have := false
		for i := range s.xs {
			y := tx(s.ys[i], p.logY)
			if math.IsNaN(y) || math.IsInf(y, 0) {
				have = false
				continue
			}
			pt := image.Pt(px(tx(s.xs[i], p.logX)), py(y))
			if have {
				line(img, prev, pt, s.col, 2)
			}
			disc(img, pt, 2, s.col)
			if i == s.mark {
				disc(img, pt, 6, s.col)
			}
			prev, have = pt, true
		}
	}
}

// axisTicks returns tick values (data units) in [lo, hi] (transformed
// units): round values on a linear axis, 1-2-5 values on a log axis.
func axisTicks(lo, hi float64, log bool) []float64 {
	if !log {
		return ticks(lo, hi)
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

// WriteCoordPlot draws a coordinate check as a PNG: for the final hidden
// state and for the logits (rows), the mean |change since step 0| against
// the width at each recorded step, standard parametrisation (left) and
// MetaP (right), on log–log axes with each row's y range shared.
func WriteCoordPlot(w io.Writer, pts []CoordPoint) error {
	steps := map[int]bool{}
	for _, p := range pts {
		if p.Step > 0 {
			steps[p.Step] = true
		}
	}
	var st []int
	for s := range steps {
		st = append(st, s)
	}
	sort.Ints(st)
	var panels []figPanel
	for _, q := range []struct {
		name string
		get  func(CoordPoint) float64
	}{
		{"final hidden state", func(p CoordPoint) float64 { return p.DHidden }},
		{"logits", func(p CoordPoint) float64 { return p.DLogit }},
	} {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, p := range pts {
			if v := q.get(p); p.Step > 0 && v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		for _, metap := range []bool{false, true} {
			title := "standard (sp): " + q.name
			if metap {
				title = "metap: " + q.name
			}
			pn := figPanel{title: title, xlabel: "width (hidden size)", ylabel: "mean |change since init|",
				logX: true, logY: true, y0: lo, y1: hi}
			for _, p := range pts {
				if p.MetaP == metap && p.Step == st[0] {
					pn.xticks = append(pn.xticks, float64(p.Width))
				}
			}
			for i, s := range st {
				fs := figSeries{label: fmt.Sprintf("step %d", s), col: figPalette[i%len(figPalette)], mark: -1}
				for _, p := range pts {
					if p.MetaP == metap && p.Step == s {
						fs.xs, fs.ys = append(fs.xs, float64(p.Width)), append(fs.ys, q.get(p))
					}
				}
				pn.series = append(pn.series, fs)
			}
			panels = append(panels, pn)
		}
	}
	return png.Encode(w, drawFigure(panels, 2))
}

// WriteSweepPlot draws a learning-rate sweep as a PNG: the validation loss
// against the peak learning rate for each width, standard parametrisation
// (left) and MetaP (right), each width's best learning rate as a large
// disc; diverged runs are left out and losses above the shared y range are
// drawn at its top.
func WriteSweepPlot(w io.Writer, pts []SweepPoint) error {
	widths := map[int]bool{}
	lo := math.Inf(1)
	for _, p := range pts {
		widths[p.Width] = true
		if !p.Diverged {
			lo = math.Min(lo, p.ValLoss)
		}
	}
	var ws []int
	for x := range widths {
		ws = append(ws, x)
	}
	sort.Ints(ws)
	hi := math.Inf(-1)
	for _, p := range pts {
		if !p.Diverged {
			hi = math.Max(hi, p.ValLoss)
		}
	}
	hi = math.Min(hi, lo+1.5)
	var panels []figPanel
	for _, metap := range []bool{false, true} {
		title := "standard (sp)"
		if metap {
			title = "metap"
		}
		pn := figPanel{title: title, xlabel: "peak learning rate (base lr under metap)", ylabel: "validation loss (nats/token)",
			logX: true, y0: lo, y1: hi}
		for _, p := range pts {
			if p.MetaP == metap && p.Width == ws[0] {
				pn.xticks = append(pn.xticks, p.LR)
			}
		}
		best := BestLR(pts, metap)
		for i, wd := range ws {
			fs := figSeries{label: fmt.Sprintf("width %d", wd), col: figPalette[i%len(figPalette)], mark: -1}
			for _, p := range pts {
				if p.MetaP != metap || p.Width != wd {
					continue
				}
				v := p.ValLoss
				if p.Diverged {
					v = math.NaN()
				}
				if b, ok := best[wd]; ok && b.LR == p.LR {
					fs.mark = len(fs.xs)
				}
				fs.xs, fs.ys = append(fs.xs, p.LR), append(fs.ys, v)
			}
			pn.series = append(pn.series, fs)
		}
		panels = append(panels, pn)
	}
	return png.Encode(w, drawFigure(panels, 2))
}
