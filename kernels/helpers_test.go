package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/herd-llm/herd/kernels/internal/kerneltest"
	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

// implCase is one kernel implementation the tests run: a family name as
// Impl reports it.
type implCase struct {
	name     string
	portable bool
}

// impls lists the implementations this machine can run (Families): always
// the portable Go one, plus AVX2 where the CPU (and the build) has it, plus
// AVX-512 (VNNI) where it has that too.
func impls() []implCase {
	var r []implCase
	for _, name := range Families() {
		r = append(r, implCase{name, name == "portable"})
	}
	return r
}

// The helpers shared with kernels/attention's tests.
var (
	randVec    = kerneltest.RandVec
	putFloats  = kerneltest.PutFloats
	bitsEqual  = kerneltest.BitsEqual
	mustPanic  = kerneltest.MustPanic
	cpuSeconds = kerneltest.CPUSeconds
)

// useImpl selects c for the rest of the test.
func useImpl(t testing.TB, c implCase) {
	oldP, oldCap := forcePortable.Load(), familyCap.Load()
	t.Cleanup(func() { forcePortable.Store(oldP); familyCap.Store(oldCap) })
	if err := LimitFamily(c.name); err != nil {
		t.Fatal(err)
	}
	if Impl() != c.name {
		t.Fatalf("Impl() = %q, want %q", Impl(), c.name)
	}
}

// useThreads sets the thread count and the pool threshold for the rest of the test.
func useThreads(t testing.TB, n int, minMACs int64) {
	oldT, oldMin := threads.Load(), parallelMinMACs
	SetThreads(n)
	parallelMinMACs = minMACs
	t.Cleanup(func() { threads.Store(oldT); parallelMinMACs = oldMin })
}

var dtypes = []tensor.DType{tensor.F32, tensor.BF16, tensor.F16, tensor.F8E4M3}

// randMat returns a random [rows, cols] matrix of dtype dt: normal values
// (1 in 16 tiny, reaching F16 subnormals), every finite F8E4M3 byte, row scales
// in [0.5, 1.5).
func randMat(rng *rand.Rand, dt tensor.DType, rows, cols int) *tensor.Mat {
	m := &tensor.Mat{DType: dt, Rows: rows, Cols: cols, Data: make([]byte, rows*cols*dt.Size())}
	vals := make([]float32, rows*cols)
	for i := range vals {
		vals[i] = float32(rng.NormFloat64())
		if rng.IntN(16) == 0 {
			vals[i] *= 1e-5
		}
		if dt == tensor.F8E4M3 {
			b := byte(rng.IntN(256))
			if b&0x7f == 0x7f { // NaN
				b--
			}
			m.Data[i] = b
		}
	}
	putFloats(dt, m.Data, vals)
	if dt == tensor.F8E4M3 {
		m.Scale = make([]float32, rows)
		for r := range m.Scale {
			m.Scale[r] = 0.5 + rng.Float32()
		}
	}
	return m
}

// absDot returns Σ_c |x[t,c]·W[r,c]| in float64, [n][Rows] row-major.
func absDot(x []float32, n int, w *tensor.Mat) []float64 {
	out := make([]float64, n*w.Rows)
	row := make([]float32, w.Cols)
	for r := range w.Rows {
		quant.DecodeRow(w, r, row)
		for t := range n {
			var s float64
			for c, v := range row {
				s += math.Abs(float64(v) * float64(x[t*w.Cols+c]))
			}
			out[t*w.Rows+r] = s
		}
	}
	return out
}

// tolerance is the documented MatMul error bound relative to MatMulRef.
func tolerance(cols int, absdot float64) float64 {
	return float64(2*cols+16) * 0x1p-24 * absdot
}

// checkClose compares got with want element by element against the bound.
func checkClose(t *testing.T, got, want []float32, abs []float64, cols int) {
	t.Helper()
	bad := 0
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if !(d <= tolerance(cols, abs[i])) {
			if bad < 5 {
				t.Errorf("element %d: got %g, want %g (|diff| %g > tol %g)", i, got[i], want[i], d, tolerance(cols, abs[i]))
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("... %d elements out of tolerance", bad)
	}
}

// eachImpl runs f as one subtest per kernel implementation (named after it),
// with that implementation selected.
func eachImpl(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, ic := range impls() {
		t.Run(ic.name, func(t *testing.T) {
			useImpl(t, ic)
			f(t)
		})
	}
}

// matMulProblem is one product the concurrency tests repeat: want = x·wᵀ
// for n activation rows.
type matMulProblem struct {
	w    *tensor.Mat
	x    []float32
	n    int
	want []float32
}

// matMulConcurrently runs MatMul from goroutines goroutines at once, each
// computing iters products (problem (g+it) mod len(ps)), and reports every
// goroutine whose result is not bit-equal to want.
func matMulConcurrently(t *testing.T, ps []matMulProblem, goroutines, iters int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range iters {
				p := ps[(g+it)%len(ps)]
				got := make([]float32, len(p.want))
				MatMul(got, p.x, p.n, p.w)
				if i := bitsEqual(got, p.want); i >= 0 {
					errs <- fmt.Errorf("goroutine %d, %s: element %d differs", g, p.w.DType, i)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
