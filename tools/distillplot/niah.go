package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/evals"
	"github.com/herd-llm/herd/internal/plot"
)

// niahCounts is `herd eval niah` results pooled over files (seeds, say):
// correct answers and trials per haystack length in tokens.
type niahCounts struct {
	lengths         []int // ascending
	correct, trials map[int]int
}

// readNIAH pools the niah.csv files (length,depth,trials,correct,…) in
// paths; every file must hold the same lengths.
func readNIAH(paths []string) (niahCounts, error) {
	n := niahCounts{correct: map[int]int{}, trials: map[int]int{}}
	for i, path := range paths {
		recs, err := readCSV(path)
		if err != nil {
			return n, err
		}
		var lengths []int
		for j, r := range recs[1:] {
			if len(r) < 4 {
				return n, fmt.Errorf("%s: row %d has %d columns, want length,depth,trials,correct,…", path, j+2, len(r))
			}
			var v [3]int
			for k, col := range []int{0, 2, 3} {
				if v[k], err = strconv.Atoi(r[col]); err != nil || v[k] < 0 {
					return n, fmt.Errorf("%s: row %d: bad %s %q", path, j+2, recs[0][col], r[col])
				}
			}
			if v[2] > v[1] {
				return n, fmt.Errorf("%s: row %d: %d correct of %d trials", path, j+2, v[2], v[1])
			}
			if !slices.Contains(lengths, v[0]) {
				lengths = append(lengths, v[0])
			}
			n.trials[v[0]] += v[1]
			n.correct[v[0]] += v[2]
		}
		slices.Sort(lengths)
		if i == 0 {
			n.lengths = lengths
		} else if !slices.Equal(lengths, n.lengths) {
			return n, fmt.Errorf("%s has lengths %v, %s has %v", path, lengths, paths[0], n.lengths)
		}
	}
	if len(n.lengths) == 0 {
		return n, fmt.Errorf("%s: no rows", strings.Join(paths, ","))
	}
	return n, nil
}

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1 // the callers check the columns they read
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	return recs, nil
}

// runNIAH draws the NIAH accuracy by haystack length of each
// LABEL=A.csv[,B.csv…] argument (its files pooled) and prints the table
// of correct answers per length as Markdown to w.
func runNIAH(out string, args []string, w io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("give LABEL=NIAH.csv[,NIAH.csv…] arguments")
	}
	panel := plot.Panel{Title: "needle in a haystack: accuracy by length", XLabel: "haystack (tokens)", YLabel: "accuracy", LogX: true, Y0: 0, Y1: 1}
	for i, arg := range args {
		label, files, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("%q is not LABEL=FILE.csv[,FILE.csv…]", arg)
		}
		n, err := readNIAH(strings.Split(files, ","))
		if err != nil {
			return err
		}
		if i == 0 {
			cols := make([]string, len(n.lengths))
			for j, l := range n.lengths {
				cols[j] = strconv.Itoa(l)
			}
			fmt.Fprintf(w, "| model | %s |\n|---|%s\n", strings.Join(cols, " | "), strings.Repeat("---|", len(cols)))
		}
		var xs, ys []float64
		cells := make([]string, len(n.lengths))
		for j, l := range n.lengths {
			xs, ys = append(xs, float64(l)), append(ys, float64(n.correct[l])/float64(n.trials[l]))
			cells[j] = fmt.Sprintf("%d/%d", n.correct[l], n.trials[l])
		}
		fmt.Fprintf(w, "| %s | %s |\n", label, strings.Join(cells, " | "))
		panel.Series = append(panel.Series, plot.Series{Label: label, Col: plot.Palette[i%len(plot.Palette)], Xs: xs, Ys: ys, Mark: -1})
	}
	return evals.SavePNG(out, plot.DrawFigure([]plot.Panel{panel}, 1))
}
