package runlog

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/plot"
)

// LossPlotFile is the loss-curve plot a run writes beside File.
const LossPlotFile = "loss.png"

// WriteLossPlot draws dir/log.csv as dir/loss.png: the training loss per
// step (light), its centred moving average (blue) and the validation
// loss (red), in nats per token, titled with the last validation result.
func WriteLossPlot(dir string) error {
	rows, err := Read(filepath.Join(dir, File))
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	img := plotLoss(rows)
	return checkpoint.WriteFileAtomic(filepath.Join(dir, LossPlotFile), func(w io.Writer) error { return png.Encode(w, img) })
}

// Plot geometry and colours.
const (
	plotW, plotH                       = 900, 520
	plotL, plotR, plotT, plotB         = 70, 20, 50, 50
	plotScale                          = 2   // glyph pixel size
	plotSmooth                         = 100 // the smoothing window is ±len/plotSmooth steps
	plotMinYRange                      = 0.5
	plotTicks                          = 8
	plotXLabel, plotYLabel, plotLegend = "step", "loss (nats/token)", "train loss (smoothed), val loss"
)

var (
	colRaw   = color.RGBA{170, 200, 235, 255}
	colTrain = color.RGBA{30, 90, 200, 255}
	colVal   = color.RGBA{210, 40, 40, 255}
)

// plotLoss renders the curves.
func plotLoss(rows []Row) *image.RGBA {
	img := plot.Blank(plotW, plotH)
	x0, x1 := 0.0, float64(rows[len(rows)-1].Step)
	y0, y1 := math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		for _, v := range []float64{r.Loss, r.ValLoss} {
			if !math.IsNaN(v) {
				y0, y1 = math.Min(y0, v), math.Max(y1, v)
			}
		}
	}
	y0, y1 = math.Floor(y0*2)/2, math.Ceil(y1*2)/2
	if y1-y0 < plotMinYRange {
		y1 = y0 + plotMinYRange
	}
	x1 = math.Max(x1, 1)
	px := func(x float64) int { return plotL + int(math.Round((x-x0)/(x1-x0)*float64(plotW-plotL-plotR))) }
	py := func(y float64) int { return plotH - plotB - int(math.Round((y-y0)/(y1-y0)*float64(plotH-plotT-plotB))) }

	for _, t := range plot.Ticks(y0, y1, plotTicks) {
		plot.HLine(img, plotL, plotW-plotR, py(t), plot.Grid)
		s := strconv.FormatFloat(t, 'f', -1, 64)
		plot.DrawText(img, plotL-8-plot.TextWidth(s, plotScale), py(t)-7, plotScale, s, plot.Axis)
	}
	for _, t := range plot.Ticks(x0, x1, plotTicks) {
		plot.VLine(img, px(t), plotT, plotH-plotB, plot.Grid)
		s := strconv.FormatFloat(t, 'f', -1, 64)
		plot.DrawText(img, px(t)-plot.TextWidth(s, plotScale)/2, plotH-plotB+8, plotScale, s, plot.Axis)
	}
	plot.HLine(img, plotL, plotW-plotR, plotH-plotB, plot.Axis)
	plot.VLine(img, plotL, plotT, plotH-plotB, plot.Axis)
	plot.DrawText(img, (plotW-plot.TextWidth(plotXLabel, plotScale))/2, plotH-plotB+28, plotScale, plotXLabel, plot.Axis)
	plot.DrawText(img, 8, 8, plotScale, plotYLabel, plot.Axis)

	smooth := centredMean(rows, max(1, len(rows)/plotSmooth))
	var prevRaw, prevSmooth, prevVal image.Point
	haveVal := false
	for i, r := range rows {
		raw, sm := image.Pt(px(float64(r.Step)), py(r.Loss)), image.Pt(px(float64(r.Step)), py(smooth[i]))
		if i > 0 {
			plot.Line(img, prevRaw, raw, colRaw, 1)
			plot.Line(img, prevSmooth, sm, colTrain, 2)
		}
		prevRaw, prevSmooth = raw, sm
		if !math.IsNaN(r.ValLoss) {
			v := image.Pt(px(float64(r.Step)), py(r.ValLoss))
			if haveVal {
				plot.Line(img, prevVal, v, colVal, 2)
			}
			plot.Disc(img, v, 3, colVal)
			prevVal, haveVal = v, true
		}
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if r := rows[i]; !math.IsNaN(r.ValLoss) {
			s := fmt.Sprintf("step %d: val loss %.4f, %.4f bits/byte", r.Step, r.ValLoss, r.ValBPB)
			plot.DrawText(img, plotW-plotR-plot.TextWidth(s, plotScale), 8, plotScale, s, colVal)
			break
		}
	}
	lx := plotW - plotR - plot.TextWidth(plotLegend, plotScale) - 10
	plot.DrawText(img, lx, 28, plotScale, "train loss (smoothed),", colTrain)
	plot.DrawText(img, lx+plot.TextWidth("train loss (smoothed), ", plotScale), 28, plotScale, "val loss", colVal)
	return img
}

// centredMean returns the mean training loss of each row and the w rows on
// either side of it (fewer at the ends).
func centredMean(rows []Row, w int) []float64 {
	out := make([]float64, len(rows))
	for i := range rows {
		lo, hi := max(0, i-w), min(len(rows), i+w+1)
		var s float64
		for _, r := range rows[lo:hi] {
			s += r.Loss
		}
		out[i] = s / float64(hi-lo)
	}
	return out
}

// ExpertPlotFile is the tokens-per-expert plot a run writes beside File for
// models with MoE layers.
const ExpertPlotFile = "experts.png"

// expertBins is the number of step intervals the expert plot shows (fewer
// when the log is shorter).
const expertBins = 40

var expertColors = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255},
}

// WriteExpertPlot draws the expert_tokens column of dir/log.csv as
// dir/experts.png: one panel per MoE layer, the steps in up to 40 equal
// intervals, each a stacked bar of the share of the interval's tokens that
// each expert received (a dead expert leaves no colour). Each panel is
// titled with the last interval's max/min load ratio and the number of
// intervals in which some expert got no token. title heads the image. A log
// without expert counts writes nothing.
func WriteExpertPlot(dir, title string) error {
	rows, err := Read(filepath.Join(dir, File))
	if err != nil {
		return err
	}
	img := plotExperts(rows, title)
	if img == nil {
		return nil
	}
	return checkpoint.WriteFileAtomic(filepath.Join(dir, ExpertPlotFile), func(w io.Writer) error { return png.Encode(w, img) })
}

// expertBin is one interval of steps and its tokens per expert per layer.
type expertBin struct {
	lo, hi int // steps (lo, hi]
	counts [][]int64
}

// binExperts sums the rows' expert counts into up to n intervals of equal
// step count.
func binExperts(rows []Row, n int) []expertBin {
	var have []Row
	for _, r := range rows {
		if len(r.ExpertTokens) > 0 {
			have = append(have, r)
		}
	}
	if len(have) == 0 {
		return nil
	}
	n = min(n, len(have))
	bins := make([]expertBin, n)
	for i, r := range have {
		b := &bins[i*n/len(have)]
		if b.counts == nil {
			b.lo = r.Step - 1
			for _, c := range r.ExpertTokens {
				b.counts = append(b.counts, make([]int64, len(c)))
			}
		}
		b.hi = r.Step
		for l, c := range r.ExpertTokens {
			if l < len(b.counts) {
				for e, v := range c {
					if e < len(b.counts[l]) {
						b.counts[l][e] += v
					}
				}
			}
		}
	}
	return bins
}

// plotExperts renders the panels; nil when the rows have no expert counts.
func plotExperts(rows []Row, title string) *image.RGBA {
	bins := binExperts(rows, expertBins)
	if len(bins) == 0 {
		return nil
	}
	layers := len(bins[0].counts)
	const panelH, top, gap = 200, 60, 60
	H := top + layers*(panelH+gap) + 20
	img := image.NewRGBA(image.Rect(0, 0, plotW, H))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	plot.DrawText(img, 8, 8, plotScale, title, plot.Axis)
	E := len(bins[0].counts[0])
	lx := plotW - plotR
	for e := E - 1; e >= 0; e-- {
		s := "e" + strconv.Itoa(e)
		lx -= plot.TextWidth(s, plotScale) + 12
		plot.DrawText(img, lx, 30, plotScale, s, expertColors[e%len(expertColors)])
	}
	plot.DrawText(img, lx-plot.TextWidth("experts: ", plotScale), 30, plotScale, "experts:", plot.Axis)
	x0, x1 := float64(bins[0].lo), float64(bins[len(bins)-1].hi)
	px := func(x float64) int {
		return plotL + int(math.Round((x-x0)/math.Max(x1-x0, 1)*float64(plotW-plotL-plotR)))
	}
	for l := 0; l < layers; l++ {
		y0 := top + l*(panelH+gap) + 20 // panel top
		yb := y0 + panelH               // panel bottom
		deadBins := 0
		for _, b := range bins {
			c := b.counts[l]
			var tot, least int64 = 0, c[0]
			for _, v := range c {
				tot += v
				least = min(least, v)
			}
			if least == 0 {
				deadBins++
			}
			if tot == 0 {
				continue
			}
			xa, xb := px(float64(b.lo)), px(float64(b.hi))
			acc := int64(0)
			for e, v := range c {
				ya := yb - int(math.Round(float64(acc)/float64(tot)*panelH))
				acc += v
				yt := yb - int(math.Round(float64(acc)/float64(tot)*panelH))
				col := expertColors[e%len(expertColors)]
				for y := yt; y < ya; y++ {
					for x := xa; x < xb; x++ {
						img.Set(x, y, col)
					}
				}
			}
		}
		for _, t := range []float64{0, 0.25, 0.5, 0.75, 1} {
			y := yb - int(math.Round(t*panelH))
			s := strconv.FormatFloat(t, 'f', -1, 64)
			plot.DrawText(img, plotL-8-plot.TextWidth(s, plotScale), y-7, plotScale, s, plot.Axis)
		}
		// the ideal share of each expert
		for e := 1; e < E; e++ {
			y := yb - int(math.Round(float64(e)/float64(E)*panelH))
			for x := plotL; x <= plotW-plotR; x += 6 {
				img.Set(x, y, plot.Axis)
				img.Set(x+1, y, plot.Axis)
			}
		}
		for _, t := range plot.Ticks(x0, x1, plotTicks) {
			s := strconv.FormatFloat(t, 'f', -1, 64)
			plot.VLine(img, px(t), yb, yb+4, plot.Axis)
			plot.DrawText(img, px(t)-plot.TextWidth(s, plotScale)/2, yb+8, plotScale, s, plot.Axis)
		}
		plot.HLine(img, plotL, plotW-plotR, yb, plot.Axis)
		plot.VLine(img, plotL, y0, yb, plot.Axis)
		last := bins[len(bins)-1].counts[l]
		r, _ := LoadSpread([][]int64{last})
		rs := "inf"
		if !math.IsInf(r, 0) {
			rs = fmt.Sprintf("%.2f", r)
		}
		head := fmt.Sprintf("moe layer %d: token share per expert; last interval max/min %s; intervals with a dead expert %d/%d",
			l+1, rs, deadBins, len(bins))
		plot.DrawText(img, plotL, y0-18, plotScale-1, head, plot.Axis)
	}
	plot.DrawText(img, (plotW-plot.TextWidth("step", plotScale))/2, H-24, plotScale, "step", plot.Axis)
	return img
}
