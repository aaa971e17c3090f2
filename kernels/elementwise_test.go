package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

var vecLens = func() []int {
	var l []int
	for n := range 70 {
		l = append(l, n)
	}
	return append(l, 127, 128, 129, 1000, 4099)
}()

func TestDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	eachImpl(t, func(t *testing.T) {
		for _, n := range vecLens {
			a, b := randVec(rng, n), randVec(rng, n+3) // b may be longer
			var want, abs float64
			for i := range n {
				want += float64(a[i]) * float64(b[i])
				abs += math.Abs(float64(a[i]) * float64(b[i]))
			}
			got := Dot(a, b)
			if d := math.Abs(float64(got) - want); d > float64(n+8)*0x1p-24*abs {
				t.Errorf("n=%d: Dot = %g, want %g (|diff| %g)", n, got, want, d)
			}
		}
	})
}

func TestAxpy(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	eachImpl(t, func(t *testing.T) {
		for _, n := range vecLens {
			x, y := randVec(rng, n), randVec(rng, n+2)
			a := float32(rng.NormFloat64())
			want := make([]float64, len(y))
			for i := range y {
				want[i] = float64(y[i])
				if i < n {
					want[i] += float64(a) * float64(x[i])
				}
			}
			tail := y[n:]
			tail0 := append([]float32(nil), tail...)
			Axpy(y, a, x)
			for i := range n {
				tol := 0x1p-23 * (math.Abs(float64(a)*float64(x[i])) + math.Abs(want[i]))
				if d := math.Abs(float64(y[i]) - want[i]); d > tol {
					t.Fatalf("n=%d: y[%d] = %g, want %g", n, i, y[i], want[i])
				}
			}
			if bitsEqual(tail, tail0) >= 0 {
				t.Fatalf("n=%d: Axpy wrote past len(x)", n)
			}
			// In place: y += a·y.
			z := randVec(rng, n)
			z0 := append([]float32(nil), z...)
			Axpy(z, a, z)
			for i := range n {
				w := float64(z0[i]) * (1 + float64(a))
				if d := math.Abs(float64(z[i]) - w); d > 0x1p-22*(math.Abs(w)+math.Abs(float64(a*z0[i]))) {
					t.Fatalf("n=%d in place: z[%d] = %g, want %g", n, i, z[i], w)
				}
			}
		}
	})
}
