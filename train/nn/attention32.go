package nn

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/kernels/attention"
)

// float32 attention on the inference attention kernels: a query's scores
// against all its visible keys in one attention.DotsF32 call, the softmax
// weights from attention.Max and attention.ExpSub, and the weighted sum of
// values in one attention.AxpysF32 call. Same math as the generic
// AttnForward/AttnBackward (which the float64 finite-difference checks run);
// the exponential is float32 (relative error below 4e-7).

// rowBytes32 views v as bytes, for the kernels that read rows at byte
// strides (as little-endian float32: see littleEndian).
func rowBytes32(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

// littleEndian reports whether float32 memory is laid out as the kernels'
// byte-row readers expect; elsewhere the generic loops run.
var littleEndian = func() bool {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], math.Float32bits(1))
	return binary.LittleEndian.Uint32(b[:]) == math.Float32bits(1)
}()

func attnForward32(out, lse, q, k, v []float32, B, T, H, Hkv, d, chunk int, scale float32, scr [][]float32, docs Docs) {
	l := newAttnLayout(B, T, H, Hkv, d)
	eachQueryHead(l, scr, func(sc []float32, b, h, g int) {
		for t := 0; t < T; t++ {
			qo := l.q(b, t, h)
			lo := docs.lo(b, T, t, chunk)
			s := sc[:t-lo+1]
			r0 := l.kv(b, lo, g)
			attention.DotsF32(s, q[qo:qo+d], rowBytes32(k[r0:]), 4*l.kd)
			for j := range s {
				s[j] *= scale
			}
			m := attention.Max(s)
			sum := attention.ExpSub(s, m)
			lse[(b*T+t)*H+h] = m + float32(math.Log(float64(sum)))
			inv := 1 / sum
			for j := range s {
				s[j] *= inv
			}
			o := out[qo : qo+d]
			clear(o)
			attention.AxpysF32(o, s, rowBytes32(v[r0:]), 4*l.kd)
		}
	})
}

// attnBackward32 needs three score rows of scratch per worker: scr[w] holds
// 3·T floats. It makes two passes per head: by query row for dq (the row's
// probabilities and score gradients against its visible keys), and by key
// for dk and dv (the same quantities down the key's column, over the queries
// that see it), so that every pass is a few whole-row kernel calls rather
// than one small call per (query, key) pair.
func attnBackward32(dq, dk, dv, dout, q, k, v, out, lse []float32, B, T, H, Hkv, d, chunk int, scale float32, scr [][]float32, docs Docs) {
	l := newAttnLayout(B, T, H, Hkv, d)
	qd, kd := l.qd, l.kd
	eachKVHead(l, dk, dv, scr, func(sc []float32, b, g int) {
		D := sc[2*T : 3*T]
		for h := g * l.G; h < (g+1)*l.G; h++ {
			// Rows: dq_t = Σ_j ds_tj·k_j.
			for t := 0; t < T; t++ {
				qo := l.q(b, t, h)
				qv, dov, dqv := q[qo:qo+d], dout[qo:qo+d], dq[qo:qo+d]
				Dt := kernels.Dot(dov, out[qo:qo+d])
				D[t] = Dt
				lo := docs.lo(b, T, t, chunk)
				nj := t - lo + 1
				p, ds := sc[:nj], sc[T:T+nj]
				r0 := l.kv(b, lo, g)
				kb := rowBytes32(k[r0:])
				attention.DotsF32(p, qv, kb, 4*kd)
				for j := range p {
					p[j] *= scale
				}
				attention.ExpSub(p, lse[(b*T+t)*H+h]) // p_j = exp(scale·q·k_j − lse)
				attention.DotsF32(ds, dov, rowBytes32(v[r0:]), 4*kd)
				for j, pj := range p {
					ds[j] = pj * (ds[j] - Dt) * scale
				}
				clear(dqv)
				attention.AxpysF32(dqv, ds, kb, 4*kd)
			}
			// Columns: dk_j = Σ_t ds_tj·q_t, dv_j = Σ_t p_tj·do_t over the
			// queries t ≥ j of j's chunk (all later ones without chunks)
			// and document.
			for j := 0; j < T; j++ {
				hi := docs.hi(b, T, j, chunk)
				nt := hi - j
				p, ds := sc[:nt], sc[T:T+nt]
				rk := l.kv(b, j, g)
				kj, vj := k[rk:rk+d], v[rk:rk+d]
				q0 := l.q(b, j, h)
				qb, ob := rowBytes32(q[q0:]), rowBytes32(dout[q0:])
				attention.DotsF32(p, kj, qb, 4*qd)
				for i := range p {
					p[i] = p[i]*scale - lse[(b*T+j+i)*H+h]
				}
				attention.ExpSub(p, 0)
				attention.DotsF32(ds, vj, ob, 4*qd)
				for i, pi := range p {
					ds[i] = pi * (ds[i] - D[j+i]) * scale
				}
				attention.AxpysF32(dk[rk:rk+d], ds, qb, 4*qd)
				attention.AxpysF32(dv[rk:rk+d], p, ob, 4*qd)
			}
		}
	})
}
