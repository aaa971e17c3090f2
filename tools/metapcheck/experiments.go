package main

import (
	"fmt"
	"io"
	"math"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
	metaprules "github.com/herd-llm/herd/train/metap"
)

// CoordPoint is one measurement of a coordinate check: after Step
// optimizer steps of a model of Width under MetaP or the standard
// parametrisation, the mean absolute value of the final residual stream
// (the input of the final norm) and of the logits on a fixed validation
// batch, and the mean absolute change of each since step 0.
type CoordPoint struct {
	Width, Step     int
	MetaP           bool
	Hidden, Logits  float64 // mean |h|, mean |logit|
	DHidden, DLogit float64 // mean |h − h₀|, mean |logit − logit₀|
}

// coordCheck trains a metap.ProxyConfig(width, layers) model for each width,
// with and without MetaP (base shape from opt), for steps optimizer steps
// of opt (its LR schedule, batch and seed; opt.MetaP is overridden), and
// measures after every step (CoordPoint). Under a parametrisation that
// transfers, the measurements stay flat across widths; under the standard
// one, with Adam, the updates' effect grows about ∝ width. Progress lines
// go to log (nil: none).
func coordCheck(data *dataset.Dataset, widths []int, layers int, opt train.Options, steps int, log io.Writer) ([]CoordPoint, error) {
	if log == nil {
		log = io.Discard
	}
	probe := data.ValBatches(opt.Batch, opt.SeqLen, 1)
	if len(probe) == 0 {
		return nil, fmt.Errorf("metapcheck: no validation data for the coordinate check")
	}
	var out []CoordPoint
	err := eachProxy(widths, layers, func(metap bool, w int, cfg *llama4.Config) error {
		o := opt
		o.MetaP = metap
		tr, err := train.NewTrainer(cfg, o, data)
		if err != nil {
			return err
		}
		ws, err := train.NewWorkspace[float32](cfg, opt.Batch, opt.SeqLen)
		if err != nil {
			return err
		}
		var h0, l0 []float32
		for step := 0; step <= steps; step++ {
			if step > 0 {
				if _, err := tr.TrainStep(); err != nil {
					return err
				}
			}
			lg, err := ws.Forward(tr.Params, probe[0].Inputs)
			if err != nil {
				return err
			}
			h := ws.Hidden(cfg.Layers)
			if step == 0 {
				h0, l0 = append([]float32(nil), h...), append([]float32(nil), lg...)
			}
			pt := CoordPoint{Width: w, Step: step, MetaP: metap,
				Hidden: meanAbs(h, nil), Logits: meanAbs(lg, nil), DHidden: meanAbs(h, h0), DLogit: meanAbs(lg, l0)}
			out = append(out, pt)
			fmt.Fprintf(log, "coord %-5s width %4d step %2d: |h| %.4f |logits| %.4f |Δh| %.4f |Δlogits| %.4f\n",
				paramName(metap), w, step, pt.Hidden, pt.Logits, pt.DHidden, pt.DLogit)
		}
		return nil
	})
	return out, err
}

// meanAbs returns mean |x − y| (y nil: mean |x|).
func meanAbs(x, y []float32) float64 {
	var s float64
	for i, v := range x {
		d := float64(v)
		if y != nil {
			d -= float64(y[i])
		}
		s += math.Abs(d)
	}
	return s / float64(len(x))
}

func paramName(metap bool) string {
	if metap {
		return "metap"
	}
	return "sp"
}

// SweepPoint is one run of a learning-rate sweep: the final validation
// loss (nats per token) and the mean training loss of the last 10 steps of
// a model of Width trained at peak learning rate LR, or Diverged when the
// training loss became NaN or infinite.
type SweepPoint struct {
	Width     int
	MetaP     bool
	LR        float64
	TrainLoss float64
	ValLoss   float64
	Diverged  bool
}

// lrSweep trains a metap.ProxyConfig(width, layers) model for every width and
// peak learning rate, with and without MetaP, for opt.Steps steps of opt
// (opt.LR, opt.MinLR = opt.LR·minFrac and opt.MetaP overridden) and
// evaluates each on at most opt.EvalBatches validation batches.
func lrSweep(data *dataset.Dataset, widths []int, layers int, lrs []float64, minFrac float64, opt train.Options, log io.Writer) ([]SweepPoint, error) {
	if log == nil {
		log = io.Discard
	}
	var out []SweepPoint
	err := eachProxy(widths, layers, func(metap bool, w int, cfg *llama4.Config) error {
		for _, lr := range lrs {
			o := opt
			o.MetaP, o.LR, o.MinLR = metap, lr, lr*minFrac
			tr, err := train.NewTrainer(cfg, o, data)
			if err != nil {
				return err
			}
			pt := SweepPoint{Width: w, MetaP: metap, LR: lr}
			var last []float64
			for tr.Step() < o.Steps {
				st, err := tr.TrainStep()
				if err != nil {
					return err
				}
				if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) {
					pt.Diverged = true
					break
				}
				last = append(last, st.Loss)
			}
			if !pt.Diverged {
				last = last[max(0, len(last)-10):]
				for _, v := range last {
					pt.TrainLoss += v / float64(len(last))
				}
				if pt.ValLoss, _, err = tr.Evaluate(); err != nil {
					return err
				}
				if math.IsNaN(pt.ValLoss) || math.IsInf(pt.ValLoss, 0) {
					pt.Diverged = true
				}
			}
			out = append(out, pt)
			fmt.Fprintf(log, "sweep %-5s width %4d lr %.3g: train %.4f val %.4f diverged %v\n",
				paramName(metap), w, lr, pt.TrainLoss, pt.ValLoss, pt.Diverged)
		}
		return nil
	})
	return out, err
}

// bestLR returns, for each width of a sweep under one parametrisation, the
// learning rate of the lowest validation loss.
func bestLR(points []SweepPoint, metap bool) map[int]SweepPoint {
	best := map[int]SweepPoint{}
	for _, p := range points {
		if p.MetaP != metap || p.Diverged {
			continue
		}
		if b, ok := best[p.Width]; !ok || p.ValLoss < b.ValLoss {
			best[p.Width] = p
		}
	}
	return best
}

// eachProxy calls fn with metap.ProxyConfig(w, layers) for every width w,
// under the standard parametrisation and then under MetaP.
func eachProxy(widths []int, layers int, fn func(metap bool, w int, cfg *llama4.Config) error) error {
	for _, metap := range []bool{false, true} {
		for _, w := range widths {
			cfg, err := metaprules.ProxyConfig(w, layers)
			if err != nil {
				return err
			}
			if err := fn(metap, w, cfg); err != nil {
				return err
			}
		}
	}
	return nil
}
