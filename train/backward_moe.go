package train

import (
	"github.com/herd-llm/herd/kernels"

	"github.com/herd-llm/herd/train/nn"
)

// moeBackward adds the MoE layer's parameter gradients to gl and writes the
// gradient of its input x = xn2 to dx, for the output gradient dout [N, D].
//
// As the reference computes it (see testdata/README-reference.md): the
// expert choice (argmax) has no gradient; the selected expert's score
// s = σ(ℓ_e) does. With dX the gradient at the expert's input x·s:
//
//	dx += s·dX,   ds = x·dX,   dℓ_e = ds·s·(1 − s),
//	dRouter[e] += dℓ_e·x,      dx += dℓ_e·Router[e],
//
// and the other router logits get exactly zero gradient (σ′(−∞) = 0). An
// expert's weights get gradient only from the tokens routed to it.
//
// With an auxiliary loss (SetAuxLoss), its gradient reaches the router and
// dx through every router logit (auxBackward).
func (ws *Workspace[F]) moeBackward(l int, lp, gl *Layer[F], la *layerActs[F], dout, dx []F) {
	c := ws.cfg
	N, D, K, Fe := ws.N, c.Hidden, ws.K, c.Intermediate
	x := la.xn2
	ws.swigluBackward(dx, dout, x, lp.SharedGate.Data, lp.SharedUp.Data, lp.SharedDown.Data, la.g, la.u,
		gl.SharedGate.Data, gl.SharedUp.Data, gl.SharedDown.Data, N, Fe, false)
	if ws.bal.aux != 0 {
		ws.auxBackward(l, lp, gl, la, dx)
	}
	gu, dn := lp.ExpertsGateUp.Data, lp.ExpertsDown.Data
	dgu, ddn := gl.ExpertsGateUp.Data, gl.ExpertsDown.Data
	router, drouter := lp.Router.Data, gl.Router.Data
	ws.eachExpert(la, x, func(e, o0, o1 int, X []F) {
		ne := o1 - o0
		guE, dnE := gu[e*D*2*Fe:(e+1)*D*2*Fe], dn[e*Fe*D:(e+1)*Fe*D]
		G := la.egu[o0*2*Fe : o1*2*Fe]
		a, sg := ws.ffA[:ne*Fe], ws.ffC[:ne*Fe]
		expertAct(a, sg, G, ne, Fe)
		dY := ws.rows2[:ne*D]
		for i := 0; i < ne; i++ {
			p := int(la.order[o0+i])
			copy(dY[i*D:(i+1)*D], dout[(p/K)*D:(p/K+1)*D])
		}
		ws.linTN(ddn[e*Fe*D:(e+1)*Fe*D], a, dY, ne, Fe, D, fAct, fGrad) // dDown[e] [F, D] += aᵀ·dY
		da := ws.ffB[:ne*Fe]
		ws.linNT(da, dY, dnE, ne, D, Fe, fGrad, fAct) // da = dY·Down[e]ᵀ
		dG := ws.dgu[:ne*2*Fe]
		kernels.ParallelFor(ne, nn.RowGrain(8*Fe), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				g, u := G[i*2*Fe:i*2*Fe+Fe], G[i*2*Fe+Fe:(i+1)*2*Fe]
				nn.SwiGLUBackSig(dG[i*2*Fe:i*2*Fe+Fe], dG[i*2*Fe+Fe:(i+1)*2*Fe], da[i*Fe:(i+1)*Fe], g, u, sg[i*Fe:(i+1)*Fe])
			}
		})
		ws.linTN(dgu[e*D*2*Fe:(e+1)*D*2*Fe], X, dG, ne, D, 2*Fe, fAct, fGrad) // dGateUp[e] [D, 2F] += Xᵀ·dG
		dX := ws.rows[:ne*D]                                                  // X is no longer needed
		ws.linNT(dX, dG, guE, ne, 2*Fe, D, fGrad, fAct)                       // dX = dG·GateUp[e]ᵀ
		re, dre := router[e*D:(e+1)*D], drouter[e*D:(e+1)*D]
		for i := 0; i < ne; i++ {
			p := int(la.order[o0+i])
			n := p / K
			xn, dxn, dXi := x[n*D:(n+1)*D], dx[n*D:(n+1)*D], dX[i*D:(i+1)*D]
			s := la.score[p]
			ds := nn.Dot(xn, dXi)
			nn.Axpy(dxn, s, dXi)
			dl := ds * s * (1 - s)
			nn.Axpy(dre, dl, xn)
			nn.Axpy(dxn, dl, re)
		}
	})
}
