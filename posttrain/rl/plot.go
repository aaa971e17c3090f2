package rl

import (
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/plot"
)

// WritePlot draws dir's log.csv and eval.csv as dir/curves.png: the batch
// reward per learner step and per second of wall time, and the held-out
// greedy pass@1 and pass@k of each task per step.
func WritePlot(dir string) error {
	_, steps, err := readCSV(filepath.Join(dir, LogFile))
	if err != nil {
		return err
	}
	_, evals, err := readCSV(filepath.Join(dir, EvalFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	col := func(rows [][]string, i int) []float64 {
		out := make([]float64, len(rows))
		for k, r := range rows {
			out[k] = math.NaN()
			if i < len(r) {
				if v, err := strconv.ParseFloat(r[i], 64); err == nil {
					out[k] = v
				}
			}
		}
		return out
	}
	step, wall, reward, pass := col(steps, 0), col(steps, 2), col(steps, 3), col(steps, 4)
	panels := []plot.Panel{
		{Title: "reward per step", XLabel: "learner step", YLabel: "mean reward", Series: []plot.Series{
			{Label: "reward", Col: plot.Palette[0], Xs: step, Ys: reward, Mark: -1},
			{Label: "pass rate", Col: plot.Palette[1], Xs: step, Ys: pass, Mark: -1}}},
		{Title: "reward vs wall time", XLabel: "seconds", YLabel: "mean reward", Series: []plot.Series{
			{Label: "reward", Col: plot.Palette[0], Xs: wall, Ys: reward, Mark: -1}}},
	}
	byTask := map[string][][]string{}
	var order []string
	for _, r := range evals {
		if len(r) < len(evalHeader) {
			continue
		}
		if _, ok := byTask[r[2]]; !ok {
			order = append(order, r[2])
		}
		byTask[r[2]] = append(byTask[r[2]], r)
	}
	if len(order) > 0 {
		p := plot.Panel{Title: "held-out accuracy", XLabel: "learner step", YLabel: "fraction solved", Y0: 0, Y1: 1}
		for i, t := range order {
			rows := byTask[t]
			p.Series = append(p.Series,
				plot.Series{Label: t + " pass@1", Col: plot.Palette[(2*i)%len(plot.Palette)], Xs: col(rows, 0), Ys: col(rows, 4), Mark: -1},
				plot.Series{Label: t + " pass@" + rows[0][5], Col: plot.Palette[(2*i+1)%len(plot.Palette)], Xs: col(rows, 0), Ys: col(rows, 6), Mark: -1})
		}
		panels = append(panels, p)
	}
	if len(steps) == 0 {
		return nil
	}
	img := plot.DrawFigure(panels, len(panels))
	err = checkpoint.WriteFileAtomic(filepath.Join(dir, CurveFile), func(w io.Writer) error { return png.Encode(w, img) })
	if err != nil {
		return fmt.Errorf("rl: %w", err)
	}
	return nil
}
