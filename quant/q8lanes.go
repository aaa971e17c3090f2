package quant

import "github.com/herd-llm/herd/tensor"

// Q8Lanes is the number of float lanes of DotQ8_0Lanes: one per group of
// four consecutive values of a 32-value block.
const Q8Lanes = 8

// DotQ8_0Lanes returns the dot product of n values of a Q8_0 weight row w
// with a Q8_0 activation row a in herd's lane order, the one the AVX2 (and
// portable) kernels.MatMul follows bit for bit. It keeps Q8Lanes float32
// sums, like the 8 float lanes of an AVX2 register: for block b and lane l
// the integer s_bl = Σ_{k<4} w[4l+k]·a[4l+k] is exact, and
//
//	acc_l += float32(float32(float32(s_bl)·d_w)·d_a)   block after block,
//
// then the result is LaneSum(acc). ggml's reference (DotQ8_0) sums the same
// exact integers per block first (sumf += float32(sumi_b)·(d_w·d_a)); the
// two differ only by float32 rounding, at most (2·nb + 8)·2⁻²⁴·M with
// M = Σ_b |d_w·d_a|·Σ_l |s_bl| (TestDotQ8_0LanesNearGGML), as long as no
// scale product overflows (activations beyond the f16 range make d_a
// infinite; both orders then give ±Inf or NaN, not always the same one).
// It panics if n is not a multiple of 32 or a row is too short.
func DotQ8_0Lanes(w, a []byte, n int) float32 {
	nb := dotBlocks("DotQ8_0Lanes", tensor.Q8_0, tensor.Q8_0, w, a, n)
	var acc [Q8Lanes]float32
	for x, y := range inBlocks(w, blockQ8_0Bytes, a, blockQ8_0Bytes, nb) {
		dw, da := getF16(x), getF16(y)
		xq, yq := x[2:2+qk8_0], y[2:2+qk8_0]
		for l := range acc {
			var s int32
			for k := 4 * l; k < 4*l+4; k++ {
				s += int32(int8(xq[k])) * int32(int8(yq[k]))
			}
			acc[l] += float32(float32(float32(s)*dw) * da)
		}
	}
	return LaneSum(&acc)
}

// LaneSum adds the 8 lane sums of DotQ8_0Lanes in the order the AVX2 kernels
// reduce a register: the two 128-bit halves, then the 64-bit halves, then the
// last pair, ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)).
func LaneSum(a *[Q8Lanes]float32) float32 {
	return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]))
}
