package quant

import (
	"math"

	"github.com/herd-llm/herd/tensor"
)

// Block geometry of tensor.Int4 (see the INT4 layout in doc.go).
const (
	int4Group      = 128
	blockInt4Bytes = 4 + int4Group/2
)

// int4MinMax is the clamp Meta applies to max|w| of a group before dividing by 8.
const int4MinMax = float32(1e-6)

// quantizeInt4 is Meta's int4_row_quantize (llama-models quantize_impls.py)
// for groups of 128: in float32, scale = max(max|w|, 1e-6)/8 and
// q = clamp(round(w/scale), −8, 7), where round is torch.round, i.e. half to
// even. Note that the clamp is applied to max|w| (as Meta's code does), so the
// smallest scale is 1.25e-7, not 1e-6.
func quantizeInt4(dst []byte, src []float32) {
	for x, b := range inBlocks(src, int4Group, dst, blockInt4Bytes, len(src)/int4Group) {
		scale := max(absMax(x), int4MinMax) / 8
		putF32(b, scale)
		qs := b[4 : 4+int4Group/2]
		for k := range qs {
			qs[k] = int4Quant(x[2*k], scale)&0xf | int4Quant(x[2*k+1], scale)<<4
		}
	}
}

// int4Quant is clamp(round_half_even(v/scale), −8, 7) as a two's-complement nibble.
func int4Quant(v, scale float32) byte {
	r := math.RoundToEven(float64(v / scale))
	r = max(-8, min(7, r))
	return byte(int8(r)) & 0xf
}

// int4Value sign-extends the low nibble of b.
func int4Value(b byte) int32 { return int32(int8(b<<4) >> 4) }

// dequantizeInt4 writes q·scale.
func dequantizeInt4(dst []float32, src []byte) {
	for b, y := range inBlocks(src, blockInt4Bytes, dst, int4Group, len(dst)/int4Group) {
		scale := getF32(b)
		qs := b[4 : 4+int4Group/2]
		for k, q := range qs {
			y[2*k] = float32(int4Value(q)) * scale
			y[2*k+1] = float32(int4Value(q>>4)) * scale
		}
	}
}

// DotInt4 returns the dot product of n values of an Int4 weight row w
// (n/128 blocks) with float32 activations x[:n], the way Meta runs int4
// weights (activations are not quantized): per group the float32 sum of q·x in
// index order, times the group scale, summed over groups in order. It panics
// if n is not a multiple of 128 or a row is too short.
func DotInt4(w []byte, x []float32, n int) float32 {
	nb := blocks("DotInt4", tensor.Int4, n, len(w))
	x = x[:n]
	var sum float32
	for b, xs := range inBlocks(w, blockInt4Bytes, x, int4Group, nb) {
		qs := b[4 : 4+int4Group/2]
		var s float32
		for k, q := range qs {
			s += float32(float32(int4Value(q)) * xs[2*k])
			s += float32(float32(int4Value(q>>4)) * xs[2*k+1])
		}
		sum += float32(s * getF32(b))
	}
	return sum
}
