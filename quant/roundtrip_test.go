package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// gaussianRow fills x with roughly N(0, sigma²) values (sum of 4 uniforms).
func gaussianRow(rng *rand.Rand, x []float32, sigma float32) {
	for i := range x {
		s := rng.Float32() + rng.Float32() + rng.Float32() + rng.Float32() - 2
		x[i] = s * sigma * 1.7320508 // var of the sum is 1/3
	}
}

// dot64 returns Σ x·y and Σ|x·y| over x (y at least as long), in float64:
// the reference a quantized dot product is checked against, and the scale of
// its error bound (the dot itself can be near zero).
func dot64(x, y []float32) (dot, mag float64) {
	for i := range x {
		dot += float64(x[i]) * float64(y[i])
		mag += math.Abs(float64(x[i]) * float64(y[i]))
	}
	return dot, mag
}

func relRMS(got, want []float32) float64 {
	var num, den float64
	for i := range want {
		d := float64(got[i]) - float64(want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	return math.Sqrt(num / den)
}

// TestRoundTripError bounds the relative RMS error of Quantize→Dequantize on
// random Gaussian-like rows (typical weight statistics) and the error of the
// integer dot products against the exact float64 dot product. The bounds sit
// just above what the formats give on Gaussian data (about 0.5% for Q8_0 and
// Q8_K, 1.7% for Q6_K, 7% for Q4_K, 8% for Q4_0, 9.5% for int4: a 4-bit grid
// over ±2.5σ has step ≈ σ/3 and RMS error ≈ step/√12). At σ = 1e-4 the f16
// scales of the ggml formats are subnormal and lose precision, so that case
// only gets a loose bound.
func TestRoundTripError(t *testing.T) {
	tests := []struct {
		f      tensor.DType
		maxRMS float64 // relative RMS error of the values for σ in {0.02, 1, 300}
	}{
		{tensor.Q8_0, 0.007},
		{tensor.Q4_0, 0.09},
		{tensor.Q4K, 0.075},
		{tensor.Q6K, 0.02},
		{tensor.Q8K, 0.008},
		{tensor.Int4, 0.10},
	}
	const n = 4096
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n)
	a := make([]float32, n)
	back := make([]float32, n)
	for _, tt := range tests {
		t.Run(tt.f.FlagName(), func(t *testing.T) {
			rb, _ := tt.f.RowBytes(n)
			q := make([]byte, rb)
			for _, sigma := range []float32{0.02, 1, 300, 1e-4} {
				bound := tt.maxRMS
				if sigma == 1e-4 {
					bound = 0.12
				}
				gaussianRow(rng, x, sigma)
				Quantize(tt.f, q, x)
				Dequantize(tt.f, back, q)
				e := relRMS(back, x)
				t.Logf("σ=%g: relative RMS error %.4f", sigma, e)
				if e > bound {
					t.Errorf("σ=%g: relative RMS error %.4f > %.4f", sigma, e, bound)
				}

				act, ok := ActivationType(tt.f)
				if !ok {
					continue
				}
				gaussianRow(rng, a, 1)
				arb, _ := act.RowBytes(n)
				aq := make([]byte, arb)
				Quantize(act, aq, a)
				exact, norm := dot64(x, a)
				got := float64(Dot(tt.f, q, aq, n))
				// Relative to Σ|x·a|: the dot itself can be near zero.
				if rel := math.Abs(got-exact) / norm; rel > bound {
					t.Errorf("σ=%g: dot %g vs exact %g, error %.4f of Σ|xa| > %.4f", sigma, got, exact, rel, bound)
				}
			}
		})
	}
}

// TestDotMatchesDequantized: each integer dot equals the float dot of the
// dequantized rows up to float32 rounding, so block layout and scale
// handling agree between Dequantize and Dot.
func TestDotMatchesDequantized(t *testing.T) {
	const n = 1024
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, n)
	a := make([]float32, n)
	wx := make([]float32, n)
	wa := make([]float32, n)
	for _, f := range []tensor.DType{tensor.Q8_0, tensor.Q4_0, tensor.Q4K, tensor.Q6K} {
		act, _ := ActivationType(f)
		rb, _ := f.RowBytes(n)
		arb, _ := act.RowBytes(n)
		q, aq := make([]byte, rb), make([]byte, arb)
		for trial := 0; trial < 8; trial++ {
			gaussianRow(rng, x, 1)
			gaussianRow(rng, a, 1)
			if trial%2 == 1 { // one-signed weights exercise the Q4_K minimums
				for i := range x {
					x[i] = abs32(x[i]) + 0.5
				}
			}
			Quantize(f, q, x)
			Quantize(act, aq, a)
			Dequantize(f, wx, q)
			Dequantize(act, wa, aq)
			want, norm := dot64(wx, wa)
			got := float64(Dot(f, q, aq, n))
			if math.Abs(got-want) > 1e-5*norm {
				t.Errorf("%s trial %d: Dot = %g, dequantized dot = %g", f, trial, got, want)
			}
		}
	}
}

// TestZeroAndConstantRows: all-zero input quantizes to blocks that decode to
// exact zeros, and a constant row decodes close to the constant.
func TestZeroAndConstantRows(t *testing.T) {
	for _, f := range []tensor.DType{tensor.Q8_0, tensor.Q4_0, tensor.Q4K, tensor.Q6K, tensor.Q8K, tensor.Int4} {
		n := 512
		rb, _ := f.RowBytes(n)
		q := make([]byte, rb)
		y := make([]float32, n)
		Quantize(f, q, make([]float32, n))
		Dequantize(f, y, q)
		for i, v := range y {
			if v != 0 {
				t.Fatalf("%s: zero row decodes to %g at %d", f, v, i)
			}
		}
		x := make([]float32, n)
		for i := range x {
			x[i] = -0.37
		}
		Quantize(f, q, x)
		Dequantize(f, y, q)
		if e := relRMS(y, x); e > 0.01 {
			t.Errorf("%s: constant row relative error %.4f", f, e)
		}
	}
}
