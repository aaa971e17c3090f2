package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAttention32 checks the float32 attention (the inference attention
// kernels) against the generic loops in float64, which the
// finite-difference tests check, with and without packed documents.
func TestAttention32(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		B, T, H, Hkv, d, chunk int
		packed                 bool
	}{{2, 37, 4, 2, 40, 16, false}, {1, 20, 2, 2, 12, 0, false}, {2, 9, 3, 1, 5, 4, false},
		{2, 37, 4, 2, 40, 16, true}, {1, 20, 2, 2, 12, 0, true}, {2, 9, 3, 1, 5, 4, true}} {
		N := c.B * c.T
		var docs Docs
		if c.packed { // documents start every 7th or 11th token
			docs.Mark(c.B, c.T, func(n int) bool { return n%7 == 3 || n%11 == 5 })
		}
		qd, kd := c.H*c.d, c.Hkv*c.d
		rnd := func(n int) ([]float32, []float64) {
			a, b := make([]float32, n), make([]float64, n)
			for i := range a {
				a[i] = float32(rng.NormFloat64())
				b[i] = float64(a[i])
			}
			return a, b
		}
		q32, q64 := rnd(N * qd)
		k32, k64 := rnd(N * kd)
		v32, v64 := rnd(N * kd)
		do32, do64 := rnd(N * qd)
		scale := float32(1 / math.Sqrt(float64(c.d)))
		run32 := func() [][]float32 {
			out, lse := make([]float32, N*qd), make([]float32, N*c.H)
			dq, dk, dv := make([]float32, N*qd), make([]float32, N*kd), make([]float32, N*kd)
			scr := [][]float32{make([]float32, 3*c.T), make([]float32, 3*c.T)}
			AttnForwardDocs(out, lse, q32, k32, v32, c.B, c.T, c.H, c.Hkv, c.d, c.chunk, scale, scr, docs)
			AttnBackwardDocs(dq, dk, dv, do32, q32, k32, v32, out, lse, c.B, c.T, c.H, c.Hkv, c.d, c.chunk, scale, scr, docs)
			return [][]float32{out, lse, dq, dk, dv}
		}
		out, lse := make([]float64, N*qd), make([]float64, N*c.H)
		dq, dk, dv := make([]float64, N*qd), make([]float64, N*kd), make([]float64, N*kd)
		scr := [][]float64{make([]float64, 3*c.T), make([]float64, 3*c.T)}
		AttnForwardDocs(out, lse, q64, k64, v64, c.B, c.T, c.H, c.Hkv, c.d, c.chunk, float64(scale), scr, docs)
		AttnBackwardDocs(dq, dk, dv, do64, q64, k64, v64, out, lse, c.B, c.T, c.H, c.Hkv, c.d, c.chunk, float64(scale), scr, docs)
		want := [][]float64{out, lse, dq, dk, dv}
		got := run32()
		again := run32()
		for i, name := range []string{"out", "lse", "dq", "dk", "dv"} {
			var m, e float64
			for j, w := range want[i] {
				m = max(m, math.Abs(w))
				e = max(e, math.Abs(float64(got[i][j])-w))
				if math.Float32bits(got[i][j]) != math.Float32bits(again[i][j]) {
					t.Fatalf("%+v %s[%d]: not deterministic", c, name, j)
				}
			}
			if e > 2e-6*max(m, 1) {
				t.Errorf("%+v %s: max error %.3g (max |value| %.3g)", c, name, e, m)
			}
		}
	}
}
