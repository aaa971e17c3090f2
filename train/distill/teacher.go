package distill

import (
	"fmt"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/nn"
)

// Teacher is an online teacher: any model herd loads for inference
// (package model/llama4: a herd-trained or Hugging Face model, a GGUF,
// quantized or not, of any shape) run on each row of the student's
// batches, all T positions of a row in one batched forward pass.
type Teacher struct {
	M *llama4.Model
	K int // tokens kept per position; 0: the whole vocabulary

	cache *kvcache.Cache
	idx   []int32   // [T·K]
	lp    []float32 // [T·K] or [T·V]
}

// NewTeacher returns the online teacher m keeping its top k tokens per
// position (0: all of them).
func NewTeacher(m *llama4.Model, k int) (*Teacher, error) {
	if k < 0 || k > m.Config.VocabSize {
		return nil, fmt.Errorf("distill: teacher top-k %d must be in [0, vocabulary %d]", k, m.Config.VocabSize)
	}
	if k == m.Config.VocabSize {
		k = 0
	}
	return &Teacher{M: m, K: k}, nil
}

// VocabSize is the teacher model's vocabulary size.
func (t *Teacher) VocabSize() int { return t.M.Config.VocabSize }

// Row runs the teacher on the inputs of row `row` of b from an empty
// context and fills out with its distribution at each position.
func (t *Teacher) Row(b *dataset.Batch, row int, out []Soft) error {
	T := b.T
	if t.cache == nil || t.cache.MaxLen() < T {
		if T > t.M.Config.MaxPositions {
			return fmt.Errorf("distill: sequence length %d exceeds the teacher's %d positions", T, t.M.Config.MaxPositions)
		}
		t.cache = t.M.NewCache(T)
	}
	t.cache.Reset()
	logits, err := t.M.ForwardBatch([]llama4.Seq{{Cache: t.cache, IDs: b.Inputs[row*T : (row+1)*T], AllLogits: true}}, nil)
	if err != nil {
		return fmt.Errorf("distill: teacher: %w", err)
	}
	t.idx, t.lp = logProbs(logits[0], T, t.VocabSize(), t.K, t.idx, t.lp, out)
	return nil
}

// logProbs turns the logits [n, V] of n positions into the teacher's
// distribution at each, out[i] (the top k, or all V when k is 0), in the
// buffers idx and lp (grown as needed and returned).
func logProbs(logits []float32, n, V, k int, idx []int32, lp []float32, out []Soft) ([]int32, []float32) {
	w := k
	if k == 0 {
		w, idx = V, nil
	} else if len(idx) < n*k {
		idx = make([]int32, n*k)
	}
	if len(lp) < n*w {
		lp = make([]float32, n*w)
	}
	kernels.ParallelFor(n, nn.RowGrain(4*V), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row, l := logits[i*V:(i+1)*V], lp[i*w:(i+1)*w]
			if k == 0 {
				LogSoftmax(row, l)
				out[i] = Soft{LogP: l}
				continue
			}
			ix := idx[i*k : (i+1)*k]
			LogSoftmaxTopK(row, ix, l)
			out[i] = Soft{Idx: ix, LogP: l}
		}
	})
	return idx, lp
}
