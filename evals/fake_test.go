package evals

import (
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// copyModel is a fake engine.Model with a perfect induction head: it
// predicts the token that followed the longest earlier match of the
// sequence's end (the latest one on ties), or token 0 without a match.
// With constant set it always predicts that token instead.
type copyModel struct {
	vocab    int
	constant int32
}

func (m copyModel) VocabSize() int { return m.vocab }

func (m copyModel) NewCacheOf(maxLen int, dt tensor.DType) (*kvcache.Cache, error) {
	return kvcache.New(kvcache.Options{KVHeads: 1, HeadDim: 2, Chunked: []bool{false}, Chunk: 16, MaxLen: maxLen, DType: dt})
}

func (m copyModel) ForwardBatch(seqs []llama4.Seq, _ func(int, []float32)) ([][]float32, error) {
	out := make([][]float32, len(seqs))
	for i, sq := range seqs {
		sq.Cache.Commit(sq.IDs)
		hist := sq.Cache.Tokens()
		rows := 1
		if sq.AllLogits {
			rows = len(sq.IDs)
		}
		logits := make([]float32, rows*m.vocab)
		for r := 0; r < rows; r++ {
			next := m.constant
			if next < 0 {
				next = induct(hist[:len(hist)-rows+r+1])
			}
			logits[r*m.vocab+int(next)] = 1
		}
		out[i] = logits
	}
	return out, nil
}

// induct is the token after the longest earlier match of h's end.
func induct(h []int32) int32 {
	n := len(h)
	best, at := 0, -1
	for j := n - 2; j >= 0; j-- {
		k := 0
		for k <= j && h[j-k] == h[n-1-k] {
			k++
		}
		if k > best {
			best, at = k, j
		}
	}
	if at < 0 {
		return 0
	}
	return h[at+1]
}
