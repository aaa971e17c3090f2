package main

import (
	"fmt"
	"io"
	"math"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
)

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

// lrSweep trains a train.ProxyConfig(width, layers) model for every width and
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
