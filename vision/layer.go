package vision

import (
	"encoding/binary"
	"math"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/tensor"
)

// scratch holds one tile's activation buffers.
type scratch struct {
	x       []float32 // [N, D] normed input
	q, k, v []float32 // [N, D]
	att     []float32 // [N, D] attention output (heads concatenated)
	o       []float32 // [N, D]
	ff      []float32 // [N, Intermediate]
	qh, oh  []float32 // one head: [N, d]
	scores  []float32 // [N, N]
	kMat    tensor.Mat
	vtMat   tensor.Mat
}

func newScratch(c *Config, N int) *scratch {
	D, d := c.Hidden, c.HeadDim()
	return &scratch{
		x: make([]float32, N*D), q: make([]float32, N*D), k: make([]float32, N*D), v: make([]float32, N*D),
		att: make([]float32, N*D), o: make([]float32, N*D), ff: make([]float32, N*c.Intermediate),
		qh: make([]float32, N*d), oh: make([]float32, N*d), scores: make([]float32, N*N),
		kMat:  tensor.Mat{DType: tensor.F32, Rows: N, Cols: d, Data: make([]byte, 4*N*d)},
		vtMat: tensor.Mat{DType: tensor.F32, Rows: d, Cols: N, Data: make([]byte, 4*N*d)},
	}
}

// layer applies one pre-norm encoder layer to h [N, D] in place:
// h += Attn(LN1(h)); h += fc2(GELU(fc1(LN2(h)))).
func (m *Model) layer(lw *Layer, h []float32, s *scratch) {
	c := &m.Config
	D := c.Hidden
	N := len(h) / D
	normRows(s.x, h, lw.LN1W, lw.LN1B, D, c.NormEps)
	m.attention(lw, N, s)
	kernels.Add(h, s.o)
	normRows(s.x, h, lw.LN2W, lw.LN2B, D, c.NormEps)
	matmul(s.ff, s.x, N, lw.FC1)
	addBias(s.ff, lw.FC1B)
	geluAll(s.ff)
	matmul(s.o, s.ff, N, lw.FC2)
	addBias(s.o, lw.FC2B)
	kernels.Add(h, s.o)
}

// attention computes s.o = o_proj(softmax(q·kᵀ/√d)·v) over all N tokens
// (bidirectional, no mask), with 2D RoPE on q and k. Per head, both products
// run through kernels.MatMul: scores = q_h·K_hᵀ with K_h as a [N, d] matrix,
// then out_h = P·V_h with V_hᵀ as a [d, N] matrix.
func (m *Model) attention(lw *Layer, N int, s *scratch) {
	c := &m.Config
	D, H, d := c.Hidden, c.Heads, c.HeadDim()
	matmul(s.q, s.x, N, lw.Q)
	addBias(s.q, lw.QB)
	matmul(s.k, s.x, N, lw.K)
	addBias(s.k, lw.KB)
	matmul(s.v, s.x, N, lw.V)
	addBias(s.v, lw.VB)
	kernels.ParallelFor(N, 0, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			for hh := 0; hh < H; hh++ {
				m.rope.apply(s.q[t*D+hh*d:t*D+(hh+1)*d], t)
				m.rope.apply(s.k[t*D+hh*d:t*D+(hh+1)*d], t)
			}
		}
	})
	scale := float32(1 / math.Sqrt(float64(d)))
	kb, vb := s.kMat.Data, s.vtMat.Data
	for hh := 0; hh < H; hh++ {
		for t := 0; t < N; t++ {
			copy(s.qh[t*d:(t+1)*d], s.q[t*D+hh*d:])
			for j := 0; j < d; j++ {
				binary.LittleEndian.PutUint32(kb[4*(t*d+j):], math.Float32bits(s.k[t*D+hh*d+j]))
				binary.LittleEndian.PutUint32(vb[4*(j*N+t):], math.Float32bits(s.v[t*D+hh*d+j]))
			}
		}
		matmul(s.scores, s.qh, N, &s.kMat)
		kernels.ParallelFor(N, 0, func(lo, hi int) {
			for t := lo; t < hi; t++ {
				row := s.scores[t*N : (t+1)*N]
				for i := range row {
					row[i] *= scale
				}
				kernels.Softmax(row)
			}
		})
		matmul(s.oh, s.scores, N, &s.vtMat)
		for t := 0; t < N; t++ {
			copy(s.att[t*D+hh*d:t*D+(hh+1)*d], s.oh[t*d:(t+1)*d])
		}
	}
	matmul(s.o, s.att, N, lw.O)
	addBias(s.o, lw.OB)
}

// geluAll applies the exact GELU to every element.
func geluAll(x []float32) {
	kernels.ParallelFor(len(x), 0, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x[i] = gelu(x[i])
		}
	})
}

// normRows writes the LayerNorm of each D-wide row of x into y.
func normRows(y, x, w, b []float32, D int, eps float32) {
	kernels.ParallelFor(len(x)/D, 0, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			layerNorm(y[t*D:(t+1)*D], x[t*D:(t+1)*D], w, b, eps)
		}
	})
}
