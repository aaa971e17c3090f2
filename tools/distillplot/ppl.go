package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/evals"
	"github.com/herd-llm/herd/internal/plot"
)

// runPPL draws the loss-by-position curves of `herd eval ppl` CSV files
// (LABEL=FILE.csv) on one chart, averaged in bins of a quarter of an
// octave, and a heat map of the mean loss over the positions [1, L],
// (L, 2L], (2L, 4L], … of the training length L (heat, when not empty). It
// prints the heat map's table as Markdown.
func runPPL(out, heat string, L int, args []string) error {
	panel := plot.Panel{Title: "loss by position (mean over windows)", XLabel: "position (tokens)", YLabel: "nll (nats)", LogX: true}
	var rows []string
	var vals [][]float64
	var cols []string
	for i, arg := range args {
		label, path, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("%q is not LABEL=FILE.csv", arg)
		}
		nll, err := readPPL(path)
		if err != nil {
			return err
		}
		var xs, ys []float64
		for lo := 1; lo < len(nll); {
			hi := min(len(nll), max(lo+1, int(float64(lo)*math.Pow(2, 1.0/4))))
			var s float64
			for p := lo; p < hi; p++ {
				s += nll[p]
			}
			xs, ys = append(xs, math.Sqrt(float64(lo)*float64(hi-1))), append(ys, s/float64(hi-lo))
			lo = hi
		}
		panel.Series = append(panel.Series, plot.Series{Label: label, Col: plot.Palette[i%len(plot.Palette)], Xs: xs, Ys: ys, Mark: -1})
		var row []float64
		cols = cols[:0]
		for lo, m := 1, 1; lo < len(nll); lo, m = m*L+1, m*2 {
			hi := min(len(nll), m*L+1)
			var s float64
			for p := lo; p < hi; p++ {
				s += nll[p]
			}
			row = append(row, s/float64(hi-lo))
			cols = append(cols, fmt.Sprintf("%dx", m))
		}
		rows, vals = append(rows, label), append(vals, row)
	}
	if err := evals.SavePNG(out, plot.DrawFigure([]plot.Panel{panel}, 1)); err != nil {
		return err
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	fmt.Printf("| model | %s |\n|---|%s\n", strings.Join(cols, " | "), strings.Repeat("---|", len(cols)))
	for i, r := range vals {
		s := make([]string, len(r))
		for j, v := range r {
			s[j] = fmt.Sprintf("%.3f", v)
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		fmt.Printf("| %s | %s |\n", rows[i], strings.Join(s, " | "))
	}
	if heat == "" {
		return nil
	}
	return evals.SavePNG(heat, plot.DrawHeatmap(plot.Heatmap{Title: fmt.Sprintf("mean nll by position range (multiples of l = %d)", L),
		XLabel: "positions", YLabel: "model", Cols: cols, Rows: rows, Values: vals, Lo: lo, Hi: hi}))
}

// readPPL reads the mean NLL column of a `herd eval ppl` CSV, indexed by
// position ([0] unused).
func readPPL(path string) ([]float64, error) {
	recs, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	nll := []float64{math.NaN()}
	if len(recs) < 2 {
		return nil, fmt.Errorf("%s: no positions", path)
	}
	for i, r := range recs[1:] {
		if len(r) < 2 {
			return nil, fmt.Errorf("%s: row %d has %d columns, want 3", path, i+2, len(r))
		}
		v, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: bad mean_nll %q", path, i+2, r[1])
		}
		nll = append(nll, v)
	}
	return nll, nil
}
