package tensor

import (
	"math"
	"testing"
)

func TestF8E4M3Decode(t *testing.T) {
	for _, tc := range []struct {
		b uint8
		f float32
	}{{0x00, 0}, {0x38, 1}, {0x40, 2}, {0x7e, 448}, {0x01, 1.0 / 512}, {0x08, 1.0 / 64}, {0xb8, -1}, {0x3c, 1.5}} {
		if got := F8E4M3ToF32(tc.b); got != tc.f {
			t.Errorf("decode %#x = %v, want %v", tc.b, got, tc.f)
		}
	}
	if v := F8E4M3ToF32(0x7f); v == v {
		t.Error("0x7f must be NaN")
	}
}

func TestF8E4M3RoundTrip(t *testing.T) {
	for b := 0; b < 256; b++ {
		if b&0x7f == 0x7f {
			continue
		}
		f := F8E4M3ToF32(uint8(b))
		got := F32ToF8E4M3(f)
		if F8E4M3ToF32(got) != f {
			t.Errorf("%#x → %v → %#x", b, f, got)
		}
	}
	if F32ToF8E4M3(1e6) != 0x7e || F32ToF8E4M3(-1e6) != 0xfe {
		t.Error("no saturation")
	}
	// 1.0625 is halfway between 1 (0x38, even) and 1.125 (0x39): ties to even.
	if F32ToF8E4M3(1.0625) != 0x38 || F32ToF8E4M3(1.1875) != 0x3a {
		t.Error("ties not to even")
	}
}

func TestF16AndBF16(t *testing.T) {
	for _, f := range []float32{0, 1, -2.5, 65504, 6.1035156e-05, 5.9604645e-08, 0.1, 3.14159} {
		h := F32ToF16(f)
		back := F16ToF32(h)
		if math.Abs(float64(back-f)) > math.Abs(float64(f))*1e-3+6e-8 {
			t.Errorf("F16 %v → %#x → %v", f, h, back)
		}
		bb := BF16ToF32(F32ToBF16(f))
		if math.Abs(float64(bb-f)) > math.Abs(float64(f))*1e-2 {
			t.Errorf("BF16 %v → %v", f, bb)
		}
	}
	if F16ToF32(0x7c00) != float32(math.Inf(1)) || F32ToF16(1e6) != 0x7c00 {
		t.Error("F16 infinity")
	}
	// Exhaustive: every finite half round-trips through float32.
	for h := 0; h < 0x10000; h++ {
		if h&0x7c00 == 0x7c00 {
			continue
		}
		if got := F32ToF16(F16ToF32(uint16(h))); got != uint16(h) {
			t.Fatalf("half %#x round-trips to %#x", h, got)
		}
	}
	// BF16 rounding is to nearest even: 1 + 2^-8 is a tie between 1 and 1+2^-7.
	if F32ToBF16(1+1.0/256) != 0x3f80 {
		t.Errorf("bf16 tie: %#x", F32ToBF16(1+1.0/256))
	}
}
