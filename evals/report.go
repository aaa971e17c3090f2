package evals

import (
	"encoding/csv"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/herd-llm/herd/internal/plot"
)

// WriteNIAHCSV writes one row per (length, depth) cell: length, depth,
// trials, correct, accuracy.
func WriteNIAHCSV(w io.Writer, r *NIAHResult) error {
	acc := r.Accuracy()
	cw := csv.NewWriter(w)
	cw.Write([]string{"length", "depth", "trials", "correct", "accuracy"})
	for li, l := range r.Lengths {
		for di, d := range r.Depths {
			n, c := 0, 0
			for _, t := range r.Trials {
				if t.Length == l && t.Depth == d {
					n++
					if t.Correct {
						c++
					}
				}
			}
			cw.Write([]string{strconv.Itoa(l), fmtFloat(d), strconv.Itoa(n), strconv.Itoa(c), fmtFloat(acc[di][li])})
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteNIAHTrialsCSV writes one row per trial: length, depth, trial,
// prompt tokens, the needle's position, the expected and scored answers,
// whether they match, and the model's output.
func WriteNIAHTrialsCSV(w io.Writer, r *NIAHResult) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"length", "depth", "trial", "tokens", "needle_at", "expected", "got", "correct", "output"})
	for _, t := range r.Trials {
		cw.Write([]string{strconv.Itoa(t.Length), fmtFloat(t.Depth), strconv.Itoa(t.Trial), strconv.Itoa(t.Tokens),
			strconv.Itoa(t.NeedleAt), t.Expected, t.Got, strconv.FormatBool(t.Correct), t.Output})
	}
	cw.Flush()
	return cw.Error()
}

// NIAHHeatmap draws the accuracy of each cell: depths down, lengths across.
func NIAHHeatmap(r *NIAHResult, title string) *image.RGBA {
	cols := make([]string, len(r.Lengths))
	for i, l := range r.Lengths {
		cols[i] = FormatLength(l)
	}
	rows := make([]string, len(r.Depths))
	for i, d := range r.Depths {
		rows[i] = fmtFloat(d)
	}
	return plot.DrawHeatmap(plot.Heatmap{Title: title, XLabel: "length (tokens)", YLabel: "depth",
		Cols: cols, Rows: rows, Values: r.Accuracy(), Lo: 0, Hi: 1})
}

// WritePPLCSV writes one row per predicted position: position, mean NLL,
// cumulative mean NLL.
func WritePPLCSV(w io.Writer, r *PPLResult) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"position", "mean_nll", "cumulative_mean_nll"})
	for p := 1; p < len(r.MeanNLL); p++ {
		cw.Write([]string{strconv.Itoa(p), fmtFloat(r.MeanNLL[p]), fmtFloat(r.CumNLL[p])})
	}
	cw.Flush()
	return cw.Error()
}

// PPLChart draws the mean and cumulative mean NLL against the position,
// on a logarithmic position axis.
func PPLChart(r *PPLResult, title string) *image.RGBA {
	n := len(r.MeanNLL) - 1
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(i + 1)
	}
	return plot.DrawFigure([]plot.Panel{{
		Title: title, XLabel: "position (tokens)", YLabel: "nll (nats)", LogX: true,
		Series: []plot.Series{
			{Label: "mean nll at position", Col: plot.Palette[6], Xs: xs, Ys: r.MeanNLL[1:], Mark: -1},
			{Label: "cumulative mean", Col: plot.Palette[0], Xs: xs, Ys: r.CumNLL[1:], Mark: -1},
		},
	}}, 1)
}

// SavePNG writes img to path as a PNG file.
func SavePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// fmtFloat writes v in the shortest form that reads back exactly; NaN as "".
func fmtFloat(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
