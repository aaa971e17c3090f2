package nn

import (
	"math"

	"github.com/herd-llm/herd/kernels"
)

// Float is the element type of parameters, activations and gradients:
// float32 for training, float64 for the finite-difference checks of the same
// code.
type Float interface{ ~float32 | ~float64 }

// ForEachScratch calls fn(s, u) for every u in [0, n) on the kernels'
// worker pool, s one of the scratch buffers scr, held by one call at a time
// (len(scr) bounds the calls running at once). Each u runs exactly once, in
// any order; callers write disjoint outputs per u and fully overwrite the
// scratch they read, which keeps results independent of the thread count.
func ForEachScratch[S any](scr []S, n int, fn func(s S, u int)) {
	free := make(chan S, len(scr))
	for _, s := range scr {
		free <- s
	}
	kernels.ParallelFor(n, 1, func(lo, hi int) {
		s := <-free
		for u := lo; u < hi; u++ {
			fn(s, u)
		}
		free <- s
	})
}

// RowGrain picks a block size so that each block does about 64K
// multiply-adds of work when a row costs cost of them.
func RowGrain(cost int) int { return max(1, (1<<16)/max(cost, 1)) }

// Dot returns Σ a[i]·b[i]; float32 uses the SIMD kernel.
func Dot[F Float](a, b []F) F {
	if a32, ok := any(a).([]float32); ok {
		return F(kernels.Dot(a32, any(b).([]float32)))
	}
	var s F
	b = b[:len(a)]
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// Axpy computes y += a·x; float32 uses the SIMD kernel.
func Axpy[F Float](y []F, a F, x []F) {
	if y32, ok := any(y).([]float32); ok {
		kernels.Axpy(y32, float32(a), any(x).([]float32))
		return
	}
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}

// AddTo computes y += x.
func AddTo[F Float](y, x []F) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += v
	}
}

// Sigmoid is 1/(1+e^-x) evaluated in float64 and rounded to F, as
// kernels.Sigmoid.
func Sigmoid[F Float](x F) F { return F(1 / (1 + math.Exp(-float64(x)))) }
