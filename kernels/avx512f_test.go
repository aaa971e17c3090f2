package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// needAVX512F skips t unless the AVX-512F kernels can run here.
func needAVX512F(t *testing.T) (avx2, avx512 implCase) {
	t.Helper()
	if !haveAsm || !cpu.AVX512F || !cpu.AVX512BW || !cpu.AVX512VL {
		t.Skip("no AVX-512 F/BW/VL")
	}
	name := "avx512"
	if cpu.AVX512VNNI {
		name = "avx512-vnni"
	}
	return implCase{"avx2", false}, implCase{name, false}
}

// TestMatMulAVX512FExact checks that MatMul's batched path on AVX-512F gives
// the AVX2 result bit for bit, for every dtype, on batches that leave 0 to 7
// activation rows to the AVX2 kernels and row counts that leave every
// remainder of 6 weight rows, inline and on 3 threads.
func TestMatMulAVX512FExact(t *testing.T) {
	i2, i5 := needAVX512F(t)
	rng := rand.New(rand.NewPCG(31, 32))
	shapes := [][2]int{{6, 8}, {13, 17}, {49, 520}, {197, 1100}, {50, 64}}
	ns := []int{17, 23, 24, 31, 64, 66, 70, 129}
	for _, dt := range dtypes {
		for _, sh := range shapes {
			rows, cols := sh[0], sh[1]
			w := randMat(rng, dt, rows, cols)
			x := randVec(rng, ns[len(ns)-1]*cols)
			t.Run(fmt.Sprintf("%s/%dx%d", dt, rows, cols), func(t *testing.T) {
				for _, n := range ns {
					for _, nt := range []int{1, 3} {
						useImpl(t, i2)
						useThreads(t, nt, 0)
						want := make([]float32, n*rows)
						MatMul(want, x, n, w)
						useImpl(t, i5)
						got := make([]float32, n*rows)
						MatMul(got, x, n, w)
						if i := bitsEqual(got, want); i >= 0 {
							t.Fatalf("n=%d threads=%d: element %d (row %d) is %g on AVX-512F, %g on AVX2", n, nt, i, i/rows, got[i], want[i])
						}
					}
				}
			})
		}
	}
}

// TestGemmAVX512FExact checks that Gemm on AVX-512F gives the AVX2 result
// bit for bit in the three layouts, with and without accumulation, on
// shapes with 64-column groups, ragged columns and rows, and several depth
// blocks, inline and on 3 threads.
func TestGemmAVX512FExact(t *testing.T) {
	i2, i5 := needAVX512F(t)
	rng := rand.New(rand.NewPCG(33, 34))
	shapes := [][3]int{{6, 64, 5}, {7, 65, 3}, {13, 128, 300}, {5, 200, 513}, {64, 48, 257}, {130, 190, 600}, {37, 256, 64}}
	for _, sh := range shapes {
		m, n, k := sh[0], sh[1], sh[2]
		for form := range 3 { // NN, NT (B = Wᵀ), TN (A = Yᵀ)
			a, b := randF32(rng, m*k), randF32(rng, k*n)
			rsa, csa, rsb, csb := gemmForm(form, m, n, k)
			for _, acc := range []bool{false, true} {
				for _, nt := range []int{1, 3} {
					ldc := n + 5
					c0 := randF32(rng, m*ldc)
					run := func(ic implCase) []float32 {
						useImpl(t, ic)
						useThreads(t, nt, 0)
						c := append([]float32(nil), c0...)
						Gemm(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc, acc)
						return c
					}
					want, got := run(i2), run(i5)
					if i := bitsEqual(got, want); i >= 0 {
						t.Fatalf("%v form %d acc %v threads %d: c[%d] is %g on AVX-512F, %g on AVX2", sh, form, acc, nt, i, got[i], want[i])
					}
				}
			}
		}
	}
}
