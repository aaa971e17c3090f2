package train

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/herd-llm/herd/kernels"
)

// Float is the element type of parameters, activations and gradients:
// float32 for training, float64 for the finite-difference checks of the same
// code.
type Float interface{ ~float32 | ~float64 }

// workers is the number of goroutines the parallel loops use.
func workers() int { return max(runtime.GOMAXPROCS(0), 1) }

// parallelFor calls fn(w, i) for every i in [0, n) on up to workers()
// goroutines; w in [0, workers()) names the goroutine, so fn may use
// per-worker scratch. Each i runs exactly once; callers write disjoint
// outputs per i, which keeps results independent of the thread count.
func parallelFor(n int, fn func(w, i int)) { parallelForN(workers(), n, fn) }

// parallelForN is parallelFor on at most nw goroutines.
func parallelForN(nw, n int, fn func(w, i int)) {
	nw = min(nw, n)
	if nw <= 1 {
		for i := 0; i < n; i++ {
			fn(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < nw; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(w, i)
			}
		}(w)
	}
	wg.Wait()
}

// parallelRows splits [0, rows) into blocks of about grain rows and calls
// fn(lo, hi) for each block in parallel. Small inputs run on the caller.
func parallelRows(rows, grain int, fn func(lo, hi int)) {
	grain = max(grain, 1)
	nb := (rows + grain - 1) / grain
	if nb <= 1 {
		if rows > 0 {
			fn(0, rows)
		}
		return
	}
	parallelFor(nb, func(_, b int) { fn(b*grain, min((b+1)*grain, rows)) })
}

// rowGrain picks a block size so that each block does about 64K
// multiply-adds of work when a row costs cost of them.
func rowGrain(cost int) int { return max(1, (1<<16)/max(cost, 1)) }

// dot returns Σ a[i]·b[i]; float32 uses the SIMD kernel.
func dot[F Float](a, b []F) F {
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

// axpy computes y += a·x; float32 uses the SIMD kernel.
func axpy[F Float](y []F, a F, x []F) {
	if y32, ok := any(y).([]float32); ok {
		kernels.Axpy(y32, float32(a), any(x).([]float32))
		return
	}
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}

// addTo computes y += x.
func addTo[F Float](y, x []F) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += v
	}
}

// sigmoid is 1/(1+e^-x) evaluated in float64 and rounded to F, as
// kernels.Sigmoid.
func sigmoid[F Float](x F) F { return F(1 / (1 + math.Exp(-float64(x)))) }
