package kernels

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// TestParallelFor checks that the blocks cover [0, n) exactly once, are the
// ones the grain fixes, and that several callers may share the pool.
func TestParallelFor(t *testing.T) {
	useThreads(t, 4, parallelMinMACs)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, n := range []int{0, 1, 2, 7, 64, 1000} {
				for _, grain := range []int{-1, 0, 1, 3, 64, 5000} {
					hits := make([]atomic.Int32, n)
					ParallelFor(n, grain, func(lo, hi int) {
						gr := grain
						if gr <= 0 {
							gr = (n + Threads() - 1) / Threads()
						}
						if lo%gr != 0 || hi != min(lo+gr, n) {
							t.Errorf("n=%d grain=%d: block [%d, %d) is not a grain block", n, grain, lo, hi)
						}
						for i := lo; i < hi; i++ {
							hits[i].Add(1)
						}
					})
					for i := range hits {
						if h := hits[i].Load(); h != 1 {
							t.Errorf("caller %d, n=%d grain=%d: index %d ran %d times", g, n, grain, i, h)
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestParallelForNested runs MatMuls and ParallelFors inside ParallelFor
// bodies, from several callers at once: nothing may deadlock, and every
// product must equal the one computed alone.
func TestParallelForNested(t *testing.T) {
	useThreads(t, 4, parallelMinMACs)
	rng := rand.New(rand.NewPCG(1, 2))
	const n, rows, cols = 8, 512, 256
	w := randMat(rng, tensor.F32, rows, cols)
	x := randVec(rng, n*cols)
	want := make([]float32, n*rows)
	MatMul(want, x, n, w)
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := make([][]float32, 16)
			var inner atomic.Int32
			ParallelFor(len(got), 1, func(lo, hi int) {
				for b := lo; b < hi; b++ {
					got[b] = make([]float32, n*rows)
					MatMul(got[b], x, n, w)
					ParallelFor(100, 7, func(lo, hi int) { inner.Add(int32(hi - lo)) })
				}
			})
			for b, g := range got {
				if !slices.Equal(g, want) {
					t.Errorf("nested MatMul %d differs from the one computed alone", b)
				}
			}
			if inner.Load() != 100*int32(len(got)) {
				t.Errorf("nested ParallelFor covered %d indices, want %d", inner.Load(), 100*len(got))
			}
		}()
	}
	wg.Wait()
}
