package llama4

import (
	"fmt"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/quant"
)

// A forward pass in three parts, so that its decoder layers can run in
// several processes (pipeline parallelism, package cluster): Embed, then
// ForwardLayers over consecutive layer ranges, then Logits. Run in one
// process over all layers (and followed by each cache's Commit), they compute
// exactly what ForwardBatch computes, bit for bit: the same kernels on the
// same batch in the same order.

// checkSeqs validates a batch (ForwardBatch's rules) and returns its total
// token count.
func (m *Model) checkSeqs(seqs []Seq) (int, error) {
	c := m.Config
	T := 0
	for si, sq := range seqs {
		n := len(sq.IDs)
		if n == 0 {
			return 0, fmt.Errorf("llama4: forward of zero tokens (sequence %d)", si)
		}
		p0 := sq.Cache.Len()
		if p0+n > sq.Cache.MaxLen() {
			return 0, fmt.Errorf("llama4: %d tokens at position %d exceed the context of %d tokens", n, p0, sq.Cache.MaxLen())
		}
		for i, id := range sq.IDs {
			if id < 0 || int(id) >= c.VocabSize {
				return 0, fmt.Errorf("llama4: token %d (at index %d) is outside the vocabulary [0, %d)", id, i, c.VocabSize)
			}
		}
		for sj := 0; sj < si; sj++ {
			if seqs[sj].Cache == sq.Cache {
				return 0, fmt.Errorf("llama4: sequences %d and %d share a cache", sj, si)
			}
		}
		T += n
	}
	return T, nil
}

// spansOf lays the sequences' tokens out one after another, each at the
// positions after what its cache holds.
func spansOf(seqs []Seq) []span {
	spans := make([]span, len(seqs))
	off := 0
	for si, sq := range seqs {
		spans[si] = span{cache: sq.Cache, p0: sq.Cache.Len(), off: off, n: len(sq.IDs)}
		off += len(sq.IDs)
	}
	return spans
}

// Embed validates a batch as ForwardBatch does and returns its input hidden
// states [T, D] (T = all new tokens, sequence after sequence): the token
// embeddings, or Seq.Embeds where UseEmbed is set. It returns nil for an
// empty batch.
func (m *Model) Embed(seqs []Seq) ([]float32, error) {
	T, err := m.checkSeqs(seqs)
	if err != nil || T == 0 {
		return nil, err
	}
	if m.Weights.Embed == nil {
		return nil, fmt.Errorf("llama4: this model holds no token embeddings (a pipeline stage without the first layers' inputs)")
	}
	D := m.Config.Hidden
	h := make([]float32, T*D)
	off := 0
	for si, sq := range seqs {
		if sq.UseEmbed != nil && (len(sq.UseEmbed) != len(sq.IDs) || len(sq.Embeds) != len(sq.IDs)*D) {
			return nil, fmt.Errorf("llama4: sequence %d: %d embedding flags and %d embedding values for %d tokens of width %d", si, len(sq.UseEmbed), len(sq.Embeds), len(sq.IDs), D)
		}
		for t, id := range sq.IDs {
			dst := h[(off+t)*D : (off+t+1)*D]
			if sq.UseEmbed != nil && sq.UseEmbed[t] {
				copy(dst, sq.Embeds[t*D:(t+1)*D])
				continue
			}
			quant.DecodeRow(m.Weights.Embed, int(id), dst)
		}
		off += len(sq.IDs)
	}
	return h, nil
}

// ForwardLayers applies decoder layers [lo, hi) to h [T, D] in place, for the
// tokens of seqs at the positions after what each cache holds, storing their
// keys and values in the caches (of those layers only). It does not commit:
// once the last layer a process runs is done, call each cache's Commit.
func (m *Model) ForwardLayers(seqs []Seq, h []float32, lo, hi int) error {
	T, err := m.checkSeqs(seqs)
	if err != nil {
		return err
	}
	c := m.Config
	if lo < 0 || hi > len(m.Weights.Layers) || lo > hi {
		return fmt.Errorf("llama4: layer range [%d, %d) outside the model's %d layers", lo, hi, len(m.Weights.Layers))
	}
	if len(h) != T*c.Hidden {
		return fmt.Errorf("llama4: %d hidden values for %d tokens of width %d", len(h), T, c.Hidden)
	}
	for l := lo; l < hi; l++ {
		if m.Weights.Layers[l].Q == nil {
			return fmt.Errorf("llama4: layer %d is not loaded in this process", l)
		}
	}
	if T == 0 || lo == hi {
		return nil
	}
	spans := spansOf(seqs)
	s := newScratch(c, T)
	for l := lo; l < hi; l++ {
		m.layer(l, spans, h, s)
	}
	return nil
}

// Logits applies the final norm and the LM head to the hidden states h
// [T, D] after the last layer, for the rows each sequence wants (all its new
// tokens with AllLogits, else its last), and returns each sequence's logits
// as ForwardBatch does. hidden, if set, sees the normed states of all rows
// (ForwardOptions.Hidden's last stage).
func (m *Model) Logits(seqs []Seq, h []float32, hidden func(stage int, h []float32)) ([][]float32, error) {
	c := m.Config
	D := c.Hidden
	T := 0
	for _, sq := range seqs {
		T += len(sq.IDs)
	}
	if len(h) != T*D {
		return nil, fmt.Errorf("llama4: %d hidden values for %d tokens of width %d", len(h), T, D)
	}
	if m.Weights.LMHead == nil {
		return nil, fmt.Errorf("llama4: this model holds no LM head (a pipeline stage without the last layers' outputs)")
	}
	var rowsOf []int
	off := 0
	for _, sq := range seqs {
		n := len(sq.IDs)
		if sq.AllLogits {
			for t := 0; t < n; t++ {
				rowsOf = append(rowsOf, off+t)
			}
		} else {
			rowsOf = append(rowsOf, off+n-1)
		}
		off += n
	}
	if hidden != nil {
		all := make([]float32, T*D)
		for t := 0; t < T; t++ {
			kernels.RMSNorm(all[t*D:(t+1)*D], h[t*D:(t+1)*D], m.Weights.Norm, c.RMSNormEps)
		}
		hidden(c.Layers+1, all)
	}
	x := make([]float32, len(rowsOf)*D)
	for r, t := range rowsOf {
		kernels.RMSNorm(x[r*D:(r+1)*D], h[t*D:(t+1)*D], m.Weights.Norm, c.RMSNormEps)
	}
	V := c.VocabSize
	logits := make([]float32, len(rowsOf)*V)
	kernels.MatMul(logits, x, len(rowsOf), m.Weights.LMHead)
	out := make([][]float32, len(seqs))
	r := 0
	for si, sq := range seqs {
		n := 1
		if sq.AllLogits {
			n = len(sq.IDs)
		}
		out[si] = logits[r*V : (r+n)*V : (r+n)*V]
		r += n
	}
	return out, nil
}
