package llama4

import (
	"math"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/kvcache"
)

// attention computes s.o = Attention_l(s.x) for T tokens at positions p0… (spec
// §2.2–2.3): projections → RoPE → QK-norm (RoPE layers) or temperature scale
// (NoPE layers) → cache write → masked softmax(q·kᵀ/√d)·v → output projection.
func (m *Model) attention(l int, cache *kvcache.Cache, p0, T int, s *scratch) {
	c := m.Config
	lw := &m.Weights.Layers[l]
	H, Hkv, d := c.Heads, c.KVHeads, c.HeadDim
	qd, kd := H*d, Hkv*d
	x := s.x[:T*c.Hidden]
	q, k, v := s.q[:T*qd], s.k[:T*kd], s.v[:T*kd]
	kernels.MatMul(q, x, T, lw.Q)
	kernels.MatMul(k, x, T, lw.K)
	kernels.MatMul(v, x, T, lw.V)

	rope := c.LayerUsesRoPE[l]
	for t := 0; t < T; t++ {
		pos := p0 + t
		qt, kt := q[t*qd:(t+1)*qd], k[t*kd:(t+1)*kd]
		switch {
		case rope:
			for hh := 0; hh < H; hh++ {
				applyRoPE(qt[hh*d:(hh+1)*d], pos, m.invFreq)
			}
			for hh := 0; hh < Hkv; hh++ {
				applyRoPE(kt[hh*d:(hh+1)*d], pos, m.invFreq)
			}
			if c.UseQKNorm {
				for hh := 0; hh < H; hh++ {
					kernels.RMSNorm(qt[hh*d:(hh+1)*d], qt[hh*d:(hh+1)*d], nil, c.RMSNormEps)
				}
				for hh := 0; hh < Hkv; hh++ {
					kernels.RMSNorm(kt[hh*d:(hh+1)*d], kt[hh*d:(hh+1)*d], nil, c.RMSNormEps)
				}
			}
		case c.TempTuning:
			sc := TempScale(pos, c.FloorScale, c.AttnScale)
			for i := range qt {
				qt[i] *= sc
			}
		}
	}

	// Tokens are attended in order, each right after its own K/V is stored:
	// a chunked layer's ring then always holds exactly the query's chunk.
	group := H / Hkv
	scale := float32(1 / math.Sqrt(float64(d)))
	if cap(s.scores) < p0+T {
		s.scores = make([]float32, p0+T)
	}
	for t := 0; t < T; t++ {
		pos := p0 + t
		cache.Store(l, pos, k[t*kd:(t+1)*kd], v[t*kd:(t+1)*kd])
		lo := 0
		if rope {
			lo = pos / c.ChunkSize * c.ChunkSize
		}
		n := pos - lo + 1
		sc := s.scores[:n]
		for hh := 0; hh < H; hh++ {
			qh := q[t*qd+hh*d : t*qd+(hh+1)*d]
			kvh := hh / group
			for j := 0; j < n; j++ {
				kj := cache.Key(l, lo+j)[kvh*d : (kvh+1)*d]
				sc[j] = kernels.Dot(qh, kj) * scale
			}
			kernels.Softmax(sc)
			out := s.att[t*qd+hh*d : t*qd+(hh+1)*d]
			clear(out)
			for j := 0; j < n; j++ {
				kernels.Axpy(out, sc[j], cache.Value(l, lo+j)[kvh*d:(kvh+1)*d])
			}
		}
	}
	kernels.MatMul(s.o[:T*c.Hidden], s.att[:T*qd], T, lw.O)
}
