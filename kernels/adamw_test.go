package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAdamW checks every implementation of AdamW bit for bit against the
// portable loop, on lengths that leave 0 to 15 elements to it, for moments
// of every size (zeros, subnormal-sized v, large gradients) and two step
// configurations.
func TestAdamW(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	coefs := []AdamWCoefs{
		adamwCoefs(0.9, 0.95, 1e-8, 1e-3, 0.1, 3),
		adamwCoefs(0.8, 0.999, 1e-6, 3e-2, 0, 1),
	}
	eachImpl(t, func(t *testing.T) {
		for ci := range coefs {
			c := &coefs[ci]
			for _, n := range vecLens {
				p, g, m, v := randVec(rng, n), randVec(rng, n), randVec(rng, n), randVec(rng, n)
				for i := range n {
					v[i] *= v[i]
					switch i % 7 {
					case 1:
						g[i], m[i], v[i] = 0, 0, 0
					case 3:
						v[i] *= 1e-30
					case 5:
						g[i] *= 1e4
					}
				}
				wp, wm, wv := slices.Clone(p), slices.Clone(m), slices.Clone(v)
				adamwGo(wp, g, wm, wv, c)
				AdamW(p, g, m, v, c)
				for name, pair := range map[string][2][]float32{"p": {p, wp}, "m": {m, wm}, "v": {v, wv}} {
					if i := bitsEqual(pair[0], pair[1]); i >= 0 {
						t.Fatalf("coefs %d, n=%d: %s[%d] = %g, the portable loop gives %g", ci, n, name, i, pair[0][i], pair[1][i])
					}
				}
				for i, x := range p {
					if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
						t.Fatalf("coefs %d, n=%d: p[%d] = %g", ci, n, i, x)
					}
				}
			}
		}
	})
}

// adamwCoefs gives the constants of step t as train.AdamW computes them.
func adamwCoefs(b1, b2, eps, lr, wd float64, t float64) AdamWCoefs {
	return AdamWCoefs{
		Decay: float32(1 - lr*wd),
		B1:    float32(b1), A1: float32(1 - b1),
		B2: float32(b2), A2: float32(1 - b2),
		Bc2Sqrt:  float32(math.Sqrt(1 - math.Pow(b2, t))),
		Eps:      float32(eps),
		StepSize: float32(-(lr / (1 - math.Pow(b1, t)))),
	}
}

// BenchmarkAdamW measures one update of a 1M-parameter tensor.
func BenchmarkAdamW(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 1 << 20
	p, g, m, v := randVec(rng, n), randVec(rng, n), randVec(rng, n), randVec(rng, n)
	for i := range v {
		v[i] *= v[i]
	}
	c := adamwCoefs(0.9, 0.95, 1e-8, 1e-3, 0.1, 3)
	for _, ic := range impls() {
		b.Run(ic.name, func(b *testing.B) {
			useImpl(b, ic)
			b.SetBytes(int64(16 * n))
			for b.Loop() {
				AdamW(p, g, m, v, &c)
			}
		})
	}
}
