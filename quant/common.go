package quant

import (
	"encoding/binary"
	"math"

	"github.com/herd-llm/herd/tensor"
)

// groupMaxEps is ggml's GROUP_MAX_EPS: groups whose largest magnitude is below
// it quantize to all zeros in Q6_K.
const groupMaxEps = float32(1e-15)

// nearestInt is ggml's nearest_int: it adds 1.5·2²³ so that the float adder
// rounds to an integer (half to even) and reads the integer out of the
// mantissa. For |f| ≤ 4194303 that is round-half-to-even; beyond it ggml
// asserts in debug builds and returns the same garbage as this function in
// release builds. The float32 conversion keeps the caller's product from being
// fused with the add.
func nearestInt(f float32) int32 {
	v := float32(f) + 12582912
	return int32(math.Float32bits(v)&0x007fffff) - 0x00400000
}

// getF16 reads the little-endian half at b[0:2] as float32 (exact).
func getF16(b []byte) float32 { return tensor.F16ToF32(binary.LittleEndian.Uint16(b)) }

// putF16 stores f as a little-endian half rounded to nearest even, as ggml's
// GGML_FP32_TO_FP16 does (overflow to infinity, NaN to a quiet NaN).
func putF16(b []byte, f float32) { binary.LittleEndian.PutUint16(b, tensor.F32ToF16(f)) }

// getF32 reads the little-endian float32 at b[0:4].
func getF32(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

// putF32 stores f little-endian at b[0:4].
func putF32(b []byte, f float32) { binary.LittleEndian.PutUint32(b, math.Float32bits(f)) }

// invOrZero is 1/d, or 0 for d = 0 (the id of ggml's quantizers).
func invOrZero(d float32) float32 {
	if d == 0 {
		return 0
	}
	return 1 / d
}

func abs32(f float32) float32 { return math.Float32frombits(math.Float32bits(f) &^ (1 << 31)) }

// absMax returns max|v| over x (0 for an empty x), as ggml's and Meta's
// MAX(amax, fabsf(v)) loops compute it; NaNs are skipped.
func absMax(x []float32) float32 {
	var amax float32
	for _, v := range x {
		if a := abs32(v); a > amax {
			amax = a
		}
	}
	return amax
}

// signedAbsMax returns amax = max|v| over x and the value v of x of that
// magnitude with its sign, the first one on ties (ggml's "max" of the
// q4_0, q6_K and q8_K reference quantizers); NaNs are skipped.
func signedAbsMax(x []float32) (amax, max float32) {
	for _, v := range x {
		if a := abs32(v); a > amax {
			amax, max = a, v
		}
	}
	return amax, max
}

func sqrt32(f float32) float32 {
	// Rounding the float64 square root to float32 is correctly rounded
	// (53 ≥ 2·24+2), so this equals C's sqrtf.
	return float32(math.Sqrt(float64(f)))
}
