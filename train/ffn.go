package train

import (
	"github.com/herd-llm/herd/kernels"

	"github.com/herd-llm/herd/train/nn"
)

// The feed-forward blocks (spec §2.4): dense SwiGLU and the top-k routed
// mixture of experts with a shared expert.

// swigluForward computes out [n, D] = down(silu(x·gateᵀ) ⊙ x·upᵀ) for x
// [n, D] with Linear weights gate, up [Fw, D] and down [D, Fw], saving the
// pre-activations g, u [n, Fw]; a [n, Fw] is scratch.
func (ws *Workspace[F]) swigluForward(out, x, gate, up, down, g, u, a []F, n, Fw int) {
	D := ws.cfg.Hidden
	ws.linNT(g, x, gate, n, D, Fw, fAct, fAct)
	ws.linNT(u, x, up, n, D, Fw, fAct, fAct)
	nn.SwiGLU(a[:n*Fw], g[:n*Fw], u[:n*Fw])
	ws.linNT(out, a, down, n, Fw, D, fAct, fAct)
}

// swigluBackward adds the weight gradients of swigluForward to dGate, dUp,
// dDown and writes (or adds, when add) the input gradient to dx, for the
// output gradient dout [n, D]. It uses ffA and ffB as scratch.
func (ws *Workspace[F]) swigluBackward(dx, dout, x, gate, up, down, g, u, dGate, dUp, dDown []F, n, Fw int, add bool) {
	D := ws.cfg.Hidden
	a, da, sg := ws.ffA[:n*Fw], ws.ffB[:n*Fw], ws.ffC[:n*Fw]
	nn.SwiGLURecompute(a, sg, g[:n*Fw], u[:n*Fw])
	ws.linTN(dDown, dout, a, n, D, Fw, fGrad, fAct) // dDown [D, Fw] += doutᵀ·a
	ws.linNN(da, dout, down, n, D, Fw, false, fGrad, fAct)
	nn.SwiGLUBackSig(a, da, da, g[:n*Fw], u[:n*Fw], sg) // a ← dg, da ← du
	ws.linTN(dGate, a, x, n, Fw, D, fGrad, fAct)
	ws.linTN(dUp, da, x, n, Fw, D, fGrad, fAct)
	ws.linNN(dx, a, gate, n, Fw, D, add, fGrad, fAct)
	ws.linNN(dx, da, up, n, Fw, D, true, fGrad, fAct)
}

// moeForward computes out [N, D] = shared(x) + Σ_selected Expert_e(x·σ(ℓ_e))
// for x = xn2 [N, D] (spec §2.4): router logits ℓ = x·Wrᵀ, top-k on the raw
// logits (lowest index first on ties, as inference), the sigmoid score scales
// the expert's input. Only the selected experts run; HF's dense form gives
// the same values, since an unselected expert sees a zero input and has no
// bias.
func (ws *Workspace[F]) moeForward(l int, lp *Layer[F], la *layerActs[F], out []F) {
	c := ws.cfg
	N, D, E, K, Fe := ws.N, c.Hidden, c.Experts, ws.K, c.Intermediate
	x := la.xn2
	ws.swigluForward(out, x, lp.SharedGate.Data, lp.SharedUp.Data, lp.SharedDown.Data, la.g, la.u, ws.ffA, N, Fe)
	nn.MatMulNT(la.rlog, x, lp.Router.Data, N, D, E)
	ws.route(l, la)
	ws.routeStats(l, la)
	gu, dn := lp.ExpertsGateUp.Data, lp.ExpertsDown.Data
	ws.eachExpert(la, x, func(e, o0, o1 int, X []F) {
		ne := o1 - o0
		G := la.egu[o0*2*Fe : o1*2*Fe]
		ws.linNN(G, X, gu[e*D*2*Fe:(e+1)*D*2*Fe], ne, D, 2*Fe, false, fAct, fAct)
		a := ws.ffA[:ne*Fe]
		expertAct(a, nil, G, ne, Fe)
		Y := ws.rows2[:ne*D]
		ws.linNN(Y, a, dn[e*Fe*D:(e+1)*Fe*D], ne, Fe, D, false, fAct, fAct)
		for i := 0; i < ne; i++ {
			p := int(la.order[o0+i])
			nn.AddTo(out[(p/K)*D:(p/K+1)*D], Y[i*D:(i+1)*D])
		}
	})
}

// route picks the top-K experts of every token from the router logits (or,
// with an expert bias, from σ(ℓ) + bias: see balance.go), records their
// sigmoid scores and groups the picks by expert.
func (ws *Workspace[F]) route(l int, la *layerActs[F]) {
	E, K := ws.cfg.Experts, ws.K
	for n := 0; n < ws.N; n++ {
		logits := la.rlog[n*E : (n+1)*E]
		lg := ws.selectKeys(l, logits)
		for j := 0; j < K; j++ {
			best := -1
			for e, v := range lg {
				taken := false
				for jj := 0; jj < j; jj++ {
					if int(la.pick[n*K+jj]) == e {
						taken = true
						break
					}
				}
				if !taken && (best < 0 || v > lg[best]) {
					best = e
				}
			}
			la.pick[n*K+j] = int32(best)
			la.score[n*K+j] = nn.Sigmoid(logits[best])
		}
	}
	// Counting sort of the picks by expert, stable in token order.
	clear(la.off)
	for _, e := range la.pick {
		la.off[e+1]++
	}
	for e := 0; e < E; e++ {
		la.off[e+1] += la.off[e]
	}
	next := make([]int32, E)
	copy(next, la.off[:E])
	for p, e := range la.pick {
		la.order[next[e]] = int32(p)
		next[e]++
	}
}

// eachExpert calls fn, expert by expert, for every routed expert e that
// got tokens: its picks are la.order[o0:o1] and X [o1−o0, D] (in ws.rows)
// holds their inputs x scaled by their scores (gatherScaled).
func (ws *Workspace[F]) eachExpert(la *layerActs[F], x []F, fn func(e, o0, o1 int, X []F)) {
	for e := 0; e < ws.cfg.Experts; e++ {
		o0, o1 := int(la.off[e]), int(la.off[e+1])
		if o1 == o0 {
			continue
		}
		X := ws.rows[:(o1-o0)*ws.cfg.Hidden]
		ws.gatherScaled(X, x, la, o0, o1)
		fn(e, o0, o1, X)
	}
}

// gatherScaled writes rows i of X = x[token of pick order[o0+i]]·score.
func (ws *Workspace[F]) gatherScaled(X, x []F, la *layerActs[F], o0, o1 int) {
	D, K := ws.cfg.Hidden, ws.K
	for i := 0; i < o1-o0; i++ {
		p := int(la.order[o0+i])
		s := la.score[p]
		src, dst := x[(p/K)*D:(p/K+1)*D], X[i*D:(i+1)*D]
		for j, v := range src {
			dst[j] = v * s
		}
	}
}

// expertAct writes a[i] = silu(G[i, :F])·G[i, F:] for the fused gate|up rows
// G [n, 2F] of the input-major expert stack; with sg non-nil it also saves
// σ(gate) there (see nn.SwiGLURecompute).
func expertAct[F Float](a, sg, G []F, n, Fe int) {
	kernels.ParallelFor(n, nn.RowGrain(20*Fe), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ai, g, u := a[i*Fe:(i+1)*Fe], G[i*2*Fe:i*2*Fe+Fe], G[i*2*Fe+Fe:(i+1)*2*Fe]
			var sgi []F
			if sg != nil {
				sgi = sg[i*Fe : (i+1)*Fe]
			}
			nn.SwiGLUAct(ai, sgi, g, u)
		}
	})
}
