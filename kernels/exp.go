package kernels

import "math"

// Expf is exp for float32 arguments ≤ 0 (softmax weights after subtracting
// the maximum), with relative error below 4e-7: x = k·ln2 + r, |r| ≤ ln2/2
// (a Cody–Waite reduction), e^r from a degree-6 Taylor polynomial, scaled by
// 2^k through the exponent bits. Arguments below −87 (and NaN) give 0,
// positive ones math.Exp. ExpSub's and SwiGLU's assembly evaluate the same
// polynomial with FMAs.
func Expf(x float32) float32 {
	if !(x >= -87) {
		return 0
	}
	if x > 0 {
		return float32(math.Exp(float64(x)))
	}
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375
		ln2lo = -2.12194440e-4
	)
	k := float32(math.Floor(float64(x*log2e + 0.5)))
	r := x - k*ln2hi - k*ln2lo
	p := 1 + r*(1+r*(0.5+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits(uint32(int32(k)+127)<<23)
}
