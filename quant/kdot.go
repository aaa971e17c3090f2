package quant

import (
	"encoding/binary"
	"fmt"

	"github.com/herd-llm/herd/tensor"
)

// DotKBlocks returns the dot product of n values of a Q4_K or Q6_K weight
// row w with a Q8_K activation row a in herd's K-family order, the one every
// kernels.MatMul implementation follows bit for bit. Per 256-value block b the
// integer totals are exact (any order):
//
//	Q4_K: isum_b = Σ_j sc_j · Σ_{i<32} q[32j+i]·a[32j+i],  msum_b = Σ_j m_j·(bsums[2j] + bsums[2j+1])
//	Q6_K: isum_b = Σ_j sc_j · Σ_{i<16} (q[16j+i] − 32)·a[16j+i]
//
// and the float part is, with d = f16(d_w)·d_a and dmin = f16(dmin_w)·d_a
// rounded to float32 as ggml rounds them, block after block:
//
//	Q4_K: sumf += float32(d·float32(isum_b)) − float32(dmin·float32(msum_b))
//	Q6_K: sumf += float32(d·float32(isum_b))
//
// ggml's reference (Dot, DotQ4K, DotQ6K) keeps eight float sums per row (one
// per position mod 8) and adds them at the end; the integers are the same, so
// the two differ only by float32 rounding, at most (2·nb + 12)·2⁻²⁴·S with S
// = Σ_b(Σ_l |d·aux_b[l]| + |dmin·msum_b|), aux_b[l] ggml's integer sum of the
// positions ≡ l (mod 8) (TestDotKBlocksNearGGML). One float step per block
// instead of eight is what lets SIMD kernels reduce each block in integers,
// as llama.cpp's do. It panics for other formats or short rows.
func DotKBlocks(f tensor.DType, w, a []byte, n int) float32 {
	if f != tensor.Q4K && f != tensor.Q6K {
		panic(fmt.Sprintf("quant: DotKBlocks: %s is not Q4_K or Q6_K", f))
	}
	nb := dotBlocks("DotKBlocks", f, tensor.Q8K, w, a, n)
	bb := f.BlockBytes()
	var sumf float32
	for b := range nb {
		x, y := w[b*bb:(b+1)*bb], a[b*blockQ8KBytes:(b+1)*blockQ8KBytes]
		dA := getF32(y)
		if f == tensor.Q4K {
			isum, msum := blockQ4K(x, y)
			d := float32(getF16(x[0:]) * dA)
			dmin := float32(getF16(x[2:]) * dA)
			sumf += float32(d*float32(isum)) - float32(dmin*float32(msum))
		} else {
			d := float32(getF16(x[q6kD:]) * dA)
			sumf += float32(d * float32(blockQ6K(x, y)))
		}
	}
	return sumf
}

// bsum returns Q8_K block y's sum of quants 16k..16k+15.
func bsum(y []byte, k int) int32 {
	return int32(int16(binary.LittleEndian.Uint16(y[q8kBsums+2*k:])))
}

// blockQ4K returns isum_b and msum_b of one Q4_K block x against Q8_K block
// y. Chunk c of x's quants holds sub-block 2c in its low nibbles and 2c+1 in
// its high nibbles.
func blockQ4K(x, y []byte) (isum, msum int32) {
	sc := x[q4kScales : q4kScales+12]
	for c := range 4 {
		s1, m1 := scaleMinK4(2*c, sc)
		s2, m2 := scaleMinK4(2*c+1, sc)
		var lo, hi int32
		for i := range 32 {
			q := x[q4kQs+32*c+i]
			lo += int32(q&0xf) * int32(int8(y[q8kQs+64*c+i]))
			hi += int32(q>>4) * int32(int8(y[q8kQs+64*c+32+i]))
		}
		isum += int32(s1)*lo + int32(s2)*hi
		msum += int32(m1)*(bsum(y, 4*c)+bsum(y, 4*c+1)) + int32(m2)*(bsum(y, 4*c+2)+bsum(y, 4*c+3))
	}
	return isum, msum
}

// q6Value returns the 6-bit quant (0..63) of value v of Q6_K block x: half h
// holds values 128h+32m+l (quarter m = 0..3, l = 0..31), low 4 bits in
// ql[64h + l + 32(m&1)] (low nibble for m < 2, high for m ≥ 2), high 2 bits
// in qh[32h+l] at bit 2m.
func q6Value(x []byte, v int) int32 {
	h, m, l := v/128, v%128/32, v%32
	ql := x[64*h+l+32*(m&1)]
	if m >= 2 {
		ql >>= 4
	}
	return int32(ql&0xf | (x[q6kQh+32*h+l]>>(2*m)&3)<<4)
}

// blockQ6K returns isum_b of one Q6_K block x against Q8_K block y;
// sub-block (16 values) k has scale sc[k].
func blockQ6K(x, y []byte) int32 {
	var isum int32
	for v := range qkK {
		isum += int32(int8(x[q6kScales+v/16])) * (q6Value(x, v) - 32) * int32(int8(y[q8kQs+v]))
	}
	return isum
}
