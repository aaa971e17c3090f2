// Command rlcompare draws the log.csv of several herd rl runs in one PNG:
// batch reward against learner step and against wall time, one curve per
// run (a moving average over 5 steps), to compare settings; and, for runs
// with an eval.csv (herd rl --eval-n), held-out greedy pass@1 of each task
// against wall time, which compares settings whose batches differ (a
// filtered run's batches are harder by construction).
//
//	go run ./tools/rlcompare -o compare.png runs/a runs/b …
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io/fs"
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
	panels := []plot.Panel{byStep, byWall}
	held := map[string]*plot.Panel{}
	var order []string
	for i, dir := range flag.Args() {
		curves, err := readEval(filepath.Join(dir, "eval.csv"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, c := range curves {
			p, ok := held[c.task]
			if !ok {
				p = &plot.Panel{Title: *title + "held-out " + c.task, XLabel: "seconds", YLabel: "pass@1 (greedy)"}
				held[c.task] = p
				order = append(order, c.task)
			}
			p.Series = append(p.Series, plot.Series{Label: filepath.Base(dir), Col: plot.Palette[i%len(plot.Palette)], Xs: c.wall, Ys: c.pass1})
		}
	}
	for _, t := range order {
		panels = append(panels, *held[t])
	}
	f, err := os.Create(*out)
	if err == nil {
		err = png.Encode(f, plot.DrawFigure(panels, 2))
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

// evalCurve is one task's held-out greedy pass@1 against wall time.
type evalCurve struct {
	task        string
	wall, pass1 []float64
}

// readEval returns the curves of an eval.csv (columns step, elapsed_s,
// task, problems, pass1_greedy, …), tasks in their first order.
func readEval(path string) ([]evalCurve, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 || len(rows[0]) < 5 || rows[0][1] != "elapsed_s" || rows[0][4] != "pass1_greedy" {
		return nil, fmt.Errorf("%s: not a herd rl eval.csv (%v)", path, err)
	}
	var out []evalCurve
	at := map[string]int{}
	for _, r := range rows[1:] {
		w, err1 := strconv.ParseFloat(r[1], 64)
		p, err2 := strconv.ParseFloat(r[4], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		i, ok := at[r[2]]
		if !ok {
			i = len(out)
			at[r[2]] = i
			out = append(out, evalCurve{task: r[2]})
		}
		out[i].wall, out[i].pass1 = append(out[i].wall, w), append(out[i].pass1, p)
	}
	return out, nil
}
