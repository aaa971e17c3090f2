package quant

import (
	"math"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

func TestFP8Row(t *testing.T) {
	tests := []struct {
		name      string
		x         []float32
		ub        float32
		wantScale float32
		wantBytes []byte // nil: only check the round trip
	}{
		// amax 448: scale 1, the bytes are the plain E4M3 encodings.
		{"unit scale", []float32{448, -448, 1, -0.5, 0, 0.001953125}, 0, 1, []byte{0x7e, 0xfe, 0x38, 0xb0, 0x00, 0x01}},
		// amax 896: every value is halved before encoding.
		{"scale 2", []float32{896, 2, -3}, 0, 2, []byte{0x7e, 0x38, 0xbc}},
		{"zero row", []float32{0, 0, 0}, 0, 1e-12 / 448, []byte{0, 0, 0}},
		// ub clamps the row max: 1e4 saturates at 448·scale.
		{"upper bound", []float32{1e4, 1, -2400}, 1200, 1200.0 / 448, []byte{0x7e, tensor.F32ToF8E4M3(448.0 / 1200), 0xfe}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := make([]byte, len(tt.x))
			s := QuantizeFP8RowUB(q, tt.x, tt.ub)
			if math.Abs(float64(s-tt.wantScale)) > 1e-6*float64(tt.wantScale) {
				t.Errorf("scale %g, want %g", s, tt.wantScale)
			}
			for i, w := range tt.wantBytes {
				if q[i] != w {
					t.Errorf("byte %d = %#02x, want %#02x", i, q[i], w)
				}
			}
		})
	}
	// The round trip error is bounded by E4M3's 3-bit mantissa (relative
	// half-ulp 1/16) for values in the normal range.
	s := lcg(11)
	x := make([]float32, 4096)
	for i := range x {
		x[i] = uOf(s.next32()) * 3
	}
	q := make([]byte, len(x))
	y := make([]float32, len(x))
	scale := QuantizeFP8Row(q, x)
	DequantizeFP8Row(y, q, scale)
	if e := relRMS(y, x); e > 0.04 {
		t.Errorf("relative RMS error %.4f", e)
	}
	for i := range x {
		want := tensor.F8E4M3ToF32(tensor.F32ToF8E4M3(x[i]*(448/maxAbs(x)))) * scale
		if y[i] != want {
			t.Fatalf("value %d: %g, want %g", i, y[i], want)
		}
	}
}

func maxAbs(x []float32) float32 {
	var m float32
	for _, v := range x {
		m = max(m, abs32(v))
	}
	return m
}
