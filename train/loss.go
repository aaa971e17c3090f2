package train

import (
	"fmt"
	"math"

	"github.com/herd-llm/herd/kernels"

	"github.com/herd-llm/herd/train/nn"
)

// IgnoreIndex marks a target that contributes neither to the loss nor to
// its normaliser, as PyTorch's cross-entropy ignore_index.
const IgnoreIndex = -100

// CountValid returns the number of targets that are not IgnoreIndex.
func CountValid(targets []int32) int {
	n := 0
	for _, t := range targets {
		if t != IgnoreIndex {
			n++
		}
	}
	return n
}

func (ws *Workspace[F]) checkTargets(targets []int32) error {
	if len(targets) != ws.N {
		return fmt.Errorf("train: %d targets, workspace is for %d×%d", len(targets), ws.B, ws.T)
	}
	V := ws.cfg.VocabSize
	for i, t := range targets {
		if t != IgnoreIndex && (t < 0 || int(t) >= V) {
			return fmt.Errorf("train: target %d at index %d is neither %d nor in [0, %d)", t, i, IgnoreIndex, V)
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
			if y := targets[n]; y != IgnoreIndex {
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
		if y != IgnoreIndex {
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
			if y == IgnoreIndex {
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
