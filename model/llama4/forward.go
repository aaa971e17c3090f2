package llama4

import (
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
	out, err := m.ForwardBatch([]Seq{{Cache: cache, IDs: ids, AllLogits: opt.AllLogits}}, opt.Hidden)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// Seq is one sequence's share of a batched forward pass: new tokens to run
// after what its cache holds.
type Seq struct {
	Cache     *kvcache.Cache
	IDs       []int32
	AllLogits bool // logits for every new token; otherwise only the last
	// Embeds, when set, holds input embeddings [len(IDs), D] that replace the
	// token embeddings of the rows where UseEmbed is true (early fusion: the
	// projected image features at <|patch|> positions, spec §5.7). The ids of
	// those rows are still what the cache records.
	Embeds   []float32
	UseEmbed []bool
}

// ForwardBatch runs several sequences in one pass: every weight matrix is
// read once for all their tokens together (continuous batching), while each
// sequence attends only to its own cache. It returns each sequence's logits
// ([rows, vocab] as in Forward). hidden, if set, sees the concatenated
// hidden states of all tokens (see ForwardOptions.Hidden).
func (m *Model) ForwardBatch(seqs []Seq, hidden func(stage int, h []float32)) ([][]float32, error) {
	h, err := m.Embed(seqs)
	if err != nil || len(seqs) == 0 {
		return nil, err
	}
	if hidden != nil {
		hidden(0, h)
	}
	spans := spansOf(seqs)
	s := newScratch(m.Config, len(h)/m.Config.Hidden)
	for l := range m.Weights.Layers {
		m.layer(l, spans, h, s)
		if hidden != nil {
			hidden(l+1, h)
		}
	}
	for _, sq := range seqs {
		sq.Cache.Commit(sq.IDs)
	}
	return m.Logits(seqs, h, hidden)
}

// span locates one sequence's tokens in the batch: rows [off, off+n) at
// positions p0 … p0+n-1 of cache.
type span struct {
	cache      *kvcache.Cache
	p0, off, n int
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
	pos    []int     // [T] absolute position of each row
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
		pos:    make([]int, T),
	}
}

// layer applies decoder layer l to h [T, D] in place (spec §2 step 2).
func (m *Model) layer(l int, spans []span, h []float32, s *scratch) {
	c := m.Config
	lw := &m.Weights.Layers[l]
	D := c.Hidden
	T := len(h) / D
	m.norm(s.x, h, lw.AttnNorm, T)
	m.attention(l, spans, T, s)
	kernels.Add(h, s.o[:T*D])
	m.norm(s.x, h, lw.FFNNorm, T)
	if lw.Dense != nil {
		m.mlp(lw.Dense, s.x[:T*D], T, s.ffOut, s)
	} else {
		m.moe(lw.MoE, s.x[:T*D], T, s.ffOut, s)
	}
	kernels.Add(h, s.ffOut[:T*D])
}

// splitRows reports whether per-row work on a batch of T rows (norms,
// RoPE, SwiGLU) is split among the worker threads, one block of rows per
// thread (kernels.ParallelFor): with fewer than 16 rows (decode, short
// prompts) it stays on the calling goroutine, which then allocates nothing.
// Every row is computed on its own, so results do not depend on the split.
func splitRows(T int) bool { return T >= 16 && kernels.Threads() > 1 }

// norm sets the T rows of x to RMSNorm(h)·w.
func (m *Model) norm(x, h, w []float32, T int) {
	D, eps := m.Config.Hidden, m.Config.RMSNormEps
	if !splitRows(T) {
		normRows(x, h, w, D, eps, 0, T)
		return
	}
	kernels.ParallelFor(T, 0, func(t0, t1 int) { normRows(x, h, w, D, eps, t0, t1) })
}

// normRows is norm for rows t0…t1−1 of width D.
func normRows(x, h, w []float32, D int, eps float32, t0, t1 int) {
	for t := t0; t < t1; t++ {
		kernels.RMSNorm(x[t*D:(t+1)*D], h[t*D:(t+1)*D], w, eps)
	}
}
