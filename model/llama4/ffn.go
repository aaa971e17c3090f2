package llama4

import (
	"github.com/herd-llm/herd/kernels"
)

// mlp computes out = down(silu(gate·x) ⊙ up·x) for T rows of x [T, D].
func (m *Model) mlp(w *MLP, x []float32, T int, out []float32, s *scratch) {
	F := w.Gate.Rows
	g, u := s.ffA[:T*F], s.ffB[:T*F]
	kernels.MatMul(g, x, T, w.Gate)
	kernels.MatMul(u, x, T, w.Up)
	if splitRows(T) {
		kernels.ParallelFor(T, 0, func(t0, t1 int) { swigluRows(g, u, F, t0, t1) })
	} else {
		swigluRows(g, u, F, 0, T)
	}
	kernels.MatMul(out[:T*w.Down.Rows], g, T, w.Down)
}

// swigluRows sets rows t0…t1−1 of g (width F) to silu(g)⊙u, row by row, so
// a row's result does not depend on the batch.
func swigluRows(g, u []float32, F, t0, t1 int) {
	for t := t0; t < t1; t++ {
		r := g[t*F : (t+1)*F]
		kernels.SwiGLUSig(r, nil, r, u[t*F:(t+1)*F])
	}
}

// moe computes out = shared(x) + Σ_selected Expert_e(x·sigmoid(logit_e)) (spec
// §2.4): top-k on the raw router logits, the sigmoid score scales the expert
// input, and only the selected experts run. Tokens routed to the same expert
// are batched so its weights stream through the cache once.
func (m *Model) moe(w *MoE, x []float32, T int, out []float32, s *scratch) {
	c := m.Config
	D, E, K := c.Hidden, c.Experts, c.ExpertsPerToken
	m.mlp(&w.Shared, x, T, out, s)

	logits := s.router[:T*E]
	kernels.MatMul(logits, x, T, w.Router)

	// Route: per expert, the tokens that chose it and their scores.
	type pick struct {
		t     int
		score float32
	}
	byExpert := make([][]pick, E)
	chosen := make([]int, 0, K)
	for t := 0; t < T; t++ {
		lt := logits[t*E : (t+1)*E]
		chosen = topK(lt, K, chosen[:0])
		for _, e := range chosen {
			byExpert[e] = append(byExpert[e], pick{t, kernels.Sigmoid(lt[e])})
		}
	}
	var in, res []float32
	for e, picks := range byExpert {
		n := len(picks)
		if n == 0 {
			continue
		}
		if cap(in) < n*D {
			in = make([]float32, n*D)
			res = make([]float32, n*D)
		}
		in, res = in[:n*D], res[:n*D]
		for i, p := range picks {
			row := in[i*D : (i+1)*D]
			src := x[p.t*D : (p.t+1)*D]
			for j, v := range src {
				row[j] = v * p.score
			}
		}
		m.mlp(&w.Experts[e], in, n, res, s)
		for i, p := range picks {
			kernels.Add(out[p.t*D:(p.t+1)*D], res[i*D:(i+1)*D])
		}
	}
}

// topK appends to dst the indices of the k largest values of v, largest first
// (lowest index first on ties).
func topK(v []float32, k int, dst []int) []int {
	for len(dst) < k {
		best := -1
		for i, x := range v {
			taken := false
			for _, d := range dst {
				if d == i {
					taken = true
					break
				}
			}
			if taken {
				continue
			}
			if best < 0 || x > v[best] {
				best = i
			}
		}
		dst = append(dst, best)
	}
	return dst
}
