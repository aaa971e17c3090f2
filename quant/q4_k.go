package quant

import "github.com/herd-llm/herd/tensor"

// Block geometry and field offsets of Q4_K (see the Q4_K constant).
const (
	blockQ4KBytes = 4 + 12 + qkK/2
	q4kScales     = 4
	q4kQs         = 16
)

// scaleMinK4 is ggml's get_scale_min_k4: the 6-bit scale and min of sub-block j.
func scaleMinK4(j int, q []byte) (sc, m uint8) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	return q[j+4]&0xf | (q[j-4]>>6)<<4, q[j+4]>>4 | (q[j]>>6)<<4
}

// quantizeQ4K is ggml's quantize_row_q4_K_ref.
func quantizeQ4K(dst []byte, src []float32) {
	var (
		L       [qkK]uint8
		laux    [32]uint8
		weights [32]float32
		mins    [qkK / 32]float32
		scales  [qkK / 32]float32
	)
	for x, b := range inBlocks(src, qkK, dst, blockQ4KBytes, len(src)/qkK) {
		clear(b) // the packing below ORs into scales[0:8]
		var maxScale, maxMin float32
		for j := 0; j < qkK/32; j++ {
			xs := x[32*j : 32*j+32]
			var sumX2 float32
			for _, v := range xs {
				sumX2 += float32(v * v)
			}
			avX := sqrt32(sumX2 / 32)
			for l, v := range xs {
				weights[l] = avX + abs32(v)
			}
			scales[j] = makeQKX2Quants(15, xs, weights[:], L[32*j:32*j+32], &mins[j], laux[:], -1, 0.1, 20)
			if scales[j] > maxScale {
				maxScale = scales[j]
			}
			if mins[j] > maxMin {
				maxMin = mins[j]
			}
		}

		var invScale, invMin float32
		if maxScale > 0 {
			invScale = 63 / maxScale
		}
		if maxMin > 0 {
			invMin = 63 / maxMin
		}
		sc := b[q4kScales : q4kScales+12]
		for j := 0; j < qkK/32; j++ {
			ls := uint8(nearestInt(invScale * scales[j])) // uint8_t wrap, as in C
			lm := uint8(nearestInt(invMin * mins[j]))
			ls = min(63, ls)
			lm = min(63, lm)
			if j < 4 {
				sc[j] = ls
				sc[j+4] = lm
			} else {
				sc[j+4] = ls&0xf | (lm&0xf)<<4
				sc[j-4] |= (ls >> 4) << 6
				sc[j] |= (lm >> 4) << 6
			}
		}
		putF16(b[0:], maxScale/63)
		putF16(b[2:], maxMin/63)
		dsup, dminSup := getF16(b[0:]), getF16(b[2:])

		for j := 0; j < qkK/32; j++ {
			s, m := scaleMinK4(j, sc)
			d := dsup * float32(s)
			if d == 0 {
				continue
			}
			dm := dminSup * float32(m)
			for ii := 0; ii < 32; ii++ {
				l := nearestInt((x[32*j+ii] + dm) / d)
				L[32*j+ii] = uint8(max(0, min(15, l)))
			}
		}

		q := b[q4kQs : q4kQs+qkK/2]
		for j := 0; j < qkK; j += 64 {
			for l := 0; l < 32; l++ {
				q[l] = L[j+l] | L[j+l+32]<<4
			}
			q = q[32:]
		}
	}
}

// makeQKX2Quants is ggml's make_qkx2_quants with use_mad = false: it fits
// x ≈ scale·L + min (L in [0, nmax], min ≤ 0) minimizing the weighted squared
// error over nstep+1 candidate scales, stores L and −min and returns scale.
// Every product feeding a sum is rounded on its own (no FMA), as in ggml's C.
func makeQKX2Quants(nmax int32, x, weights []float32, L []uint8, theMin *float32, laux []uint8, rmin, rdelta float32, nstep int) float32 {
	n := len(x)
	xmin, xmax := x[0], x[0]
	sumW := weights[0]
	sumX := float32(sumW * x[0])
	for i := 1; i < n; i++ {
		if x[i] < xmin {
			xmin = x[i]
		}
		if x[i] > xmax {
			xmax = x[i]
		}
		w := weights[i]
		sumW += w
		sumX += float32(w * x[i])
	}
	if xmin > 0 {
		xmin = 0
	}
	if xmax == xmin {
		for i := range n {
			L[i] = 0
		}
		*theMin = -xmin
		return 0
	}
	fnmax := float32(nmax)
	iscale := fnmax / (xmax - xmin)
	scale := 1 / iscale
	var bestError float32
	for i := range n {
		l := nearestInt(float32(iscale * (x[i] - xmin)))
		L[i] = uint8(max(0, min(nmax, l)))
		diff := float32(float32(scale*float32(L[i]))+xmin) - x[i]
		diff = diff * diff
		bestError += float32(weights[i] * diff)
	}
	if nstep < 1 {
		*theMin = -xmin
		return scale
	}
	for is := 0; is <= nstep; is++ {
		iscale = (float32(rmin+float32(rdelta*float32(is))) + fnmax) / (xmax - xmin)
		var sumL, sumL2, sumXL float32
		for i := range n {
			l := max(0, min(nmax, nearestInt(float32(iscale*(x[i]-xmin)))))
			laux[i] = uint8(l)
			w := weights[i]
			fl := float32(l)
			wl := float32(w * fl)
			sumL += wl
			sumL2 += float32(wl * fl)
			sumXL += float32(wl * x[i])
		}
		D := float32(sumW*sumL2) - float32(sumL*sumL)
		if D > 0 {
			thisScale := (float32(sumW*sumXL) - float32(sumX*sumL)) / D
			thisMin := (float32(sumL2*sumX) - float32(sumL*sumXL)) / D
			if thisMin > 0 {
				thisMin = 0
				thisScale = sumXL / sumL2
			}
			var curError float32
			for i := range n {
				diff := float32(float32(thisScale*float32(laux[i]))+thisMin) - x[i]
				diff = diff * diff
				curError += float32(weights[i] * diff)
			}
			if curError < bestError {
				copy(L[:n], laux[:n])
				bestError = curError
				scale = thisScale
				xmin = thisMin
			}
		}
	}
	*theMin = -xmin
	return scale
}

// dequantizeQ4K is ggml's dequantize_row_q4_K: y = (d·sc)·q − (dmin·m).
func dequantizeQ4K(dst []float32, src []byte) {
	for b, y := range inBlocks(src, blockQ4KBytes, dst, qkK, len(dst)/qkK) {
		d, dmin := getF16(b[0:]), getF16(b[2:])
		sc := b[q4kScales : q4kScales+12]
		q := b[q4kQs : q4kQs+qkK/2]
		for c := 0; c < 4; c++ {
			s1, m1 := scaleMinK4(2*c, sc)
			s2, m2 := scaleMinK4(2*c+1, sc)
			d1, mm1 := d*float32(s1), dmin*float32(m1)
			d2, mm2 := d*float32(s2), dmin*float32(m2)
			qc := q[32*c : 32*c+32]
			y1 := y[64*c : 64*c+32]
			y2 := y[64*c+32 : 64*c+64]
			for l, v := range qc {
				y1[l] = float32(d1*float32(v&0xf)) - mm1
				y2[l] = float32(d2*float32(v>>4)) - mm2
			}
		}
	}
}

// DotQ4K returns the dot product of n values of a Q4_K weight row w with a
// Q8_K activation row a (both n/256 blocks), with the arithmetic of ggml's
// ggml_vec_dot_q4_K_q8_K_generic: exact integer sums kept in 8 lanes
// (position mod 8) per super-block, sums[l] += (d_w·d_a)·lane[l], the minimum
// term sumf −= (dmin_w·d_a)·Σ bsums·m subtracted per super-block, and the 8
// lanes added to sumf at the end. The result is bit-equal to ggml's. It panics
// if n is not a multiple of 256 or a row is too short.
func DotQ4K(w, a []byte, n int) float32 {
	nb := dotBlocks("DotQ4K", tensor.Q4K, tensor.Q8K, w, a, n)
	var sums [8]float32
	var sumf float32
	for x, y := range inBlocks(w, blockQ4KBytes, a, blockQ8KBytes, nb) {
		sc := x[q4kScales : q4kScales+12]
		q4 := x[q4kQs : q4kQs+qkK/2]
		q8 := y[q8kQs : q8kQs+qkK]
		bs := y[q8kBsums : q8kBsums+qkK/8]

		var sumi int32
		for j := 0; j < qkK/32; j++ {
			_, m := scaleMinK4(j, sc)
			sumi += (int32(int16(uint16(bs[4*j])|uint16(bs[4*j+1])<<8)) + int32(int16(uint16(bs[4*j+2])|uint16(bs[4*j+3])<<8))) * int32(m)
		}
		// Chunk c holds sub-blocks 2c (low nibbles) and 2c+1 (high nibbles).
		// The integer sums are exact, so only the lane (position mod 8) of
		// each product matters, not the order within a lane.
		var aux32 [8]int32
		for c := 0; c < 4; c++ {
			s1, _ := scaleMinK4(2*c, sc)
			s2, _ := scaleMinK4(2*c+1, sc)
			qq := (*[32]byte)(q4[32*c:])
			ylo := (*[32]byte)(q8[64*c:])
			yhi := (*[32]byte)(q8[64*c+32:])
			for l := 0; l < 8; l++ {
				lo := int32(int8(ylo[l]))*int32(qq[l]&0xf) + int32(int8(ylo[l+8]))*int32(qq[l+8]&0xf) +
					int32(int8(ylo[l+16]))*int32(qq[l+16]&0xf) + int32(int8(ylo[l+24]))*int32(qq[l+24]&0xf)
				hi := int32(int8(yhi[l]))*int32(qq[l]>>4) + int32(int8(yhi[l+8]))*int32(qq[l+8]>>4) +
					int32(int8(yhi[l+16]))*int32(qq[l+16]>>4) + int32(int8(yhi[l+24]))*int32(qq[l+24]>>4)
				aux32[l] += int32(s1)*lo + int32(s2)*hi
			}
		}
		dA := getF32(y)
		d := float32(getF16(x[0:]) * dA)
		for l := range sums {
			sums[l] += float32(d * float32(aux32[l]))
		}
		dmin := float32(getF16(x[2:]) * dA)
		sumf -= float32(dmin * float32(sumi))
	}
	for _, s := range sums {
		sumf += s
	}
	return sumf
}
