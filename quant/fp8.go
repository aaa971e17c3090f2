package quant

import (
	"fmt"

	"github.com/herd-llm/herd/tensor"
)

// fp8Max is the largest finite E4M3 (fn) value.
const fp8Max = float32(448)

// fp8Eps is the floor FBGEMM puts under a row's max|x| before dividing by it.
const fp8Eps = float32(1e-12)

// QuantizeFP8Row quantizes src to OCP FP8 E4M3 (fn) bytes in dst[:len(src)]
// with one scale for the row, and returns that scale: element j is then
// approximately scale·decode(dst[j]), the convention of tensor.Mat's
// F8E4M3 rows.
//
// The arithmetic is FBGEMM's row-wise FP8 quantization (quantize_fp8_row,
// used by Meta's fp8_mixed mode): m = max(max|x|, 1e-12), inv = 448/m,
// dst[j] = E4M3(clamp(x[j]·inv, −448, 448)) rounded to nearest even, and the
// returned scale is 1/inv, which is amax/448 up to one rounding. An all-zero
// row gets scale 1e-12/448 and zero bytes. It panics if dst is shorter than src.
func QuantizeFP8Row(dst []byte, src []float32) (scale float32) {
	return QuantizeFP8RowUB(dst, src, 0)
}

// QuantizeFP8RowUB is QuantizeFP8Row with FBGEMM's activation upper bound:
// when ub > 0 the row maximum is clamped to at most ub first (Meta uses
// ub = 1200 for activations), so larger elements saturate at ±448·scale.
func QuantizeFP8RowUB(dst []byte, src []float32, ub float32) (scale float32) {
	if len(dst) < len(src) {
		panic(fmt.Sprintf("quant: QuantizeFP8Row: dst has %d bytes for %d values", len(dst), len(src)))
	}
	var m float32
	for _, v := range src {
		if a := abs32(v); a > m {
			m = a
		}
	}
	if ub > 0 && m > ub {
		m = ub
	}
	m = max(m, fp8Eps)
	inv := fp8Max / m
	for j, v := range src {
		// F32ToF8E4M3 saturates at ±448, which is the clamp.
		dst[j] = tensor.F32ToF8E4M3(v * inv)
	}
	return 1 / inv
}

// DequantizeFP8Row writes scale·decode(src[j]) to dst[j] for every byte of src.
// It panics if dst is shorter than src.
func DequantizeFP8Row(dst []float32, src []byte, scale float32) {
	if len(dst) < len(src) {
		panic(fmt.Sprintf("quant: DequantizeFP8Row: dst has %d values for %d bytes", len(dst), len(src)))
	}
	for j, b := range src {
		dst[j] = tensor.F8E4M3ToF32(b) * scale
	}
}
