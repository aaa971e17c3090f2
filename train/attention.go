package train

import (
	"github.com/herd-llm/herd/kernels"

	"github.com/herd-llm/herd/train/nn"
)

// Attention of one decoder layer (spec §2.2–2.3), training form: all B·T
// queries at once, positions 0…T-1 in every row, no KV cache.

// qkForward applies the per-position transforms to q [N, H·d] and k
// [N, Hkv·d] in place: on RoPE layers adjacent-pair RoPE then (use_qk_norm)
// the weightless RMS QK-norm, saving its 1/rms in qr/kr; on NoPE layers the
// temperature scale of the query.
func (ws *Workspace[F]) qkForward(l int, la *layerActs[F]) {
	eps := ws.cfg.RMSNormEps
	ws.eachQKHead(l, la, la.q, la.k, 4, func(v, _ []F, rms *F, cs, sn []F) {
		nn.RoPERow(v, cs, sn)
		if rms != nil {
			*rms = nn.RMSNormRow(v, v, nil, eps)
		}
	})
}

// qkBackward turns dq, dk (gradients of the transformed q and k) into
// gradients of the projections' outputs, in place.
func (ws *Workspace[F]) qkBackward(l int, la *layerActs[F], dq, dk []F) {
	ws.eachQKHead(l, la, dq, dk, 6, func(g, y []F, rms *F, cs, sn []F) {
		if rms != nil {
			nn.RMSNormBackRow(g, g, y, 1, nil, nil, *rms, false)
		}
		nn.RoPEBackRow(g, cs, sn)
	})
}

// eachQKHead runs the per-position transforms of layer l, in parallel over
// the token rows of x = q [N, H·d] and k [N, Hkv·d] or of their gradients
// (cost: multiply-adds per element). On NoPE layers it multiplies each
// query row by its temperature scale (a diagonal map, its own transpose).
// On RoPE layers it calls fn for every head vector v of the row, in q and
// then in k, with the saved activation of that head (la.q or la.k), its
// saved 1/rms (in la.qr or la.kr; nil without QK-norm) and the position's
// RoPE cos and sin.
func (ws *Workspace[F]) eachQKHead(l int, la *layerActs[F], q, k []F, cost int, fn func(v, saved []F, rms *F, cs, sn []F)) {
	c := ws.cfg
	H, Hkv, d := c.Heads, c.KVHeads, c.HeadDim
	half := d / 2
	rope := c.LayerUsesRoPE[l]
	qknorm := rope && c.UseQKNorm
	heads := func(x, saved, rs []F, n, nh int, cs, sn []F) {
		for h := 0; h < nh; h++ {
			var r *F
			if qknorm {
				r = &rs[n*nh+h]
			}
			o := (n*nh + h) * d
			fn(x[o:o+d], saved[o:o+d], r, cs, sn)
		}
	}
	kernels.ParallelFor(ws.N, nn.RowGrain(cost*(H+Hkv)*d), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			t := ws.docs.Pos(n/ws.T, ws.T, n%ws.T)
			if !rope {
				if s := ws.tempScale[t]; s != 1 {
					for i := range q[n*H*d : (n+1)*H*d] {
						q[n*H*d+i] *= s
					}
				}
				continue
			}
			cs, sn := ws.cos[t*half:(t+1)*half], ws.sin[t*half:(t+1)*half]
			heads(q, la.q, la.qr, n, H, cs, sn)
			heads(k, la.k, la.kr, n, Hkv, cs, sn)
		}
	})
}
