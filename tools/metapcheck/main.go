// Command metapcheck produces the MetaP evidence of docs/metap.md: a
// coordinate check (activation change after a few steps at a fixed learning
// rate across widths, with and without MetaP) and a learning-rate sweep at
// several widths, as PNG plots, CSV files and Markdown tables.
//
//	go run ./tools/metapcheck -out docs
//
// Run it from the repository root (the default -data is
// testdata/tinyshakespeare.txt). It trains byte-level
// metap.ProxyConfig models on one thread by default.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "metapcheck:", err)
		os.Exit(1)
	}
}

func run() error {
	o := train.DefaultOptions()
	dataFile := flag.String("data", "testdata/tinyshakespeare.txt", "training text (last 10% held out)")
	out := flag.String("out", "docs", "directory for metap-coord.{png,csv} and metap-lr-sweep.{png,csv}")
	threads := flag.Int("threads", 1, "worker threads")
	only := flag.String("only", "", `"coord" or "sweep": run only that part; "replot": redraw metap-lr-sweep.png from -out's metap-lr-sweep.csv`)
	layers := flag.Int("layers", 2, "layers of every model")
	flag.IntVar(&o.BaseWidth, "base-width", 64, "MetaP base width")
	flag.IntVar(&o.BaseDepth, "base-depth", 2, "MetaP base depth")
	flag.Uint64Var(&o.Seed, "seed", 1, "seed of the initialisation and the data sampling")
	coordWidths := flag.String("coord-widths", "64,128,256,512", "widths of the coordinate check")
	coordSteps := flag.Int("coord-steps", 5, "steps of the coordinate check")
	coordLR := flag.Float64("coord-lr", 1e-2, "constant (base) learning rate of the coordinate check")
	sweepWidths := flag.String("sweep-widths", "64,128,256", "widths of the learning-rate sweep")
	lrList := flag.String("lrs", "1e-3,2e-3,4e-3,8e-3,1.6e-2,3.2e-2", "peak (base) learning rates of the sweep")
	steps := flag.Int("steps", 150, "steps of each sweep run")
	warmup := flag.Int("warmup", 15, "warmup steps of each sweep run")
	flag.IntVar(&o.Batch, "batch", 8, "rows per step")
	flag.IntVar(&o.SeqLen, "seq", 64, "tokens per row")
	flag.IntVar(&o.EvalBatches, "eval-batches", 8, "validation batches of each sweep run")
	flag.Parse()
	if *only == "replot" {
		return replot(*out)
	}
	kernels.SetThreads(*threads)

	text, err := os.ReadFile(*dataFile)
	if err != nil {
		return err
	}
	data, err := dataset.New(text, dataset.ByteTokenizer{}, 0.1)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if *only != "sweep" {
		ws, err := parseList(*coordWidths, "-coord-widths", strconv.Atoi)
		if err != nil {
			return err
		}
		c := o
		c.Steps, c.Warmup, c.LR, c.MinLR, c.GradClip = *coordSteps, 0, *coordLR, *coordLR, 0
		t0 := time.Now()
		pts, err := coordCheck(data, ws, *layers, c, *coordSteps, os.Stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "coordinate check: %v\n", time.Since(t0).Round(time.Second))
		err = writeResults(*out, "metap-coord", "parametrisation,width,step,mean_abs_hidden,mean_abs_logits,mean_abs_dhidden,mean_abs_dlogits\n",
			pts, func(w io.Writer, p CoordPoint) {
				fmt.Fprintf(w, "%s,%d,%d,%.6g,%.6g,%.6g,%.6g\n", paramName(p.MetaP), p.Width, p.Step, p.Hidden, p.Logits, p.DHidden, p.DLogit)
			}, writeCoordPlot)
		if err != nil {
			return err
		}
		coordTable(pts, ws, *coordSteps)
	}
	if *only != "coord" {
		ws, err := parseList(*sweepWidths, "-sweep-widths", strconv.Atoi)
		if err != nil {
			return err
		}
		lrs, err := parseList(*lrList, "-lrs", func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
		if err != nil {
			return err
		}
		s := o
		s.Steps, s.Warmup = *steps, *warmup
		t0 := time.Now()
		pts, err := lrSweep(data, ws, *layers, lrs, 0.1, s, os.Stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "learning-rate sweep: %v\n", time.Since(t0).Round(time.Second))
		err = writeResults(*out, "metap-lr-sweep", "parametrisation,width,lr,train_loss_last10,val_loss,diverged\n",
			pts, func(w io.Writer, p SweepPoint) {
				fmt.Fprintf(w, "%s,%d,%g,%.4f,%.4f,%v\n", paramName(p.MetaP), p.Width, p.LR, p.TrainLoss, p.ValLoss, p.Diverged)
			}, writeSweepPlot)
		if err != nil {
			return err
		}
		sweepTable(pts, ws, lrs)
	}
	return nil
}

// parseList parses the comma-separated values of flag name.
func parseList[T any](s, name string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, f := range strings.Split(s, ",") {
		v, err := parse(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", name, s, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// writeResults writes dir/base.csv (header, then row for each point) and
// dir/base.png (drawn by plot).
func writeResults[P any](dir, base, header string, pts []P, row func(io.Writer, P), plot func(io.Writer, []P) error) error {
	var csv bytes.Buffer
	csv.WriteString(header)
	for _, p := range pts {
		row(&csv, p)
	}
	if err := write(filepath.Join(dir, base+".csv"), csv.Bytes()); err != nil {
		return err
	}
	return writePNG(dir, base, pts, plot)
}

// writePNG writes dir/base.png, drawn by plot.
func writePNG[P any](dir, base string, pts []P, plot func(io.Writer, []P) error) error {
	var img bytes.Buffer
	if err := plot(&img, pts); err != nil {
		return err
	}
	return write(filepath.Join(dir, base+".png"), img.Bytes())
}

func write(path string, b []byte) error {
	fmt.Fprintln(os.Stderr, "wrote", path)
	return os.WriteFile(path, b, 0o644)
}

// coordTable prints, per parametrisation and width, the mean |Δ| of the
// final hidden state and of the logits after the last step, and the ratio
// to the narrowest width.
func coordTable(pts []CoordPoint, widths []int, step int) {
	fmt.Printf("| parametrisation | width | mean abs Δ final hidden (× narrowest) | mean abs Δ logits (× narrowest) | mean abs hidden | mean abs logits |\n|---|---|---|---|---|---|\n")
	for _, metap := range []bool{false, true} {
		var h0, l0 float64
		for _, w := range widths {
			for _, p := range pts {
				if p.MetaP != metap || p.Width != w || p.Step != step {
					continue
				}
				if h0 == 0 {
					h0, l0 = p.DHidden, p.DLogit
				}
				fmt.Printf("| %s | %d | %.4f (×%.2f) | %.4f (×%.2f) | %.4f | %.4f |\n", paramName(metap), w,
					p.DHidden, p.DHidden/h0, p.DLogit, p.DLogit/l0, p.Hidden, p.Logits)
			}
		}
	}
	fmt.Println()
}

// sweepTable prints the validation loss of every run, the best marked.
func sweepTable(pts []SweepPoint, widths []int, lrs []float64) {
	sort.Float64s(lrs)
	fmt.Printf("| parametrisation | width |")
	for _, lr := range lrs {
		fmt.Printf(" lr %g |", lr)
	}
	fmt.Printf(" best lr |\n|---|---|")
	for range lrs {
		fmt.Printf("---|")
	}
	fmt.Println("---|")
	for _, metap := range []bool{false, true} {
		best := bestLR(pts, metap)
		for _, w := range widths {
			fmt.Printf("| %s | %d |", paramName(metap), w)
			for _, lr := range lrs {
				for _, p := range pts {
					if p.MetaP != metap || p.Width != w || p.LR != lr {
						continue
					}
					switch {
					case p.Diverged:
						fmt.Printf(" diverged |")
					case best[w].LR == lr:
						fmt.Printf(" **%.4f** |", p.ValLoss)
					default:
						fmt.Printf(" %.4f |", p.ValLoss)
					}
				}
			}
			fmt.Printf(" %g |\n", best[w].LR)
		}
	}
	fmt.Println()
}

// replot redraws the sweep plot from its CSV.
func replot(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "metap-lr-sweep.csv"))
	if err != nil {
		return err
	}
	var pts []SweepPoint
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, ",")
		if i == 0 {
			continue
		}
		if len(f) != 6 {
			return fmt.Errorf("metap-lr-sweep.csv line %d: %d columns, want 6", i+1, len(f))
		}
		w, err1 := strconv.Atoi(f[1])
		lr, err2 := strconv.ParseFloat(f[2], 64)
		tl, err3 := strconv.ParseFloat(f[3], 64)
		vl, err4 := strconv.ParseFloat(f[4], 64)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return fmt.Errorf("metap-lr-sweep.csv line %d: %w", i+1, err)
		}
		pts = append(pts, SweepPoint{Width: w, MetaP: f[0] == "metap", LR: lr, TrainLoss: tl, ValLoss: vl, Diverged: f[5] == "true"})
	}
	return writePNG(dir, "metap-lr-sweep", pts, writeSweepPlot)
}
