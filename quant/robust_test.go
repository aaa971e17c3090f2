package quant

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// TestRandomBytesNeverPanic: Dequantize and the Dot functions accept any
// bytes (scales may decode to NaN or ±Inf, which then just propagate).
func TestRandomBytesNeverPanic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	all := []tensor.DType{tensor.Q8_0, tensor.Q4_0, tensor.Q4K, tensor.Q6K, tensor.Q8K, tensor.Int4}
	for trial := 0; trial < 50; trial++ {
		for _, f := range all {
			n := f.BlockSize() * (1 + rng.IntN(4))
			rb, _ := f.RowBytes(n)
			w := make([]byte, rb+rng.IntN(8)) // spare bytes are ignored
			for i := range w {
				w[i] = byte(rng.Uint32())
			}
			if trial%5 == 0 { // force non-finite scales in some blocks
				for i := 0; i+1 < len(w); i += f.BlockBytes() {
					w[i], w[i+1] = 0xff, 0x7f
				}
			}
			y := make([]float32, n)
			Dequantize(f, y, w)
			if act, ok := ActivationType(f); ok {
				arb, _ := act.RowBytes(n)
				a := make([]byte, arb)
				for i := range a {
					a[i] = byte(rng.Uint32())
				}
				_ = Dot(f, w, a, n)
			}
			if f == tensor.Int4 {
				_ = DotInt4(w, y, n)
			}
			// Quantize of arbitrary bit patterns (NaN, ±Inf, huge values):
			// the output is unspecified but it must not panic.
			for i := range y {
				y[i] = math.Float32frombits(rng.Uint32())
			}
			Quantize(f, w, y)
		}
	}
}

// FuzzDequantize runs its seed corpus in every `go test`; `go test -fuzz`
// explores further.
func FuzzDequantize(f *testing.F) {
	f.Add(uint8(0), make([]byte, 34))
	f.Add(uint8(2), make([]byte, 144))
	f.Add(uint8(3), []byte{0xff, 0x7f, 1, 2, 3})
	f.Fuzz(func(t *testing.T, fi uint8, data []byte) {
		fm := oldFormatOrder[int(fi)%len(oldFormatOrder)]
		nb := len(data) / fm.BlockBytes()
		y := make([]float32, nb*fm.BlockSize())
		Dequantize(fm, y, data)
		if act, ok := ActivationType(fm); ok {
			a := make([]byte, nb*act.BlockBytes())
			copy(a, data)
			Dot(fm, data, a, len(y))
		}
	})
}

// ggmlFP32ToFP16 is the float-to-half conversion ggml uses
// (ggml_compute_fp32_to_fp16, after Maratyszcza's FP16 library): it lets the
// float unit do the rounding. Quantize relies on tensor.F32ToF16 giving the
// same bits, which the test below checks.
func ggmlFP32ToFP16(f float32) uint16 {
	const scaleToInf = float32(0x1.0p+112)
	const scaleToZero = float32(0x1.0p-110)
	base := float32(abs32(f)*scaleToInf) * scaleToZero
	w := math.Float32bits(f)
	shl1w := w + w
	sign := w & 0x80000000
	bias := shl1w & 0xff000000
	if bias < 0x71000000 {
		bias = 0x71000000
	}
	base = math.Float32frombits(bias>>1+0x07800000) + base
	bits := math.Float32bits(base)
	expBits := (bits >> 13) & 0x00007c00
	mantBits := bits & 0x00000fff
	nonsign := expBits + mantBits
	if shl1w > 0xff000000 {
		nonsign = 0x7e00
	}
	return uint16(sign>>16) | uint16(nonsign)
}

// TestF16ConversionMatchesGGML sweeps float32 bit patterns (every one with
// HERD_QUANT_EXHAUSTIVE=1, about 1.5 minutes on one core; a 1-in-4099 stride plus the
// half-precision rounding boundaries otherwise).
func TestF16ConversionMatchesGGML(t *testing.T) {
	check := func(u uint32) bool {
		f := math.Float32frombits(u)
		got, want := tensor.F32ToF16(f), ggmlFP32ToFP16(f)
		if got != want {
			t.Errorf("F32ToF16(%g = %#08x) = %#04x, ggml %#04x", f, u, got, want)
			return false
		}
		return true
	}
	step := uint64(4099)
	if os.Getenv("HERD_QUANT_EXHAUSTIVE") != "" {
		step = 1
	}
	for u := uint64(0); u <= math.MaxUint32; u += step {
		if !check(uint32(u)) {
			return
		}
	}
	// Every half's neighbourhood and the midpoints between consecutive halves.
	for h := uint32(0); h < 0x10000; h++ {
		f := tensor.F16ToF32(uint16(h))
		if f != f {
			continue
		}
		b := math.Float32bits(f)
		for _, u := range []uint32{b - 1, b, b + 1, b + 0x1000, b + 0xfff, b + 0x1001} {
			if !check(u) {
				return
			}
		}
	}
	// Half to float is exact in both; NaNs only need to stay NaN.
	for h := uint32(0); h < 0x10000; h++ {
		f := tensor.F16ToF32(uint16(h))
		if (h&0x7c00 == 0x7c00 && h&0x3ff != 0) != (f != f) {
			t.Fatalf("F16ToF32(%#04x) = %g", h, f)
		}
		if f == f && tensor.F32ToF16(f) != uint16(h) {
			t.Fatalf("F16ToF32(%#04x) = %g does not round-trip", h, f)
		}
	}
}
