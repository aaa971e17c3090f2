package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// gemmRef is Gemm's definition, element by element, in float64.
func gemmRef(m, n, k int, a []float32, rsa, csa int, b []float32, rsb, csb int, c []float64, ldc int) {
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				s += float64(a[i*rsa+p*csa]) * float64(b[p*rsb+j*csb])
			}
			c[i*ldc+j] += s
		}
	}
}

// gemmForm returns Gemm's strides for an m×k by k×n product in layout form
// 0 (NN: A and B row-major), 1 (NT: B = Wᵀ, W row-major [n, k]) or 2 (TN:
// A = Yᵀ, Y row-major [k, m]).
func gemmForm(form, m, n, k int) (rsa, csa, rsb, csb int) {
	rsa, csa, rsb, csb = k, 1, n, 1
	switch form {
	case 1:
		rsb, csb = 1, k
	case 2:
		rsa, csa = 1, m
	}
	return
}

func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{1, 1, 1}, {6, 16, 8}, {7, 17, 3}, {13, 33, 300}, {5, 100, 513}, {64, 48, 257}, {130, 40, 600}, {3, 5, 0}}
	eachImpl(t, func(t *testing.T) {
		for _, sh := range shapes {
			m, n, k := sh[0], sh[1], sh[2]
			for form := range 3 { // NN, NT (B = Wᵀ), TN (A = Yᵀ)
				a := randF32(rng, m*k+1)
				b := randF32(rng, k*n+1)
				rsa, csa, rsb, csb := gemmForm(form, m, n, k)
				for _, acc := range []bool{false, true} {
					ldc := n + 3
					c := randF32(rng, m*ldc)
					want := make([]float64, len(c))
					for i, v := range c {
						if acc || i%ldc >= n {
							want[i] = float64(v)
						}
					}
					gemmRef(m, n, k, a, rsa, csa, b, rsb, csb, want, ldc)
					Gemm(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc, acc)
					for i, v := range c {
						tol := 1e-6 * float64(k+4) * (1 + math.Abs(want[i]))
						if math.Abs(float64(v)-want[i]) > tol {
							t.Fatalf("%v form %d acc %v: c[%d] = %g, want %g", sh, form, acc, i, v, want[i])
						}
					}
				}
			}
		}
	})
}

// TestGemmDeterministic checks that results are bit-identical across thread
// counts and tilings: a row computed in a big product equals the same row
// computed alone.
func TestGemmDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m, n, k := 97, 130, 700
	a, b := randF32(rng, m*k), randF32(rng, k*n)
	eachImpl(t, func(t *testing.T) {
		defer SetThreads(0)
		var ref []float32
		for _, th := range []int{1, 2, 3, 8} {
			SetThreads(th)
			c := make([]float32, m*n)
			Gemm(m, n, k, a, 1, m, b, n, 1, c, n, false)
			if ref == nil {
				ref = c
				continue
			}
			for i := range c {
				if math.Float32bits(c[i]) != math.Float32bits(ref[i]) {
					t.Fatalf("threads %d: c[%d] = %g, want %g", th, i, c[i], ref[i])
				}
			}
		}
		for _, i := range []int{0, 5, 96} { // one output row alone
			c := make([]float32, n)
			Gemm(1, n, k, a[i:], 1, m, b, n, 1, c, n, false)
			for j := range c {
				if math.Float32bits(c[j]) != math.Float32bits(ref[i*n+j]) {
					t.Fatalf("row %d alone: c[%d] = %g, want %g", i, j, c[j], ref[i*n+j])
				}
			}
		}
	})
}

func randF32(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// BenchmarkGemm times the products of a dense training step's MLP
// (768 tokens, 128 wide, FFN 512) in the three layouts, on each
// implementation, on one thread.
func BenchmarkGemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	n, d, f := 768, 128, 512
	x, w, y := randF32(rng, n*d), randF32(rng, f*d), randF32(rng, n*f)
	out := make([]float32, n*f)
	dw := make([]float32, f*d)
	var c0 float64
	flops := func(b *testing.B) { // per wall and per CPU second (a shared machine)
		b.ReportMetric(2*float64(n*d*f)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		b.ReportMetric(2*float64(n*d*f)*float64(b.N)/(cpuSeconds()-c0)/1e9, "cpu-GFLOP/s")
	}
	for _, ic := range impls() {
		setup := func(b *testing.B) {
			useImpl(b, ic)
			useThreads(b, 1, 1<<18)
			c0 = cpuSeconds()
		}
		b.Run("NT/"+ic.name, func(b *testing.B) { // y = x·Wᵀ
			setup(b)
			for range b.N {
				Gemm(n, f, d, x, d, 1, w, 1, d, out, f, false)
			}
			flops(b)
		})
		b.Run("NN/"+ic.name, func(b *testing.B) { // dx = dy·W
			setup(b)
			for range b.N {
				Gemm(n, d, f, y, f, 1, w, d, 1, out, d, false)
			}
			flops(b)
		})
		b.Run("TN/"+ic.name, func(b *testing.B) { // dW += dyᵀ·x
			setup(b)
			for range b.N {
				Gemm(f, d, n, y, 1, f, x, d, 1, dw, d, true)
			}
			flops(b)
		})
		b.Run("MatMul/"+ic.name, func(b *testing.B) { // y = x·Wᵀ through MatMul
			setup(b)
			wm := tensor.NewF32Mat(f, d, w)
			for range b.N {
				MatMul(out, x, n, wm)
			}
			flops(b)
		})
	}
}
