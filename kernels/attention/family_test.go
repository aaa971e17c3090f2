package attention

import (
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/kernels/internal/kerneltest"
	"github.com/herd-llm/herd/tensor"
)

// TestFamilyGate checks that package kernels's family gate governs these
// kernels: where kernels.Impl is "portable" (HERD_KERNELS, HERD_NOASM or
// LimitFamily), DotsKV gives the pure-Go sums bit for bit; under an assembly
// family it gives the AVX2 kernels' (another summation order, so other bits
// for some of 64 random rows). The pure-Go sums come from a "portable" call:
// kernels.Dot, under dotsPortable, is pure Go only there. It checks the family the process started
// with, then every family this machine runs.
func TestFamilyGate(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	const n, d = 64, 128
	kb, _ := randKVRows(rng, tensor.F32, n, d, 4*d)
	q := kerneltest.RandVec(rng, d)
	want := make([]float32, n)
	withImpl(t, implCase{"portable", true}, func() { DotsKV(tensor.F32, want, q, kb, 4*d) })
	check := func(t *testing.T, family string) {
		got := make([]float32, n)
		DotsKV(tensor.F32, got, q, kb, 4*d)
		if same, portable := kerneltest.BitsEqual(got, want) < 0, family == "portable"; same != portable {
			t.Errorf("DotsKV under %s: bit-equal to the pure-Go sums: %v, want %v", family, same, portable)
		}
	}
	check(t, kernels.Impl())
	for _, ic := range impls() {
		t.Run(ic.name, func(t *testing.T) {
			useImpl(t, ic)
			check(t, ic.name)
		})
	}
}
