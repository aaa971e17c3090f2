package evals

import (
	"bufio"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Files is what an eval command writes: PREFIX.csv (and, with Trials set,
// PREFIX-trials.csv), the chart as PREFIX.png, and a table for people.
type Files struct {
	CSV, Trials func(io.Writer) error
	Chart       image.Image
	Table       func(io.Writer)
}

// NIAHFiles are the files of a needle-in-a-haystack run: the accuracy per
// cell, every trial, the heat map titled title and the accuracy grid.
func NIAHFiles(r *NIAHResult, title string) Files {
	return Files{
		CSV:    func(w io.Writer) error { return WriteNIAHCSV(w, r) },
		Trials: func(w io.Writer) error { return WriteNIAHTrialsCSV(w, r) },
		Chart:  NIAHHeatmap(r, title),
		Table:  func(w io.Writer) { niahTable(w, r) },
	}
}

// PPLFiles are the files of a loss-by-position run: the curves, their
// chart titled title and a table at positions 1, 2, 4, ….
func PPLFiles(r *PPLResult, title string) Files {
	return Files{
		CSV:   func(w io.Writer) error { return WritePPLCSV(w, r) },
		Chart: PPLChart(r, title),
		Table: func(w io.Writer) { pplTable(w, r) },
	}
}

// Write writes the files under prefix, creating its directory, says where
// on log, then prints the table to table.
func (f Files) Write(prefix string, table, log io.Writer) error {
	if dir := filepath.Dir(prefix); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	files := []struct {
		path  string
		write func(io.Writer) error
	}{{prefix + ".csv", f.CSV}, {prefix + "-trials.csv", f.Trials}}
	var wrote []string
	for _, file := range files {
		if file.write == nil {
			continue
		}
		if err := writeFile(file.path, file.write); err != nil {
			return err
		}
		wrote = append(wrote, file.path)
	}
	if err := SavePNG(prefix+".png", f.Chart); err != nil {
		return err
	}
	fmt.Fprintf(log, "wrote %s and %s\n", strings.Join(wrote, ", "), prefix+".png")
	f.Table(table)
	return nil
}

// writeFile creates path and writes it with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// niahTable writes the accuracy grid: a row per depth, a column per
// length, then the overall accuracy.
func niahTable(w io.Writer, r *NIAHResult) {
	b := bufio.NewWriter(w)
	defer b.Flush()
	fmt.Fprintf(b, "%-7s", "depth")
	for _, l := range r.Lengths {
		fmt.Fprintf(b, " %6s", FormatLength(l))
	}
	fmt.Fprintln(b)
	for di, row := range r.Accuracy() {
		fmt.Fprintf(b, "%-7g", r.Depths[di])
		for _, a := range row {
			fmt.Fprintf(b, " %6.2f", a)
		}
		fmt.Fprintln(b)
	}
	n := 0
	for _, t := range r.Trials {
		if t.Correct {
			n++
		}
	}
	fmt.Fprintf(b, "accuracy %d/%d = %.3f\n", n, len(r.Trials), float64(n)/float64(len(r.Trials)))
}

// pplTable writes the curves at positions 1, 2, 4, … and the last, then
// the mean NLL and perplexity.
func pplTable(w io.Writer, r *PPLResult) {
	b := bufio.NewWriter(w)
	defer b.Flush()
	fmt.Fprintf(b, "%8s %9s %9s\n", "position", "mean_nll", "cum_nll")
	last := len(r.MeanNLL) - 1
	for p := 1; ; p *= 2 {
		p = min(p, last)
		fmt.Fprintf(b, "%8d %9.4f %9.4f\n", p, r.MeanNLL[p], r.CumNLL[p])
		if p == last {
			break
		}
	}
	fmt.Fprintf(b, "windows %d, tokens %d: mean NLL %.4f, perplexity %.3f\n", r.Windows, r.Tokens, r.Mean(), math.Exp(r.Mean()))
}
