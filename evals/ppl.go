package evals

import (
	"fmt"
	"math"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/train/nn"
)

// PPLOptions configure PerPositionNLL.
type PPLOptions struct {
	Ctx     int // window length in tokens, the BOS included; ≥ 2
	Windows int // most windows to run; 0: as many as the data fills
	Batch   int // tokens per forward pass, ≥ 1
	KVType  tensor.DType
}

// PPLResult is the loss by position, averaged over windows.
type PPLResult struct {
	Windows int       // windows run
	Tokens  int       // data tokens they hold
	MeanNLL []float64 // [p]: the mean negative log-likelihood (nats) of the token at position p given the tokens before it; [0] is NaN
	CumNLL  []float64 // [p]: the mean of MeanNLL[1..p] (the cumulative-NLL curve); [0] is NaN
}

// Mean is the mean NLL over every predicted position.
func (r *PPLResult) Mean() float64 { return r.CumNLL[len(r.CumNLL)-1] }

// WindowsIn is the number of windows of ctx tokens that n data tokens fill
// (each window is the target's BOS, if any, and ctx-1 data tokens).
func WindowsIn(t Target, n, ctx int) int {
	per := ctx - len(t.bos())
	if per <= 0 {
		return 0
	}
	return n / per
}

// PerPositionNLL splits ids (a tokenized text, without BOS) into
// consecutive windows of o.Ctx tokens, each starting with the target's
// BOS, runs each window through the model from an empty cache, and
// averages the loss of every position over the windows. Too few tokens
// for one window, a context beyond the model's positions, and ids outside
// the vocabulary are errors.
func PerPositionNLL(t Target, ids []int32, o PPLOptions) (*PPLResult, error) {
	bos := t.bos()
	switch {
	case len(ids) == 0:
		return nil, fmt.Errorf("no data tokens")
	case o.Ctx < 2:
		return nil, fmt.Errorf("context %d must be at least 2 tokens", o.Ctx)
	case o.Ctx > t.MaxPositions:
		return nil, fmt.Errorf("context %d exceeds the model's %d positions (max_position_embeddings)", o.Ctx, t.MaxPositions)
	case o.Batch < 1:
		return nil, fmt.Errorf("batch %d must be at least 1", o.Batch)
	case o.Windows < 0:
		return nil, fmt.Errorf("windows %d must be ≥ 0", o.Windows)
	}
	per := o.Ctx - len(bos)
	n := WindowsIn(t, len(ids), o.Ctx)
	if n == 0 {
		return nil, fmt.Errorf("%d data tokens are fewer than the %d one window of %d needs; give more data or a smaller context", len(ids), per, o.Ctx)
	}
	if o.Windows > 0 {
		n = min(n, o.Windows)
	}
	V := t.Model.VocabSize()
	for i, id := range ids[:n*per] {
		if id < 0 || int(id) >= V {
			return nil, fmt.Errorf("data token %d (at index %d) is outside the vocabulary [0, %d)", id, i, V)
		}
	}
	cache, err := t.Model.NewCacheOf(o.Ctx, o.KVType)
	if err != nil {
		return nil, err
	}
	sum := make([]float64, o.Ctx)
	win := make([]int32, 0, o.Ctx)
	for w := 0; w < n; w++ {
		win = append(append(win[:0], bos...), ids[w*per:(w+1)*per]...)
		cache.Reset()
		for p0 := 0; p0 < len(win); p0 += o.Batch {
			p1 := min(p0+o.Batch, len(win))
			out, err := t.Model.ForwardBatch([]llama4.Seq{{Cache: cache, IDs: win[p0:p1], AllLogits: true}}, nil)
			if err != nil {
				return nil, fmt.Errorf("window %d: %w", w, err)
			}
			for q := p0; q < p1 && q+1 < len(win); q++ {
				l, _ := nn.NLLRow(out[0][(q-p0)*V:(q-p0+1)*V], win[q+1])
				sum[q+1] += l
			}
		}
	}
	r := &PPLResult{Windows: n, Tokens: n * per, MeanNLL: make([]float64, o.Ctx), CumNLL: make([]float64, o.Ctx)}
	r.MeanNLL[0], r.CumNLL[0] = math.NaN(), math.NaN()
	acc := 0.0
	for p := 1; p < o.Ctx; p++ {
		r.MeanNLL[p] = sum[p] / float64(n)
		acc += r.MeanNLL[p]
		r.CumNLL[p] = acc / float64(p)
	}
	return r, nil
}
