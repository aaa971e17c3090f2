package llama4

import (
	"fmt"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/kvcache"
)

// ForwardOptions choose what Forward returns.
type ForwardOptions struct {
	// AllLogits returns logits for every input position; otherwise only the last.
	AllLogits bool
	// Hidden, if set, is called with the hidden states [T, D] after the
	// embedding (stage 0), after each decoder layer (stage l+1) and after the
	// final norm (stage Layers+1). The slice is only valid during the call.
	Hidden func(stage int, h []float32)
}

// Forward runs the tokens ids at positions cache.Len() … cache.Len()+len(ids)-1,
// stores their keys and values in cache and commits them. It returns the logits
// as float32 [rows, vocab], rows = len(ids) with AllLogits, else 1 (the last).
func (m *Model) Forward(cache *kvcache.Cache, ids []int32, opt ForwardOptions) ([]float32, error) {
	c := m.Config
	T := len(ids)
	if T == 0 {
		return nil, fmt.Errorf("llama4: forward of zero tokens")
	}
	p0 := cache.Len()
	if p0+T > cache.MaxLen() {
		return nil, fmt.Errorf("llama4: %d tokens at position %d exceed the context of %d tokens", T, p0, cache.MaxLen())
	}
	for i, id := range ids {
		if id < 0 || int(id) >= c.VocabSize {
			return nil, fmt.Errorf("llama4: token %d (at index %d) is outside the vocabulary [0, %d)", id, i, c.VocabSize)
		}
	}
	D := c.Hidden
	h := make([]float32, T*D)
	for t, id := range ids {
		m.Weights.Embed.RowF32(int(id), h[t*D:(t+1)*D])
	}
	if opt.Hidden != nil {
		opt.Hidden(0, h)
	}
	s := newScratch(c, T)
	for l := range m.Weights.Layers {
		m.layer(l, cache, p0, h, s)
		if opt.Hidden != nil {
			opt.Hidden(l+1, h)
		}
	}
	cache.Commit(ids)

	rows := 1
	first := T - 1
	if opt.AllLogits {
		rows, first = T, 0
	}
	x := s.x[:rows*D]
	for r := 0; r < rows; r++ {
		kernels.RMSNorm(x[r*D:(r+1)*D], h[(first+r)*D:(first+r+1)*D], m.Weights.Norm, c.RMSNormEps)
	}
	if opt.Hidden != nil {
		if !opt.AllLogits {
			all := make([]float32, T*D)
			for t := 0; t < T; t++ {
				kernels.RMSNorm(all[t*D:(t+1)*D], h[t*D:(t+1)*D], m.Weights.Norm, c.RMSNormEps)
			}
			opt.Hidden(c.Layers+1, all)
		} else {
			opt.Hidden(c.Layers+1, x)
		}
	}
	logits := make([]float32, rows*c.VocabSize)
	kernels.MatMul(logits, x, rows, m.Weights.LMHead)
	return logits, nil
}

// scratch holds per-call activation buffers, sized for T tokens.
type scratch struct {
	x      []float32 // [T, D] normed input
	q      []float32 // [T, H·d]
	k, v   []float32 // [T, Hkv·d]
	att    []float32 // [T, H·d] attention output
	o      []float32 // [T, D]
	ffA    []float32 // [T, F] gate
	ffB    []float32 // [T, F] up
	ffOut  []float32 // [T, D]
	router []float32 // [T, E]
}

func newScratch(c *Config, T int) *scratch {
	F := max(c.Intermediate, c.IntermediateMLP)
	return &scratch{
		x:      make([]float32, T*c.Hidden),
		q:      make([]float32, T*c.Heads*c.HeadDim),
		k:      make([]float32, T*c.KVHeads*c.HeadDim),
		v:      make([]float32, T*c.KVHeads*c.HeadDim),
		att:    make([]float32, T*c.Heads*c.HeadDim),
		o:      make([]float32, T*c.Hidden),
		ffA:    make([]float32, T*F),
		ffB:    make([]float32, T*F),
		ffOut:  make([]float32, T*c.Hidden),
		router: make([]float32, T*max(c.Experts, 1)),
	}
}

// layer applies decoder layer l to h [T, D] in place (spec §2 step 2).
func (m *Model) layer(l int, cache *kvcache.Cache, p0 int, h []float32, s *scratch) {
	c := m.Config
	lw := &m.Weights.Layers[l]
	D := c.Hidden
	T := len(h) / D
	for t := 0; t < T; t++ {
		kernels.RMSNorm(s.x[t*D:(t+1)*D], h[t*D:(t+1)*D], lw.AttnNorm, c.RMSNormEps)
	}
	m.attention(l, cache, p0, T, s)
	kernels.Add(h, s.o[:T*D])
	for t := 0; t < T; t++ {
		kernels.RMSNorm(s.x[t*D:(t+1)*D], h[t*D:(t+1)*D], lw.FFNNorm, c.RMSNormEps)
	}
	if lw.Dense != nil {
		m.mlp(lw.Dense, s.x[:T*D], T, s.ffOut, s)
	} else {
		m.moe(lw.MoE, s.x[:T*D], T, s.ffOut, s)
	}
	kernels.Add(h, s.ffOut[:T*D])
}
