package train

import (
	"math"

	"github.com/herd-llm/herd/kernels"
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
	kernels.ParallelFor(ws.N, rowGrain(4*(H+Hkv)*d), func(lo, hi int) {
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
				ropeRow(q[h*d:(h+1)*d], cs, sn)
				if qknorm {
					la.qr[n*H+h] = rmsNormRow(q[h*d:(h+1)*d], q[h*d:(h+1)*d], nil, c.RMSNormEps)
				}
			}
			for h := 0; h < Hkv; h++ {
				ropeRow(k[h*d:(h+1)*d], cs, sn)
				if qknorm {
					la.kr[n*Hkv+h] = rmsNormRow(k[h*d:(h+1)*d], k[h*d:(h+1)*d], nil, c.RMSNormEps)
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
	kernels.ParallelFor(ws.N, rowGrain(6*(H+Hkv)*d), func(lo, hi int) {
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
					rmsNormBackRow(g, g, y, 1, nil, nil, r, false)
				}
				ropeBackRow(g, cs, sn)
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

// attnSpan returns the first key position query t may see: the start of its
// chunk on chunked (RoPE) layers, 0 on global layers (spec §2.3).
func attnSpan(t, chunk int) int {
	if chunk > 0 {
		return t / chunk * chunk
	}
	return 0
}

// attnForward computes out[n, h] = Σ_j p_j·v[j, h/G] with
// p_j = softmax_j(s_j), s_j = scale·q[n, h]·k[j, h/G] over the visible keys j
// of the same row, and saves lse[n·H+h] (log-sum-exp of the scores, in
// float64 then rounded) for the backward pass. G = H/Hkv query heads share a
// KV head. chunk > 0 selects the chunked causal mask, 0 the global one.
func attnForward[F Float](out, lse, q, k, v []F, B, T, H, Hkv, d, chunk int, scale F, scr [][]F) {
	if o32, ok := any(out).([]float32); ok && littleEndian {
		attnForward32(o32, any(lse).([]float32), any(q).([]float32), any(k).([]float32), any(v).([]float32),
			B, T, H, Hkv, d, chunk, float32(scale), any(scr).([][]float32))
		return
	}
	G := H / Hkv
	qd, kd := H*d, Hkv*d
	forEachScratch(scr, B*H, func(sc []F, u int) {
		b, h := u/H, u%H
		g := h / G
		for t := 0; t < T; t++ {
			n := b*T + t
			qv := q[n*qd+h*d : n*qd+(h+1)*d]
			lo := attnSpan(t, chunk)
			m := math.Inf(-1)
			for j := lo; j <= t; j++ {
				s := dot(qv, k[(b*T+j)*kd+g*d:(b*T+j)*kd+(g+1)*d]) * scale
				sc[j-lo] = s
				m = math.Max(m, float64(s))
			}
			var sum float64
			for j := lo; j <= t; j++ {
				e := math.Exp(float64(sc[j-lo]) - m)
				sc[j-lo] = F(e)
				sum += e
			}
			lse[n*H+h] = F(m + math.Log(sum))
			inv := F(1 / sum)
			o := out[n*qd+h*d : n*qd+(h+1)*d]
			clear(o)
			for j := lo; j <= t; j++ {
				axpy(o, sc[j-lo]*inv, v[(b*T+j)*kd+g*d:(b*T+j)*kd+(g+1)*d])
			}
		}
	})
}

// attnBackward computes dq [N, H·d] (overwritten) and dk, dv [N, Hkv·d]
// (overwritten) from dout [N, H·d], recomputing the probabilities from the
// saved lse:
//
//	dv_j += p_j·do,  ds_j = p_j·(do·v_j − do·o),  dq += scale·ds_j·k_j,  dk_j += scale·ds_j·q.
//
// Work is split by (row, KV head), so each task owns the dk/dv rows it
// writes and the result does not depend on the thread count.
func attnBackward[F Float](dq, dk, dv, dout, q, k, v, out, lse []F, B, T, H, Hkv, d, chunk int, scale F, scr [][]F) {
	if dq32, ok := any(dq).([]float32); ok && littleEndian {
		attnBackward32(dq32, any(dk).([]float32), any(dv).([]float32), any(dout).([]float32), any(q).([]float32),
			any(k).([]float32), any(v).([]float32), any(out).([]float32), any(lse).([]float32),
			B, T, H, Hkv, d, chunk, float32(scale), any(scr).([][]float32))
		return
	}
	G := H / Hkv
	qd, kd := H*d, Hkv*d
	forEachScratch(scr, B*Hkv, func(_ []F, u int) {
		b, g := u/Hkv, u%Hkv
		for t := 0; t < T; t++ {
			n := b*T + t
			clear(dk[n*kd+g*d : n*kd+(g+1)*d])
			clear(dv[n*kd+g*d : n*kd+(g+1)*d])
		}
		for h := g * G; h < (g+1)*G; h++ {
			for t := 0; t < T; t++ {
				n := b*T + t
				qv := q[n*qd+h*d : n*qd+(h+1)*d]
				dov := dout[n*qd+h*d : n*qd+(h+1)*d]
				dqv := dq[n*qd+h*d : n*qd+(h+1)*d]
				clear(dqv)
				Dt := dot(dov, out[n*qd+h*d:n*qd+(h+1)*d])
				L := float64(lse[n*H+h])
				for j := attnSpan(t, chunk); j <= t; j++ {
					r := (b*T + j) * kd
					kj, vj := k[r+g*d:r+(g+1)*d], v[r+g*d:r+(g+1)*d]
					p := F(math.Exp(float64(dot(qv, kj)*scale) - L))
					ds := p * (dot(dov, vj) - Dt) * scale
					axpy(dqv, ds, kj)
					axpy(dk[r+g*d:r+(g+1)*d], ds, qv)
					axpy(dv[r+g*d:r+(g+1)*d], p, dov)
				}
			}
		}
	})
}
