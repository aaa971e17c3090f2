// Command distillplot draws the validation bits per byte and the training
// loss of several herd train runs (their log.csv) on one figure, for
// docs/distillation.md:
//
//	go run ./tools/distillplot -o docs/distill/curves.png "hard labels=runs/hard" "online KD=runs/online" …
//
// With -ppl it draws `herd eval ppl` CSV files instead (LABEL=FILE.csv):
// the loss-by-position curves, and with -heat a heat map of the mean loss
// per range of positions in multiples of the training length -L.
//
// With -niah it draws the accuracy by haystack length of `herd eval niah`
// CSV files (LABEL=A.csv[,B.csv…], each label's files pooled, e.g. seeds).
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/herd-llm/herd/evals"
	"github.com/herd-llm/herd/internal/plot"
	"github.com/herd-llm/herd/train/runlog"
)

func main() {
	out := flag.String("o", "curves.png", "PNG file to write")
	smooth := flag.Int("smooth", 25, "steps in the moving average of the training loss (hard labels)")
	ppl := flag.Bool("ppl", false, "arguments are LABEL=FILE.csv of herd eval ppl")
	heat := flag.String("heat", "", "-ppl: also write this heat map PNG")
	L := flag.Int("L", 64, "-ppl: the training length the heat map's position ranges are multiples of")
	niah := flag.Bool("niah", false, "arguments are LABEL=NIAH.csv[,NIAH.csv…] of herd eval niah (files of one label pooled)")
	flag.Parse()
	var err error
	if *niah {
		err = runNIAH(*out, flag.Args(), os.Stdout)
	} else if *ppl {
		err = runPPL(*out, *heat, *L, flag.Args())
	} else {
		err = run(*out, *smooth, flag.Args())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "distillplot:", err)
		os.Exit(1)
	}
}

func run(out string, smooth int, runs []string) error {
	if len(runs) == 0 {
		return fmt.Errorf("give LABEL=RUN_DIR arguments")
	}
	val := plot.Panel{Title: "held-out bits per byte", XLabel: "step", YLabel: "bits/byte"}
	tr := plot.Panel{Title: "train loss, hard labels", XLabel: "step", YLabel: "nats/token"}
	for i, arg := range runs {
		label, dir, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("%q is not LABEL=RUN_DIR", arg)
		}
		rows, err := runlog.Read(filepath.Join(dir, runlog.File))
		if err != nil {
			return err
		}
		col := plot.Palette[i%len(plot.Palette)]
		var vx, vy, tx, ty []float64
		sum := 0.0
		for j, r := range rows {
			if !math.IsNaN(r.ValBPB) {
				vx, vy = append(vx, float64(r.Step)), append(vy, r.ValBPB)
			}
			sum += r.Loss
			if j >= smooth {
				sum -= rows[j-smooth].Loss
			}
			if j >= smooth-1 {
				tx, ty = append(tx, float64(r.Step)), append(ty, sum/float64(smooth))
			}
		}
		val.Series = append(val.Series, plot.Series{Label: label, Col: col, Xs: vx, Ys: vy, Mark: len(vx) - 1})
		tr.Series = append(tr.Series, plot.Series{Label: label, Col: col, Xs: tx, Ys: ty, Mark: -1})
	}
	return evals.SavePNG(out, plot.DrawFigure([]plot.Panel{val, tr}, 2))
}
