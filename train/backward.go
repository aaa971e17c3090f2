package train

import (
	"fmt"

	"github.com/herd-llm/herd/train/nn"
)

// Backward adds to g the gradient of the loss whose logit gradient LossGrad
// left in the workspace, through the activations of the last Forward of p.
// Gradients accumulate: zero g first (g.Zero) unless accumulating
// micro-batches. Row PadToken of the embedding gets no gradient, as in
// PyTorch's nn.Embedding(padding_idx) that the reference uses.
func (ws *Workspace[F]) Backward(p, g *Params[F]) error {
	c := ws.cfg
	if g.Config != p.Config && !sameShape(g.Config, p.Config) {
		return fmt.Errorf("train: gradients and parameters have different configs")
	}
	N, D, V := ws.N, c.Hidden, c.VocabSize
	dh, dx := ws.dh, ws.dx
	// logits = xnF·lm_headᵀ
	nn.MatMulTN(g.LMHead.Data, ws.logits, ws.xnF, N, V, D)
	nn.MatMulNN(dx, ws.logits, p.LMHead.Data, N, V, D, false)
	clear(dh)
	nn.RMSNormBackRows(dh, dx, ws.h[c.Layers], ws.rstdF, p.Norm.Data, g.Norm.Data, N, D)
	for l := c.Layers - 1; l >= 0; l-- {
		ws.layerBackward(l, &p.Layers[l], &g.Layers[l])
	}
	pad := c.Pad
	ge := g.Embed.Data
	for n, id := range ws.ids {
		if int(id) == pad {
			continue
		}
		nn.AddTo(ge[int(id)*D:(int(id)+1)*D], dh[n*D:(n+1)*D])
	}
	return nil
}

// layerBackward turns ws.dh, the gradient of layer l's output, into the
// gradient of its input, adding the layer's parameter gradients to gl.
func (ws *Workspace[F]) layerBackward(l int, lp, gl *Layer[F]) {
	c := ws.cfg
	la := &ws.layers[l]
	N, D := ws.N, c.Hidden
	H, Hkv, d := c.Heads, c.KVHeads, c.HeadDim
	qd, kd := H*d, Hkv*d
	dh, dx := ws.dh, ws.dx

	// h_out = h_mid + FFN(RMSNorm(h_mid)).
	if lp.IsMoE() {
		ws.moeBackward(l, lp, gl, la, dh, dx)
	} else {
		ws.swigluBackward(dx, dh, la.xn2, lp.Gate.Data, lp.Up.Data, lp.Down.Data, la.g, la.u,
			gl.Gate.Data, gl.Up.Data, gl.Down.Data, N, c.IntermediateMLP, false)
	}
	nn.RMSNormBackRows(dh, dx, la.hMid, la.rstd2, lp.FFNNorm.Data, gl.FFNNorm.Data, N, D)

	// h_mid = h_in + o_proj(Attention(RMSNorm(h_in))).
	ws.linTN(gl.O.Data, dh, la.att, N, D, qd, fGrad, fAct)
	ws.linNN(ws.datt, dh, lp.O.Data, N, D, qd, false, fGrad, fAct)
	nn.AttnBackwardDocs(ws.dq, ws.dk, ws.dv, ws.datt, la.q, la.k, la.v, la.att, la.lse,
		ws.B, ws.T, H, Hkv, d, ws.chunk(l), ws.attnScale(), ws.attRow, ws.docs)
	ws.qkBackward(l, la, ws.dq, ws.dk)
	ws.linTN(gl.Q.Data, ws.dq, la.xn1, N, qd, D, fGrad, fAct)
	ws.linTN(gl.K.Data, ws.dk, la.xn1, N, kd, D, fGrad, fAct)
	ws.linTN(gl.V.Data, ws.dv, la.xn1, N, kd, D, fGrad, fAct)
	ws.linNN(dx, ws.dq, lp.Q.Data, N, qd, D, false, fGrad, fAct)
	ws.linNN(dx, ws.dk, lp.K.Data, N, kd, D, true, fGrad, fAct)
	ws.linNN(dx, ws.dv, lp.V.Data, N, kd, D, true, fGrad, fAct)
	nn.RMSNormBackRows(dh, dx, ws.h[l], la.rstd1, lp.AttnNorm.Data, gl.AttnNorm.Data, N, D)
}
