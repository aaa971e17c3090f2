package quant

import "github.com/herd-llm/herd/tensor"

// Block geometry and field offsets of Q6_K (see the Q6_K constant).
const (
	blockQ6KBytes = qkK/2 + qkK/4 + qkK/16 + 2
	q6kQh         = qkK / 2
	q6kScales     = qkK/2 + qkK/4
	q6kD          = q6kScales + qkK/16
)

// quantizeQ6K is ggml's quantize_row_q6_K_ref.
func quantizeQ6K(dst []byte, src []float32) {
	var (
		L      [qkK]int8
		scales [qkK / 16]float32
	)
	for x, b := range inBlocks(src, qkK, dst, blockQ6KBytes, len(src)/qkK) {
		var maxScale, maxAbsScale float32
		for ib := 0; ib < qkK/16; ib++ {
			scale := makeQXQuants(32, x[16*ib:16*ib+16], L[16*ib:16*ib+16])
			scales[ib] = scale
			if a := abs32(scale); a > maxAbsScale {
				maxAbsScale, maxScale = a, scale
			}
		}
		if maxAbsScale < groupMaxEps {
			clear(b) // all-zero block, d = +0
			continue
		}
		iscale := -128 / maxScale
		putF16(b[q6kD:], 1/iscale)
		sc := b[q6kScales : q6kScales+qkK/16]
		for ib := range sc {
			sc[ib] = byte(int8(min(127, nearestInt(iscale*scales[ib])))) // int8_t wrap, as in C
		}
		dsup := getF16(b[q6kD:])
		for j := 0; j < qkK/16; j++ {
			d := dsup * float32(int8(sc[j]))
			if d == 0 {
				continue
			}
			for ii := 0; ii < 16; ii++ {
				l := nearestInt(x[16*j+ii] / d)
				L[16*j+ii] = int8(max(-32, min(31, l)) + 32)
			}
		}
		ql := b[0:q6kQh]
		qh := b[q6kQh:q6kScales]
		for j := 0; j < qkK; j += 128 {
			for l := 0; l < 32; l++ {
				q1 := uint8(L[j+l]) & 0xf
				q2 := uint8(L[j+l+32]) & 0xf
				q3 := uint8(L[j+l+64]) & 0xf
				q4 := uint8(L[j+l+96]) & 0xf
				ql[l] = q1 | q3<<4
				ql[l+32] = q2 | q4<<4
				qh[l] = uint8(L[j+l])>>4 | (uint8(L[j+l+32])>>4)<<2 | (uint8(L[j+l+64])>>4)<<4 | (uint8(L[j+l+96])>>4)<<6
			}
			ql = ql[64:]
			qh = qh[32:]
		}
	}
}

// makeQXQuants is ggml's make_qx_quants with rmse_type = 1 and no importance
// weights (weights x²): it fits x ≈ scale·(L − nmax), trying 19 candidate
// scales, stores L in [0, 2·nmax) and returns scale.
func makeQXQuants(nmax int32, x []float32, L []int8) float32 {
	amax, xmax := signedAbsMax(x)
	if amax < groupMaxEps {
		for i := range x {
			L[i] = 0
		}
		return 0
	}
	iscale := float32(-nmax) / xmax
	var sumlx, suml2 float32
	for i, v := range x {
		l := max(-nmax, min(nmax-1, nearestInt(iscale*v)))
		L[i] = int8(l + nmax)
		w := float32(v * v)
		fl := float32(l)
		sumlx += float32(float32(w*v) * fl)
		suml2 += float32(float32(w*fl) * fl)
	}
	var scale float32
	if suml2 != 0 {
		scale = sumlx / suml2
	}
	best := float32(scale * sumlx)
	for is := -9; is <= 9; is++ {
		if is == 0 {
			continue
		}
		iscale = -(float32(nmax) + float32(0.1*float32(is))) / xmax
		sumlx, suml2 = 0, 0
		for _, v := range x {
			l := max(-nmax, min(nmax-1, nearestInt(iscale*v)))
			w := float32(v * v)
			fl := float32(l)
			sumlx += float32(float32(w*v) * fl)
			suml2 += float32(float32(w*fl) * fl)
		}
		if suml2 > 0 && float32(sumlx*sumlx) > float32(best*suml2) {
			for i, v := range x {
				l := nearestInt(iscale * v)
				L[i] = int8(nmax + max(-nmax, min(nmax-1, l)))
			}
			scale = sumlx / suml2
			best = float32(scale * sumlx)
		}
	}
	return scale
}

// dequantizeQ6K is ggml's dequantize_row_q6_K: y = (d·scale)·(q − 32).
func dequantizeQ6K(dst []float32, src []byte) {
	for b, y := range inBlocks(src, blockQ6KBytes, dst, qkK, len(dst)/qkK) {
		d := getF16(b[q6kD:])
		for h := 0; h < 2; h++ {
			ql := (*[64]byte)(b[64*h:])
			qh := (*[32]byte)(b[q6kQh+32*h:])
			sc := (*[8]byte)(b[q6kScales+8*h:])
			yh := (*[128]float32)(y[128*h:])
			for l := 0; l < 32; l++ {
				is := l / 16
				q1, q2, q3, q4 := q6Quad(ql[l], ql[l+32], qh[l])
				yh[l] = d * float32(int8(sc[is])) * float32(q1)
				yh[l+32] = d * float32(int8(sc[is+2])) * float32(q2)
				yh[l+64] = d * float32(int8(sc[is+4])) * float32(q3)
				yh[l+96] = d * float32(int8(sc[is+6])) * float32(q4)
			}
		}
	}
}

// q6Quad decodes the four quants (minus 32) that share ql bytes lo (l) and
// hi (l+32) and qh byte h: values l, l+32, l+64 and l+96 of a half block.
func q6Quad(lo, hi, h byte) (v0, v1, v2, v3 int32) {
	v0 = int32(lo&0xf|(h&3)<<4) - 32
	v1 = int32(hi&0xf|(h>>2&3)<<4) - 32
	v2 = int32(lo>>4|(h>>4&3)<<4) - 32
	v3 = int32(hi>>4|(h>>6)<<4) - 32
	return
}

// DotQ6K returns the dot product of n values of a Q6_K weight row w with a
// Q8_K activation row a (both n/256 blocks), with the arithmetic of ggml's
// ggml_vec_dot_q6_K_q8_K_generic: exact integer sums kept in 8 lanes
// (position mod 8) per super-block, sums[l] += (d_w·d_a)·lane[l], and the 8
// lanes added in order at the end. The result is bit-equal to ggml's. It
// panics if n is not a multiple of 256 or a row is too short.
func DotQ6K(w, a []byte, n int) float32 {
	nb := dotBlocks("DotQ6K", tensor.Q6K, tensor.Q8K, w, a, n)
	var sums [8]float32
	for x, y := range inBlocks(w, blockQ6KBytes, a, blockQ8KBytes, nb) {
		q8 := y[q8kQs : q8kQs+qkK]
		sc := x[q6kScales : q6kScales+qkK/16]
		// Half h holds values 128h+32m+p (quarter m = 0..3, p = 0..31) in
		// sub-block 8h+2m+p/16. The integer sums are exact, so only the lane
		// (position mod 8) of each product matters, not the order within it.
		var aux32 [8]int32
		for h := 0; h < 2; h++ {
			ql := (*[64]byte)(x[64*h:])
			qh := (*[32]byte)(x[q6kQh+32*h:])
			yy := (*[128]byte)(q8[128*h:])
			for half := 0; half < 2; half++ {
				s0 := int32(int8(sc[8*h+half]))
				s1 := int32(int8(sc[8*h+2+half]))
				s2 := int32(int8(sc[8*h+4+half]))
				s3 := int32(int8(sc[8*h+6+half]))
				for l := 0; l < 8; l++ {
					p := 16*half + l
					v0, v1, v2, v3 := q6Quad(ql[p], ql[p+32], qh[p])
					w0, w1, w2, w3 := q6Quad(ql[p+8], ql[p+40], qh[p+8])
					aux32[l] += s0*(int32(int8(yy[p]))*v0+int32(int8(yy[p+8]))*w0) +
						s1*(int32(int8(yy[p+32]))*v1+int32(int8(yy[p+40]))*w1) +
						s2*(int32(int8(yy[p+64]))*v2+int32(int8(yy[p+72]))*w2) +
						s3*(int32(int8(yy[p+96]))*v3+int32(int8(yy[p+104]))*w3)
				}
			}
		}
		d := float32(getF16(x[q6kD:]) * getF32(y))
		for l := range sums {
			sums[l] += float32(d * float32(aux32[l]))
		}
	}
	var sumf float32
	for _, s := range sums {
		sumf += s
	}
	return sumf
}
