package kernels

import "math"

// RMSNorm writes y = x · rsqrt(mean(x²) + eps) · w for one row. w may be nil
// (weightless norm, as Llama 4's QK-norm). y may alias x. The statistic is
// accumulated in float64 and applied in float32.
func RMSNorm(y, x, w []float32, eps float32) {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	inv := float32(1 / math.Sqrt(ss/float64(len(x))+float64(eps)))
	if w == nil {
		for i, v := range x {
			y[i] = v * inv
		}
		return
	}
	for i, v := range x {
		y[i] = (v * inv) * w[i]
	}
}

func SiLU(x float32) float32 { return x / (1 + float32(math.Exp(float64(-x)))) }

// Sigmoid returns 1/(1+e^-x) in float32.
func Sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(float64(-x)))) }

// Softmax normalises x in place (max-subtracted, float64 sum).
func Softmax(x []float32) {
	if len(x) == 0 {
		return
	}
	m := x[0]
	for _, v := range x[1:] {
		if v > m {
			m = v
		}
	}
	var s float64
	for i, v := range x {
		e := math.Exp(float64(v - m))
		x[i] = float32(e)
		s += e
	}
	inv := float32(1 / s)
	for i := range x {
		x[i] *= inv
	}
}

// Dot returns Σ a[i]·b[i] over len(a) elements (b must be at least as long),
// accumulated in float32 with several partial sums; the summation order, and so
// the rounding, depends on the implementation (see Impl).
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	if len(a) >= 16 && useAVX2() {
		return dotAVX2(&a[0], &b[0], len(a))
	}
	return dot4(a, b)
}

// Axpy computes y += a·x over len(x) elements (y must be at least as long). The
// AVX2 path rounds each a·x[i] + y[i] once (fused multiply-add).
func Axpy(y []float32, a float32, x []float32) {
	y = y[:len(x)]
	if len(x) >= 16 && useAVX2() {
		axpyAVX2(&y[0], a, &x[0], len(x))
		return
	}
	for i, v := range x {
		y[i] += a * v
	}
}

// Add computes y += x.
func Add(y, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += v
	}
}
