package quant

import "encoding/binary"

// Block geometry and field offsets of Q8_K (see the Q8_K constant).
const (
	qkK           = 256
	blockQ8KBytes = 4 + qkK + qkK/16*2
	q8kQs         = 4
	q8kBsums      = 4 + qkK
)

// quantizeQ8K is ggml's quantize_row_q8_K_ref: max is the value of largest
// magnitude (sign kept), iscale = −127/max, q = min(127, nearest_int(iscale·x)),
// d = 1/iscale. An all-zero block gets d = 0, zero quants and zero bsums.
func quantizeQ8K(dst []byte, src []float32) {
	for x, b := range inBlocks(src, qkK, dst, blockQ8KBytes, len(src)/qkK) {
		amax, max := signedAbsMax(x)
		if amax == 0 {
			clear(b)
			continue
		}
		iscale := -127 / max
		qs := b[q8kQs : q8kQs+qkK]
		for j, v := range x {
			q := nearestInt(iscale * v)
			if q > 127 {
				q = 127
			}
			qs[j] = byte(int8(q))
		}
		for k := 0; k < qkK/16; k++ {
			var sum int32
			for _, q := range qs[16*k : 16*k+16] {
				sum += int32(int8(q))
			}
			binary.LittleEndian.PutUint16(b[q8kBsums+2*k:], uint16(int16(sum)))
		}
		putF32(b, 1/iscale)
	}
}

// dequantizeQ8K is ggml's dequantize_row_q8_K: y = d·q.
func dequantizeQ8K(dst []float32, src []byte) {
	for b, y := range inBlocks(src, blockQ8KBytes, dst, qkK, len(dst)/qkK) {
		d := getF32(b)
		qs := b[q8kQs : q8kQs+qkK]
		for j := range y {
			y[j] = d * float32(int8(qs[j]))
		}
	}
}
