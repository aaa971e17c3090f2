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
