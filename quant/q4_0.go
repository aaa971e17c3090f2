package quant

import "github.com/herd-llm/herd/tensor"

// Block geometry of Q4_0 (see the Q4_0 constant for the layout).
const (
	qk4_0          = 32
	blockQ4_0Bytes = 2 + qk4_0/2
)

// quantizeQ4_0 is ggml's quantize_row_q4_0_ref: max is the value of largest
// magnitude (sign kept, first one wins), d = max/−8, id = 1/d, and
// q = min(15, int8(x·id + 8.5)) with C's truncating float-to-int conversion.
func quantizeQ4_0(dst []byte, src []float32) {
	for x, b := range inBlocks(src, qk4_0, dst, blockQ4_0Bytes, len(src)/qk4_0) {
		_, max := signedAbsMax(x)
		d := max / -8
		id := invOrZero(d)
		putF16(b, d)
		for j := 0; j < qk4_0/2; j++ {
			x0 := float32(x[j] * id)
			x1 := float32(x[j+qk4_0/2] * id)
			b[2+j] = q4_0Nibble(x0) | q4_0Nibble(x1)<<4
		}
	}
}

// q4_0Nibble is MIN(15, (int8_t)(x + 8.5f)).
func q4_0Nibble(x float32) byte {
	q := int8(x + 8.5)
	if q > 15 {
		q = 15
	}
	return byte(q)
}

// dequantizeQ4_0 is ggml's dequantize_row_q4_0: y = (nibble − 8)·d.
func dequantizeQ4_0(dst []float32, src []byte) {
	for b, y := range inBlocks(src, blockQ4_0Bytes, dst, qk4_0, len(dst)/qk4_0) {
		d := getF16(b)
		qs := b[2 : 2+qk4_0/2]
		for j, q := range qs {
			y[j] = float32(int32(q&0x0f)-8) * d
			y[j+qk4_0/2] = float32(int32(q>>4)-8) * d
		}
	}
}

// DotQ4_0 returns the dot product of n values of a Q4_0 weight row w with a
// Q8_0 activation row a (both n/32 blocks), with the arithmetic of ggml's
// ggml_vec_dot_q4_0_q8_0_generic: per block an exact int32 sum, then
// sumf += float32(sumi)·d_w·d_a (multiplied left to right) in block order.
// The result is bit-equal to ggml's. It panics if n is not a multiple of 32 or
// a row is too short.
func DotQ4_0(w, a []byte, n int) float32 {
	nb := dotBlocks("DotQ4_0", tensor.Q4_0, tensor.Q8_0, w, a, n)
	var sumf float32
	for x, y := range inBlocks(w, blockQ4_0Bytes, a, blockQ8_0Bytes, nb) {
		qs := x[2 : 2+qk4_0/2]
		q8 := y[2 : 2+qk8_0]
		var sumi int32
		for j, q := range qs {
			sumi += (int32(q&0x0f)-8)*int32(int8(q8[j])) + (int32(q>>4)-8)*int32(int8(q8[j+16]))
		}
		sumf += float32(float32(float32(sumi)*getF16(x)) * getF16(y))
	}
	return sumf
}
