package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// checkMatMulAllocs checks, on every implementation, that steady-state
// MatMul calls with each of ws (n = 1 and 9 activation rows from rng, inline
// and on 2 pool threads) do not allocate. It skips under the race detector.
func checkMatMulAllocs(t *testing.T, rng *rand.Rand, ws []*tensor.Mat) {
	t.Helper()
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	for _, ic := range impls() {
		useImpl(t, ic)
		for _, w := range ws {
			for _, n := range []int{1, 9} {
				x, dst := randVec(rng, n*w.Cols), make([]float32, n*w.Rows)
				for _, nt := range []int{1, 2} {
					useThreads(t, nt, 0)
					MatMul(dst, x, n, w) // warm the pools
					if a := testing.AllocsPerRun(20, func() { MatMul(dst, x, n, w) }); a != 0 {
						t.Errorf("%s %s n=%d threads=%d: %.1f allocations per call", ic.name, w.DType, n, nt, a)
					}
				}
			}
		}
	}
}

// matMulThreads returns MatMul's n output rows for x against w computed
// inline on one thread, after checking that nt pool threads give the same
// bits.
func matMulThreads(t testing.TB, x []float32, n int, w *tensor.Mat, nt int) []float32 {
	t.Helper()
	got1, gotN := make([]float32, n*w.Rows), make([]float32, n*w.Rows)
	useThreads(t, 1, 1<<18)
	MatMul(got1, x, n, w)
	useThreads(t, nt, 0)
	MatMul(gotN, x, n, w)
	if i := bitsEqual(got1, gotN); i >= 0 {
		t.Fatalf("n=%d: 1 thread and %d threads differ at %d: %g vs %g", n, nt, i, got1[i], gotN[i])
	}
	return got1
}

// refMatMul returns MatMulRef's n output rows for x against w and the
// per-element magnitude bound absDot(x, n, w) that checkClose takes.
func refMatMul(x []float32, n int, w *tensor.Mat) (want []float32, abs []float64) {
	want = make([]float32, n*w.Rows)
	MatMulRef(want, x, n, w)
	return want, absDot(x, n, w)
}
