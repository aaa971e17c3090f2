package nn

import "math"

// AttnSpan returns the first key position query t may see: the start of its
// chunk on chunked (RoPE) layers, 0 on global layers (spec §2.3).
func AttnSpan(t, chunk int) int {
	if chunk > 0 {
		return t / chunk * chunk
	}
	return 0
}

// AttnForward computes out[n, h] = Σ_j p_j·v[j, h/G] with
// p_j = softmax_j(s_j), s_j = scale·q[n, h]·k[j, h/G] over the visible keys j
// of the same row, and saves lse[n·H+h] (log-sum-exp of the scores, in
// float64 then rounded) for the backward pass. G = H/Hkv query heads share a
// KV head. chunk > 0 selects the chunked causal mask, 0 the global one.
func AttnForward[F Float](out, lse, q, k, v []F, B, T, H, Hkv, d, chunk int, scale F, scr [][]F) {
	AttnForwardDocs(out, lse, q, k, v, B, T, H, Hkv, d, chunk, scale, scr, Docs{})
}

// AttnForwardDocs is AttnForward on rows of packed documents (Docs).
func AttnForwardDocs[F Float](out, lse, q, k, v []F, B, T, H, Hkv, d, chunk int, scale F, scr [][]F, docs Docs) {
	if o32, ok := any(out).([]float32); ok && littleEndian {
		attnForward32(o32, any(lse).([]float32), any(q).([]float32), any(k).([]float32), any(v).([]float32),
			B, T, H, Hkv, d, chunk, float32(scale), any(scr).([][]float32), docs)
		return
	}
	l := newAttnLayout(B, T, H, Hkv, d)
	eachQueryHead(l, scr, func(sc []F, b, h, g int) {
		for t := 0; t < T; t++ {
			qo := l.q(b, t, h)
			qv := q[qo : qo+d]
			lo := docs.lo(b, T, t, chunk)
			m := math.Inf(-1)
			for j := lo; j <= t; j++ {
				r := l.kv(b, j, g)
				s := Dot(qv, k[r:r+d]) * scale
				sc[j-lo] = s
				m = math.Max(m, float64(s))
			}
			var sum float64
			for j := lo; j <= t; j++ {
				e := math.Exp(float64(sc[j-lo]) - m)
				sc[j-lo] = F(e)
				sum += e
			}
			lse[(b*T+t)*H+h] = F(m + math.Log(sum))
			inv := F(1 / sum)
			o := out[qo : qo+d]
			clear(o)
			for j := lo; j <= t; j++ {
				r := l.kv(b, j, g)
				Axpy(o, sc[j-lo]*inv, v[r:r+d])
			}
		}
	})
}

// AttnBackward computes dq [N, H·d] (overwritten) and dk, dv [N, Hkv·d]
// (overwritten) from dout [N, H·d], recomputing the probabilities from the
// saved lse:
//
//	dv_j += p_j·do,  ds_j = p_j·(do·v_j − do·o),  dq += scale·ds_j·k_j,  dk_j += scale·ds_j·q.
//
// Work is split by (row, KV head), so each task owns the dk/dv rows it
// writes and the result does not depend on the thread count.
func AttnBackward[F Float](dq, dk, dv, dout, q, k, v, out, lse []F, B, T, H, Hkv, d, chunk int, scale F, scr [][]F) {
	AttnBackwardDocs(dq, dk, dv, dout, q, k, v, out, lse, B, T, H, Hkv, d, chunk, scale, scr, Docs{})
}

// AttnBackwardDocs is AttnBackward on rows of packed documents (Docs).
func AttnBackwardDocs[F Float](dq, dk, dv, dout, q, k, v, out, lse []F, B, T, H, Hkv, d, chunk int, scale F, scr [][]F, docs Docs) {
	if dq32, ok := any(dq).([]float32); ok && littleEndian {
		attnBackward32(dq32, any(dk).([]float32), any(dv).([]float32), any(dout).([]float32), any(q).([]float32),
			any(k).([]float32), any(v).([]float32), any(out).([]float32), any(lse).([]float32),
			B, T, H, Hkv, d, chunk, float32(scale), any(scr).([][]float32), docs)
		return
	}
	l := newAttnLayout(B, T, H, Hkv, d)
	eachKVHead(l, dk, dv, scr, func(_ []F, b, g int) {
		for h := g * l.G; h < (g+1)*l.G; h++ {
			for t := 0; t < T; t++ {
				qo := l.q(b, t, h)
				qv, dov, dqv := q[qo:qo+d], dout[qo:qo+d], dq[qo:qo+d]
				clear(dqv)
				Dt := Dot(dov, out[qo:qo+d])
				L := float64(lse[(b*T+t)*H+h])
				for j := docs.lo(b, T, t, chunk); j <= t; j++ {
					r := l.kv(b, j, g)
					kj, vj := k[r:r+d], v[r:r+d]
					p := F(math.Exp(float64(Dot(qv, kj)*scale) - L))
					ds := p * (Dot(dov, vj) - Dt) * scale
					Axpy(dqv, ds, kj)
					Axpy(dk[r:r+d], ds, qv)
					Axpy(dv[r:r+d], p, dov)
				}
			}
		}
	})
}
