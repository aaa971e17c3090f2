package quant

import (
	"encoding/binary"
	"math"

	"github.com/herd-llm/herd/tensor"
)

// Block geometry of Q8_0 (see the Q8_0 constant for the layout).
const (
	qk8_0          = 32
	blockQ8_0Bytes = 2 + qk8_0
)

// quantizeQ8_0 is ggml's quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d)
// computed as x·(1/d) with the float32 (not the f16) d, half away from zero.
func quantizeQ8_0(dst []byte, src []float32) {
	for x, b := range inBlocks(src, qk8_0, dst, blockQ8_0Bytes, len(src)/qk8_0) {
		d := absMax(x) / 127
		id := invOrZero(d)
		putF16(b, d)
		for j, v := range x {
			b[2+j] = byte(int8(math.Round(float64(v * id))))
		}
	}
}

// dequantizeQ8_0 is ggml's dequantize_row_q8_0: y = q·d.
func dequantizeQ8_0(dst []float32, src []byte) {
	for y, b := range inBlocks(dst, qk8_0, src, blockQ8_0Bytes, len(dst)/qk8_0) {
		y, qs := (*[qk8_0]float32)(y), (*[qk8_0]byte)(b[2:])
		d := getF16(b)
		for j := range y {
			y[j] = float32(int8(qs[j])) * d
		}
	}
}

// DotQ8_0 returns the dot product of n values of a Q8_0 weight row w with a
// Q8_0 activation row a (both n/32 blocks), with the arithmetic of ggml's
// ggml_vec_dot_q8_0_q8_0_generic: per block an exact int32 sum of the 32
// products, then sumf += float32(sumi)·(d_w·d_a) in block order. The result
// is bit-equal to ggml's. It panics if n is not a multiple of 32 or a row is
// too short.
func DotQ8_0(w, a []byte, n int) float32 {
	nb := dotBlocks("DotQ8_0", tensor.Q8_0, tensor.Q8_0, w, a, n)
	var sumf float32
	for x, y := range inBlocks(w, blockQ8_0Bytes, a, blockQ8_0Bytes, nb) {
		sumi := dotI8(x[2:2+qk8_0], y[2:2+qk8_0])
		dd := float32(getF16(x) * getF16(y))
		sumf += float32(float32(sumi) * dd)
	}
	return sumf
}

// dotI8 returns the exact int32 sum of x[j]·y[j] over 32 int8 pairs.
func dotI8(x, y []byte) int32 {
	x, y = x[:32], y[:32]
	var s0, s1, s2, s3 int32
	for j := 0; j < 32; j += 8 {
		// Read 8 bytes at once; the sums are exact integers, so their order is free.
		xv := binary.LittleEndian.Uint64(x[j:])
		yv := binary.LittleEndian.Uint64(y[j:])
		s0 += int32(int8(xv))*int32(int8(yv)) + int32(int8(xv>>8))*int32(int8(yv>>8))
		s1 += int32(int8(xv>>16))*int32(int8(yv>>16)) + int32(int8(xv>>24))*int32(int8(yv>>24))
		s2 += int32(int8(xv>>32))*int32(int8(yv>>32)) + int32(int8(xv>>40))*int32(int8(yv>>40))
		s3 += int32(int8(xv>>48))*int32(int8(yv>>48)) + int32(int8(xv>>56))*int32(int8(yv>>56))
	}
	return s0 + s1 + s2 + s3
}
