package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSwiGLUSig(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	eachImpl(t, func(t *testing.T) {
		for _, n := range []int{1, 7, 8, 29, 100} {
			g, u := randF32(rng, n), randF32(rng, n)
			for i := range g {
				g[i] *= 8
			}
			g[0] = -100 // e^−100 underflows to 0
			a, a2, sg := make([]float32, n), make([]float32, n), make([]float32, n)
			SwiGLUSig(a, sg, g, u)
			SwiGLUSig(a2, nil, g, u)
			inPlace := append([]float32(nil), g...)
			SwiGLUSig(inPlace, nil, inPlace, u)
			for i, x := range g {
				sig := 1 / (1 + math.Exp(-float64(x)))
				if math.Abs(float64(sg[i])-sig) > 1e-6*sig+1e-37 {
					t.Fatalf("n=%d σ(%g) = %g, want %g", n, x, sg[i], sig)
				}
				want := float64(x) * sig * float64(u[i])
				if math.Abs(float64(a[i])-want) > 1e-6*math.Abs(want)+1e-35 {
					t.Fatalf("n=%d a[%d] = %g, want %g", n, i, a[i], want)
				}
				if a2[i] != a[i] {
					t.Fatalf("n=%d a[%d] differs without sg: %g vs %g", n, i, a2[i], a[i])
				}
				if inPlace[i] != a[i] {
					t.Fatalf("n=%d a[%d] differs in place: %g vs %g", n, i, inPlace[i], a[i])
				}
			}
		}
	})
}
