package train

import (
	"fmt"
	"math"
	"reflect"

	"github.com/herd-llm/herd/model/llama4"

	"github.com/herd-llm/herd/train/nn"
)

// Forward runs the model on ids [B·T] (row b holds tokens b·T…b·T+T-1 at
// positions 0…T-1), saving the activations the backward pass needs, and
// returns the logits [B·T, V]. The slice belongs to the workspace: it is
// valid until the next Forward and is overwritten by LossGrad.
func (ws *Workspace[F]) Forward(p *Params[F], ids []int32) ([]F, error) {
	c := ws.cfg
	if p.Config != c && !sameShape(p.Config, c) {
		return nil, fmt.Errorf("train: parameters and workspace have different configs")
	}
	if len(ids) != ws.N {
		return nil, fmt.Errorf("train: %d input ids, workspace is for %d×%d", len(ids), ws.B, ws.T)
	}
	D := c.Hidden
	for i, id := range ids {
		if id < 0 || int(id) >= c.VocabSize {
			return nil, fmt.Errorf("train: token %d at index %d is outside the vocabulary [0, %d)", id, i, c.VocabSize)
		}
	}
	copy(ws.ids, ids)
	ws.markDocs()
	h0 := ws.h[0]
	for n, id := range ids {
		copy(h0[n*D:(n+1)*D], p.Embed.Data[int(id)*D:(int(id)+1)*D])
	}
	for l := range ws.layers {
		ws.layerForward(l, &p.Layers[l])
	}
	nn.RMSNormRows(ws.xnF, ws.rstdF, ws.h[c.Layers], p.Norm.Data, ws.N, D, c.RMSNormEps)
	nn.MatMulNT(ws.logits, ws.xnF, p.LMHead.Data, ws.N, D, c.VocabSize)
	return ws.logits, nil
}

// layerForward applies decoder layer l (spec §2 step 2) to ws.h[l], writing
// ws.h[l+1].
func (ws *Workspace[F]) layerForward(l int, lp *Layer[F]) {
	c := ws.cfg
	la := &ws.layers[l]
	N, D := ws.N, c.Hidden
	H, Hkv, d := c.Heads, c.KVHeads, c.HeadDim
	hIn, hOut := ws.h[l], ws.h[l+1]

	nn.RMSNormRows(la.xn1, la.rstd1, hIn, lp.AttnNorm.Data, N, D, c.RMSNormEps)
	ws.linNT(la.q, la.xn1, lp.Q.Data, N, D, H*d, fAct, fAct)
	ws.linNT(la.k, la.xn1, lp.K.Data, N, D, Hkv*d, fAct, fAct)
	ws.linNT(la.v, la.xn1, lp.V.Data, N, D, Hkv*d, fAct, fAct)
	ws.qkForward(l, la)
	nn.AttnForwardDocs(la.att, la.lse, la.q, la.k, la.v, ws.B, ws.T, H, Hkv, d, ws.chunk(l), ws.attnScale(), ws.attRow, ws.docs)
	o := ws.tmpD
	ws.linNT(o, la.att, lp.O.Data, N, H*d, D, fAct, fAct)
	for i, v := range hIn {
		la.hMid[i] = v + o[i]
	}

	nn.RMSNormRows(la.xn2, la.rstd2, la.hMid, lp.FFNNorm.Data, N, D, c.RMSNormEps)
	f := ws.tmpD
	if lp.IsMoE() {
		ws.moeForward(l, lp, la, f)
	} else {
		ws.swigluForward(f, la.xn2, lp.Gate.Data, lp.Up.Data, lp.Down.Data, la.g, la.u, ws.ffA, N, c.IntermediateMLP)
	}
	for i, v := range la.hMid {
		hOut[i] = v + f[i]
	}
}

// chunk is the attention chunk of layer l: ChunkSize on RoPE (chunked)
// layers, 0 (global) on NoPE layers.
func (ws *Workspace[F]) chunk(l int) int {
	if ws.cfg.LayerUsesRoPE[l] {
		return ws.cfg.ChunkSize
	}
	return 0
}

// attnScale is 1/√d rounded to float32, as inference uses it.
func (ws *Workspace[F]) attnScale() F {
	return F(float32(1 / math.Sqrt(float64(ws.cfg.HeadDim))))
}

// sameShape reports whether two configs are equal in every field.
func sameShape(a, b *llama4.Config) bool { return reflect.DeepEqual(*a, *b) }
