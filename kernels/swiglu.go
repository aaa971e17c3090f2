package kernels

import "math"

// SwiGLUSig sets a[i] = (g[i]·σ(g[i]))·u[i] and, when sg is not nil,
// sg[i] = σ(g[i]), for the training SwiGLU (forward, and the backward's
// recomputation, which needs σ). σ is evaluated without overflow as
// s = 1/(1 + e^−|g|), times e^−|g| for g < 0, with ExpSub's exponential
// (relative error below 4e-7). a may be g itself (in place: each element is
// read before it is written) but must not otherwise overlap g or u. The result of an
// element depends only on its value and its position modulo 8 within the
// call (the last len%8 elements take the scalar path), so equal calls give
// equal results.
func SwiGLUSig(a, sg, g, u []float32) {
	n := len(g)
	a, u = a[:n], u[:n]
	if sg != nil {
		sg = sg[:n]
	}
	i := 0
	if n8 := n / 8; n8 > 0 && useAVX2() {
		store, sp := 0, &a[0]
		if sg != nil {
			store, sp = 1, &sg[0]
		}
		swigluSigAVX2(&a[0], sp, &g[0], &u[0], n8, store)
		i = 8 * n8
	}
	for ; i < n; i++ {
		x := g[i]
		e := Expf(-float32(math.Abs(float64(x))))
		s := 1 / (1 + e)
		if x < 0 {
			s *= e
		}
		if sg != nil {
			sg[i] = s
		}
		a[i] = x * s * u[i]
	}
}
