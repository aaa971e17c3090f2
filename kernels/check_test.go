package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// mustPanic reports an error naming what when f returns without panicking.
func mustPanic(t testing.TB, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}

// checkMatMulAllocs checks that steady-state MatMul calls with w (n = 1 and
// 9 activation rows, inline and on 2 pool threads) do not allocate; impl
// names the implementation in use.
func checkMatMulAllocs(t *testing.T, rng *rand.Rand, impl string, w *tensor.Mat) {
	t.Helper()
	for _, n := range []int{1, 9} {
		x, dst := randVec(rng, n*w.Cols), make([]float32, n*w.Rows)
		for _, nt := range []int{1, 2} {
			useThreads(t, nt, 0)
			MatMul(dst, x, n, w) // warm the pools
			if a := testing.AllocsPerRun(20, func() { MatMul(dst, x, n, w) }); a != 0 {
				t.Errorf("%s %s n=%d threads=%d: %.1f allocations per call", impl, w.DType, n, nt, a)
			}
		}
	}
}

// refMatMul returns MatMulRef's n output rows for x against w and the
// per-element magnitude bound absDot(x, n, w) that checkClose takes.
func refMatMul(x []float32, n int, w *tensor.Mat) (want []float32, abs []float64) {
	want = make([]float32, n*w.Rows)
	MatMulRef(want, x, n, w)
	return want, absDot(x, n, w)
}
