package kernels

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

// The K-family (Q4_K, Q6_K weights × Q8_K activations) dot product, in the
// order every MatMul implementation follows bit for bit.
//
// Per super-block b of 256 values the integer total is exact (any order):
//
//	Q4_K: isum_b = Σ_j sc_j · Σ_{i<32} q[32j+i]·a[32j+i],  msum_b = Σ_j m_j·(bsums[2j] + bsums[2j+1])
//	Q6_K: isum_b = Σ_j sc_j · Σ_{i<16} (q[16j+i] − 32)·a[16j+i]
//
// and the float part is, with d = f16(d_w)·d_a and dmin = f16(dmin_w)·d_a
// rounded to float32 as ggml rounds them:
//
//	Q4_K: sumf += float32(d·float32(isum_b)) − float32(dmin·float32(msum_b))
//	Q6_K: sumf += float32(d·float32(isum_b))
//
// super-block after super-block. ggml's reference (quant.DotQ4K, DotQ6K)
// keeps eight float sums per row (one per position mod 8) and adds them at
// the end; the integers are the same, so the two differ only by float32
// rounding, at most (2·nb + 12)·2⁻²⁴·Σ_b(|d·isum_b| + |dmin·msum_b|)
// (TestKDotNearGGML). One float operation per super-block instead of eight
// is what lets the AVX2 kernels reduce each super-block in integers, as
// llama.cpp's do.

// q8KBytes is the size of one Q8_K activation block: f32 d, 256 int8
// quants, 16 int16 bsums (sums of 16 quants).
const q8KBytes = 292

// dotK returns the K-family dot product of n values of weight row w (Q4_K or
// Q6_K) with the Q8_K activation row a. It panics on other formats or short
// rows.
func dotK(f quant.Format, w, a []byte, n int) float32 {
	nb := n / 256
	bb := 144
	if f == quant.Q6_K {
		bb = 210
	} else if f != quant.Q4_K {
		panic(fmt.Sprintf("kernels: dotK: %s is not a K-family format", f))
	}
	if n%256 != 0 || len(w) < nb*bb || len(a) < nb*q8KBytes {
		panic(fmt.Sprintf("kernels: dotK: %d values, %d weight bytes, %d activation bytes", n, len(w), len(a)))
	}
	var sumf float32
	for b := range nb {
		x, y := w[b*bb:(b+1)*bb], a[b*q8KBytes:(b+1)*q8KBytes]
		dA := math.Float32frombits(binary.LittleEndian.Uint32(y))
		if f == quant.Q4_K {
			isum, msum := sbQ4K(x, y)
			d := float32(f16(x[0:]) * dA)
			dmin := float32(f16(x[2:]) * dA)
			sumf += float32(d*float32(isum)) - float32(dmin*float32(msum))
		} else {
			d := float32(f16(x[208:]) * dA)
			sumf += float32(d * float32(sbQ6K(x, y)))
		}
	}
	return sumf
}

func f16(b []byte) float32 { return tensor.F16ToF32(binary.LittleEndian.Uint16(b)) }

// bsum returns Q8_K activation block y's sum of quants 16k..16k+15.
func bsum(y []byte, k int) int32 { return int32(int16(binary.LittleEndian.Uint16(y[260+2*k:]))) }

// scaleMinK4 unpacks the 6-bit scale and min of Q4_K sub-block j.
func scaleMinK4(j int, q []byte) (sc, m int32) {
	if j < 4 {
		return int32(q[j] & 63), int32(q[j+4] & 63)
	}
	return int32(q[j+4]&0xf | (q[j-4]>>6)<<4), int32(q[j+4]>>4 | (q[j]>>6)<<4)
}

// sbQ4K returns isum_b and msum_b of one Q4_K block x against Q8_K block y.
// Chunk c of x's quants holds sub-block 2c in its low nibbles and 2c+1 in
// its high nibbles.
func sbQ4K(x, y []byte) (isum, msum int32) {
	sc := x[4:16]
	for c := range 4 {
		s1, m1 := scaleMinK4(2*c, sc)
		s2, m2 := scaleMinK4(2*c+1, sc)
		var lo, hi int32
		for i := range 32 {
			q := x[16+32*c+i]
			lo += int32(q&0xf) * int32(int8(y[4+64*c+i]))
			hi += int32(q>>4) * int32(int8(y[4+64*c+32+i]))
		}
		isum += s1*lo + s2*hi
		msum += m1*(bsum(y, 4*c)+bsum(y, 4*c+1)) + m2*(bsum(y, 4*c+2)+bsum(y, 4*c+3))
	}
	return isum, msum
}

// sbQ6K returns isum_b of one Q6_K block x against Q8_K block y. Half h
// holds values 128h+32m+l (quarter m = 0..3, l = 0..31): low 4 bits in
// ql[64h + l + 32(m&1)] (low nibble for m < 2, high for m ≥ 2), high 2 bits
// in qh[32h+l] at bit 2m; sub-block (16 values) k has scale sc[k].
func sbQ6K(x, y []byte) int32 {
	var isum int32
	for h := range 2 {
		for m := range 4 {
			for l := range 32 {
				ql := x[64*h+l+32*(m&1)]
				if m >= 2 {
					ql >>= 4
				}
				q := int32(ql&0xf|(x[128+32*h+l]>>(2*m)&3)<<4) - 32
				v := 128*h + 32*m + l
				isum += int32(int8(x[192+v/16])) * q * int32(int8(y[4+v]))
			}
		}
	}
	return isum
}
