//go:build !purego

package kernels

import (
	"math"
	"testing"
	"unsafe"

	"github.com/herd-llm/herd/tensor"
)

// TestWidenKernels checks the assembly widening kernels bit for bit against
// the tensor package on every input pattern, Inf and NaN included.
func TestWidenKernels(t *testing.T) {
	if !cpu.AVX2 {
		t.Skip("no AVX2")
	}
	same := func(a, b float32) bool {
		if a != a || b != b {
			return a != a && b != b
		}
		return math.Float32bits(a) == math.Float32bits(b)
	}
	src := make([]byte, 2<<16)
	for p := range 1 << 16 {
		src[2*p], src[2*p+1] = byte(p), byte(p>>8)
	}
	dst := make([]float32, 1<<16)
	widenBF16(&dst[0], unsafe.Pointer(&src[0]), len(dst)/8)
	for p, v := range dst {
		if want := tensor.BF16ToF32(uint16(p)); !same(v, want) {
			t.Fatalf("widenBF16(%#04x) = %g, want %g", p, v, want)
		}
	}
	widenF16(&dst[0], unsafe.Pointer(&src[0]), len(dst)/8)
	for p, v := range dst {
		if want := tensor.F16ToF32(uint16(p)); !same(v, want) {
			t.Fatalf("widenF16(%#04x) = %g (%#08x), want %g", p, v, math.Float32bits(v), want)
		}
	}
	for p := range 256 {
		src[p] = byte(p)
	}
	widenF8(&dst[0], unsafe.Pointer(&src[0]), 256/8)
	for p, v := range dst[:256] {
		if want := tensor.F8E4M3ToF32(uint8(p)); !same(v, want) || !same(f8e4m3[p], want) {
			t.Fatalf("widenF8(%#02x) = %g (%#08x), LUT %g, want %g", p, v, math.Float32bits(v), f8e4m3[p], want)
		}
	}
}

func BenchmarkWidenF8(b *testing.B) {
	src := make([]byte, 4096)
	for i := range src {
		src[i] = byte(i * 7)
	}
	dst := make([]float32, len(src))
	b.Run("avx2", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			widenF8(&dst[0], unsafe.Pointer(&src[0]), len(src)/8)
		}
	})
	b.Run("lut", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			decodeF8(dst, src)
		}
	})
}
