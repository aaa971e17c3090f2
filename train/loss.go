package train

import (
	"fmt"
	"math"

	"github.com/herd-llm/herd/kernels"

	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/nn"
)

func (ws *Workspace[F]) checkTargets(targets []int32) error {
	if len(targets) != ws.N {
		return fmt.Errorf("train: %d targets, workspace is for %d×%d", len(targets), ws.B, ws.T)
	}
	V := ws.cfg.VocabSize
	for i, t := range targets {
		if t != dataset.IgnoreIndex && (t < 0 || int(t) >= V) {
			return fmt.Errorf("train: target %d at index %d is neither %d nor in [0, %d)", t, i, dataset.IgnoreIndex, V)
		}
	}
	return nil
}

// Loss returns the summed negative log-likelihood of the valid targets
// (nats, accumulated in float64 in row order) and their number, from the
// logits of the last Forward. It leaves the logits unchanged.
func (ws *Workspace[F]) Loss(targets []int32) (sum float64, valid int, err error) {
	if err := ws.checkTargets(targets); err != nil {
		return 0, 0, err
	}
	V := ws.cfg.VocabSize
	kernels.ParallelFor(ws.N, nn.RowGrain(3*V), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			ws.nll[n] = 0
			if y := targets[n]; y != dataset.IgnoreIndex {
				ws.nll[n], _ = nn.NLLRow(ws.logits[n*V:(n+1)*V], y)
			}
		}
	})
	return ws.sumNLL(targets)
}

func (ws *Workspace[F]) sumNLL(targets []int32) (float64, int, error) {
	var sum float64
	valid := 0
	for n, y := range targets {
		if y != dataset.IgnoreIndex {
			sum += ws.nll[n]
			valid++
		}
	}
	return sum, valid, nil
}

// LossGrad is Loss that also replaces the logits by the gradient of
// scale·ΣNLL: scale·(softmax − onehot(y)) on valid rows, 0 on ignored rows.
// For the mean over the valid targets of a whole (accumulated) batch, as the
// reference's loss, scale is 1/(number of valid targets in that batch).
func (ws *Workspace[F]) LossGrad(targets []int32, scale float64) (sum float64, valid int, err error) {
	if err := ws.checkTargets(targets); err != nil {
		return 0, 0, err
	}
	V := ws.cfg.VocabSize
	kernels.ParallelFor(ws.N, nn.RowGrain(4*V), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			row := ws.logits[n*V : (n+1)*V]
			y := targets[n]
			if y == dataset.IgnoreIndex {
				ws.nll[n] = 0
				clear(row)
				continue
			}
			// One exp per logit: row holds exp(v − max) until it is
			// normalised into the softmax.
			m, z := nn.RowMax(row), float64(row[y])
			var s float64
			for i, v := range row {
				e := math.Exp(float64(v) - m)
				s += e
				row[i] = F(e)
			}
			ws.nll[n] = m + math.Log(s) - z
			k := scale / s
			for i, e := range row {
				row[i] = F(k * float64(e))
			}
			row[y] -= F(scale)
		}
	})
	return ws.sumNLL(targets)
}

// LossAndGrad runs forward, loss and backward for one batch: it zeroes g,
// fills it with the gradient of the mean cross-entropy over the batch's
// valid targets, and returns that mean loss and the number of valid targets.
// ws must have been made for b's shape.
func LossAndGrad[F Float](ws *Workspace[F], p, g *Params[F], b *dataset.Batch) (loss float64, valid int, err error) {
	if b.B != ws.B || b.T != ws.T {
		return 0, 0, fmt.Errorf("train: batch is %d×%d, workspace %d×%d", b.B, b.T, ws.B, ws.T)
	}
	n := dataset.CountValid(b.Targets)
	if n == 0 {
		return 0, 0, fmt.Errorf("train: batch has no valid targets")
	}
	if _, err := ws.Forward(p, b.Inputs); err != nil {
		return 0, 0, err
	}
	sum, valid, err := ws.LossGrad(b.Targets, 1/float64(n))
	if err != nil {
		return 0, 0, err
	}
	g.Zero()
	if err := ws.Backward(p, g); err != nil {
		return 0, 0, err
	}
	return sum / float64(valid), valid, nil
}
