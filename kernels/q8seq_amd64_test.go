//go:build !purego

package kernels

import (
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/herd-llm/herd/tensor"
)

// TestQ8_0TwoPass checks that q8_0Sums + q8_0Float8 leave the 8 accumulators
// bit for bit as q8_0Rows8 does, for rows of 8 to 512 blocks, random starting
// sums and weights with extreme scales (randQuantMat).
func TestQ8_0TwoPass(t *testing.T) {
	if !cpu.AVX2 {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, nb := range []int{8, 16, 32, 128, 512} {
		cols := nb * 32
		w := randQuantMat(rng, tensor.Q8_0, 8, cols, false)
		rb := w.RowBytes()
		x := randActs(rng, 1, cols)
		act := make([]byte, nb*q8BlockPer)
		quantQ8_0(unsafe.Pointer(&act[0]), unsafe.Pointer(&act[32]), unsafe.Pointer(&act[36]), q8BlockPer, 4, &x[0], nb)
		var ptrs [8]unsafe.Pointer
		for j := range ptrs {
			ptrs[j] = unsafe.Pointer(&w.Data[j*rb])
		}
		var want, got [8]float32
		for j := range want {
			want[j] = float32(rng.NormFloat64())
			got[j] = want[j]
		}
		a := unsafe.Pointer(&act[0])
		q8_0Rows8(&ptrs, a, &want[0], nb, rb)
		sums := make([]int32, 8*nb)
		for j := range ptrs {
			q8_0Sums(ptrs[j], a, &sums[j], nb/8, rb)
		}
		q8_0Float8(&ptrs, a, &sums[0], &got[0], nb)
		if i := bitsEqual(got[:], want[:]); i >= 0 {
			t.Fatalf("nb=%d: row %d: two-pass %g, q8_0Rows8 %g", nb, i, got[i], want[i])
		}
	}
}
