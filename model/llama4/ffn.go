package llama4

import (
	"github.com/herd-llm/herd/kernels"
)

// mlp computes out = down(silu(gate·x) ⊙ up·x) for T rows of x [T, D].
func (m *Model) mlp(w *MLP, x []float32, T int, out []float32, s *scratch) {
	g := gateUp(w, x, T, s.ffA, s.ffB)
	kernels.MatMul(out[:T*w.Down.Rows], g, T, w.Down)
}

// gateUp returns silu(gate·x) ⊙ up·x [T, F], written to ga (gb holds up·x).
// The extra products, which must have T rows too, run in the same pool job
// as gate and up (the MoE router reads the same x as the shared expert).
func gateUp(w *MLP, x []float32, T int, ga, gb []float32, extra ...kernels.Product) []float32 {
	F := w.Gate.Rows
	g, u := ga[:T*F], gb[:T*F]
	var ps [4]kernels.Product
	ps[0] = kernels.Product{Dst: g, X: x, W: w.Gate}
	ps[1] = kernels.Product{Dst: u, X: x, W: w.Up}
	np := 2 + copy(ps[2:], extra)
	if np-2 < len(extra) {
		panic("llama4: gateUp takes at most two extra products")
	}
	kernels.MatMuls(T, ps[:np]...)
	for t := range T { // row by row, so a row's result does not depend on T
		r := g[t*F : (t+1)*F]
		kernels.SwiGLUSig(r, nil, r, u[t*F:(t+1)*F])
	}
	return g
}

// moe computes out = shared(x) + Σ_selected Expert_e(x·sigmoid(logit_e)) (spec
// §2.4): top-k on the raw router logits, the sigmoid score scales the expert
// input, and only the selected experts run. Tokens routed to the same expert
// are batched so its weights stream through the cache once. The expert
// outputs are added to the shared expert's in expert order.
func (m *Model) moe(w *MoE, x []float32, T int, out []float32, s *scratch) {
	c := m.Config
	D, E, K := c.Hidden, c.Experts, c.ExpertsPerToken
	logits := s.router[:T*E]
	g := gateUp(&w.Shared, x, T, s.ffA, s.ffB, kernels.Product{Dst: logits, X: x, W: w.Router})

	// Route: per expert, the tokens that chose it and their scores.
	byExpert := make([][]pick, E)
	chosen := make([]int, 0, K)
	for t := 0; t < T; t++ {
		lt := logits[t*E : (t+1)*E]
		chosen = topK(lt, K, chosen[:0])
		for _, e := range chosen {
			byExpert[e] = append(byExpert[e], pick{t, kernels.Sigmoid(lt[e])})
		}
	}
	if T == 1 {
		moeDecode(w, x, g, out[:D], byExpert)
		return
	}
	kernels.MatMul(out[:T*D], g, T, w.Shared.Down)
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
			scaleRow(in[i*D:(i+1)*D], x[p.t*D:(p.t+1)*D], p.score)
		}
		m.mlp(&w.Experts[e], in, n, res, s)
		for i, p := range picks {
			kernels.Add(out[p.t*D:(p.t+1)*D], res[i*D:(i+1)*D])
		}
	}
}

// pick is one token routed to an expert, with its router score.
type pick struct {
	t     int
	score float32
}

// moeDecode finishes moe for one token (T = 1) with the same arithmetic in
// two pool jobs: the shared expert's down projection (of g, its gated
// activations) with the selected experts' gate and up projections, then the
// experts' down projections; out [D] receives the sum.
func moeDecode(w *MoE, x, g, out []float32, byExpert [][]pick) {
	D := len(out)
	type sel struct {
		e          int
		in, gg, uu []float32
		res        []float32
	}
	var sels []sel
	for e, picks := range byExpert {
		if len(picks) == 0 {
			continue
		}
		F := w.Experts[e].Gate.Rows
		buf := make([]float32, 2*D+2*F)
		sl := sel{e: e, in: buf[:D], gg: buf[D : D+F], uu: buf[D+F : D+2*F], res: buf[D+2*F:]}
		scaleRow(sl.in, x, picks[0].score)
		sels = append(sels, sl)
	}
	ps := make([]kernels.Product, 0, 1+2*len(sels))
	ps = append(ps, kernels.Product{Dst: out, X: g, W: w.Shared.Down})
	for _, sl := range sels {
		ew := &w.Experts[sl.e]
		ps = append(ps, kernels.Product{Dst: sl.gg, X: sl.in, W: ew.Gate}, kernels.Product{Dst: sl.uu, X: sl.in, W: ew.Up})
	}
	kernels.MatMuls(1, ps...)
	ps = ps[:0]
	for _, sl := range sels {
		kernels.SwiGLUSig(sl.gg, nil, sl.gg, sl.uu)
		ps = append(ps, kernels.Product{Dst: sl.res, X: sl.gg, W: w.Experts[sl.e].Down})
	}
	kernels.MatMuls(1, ps...)
	for _, sl := range sels {
		kernels.Add(out, sl.res)
	}
}

// scaleRow sets dst = src·score.
func scaleRow(dst, src []float32, score float32) {
	for j, v := range src {
		dst[j] = v * score
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
