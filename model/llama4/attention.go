package llama4

import (
	"math"

	"github.com/herd-llm/herd/kernels"
)

// attention computes s.o = Attention_l(s.x) for the T tokens of spans (spec
// §2.2–2.3): projections → RoPE → QK-norm (RoPE layers) or temperature scale
// (NoPE layers) → cache write → masked softmax(q·kᵀ/√d)·v → output projection.
func (m *Model) attention(l int, spans []span, T int, s *scratch) {
	c := m.Config
	lw := &m.Weights.Layers[l]
	H, Hkv, d := c.Heads, c.KVHeads, c.HeadDim
	qd, kd := H*d, Hkv*d
	x := s.x[:T*c.Hidden]
	q, k, v := s.q[:T*qd], s.k[:T*kd], s.v[:T*kd]
	kernels.MatMul(q, x, T, lw.Q)
	kernels.MatMul(k, x, T, lw.K)
	kernels.MatMul(v, x, T, lw.V)

	pos := s.pos[:T] // absolute position of each row
	for _, sp := range spans {
		for t := 0; t < sp.n; t++ {
			pos[sp.off+t] = sp.p0 + t
		}
	}
	if splitRows(T) {
		kernels.ParallelFor(T, 0, func(t0, t1 int) { m.positionRows(l, q, k, pos, t0, t1) })
	} else {
		m.positionRows(l, q, k, pos, 0, T)
	}

	// Store every position's K/V, then attend. A chunked layer's ring holds
	// one chunk, so each sequence's tokens are taken in segments that never
	// cross a chunk boundary: within a segment, no store evicts a key a query
	// can see.
	scale := float32(1 / math.Sqrt(float64(d)))
	for _, sp := range spans {
		for t0 := 0; t0 < sp.n; {
			t1 := sp.n
			if c.LayerUsesRoPE[l] {
				t1 = min(sp.n, (sp.p0+t0)/c.ChunkSize*c.ChunkSize+c.ChunkSize-sp.p0)
			}
			for t := t0; t < t1; t++ {
				r := sp.off + t
				sp.cache.Store(l, sp.p0+t, k[r*kd:(r+1)*kd], v[r*kd:(r+1)*kd])
			}
			a, b := sp.off+t0, sp.off+t1
			sp.cache.Attend(l, q[a*qd:b*qd], s.att[a*qd:b*qd], sp.p0+t0, t1-t0, H, scale)
			t0 = t1
		}
	}
	kernels.MatMul(s.o[:T*c.Hidden], s.att[:T*qd], T, lw.O)
}

// ropeStack is the largest head dimension whose RoPE angle table lives on
// the stack (Llama 4: 128).
const ropeStack = 512

// positionRows applies layer l's position handling to rows t0…t1−1 of q
// [T, H·d] and k [T, Hkv·d] at positions pos: RoPE (one table of angles per
// token for all its heads) and QK-norm in RoPE layers, the temperature scale
// of the queries in NoPE layers that tune it.
func (m *Model) positionRows(l int, q, k []float32, pos []int, t0, t1 int) {
	c := m.Config
	H, Hkv, d := c.Heads, c.KVHeads, c.HeadDim
	qd, kd := H*d, Hkv*d
	var buf [ropeStack]float32
	var cs []float32
	if d <= ropeStack {
		cs = buf[:d]
	} else {
		cs = make([]float32, d)
	}
	for t := t0; t < t1; t++ {
		qt, kt := q[t*qd:(t+1)*qd], k[t*kd:(t+1)*kd]
		switch {
		case c.LayerUsesRoPE[l]:
			ropeAngles(cs, pos[t], m.invFreq)
			for hh := 0; hh < H; hh++ {
				rotate(qt[hh*d:(hh+1)*d], cs)
			}
			for hh := 0; hh < Hkv; hh++ {
				rotate(kt[hh*d:(hh+1)*d], cs)
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
			sc := TempScale(pos[t], c.FloorScale, c.AttnScale)
			for i := range qt {
				qt[i] *= sc
			}
		}
	}
}
