package kernels

//go:generate go run adamw_gen.go asmgen.go

import "math"

// AdamWCoefs are the float32 constants of one AdamW update of one tensor
// (train.AdamW computes them from its configuration, step and learning rate).
type AdamWCoefs struct {
	Decay    float32 // parameter scale before the step: 1 − lr·weight decay, or 1
	B1, A1   float32 // β1 and 1 − β1
	B2, A2   float32 // β2 and 1 − β2
	Bc2Sqrt  float32 // √(1 − β2^t), the second moment's bias correction
	Eps      float32 // ε, added after the bias correction
	StepSize float32 // −lr / (1 − β1^t)
}

// AdamW applies one AdamW update to the parameters p, in place, from the
// gradients g, updating the first and second moments m and v in place (all
// four of the same length). For each element, in float32 with every
// operation rounded as written:
//
//	m = m·B1 + A1·g
//	v = v·B2 + (A2·g)·g
//	p = p·Decay + (StepSize·m) / (√v / Bc2Sqrt + Eps)
//
// Every implementation gives the same bits (the vector kernels do the same
// operations lane by lane).
func AdamW(p, g, m, v []float32, c *AdamWCoefs) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	done := 0
	switch {
	case n >= 16 && useAVX512F():
		done = n &^ 15
		adamwAVX512(&p[0], &g[0], &m[0], &v[0], done, c)
	case n >= 8 && useAVX2():
		done = n &^ 7
		adamwAVX2(&p[0], &g[0], &m[0], &v[0], done, c)
	}
	adamwGo(p[done:], g[done:], m[done:], v[done:], c)
}

// adamwGo is AdamW's portable loop.
func adamwGo(p, g, m, v []float32, c *AdamWCoefs) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for j, x := range g {
		pj := p[j] * c.Decay
		mj := m[j]*c.B1 + c.A1*x
		vj := v[j]*c.B2 + c.A2*x*x
		m[j], v[j] = mj, vj
		den := float32(math.Sqrt(float64(vj)))/c.Bc2Sqrt + c.Eps
		p[j] = pj + c.StepSize*mj/den
	}
}
