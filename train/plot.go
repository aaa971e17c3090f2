package train

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/internal/plot"
)

// PlotFile is the loss-curve plot Run writes beside LogFile.
const PlotFile = "loss.png"

// logRow is one row of a run's log.
type logRow struct {
	step            int
	train, val, bpb float64   // val and bpb are NaN on steps without validation
	experts         [][]int64 // tokens per expert of each MoE layer (logs with an expert_tokens column)
}

// readLog parses a run's log.csv (columns as logHeader).
func readLog(path string) ([]logRow, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	var rows []logRow
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 0; sc.Scan(); line++ {
		if line == 0 {
			continue // header
		}
		f := strings.Split(sc.Text(), ",")
		if len(f) < 9 {
			return nil, fmt.Errorf("train: %s line %d: %d columns, want at least 9", path, line+1, len(f))
		}
		step, err1 := strconv.Atoi(f[0])
		tl, err2 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("train: %s line %d: bad step or loss", path, line+1)
		}
		r := logRow{step: step, train: tl, val: math.NaN(), bpb: math.NaN()}
		if v, err := strconv.ParseFloat(f[7], 64); err == nil {
			r.val = v
		}
		if v, err := strconv.ParseFloat(f[8], 64); err == nil {
			r.bpb = v
		}
		if len(f) > 11 {
			if r.experts, err = parseCounts(f[11]); err != nil {
				return nil, fmt.Errorf("train: %s line %d: expert_tokens: %w", path, line+1, err)
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// WriteLossPlot draws dir/log.csv as dir/loss.png: the training loss per
// step (light), its centred moving average (blue) and the validation
// loss (red), in nats per token, titled with the last validation result.
func WriteLossPlot(dir string) error {
	rows, err := readLog(filepath.Join(dir, LogFile))
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	img := plotLoss(rows)
	return writeFileAtomic(filepath.Join(dir, PlotFile), func(w io.Writer) error { return png.Encode(w, img) })
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
func plotLoss(rows []logRow) *image.RGBA {
	img := plot.Blank(plotW, plotH)
	x0, x1 := 0.0, float64(rows[len(rows)-1].step)
	y0, y1 := math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		for _, v := range []float64{r.train, r.val} {
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
		raw, sm := image.Pt(px(float64(r.step)), py(r.train)), image.Pt(px(float64(r.step)), py(smooth[i]))
		if i > 0 {
			plot.Line(img, prevRaw, raw, colRaw, 1)
			plot.Line(img, prevSmooth, sm, colTrain, 2)
		}
		prevRaw, prevSmooth = raw, sm
		if !math.IsNaN(r.val) {
			v := image.Pt(px(float64(r.step)), py(r.val))
			if haveVal {
				plot.Line(img, prevVal, v, colVal, 2)
			}
			plot.Disc(img, v, 3, colVal)
			prevVal, haveVal = v, true
		}
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if r := rows[i]; !math.IsNaN(r.val) {
			s := fmt.Sprintf("step %d: val loss %.4f, %.4f bits/byte", r.step, r.val, r.bpb)
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
func centredMean(rows []logRow, w int) []float64 {
	out := make([]float64, len(rows))
	for i := range rows {
		lo, hi := max(0, i-w), min(len(rows), i+w+1)
		var s float64
		for _, r := range rows[lo:hi] {
			s += r.train
		}
		out[i] = s / float64(hi-lo)
	}
	return out
}
