// Command rlcompare draws the log.csv of several herd rl runs in one PNG:
// batch reward against learner step and against wall time, one curve per
// run (a moving average over 5 steps), to compare settings.
//
//	go run ./tools/rlcompare -o compare.png runs/a runs/b …
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strconv"

	"github.com/herd-llm/herd/internal/plot"
)

func main() {
	out := flag.String("o", "compare.png", "output PNG")
	window := flag.Int("window", 5, "steps in the moving average")
	title := flag.String("title", "", "title prefix of the panels")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: rlcompare [-o OUT.png] RUN_DIR…")
		os.Exit(2)
	}
	byStep := plot.Panel{Title: *title + "reward per step", XLabel: "learner step", YLabel: "batch reward (moving avg)"}
	byWall := plot.Panel{Title: *title + "reward vs wall time", XLabel: "seconds", YLabel: "batch reward (moving avg)"}
	for i, dir := range flag.Args() {
		steps, wall, reward, err := read(filepath.Join(dir, "log.csv"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		avg := movingAverage(reward, *window)
		col := plot.Palette[i%len(plot.Palette)]
		name := filepath.Base(dir)
		byStep.Series = append(byStep.Series, plot.Series{Label: name, Col: col, Xs: steps, Ys: avg, Mark: -1})
		byWall.Series = append(byWall.Series, plot.Series{Label: name, Col: col, Xs: wall, Ys: avg, Mark: -1})
	}
	f, err := os.Create(*out)
	if err == nil {
		err = png.Encode(f, plot.DrawFigure([]plot.Panel{byStep, byWall}, 2))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// read returns the step, elapsed_s and reward columns of a log.csv.
func read(path string) (steps, wall, reward []float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, nil, nil, fmt.Errorf("%s: no rows (%v)", path, err)
	}
	for _, r := range rows[1:] {
		var v [3]float64
		for i, c := range []int{0, 2, 3} {
			if v[i], err = strconv.ParseFloat(r[c], 64); err != nil {
				return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		steps, wall, reward = append(steps, v[0]), append(wall, v[1]), append(reward, v[2])
	}
	return steps, wall, reward, nil
}

// movingAverage is the mean of each value and the w−1 before it.
func movingAverage(v []float64, w int) []float64 {
	out := make([]float64, len(v))
	var s float64
	for i, x := range v {
		s += x
		if i >= w {
			s -= v[i-w]
		}
		out[i] = s / float64(min(i+1, w))
	}
	return out
}
