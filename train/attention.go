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
	c := ws.cfg
	H, Hkv, d := c.Heads, c.KVHeads, c.HeadDim
	half := d / 2
	rope := c.LayerUsesRoPE[l]
	qknorm := rope && c.UseQKNorm
	kernels.ParallelFor(ws.N, nn.RowGrain(4*(H+Hkv)*d), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			t := n % ws.T
			q := la.q[n*H*d : (n+1)*H*d]
			k := la.k[n*Hkv*d : (n+1)*Hkv*d]
			if !rope {
				if s := ws.tempScale[t]; s != 1 {
					for i := range q {
						q[i] *= s
					}
				}
				continue
			}
			cs, sn := ws.cos[t*half:(t+1)*half], ws.sin[t*half:(t+1)*half]
			for h := 0; h < H; h++ {
				nn.RoPERow(q[h*d:(h+1)*d], cs, sn)
				if qknorm {
					la.qr[n*H+h] = nn.RMSNormRow(q[h*d:(h+1)*d], q[h*d:(h+1)*d], nil, c.RMSNormEps)
				}
			}
			for h := 0; h < Hkv; h++ {
				nn.RoPERow(k[h*d:(h+1)*d], cs, sn)
				if qknorm {
					la.kr[n*Hkv+h] = nn.RMSNormRow(k[h*d:(h+1)*d], k[h*d:(h+1)*d], nil, c.RMSNormEps)
				}
			}
		}
	})
}

// qkBackward turns dq, dk (gradients of the transformed q and k) into
// gradients of the projections' outputs, in place.
func (ws *Workspace[F]) qkBackward(l int, la *layerActs[F], dq, dk []F) {
	c := ws.cfg
	H, Hkv, d := c.Heads, c.KVHeads, c.HeadDim
	half := d / 2
	rope := c.LayerUsesRoPE[l]
	qknorm := rope && c.UseQKNorm
	kernels.ParallelFor(ws.N, nn.RowGrain(6*(H+Hkv)*d), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			t := n % ws.T
			dqn := dq[n*H*d : (n+1)*H*d]
			dkn := dk[n*Hkv*d : (n+1)*Hkv*d]
			if !rope {
				if s := ws.tempScale[t]; s != 1 {
					for i := range dqn {
						dqn[i] *= s
					}
				}
				continue
			}
			cs, sn := ws.cos[t*half:(t+1)*half], ws.sin[t*half:(t+1)*half]
			back := func(g, y []F, r F) {
				if qknorm {
					nn.RMSNormBackRow(g, g, y, 1, nil, nil, r, false)
				}
				nn.RoPEBackRow(g, cs, sn)
			}
			for h := 0; h < H; h++ {
				var r F
				if qknorm {
					r = la.qr[n*H+h]
				}
				back(dqn[h*d:(h+1)*d], la.q[n*H*d+h*d:n*H*d+(h+1)*d], r)
			}
			for h := 0; h < Hkv; h++ {
				var r F
				if qknorm {
					r = la.kr[n*Hkv+h]
				}
				back(dkn[h*d:(h+1)*d], la.k[n*Hkv*d+h*d:n*Hkv*d+(h+1)*d], r)
			}
		}
	})
}
