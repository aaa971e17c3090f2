// Package kerneltest holds the test helpers the kernels packages (kernels,
// kernels/attention) share: random vectors, stored rows, bit-exact
// comparison, panic checks and CPU time for benchmarks.
package kerneltest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

// RandVec returns n standard-normal float32 values from rng.
func RandVec(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// PutFloats stores vals as the first len(vals) elements of b when dt is a
// float type (F32, BF16, F16: rounded to nearest even), and does nothing for
// other types.
func PutFloats(dt tensor.DType, b []byte, vals []float32) {
	switch dt {
	case tensor.F32, tensor.BF16, tensor.F16:
		quant.Quantize(dt, b[:len(vals)*dt.Size()], vals)
	}
}

// BitsEqual returns the first index where a and b (at least as long as a)
// differ in their bits, or -1 where they agree.
func BitsEqual(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// MustPanic reports an error naming what when f returns without panicking.
func MustPanic(t testing.TB, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}
