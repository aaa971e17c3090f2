package main

import (
	"fmt"
	"image/png"
	"io"
	"math"
	"sort"

	"github.com/herd-llm/herd/internal/plot"
)

// writeCoordPlot draws a coordinate check as a PNG: for the final hidden
// state and for the logits (rows), the mean |change since step 0| against
// the width at each recorded step, standard parametrisation (left) and
// MetaP (right), on log–log axes with each row's y range shared.
func writeCoordPlot(w io.Writer, pts []CoordPoint) error {
	steps := map[int]bool{}
	for _, p := range pts {
		if p.Step > 0 {
			steps[p.Step] = true
		}
	}
	var st []int
	for s := range steps {
		st = append(st, s)
	}
	sort.Ints(st)
	var panels []plot.Panel
	for _, q := range []struct {
		name string
		get  func(CoordPoint) float64
	}{
		{"final hidden state", func(p CoordPoint) float64 { return p.DHidden }},
		{"logits", func(p CoordPoint) float64 { return p.DLogit }},
	} {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, p := range pts {
			if v := q.get(p); p.Step > 0 && v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		for _, metap := range []bool{false, true} {
			title := "standard (sp): " + q.name
			if metap {
				title = "metap: " + q.name
			}
			pn := plot.Panel{Title: title, XLabel: "width (hidden size)", YLabel: "mean |change since init|",
				LogX: true, LogY: true, Y0: lo, Y1: hi}
			for _, p := range pts {
				if p.MetaP == metap && p.Step == st[0] {
					pn.XTicks = append(pn.XTicks, float64(p.Width))
				}
			}
			for i, s := range st {
				fs := plot.Series{Label: fmt.Sprintf("step %d", s), Col: plot.Palette[i%len(plot.Palette)], Mark: -1}
				for _, p := range pts {
					if p.MetaP == metap && p.Step == s {
						fs.Xs, fs.Ys = append(fs.Xs, float64(p.Width)), append(fs.Ys, q.get(p))
					}
				}
				pn.Series = append(pn.Series, fs)
			}
			panels = append(panels, pn)
		}
	}
	return png.Encode(w, plot.DrawFigure(panels, 2))
}

// writeSweepPlot draws a learning-rate sweep as a PNG: the validation loss
// against the peak learning rate for each width, standard parametrisation
// (left) and MetaP (right), each width's best learning rate as a large
// disc; diverged runs are left out and losses above the shared y range are
// drawn at its top.
func writeSweepPlot(w io.Writer, pts []SweepPoint) error {
	widths := map[int]bool{}
	lo := math.Inf(1)
	for _, p := range pts {
		widths[p.Width] = true
		if !p.Diverged {
			lo = math.Min(lo, p.ValLoss)
		}
	}
	var ws []int
	for x := range widths {
		ws = append(ws, x)
	}
	sort.Ints(ws)
	hi := math.Inf(-1)
	for _, p := range pts {
		if !p.Diverged {
			hi = math.Max(hi, p.ValLoss)
		}
	}
	hi = math.Min(hi, lo+1.5)
	var panels []plot.Panel
	for _, metap := range []bool{false, true} {
		title := "standard (sp)"
		if metap {
			title = "metap"
		}
		pn := plot.Panel{Title: title, XLabel: "peak learning rate (base lr under metap)", YLabel: "validation loss (nats/token)",
			LogX: true, Y0: lo, Y1: hi}
		for _, p := range pts {
			if p.MetaP == metap && p.Width == ws[0] {
				pn.XTicks = append(pn.XTicks, p.LR)
			}
		}
		best := bestLR(pts, metap)
		for i, wd := range ws {
			fs := plot.Series{Label: fmt.Sprintf("width %d", wd), Col: plot.Palette[i%len(plot.Palette)], Mark: -1}
			for _, p := range pts {
				if p.MetaP != metap || p.Width != wd {
					continue
				}
				v := p.ValLoss
				if p.Diverged {
					v = math.NaN()
				}
				if b, ok := best[wd]; ok && b.LR == p.LR {
					fs.Mark = len(fs.Xs)
				}
				fs.Xs, fs.Ys = append(fs.Xs, p.LR), append(fs.Ys, v)
			}
			pn.Series = append(pn.Series, fs)
		}
		panels = append(panels, pn)
	}
	return png.Encode(w, plot.DrawFigure(panels, 2))
}
