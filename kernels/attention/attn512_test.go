package attention

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/kernels/internal/kerneltest"
	"github.com/herd-llm/herd/tensor"
)

// TestKV2Exact checks that the two-head products equal DotsKV and AxpysKV
// per head on AVX2, bit for bit, on every implementation this machine runs
// (AVX-512F included): for every KV type, head dimensions with every tail
// (8-column chunks, 16- and 64-column blocks, the d%8 rest, a dimension past
// the packed-query limit) and row counts that leave every remainder of the
// eight-, four- and one-row groups.
func TestKV2Exact(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	ns := []int{0, 1, 3, 4, 5, 8, 11, 12, 13, 16, 29, 64}
	for _, kk := range kvKinds {
		dims := []int{5, 8, 13, 16, 24, 40, 64, 72, 100, 128, 200, 520}
		if kk.k == tensor.Q8_0 {
			dims = []int{32, 64, 96, 128, 160, 544}
		}
		for _, d := range dims {
			for _, n := range ns {
				stride := 3*kvRowBytes(kk.k, d) + 2*rng.IntN(3)
				kb, _ := randKVRows(rng, kk.k, max(n, 1), d, stride)
				q0, q1 := kerneltest.RandVec(rng, d), kerneltest.RandVec(rng, d)
				w := kerneltest.RandVec(rng, 2*n)
				acc0 := kerneltest.RandVec(rng, 2*d)
				// The reference: the single-head kernels on AVX2 (portable
				// where there is no AVX2).
				ref := impls()[min(1, len(impls())-1)]
				wantS := make([]float32, 2*n)
				wantA := append([]float32(nil), acc0...)
				withImpl(t, ref, func() {
					DotsKV(kk.k, wantS[:n], q0, kb, stride)
					DotsKV(kk.k, wantS[n:], q1, kb, stride)
					AxpysKV(kk.k, wantA[:d], w[:n], kb, stride)
					AxpysKV(kk.k, wantA[d:], w[n:], kb, stride)
				})
				for _, ic := range impls() {
					if ic.portable && !ref.portable {
						continue // portable rounds differently from AVX2
					}
					t.Run(fmt.Sprintf("%s/%s/d=%d/n=%d", ic.name, kk.name, d, n), func(t *testing.T) {
						useImpl(t, ic)
						s := make([]float32, 2*n)
						DotsKV2(kk.k, s, q0, q1, kb, stride)
						if i := kerneltest.BitsEqual(s, wantS); i >= 0 {
							t.Errorf("DotsKV2 score %d = %g, want %g", i, s[i], wantS[i])
						}
						a := append([]float32(nil), acc0...)
						AxpysKV2(kk.k, a, w, kb, stride)
						if i := kerneltest.BitsEqual(a, wantA); i >= 0 {
							t.Errorf("AxpysKV2 acc %d = %g, want %g", i, a[i], wantA[i])
						}
					})
				}
			}
		}
	}
}

// TestKV2Panics checks the two-head products reject mismatched arguments
// and short buffers on every implementation.
func TestKV2Panics(t *testing.T) {
	q := make([]float32, 64)
	for _, ic := range impls() {
		useImpl(t, ic)
		for name, f := range map[string]func(){
			"odd scores":  func() { DotsKV2(tensor.F16, make([]float32, 3), q, q, make([]byte, 1024), 128) },
			"q lengths":   func() { DotsKV2(tensor.F16, make([]float32, 2), q, q[:32], make([]byte, 1024), 128) },
			"short k":     func() { DotsKV2(tensor.F32, make([]float32, 4), q, q, make([]byte, 511), 256) },
			"odd acc":     func() { AxpysKV2(tensor.F32, make([]float32, 65), make([]float32, 2), make([]byte, 1024), 0) },
			"short v":     func() { AxpysKV2(tensor.BF16, make([]float32, 128), make([]float32, 6), make([]byte, 2*128+127), 128) },
			"q8 not 32":   func() { AxpysKV2(tensor.Q8_0, make([]float32, 80), make([]float32, 2), make([]byte, 100), 0) },
			"not KV type": func() { DotsKV2(tensor.Q4K, make([]float32, 2), q, q, make([]byte, 1024), 0) },
		} {
			kerneltest.MustPanic(t, ic.name+" "+name, f)
		}
	}
}

// BenchmarkKV2 compares the two-head products with two single-head calls
// (a pair of query heads over a block of 64 positions, as kvcache.Attend
// uses them) on the implementation selected (HERD_KERNELS=avx2 for AVX2).
func BenchmarkKV2(b *testing.B) {
	rng := rand.New(rand.NewPCG(53, 54))
	const n = 64
	for _, d := range []int{64, 128} {
		for _, kk := range kvKinds {
			stride := 8 * kvRowBytes(kk.k, d)
			kb, _ := randKVRows(rng, kk.k, n, d, stride)
			q0, q1 := kerneltest.RandVec(rng, d), kerneltest.RandVec(rng, d)
			s, acc := make([]float32, 2*n), make([]float32, 2*d)
			b.Run(fmt.Sprintf("%s/d=%d/pair", kk.name, d), func(b *testing.B) {
				c0 := kerneltest.CPUSeconds()
				for b.Loop() {
					DotsKV2(kk.k, s, q0, q1, kb, stride)
					AxpysKV2(kk.k, acc, s, kb, stride)
				}
				b.ReportMetric((kerneltest.CPUSeconds()-c0)*1e9/float64(b.N), "cpu-ns/op")
			})
			b.Run(fmt.Sprintf("%s/d=%d/single", kk.name, d), func(b *testing.B) {
				c0 := kerneltest.CPUSeconds()
				for b.Loop() {
					DotsKV(kk.k, s[:n], q0, kb, stride)
					DotsKV(kk.k, s[n:], q1, kb, stride)
					AxpysKV(kk.k, acc[:d], s[:n], kb, stride)
					AxpysKV(kk.k, acc[d:], s[n:], kb, stride)
				}
				b.ReportMetric((kerneltest.CPUSeconds()-c0)*1e9/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
