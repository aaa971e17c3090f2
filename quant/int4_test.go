package quant

import (
	"math"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// int4Ref is the spec §6 formula written out plainly in float64 where that is
// exact: scale = max(max|w|, 1e-6)/8 in float32, q = clamp(roundHalfEven(w/scale), −8, 7).
func int4Ref(x []float32) (scale float32, q []int) {
	var amax float32
	for _, v := range x {
		amax = max(amax, float32(math.Abs(float64(v))))
	}
	scale = max(amax, float32(1e-6)) / 8
	for _, v := range x {
		r := math.RoundToEven(float64(v / scale))
		q = append(q, int(max(-8, min(7, r))))
	}
	return scale, q
}

func TestInt4HandCases(t *testing.T) {
	group := func(head ...float32) []float32 {
		x := make([]float32, 128)
		copy(x, head)
		return x
	}
	tests := []struct {
		name      string
		x         []float32
		scale     float32
		wantQ     []int  // first values of q
		wantBytes []byte // first packed bytes
	}{
		{
			// scale 1: 8 clamps to 7, −8 stays, ties go to even.
			name:      "clamp and ties",
			x:         group(8, -8, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.49, 6.5),
			scale:     1,
			wantQ:     []int{7, -8, 0, 2, 2, 0, -2, -2, 3, 6},
			wantBytes: []byte{0x87, 0x20, 0x02, 0xee, 0x63},
		},
		{
			name:      "negative max",
			x:         group(-4, 1, 3.75, -3.75),
			scale:     0.5,
			wantQ:     []int{-8, 2, 7, -8},
			wantBytes: []byte{0x28, 0x87},
		},
		{
			// max|w| below 1e-6 is clamped before dividing by 8.
			name:      "scale floor",
			x:         group(1e-7, -2e-7, 5e-7),
			scale:     float32(1e-6) / 8,
			wantQ:     []int{1, -2, 4},
			wantBytes: []byte{0xe1, 0x04},
		},
		{
			name:      "all zero",
			x:         group(),
			scale:     float32(1e-6) / 8,
			wantQ:     []int{0, 0},
			wantBytes: []byte{0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := make([]byte, tensor.Int4.BlockBytes())
			Quantize(tensor.Int4, b, tt.x)
			if got := getF32(b); got != tt.scale {
				t.Errorf("scale %g, want %g", got, tt.scale)
			}
			for i, w := range tt.wantBytes {
				if b[4+i] != w {
					t.Errorf("byte %d = %#02x, want %#02x", i, b[4+i], w)
				}
			}
			y := make([]float32, 128)
			Dequantize(tensor.Int4, y, b)
			for i, q := range tt.wantQ {
				if want := float32(q) * tt.scale; y[i] != want {
					t.Errorf("value %d decodes to %g, want %d·scale = %g", i, y[i], q, want)
				}
			}
			// Everything agrees with the plainly written formula.
			s, q := int4Ref(tt.x)
			for i := range q {
				if y[i] != float32(q[i])*s {
					t.Fatalf("value %d: %g, spec formula %d·%g", i, y[i], q[i], s)
				}
			}
		})
	}
}

// TestInt4MatchesFormula checks Quantize against int4Ref on random rows of
// several magnitudes, every group separately, and the packed nibble order.
func TestInt4MatchesFormula(t *testing.T) {
	s := lcg(7)
	x := make([]float32, 1024)
	b := make([]byte, 1024/128*68)
	for _, mag := range []float32{1e-8, 3e-6, 0.01, 1, 1e4} {
		for i := range x {
			x[i] = uOf(s.next32()) * mag
		}
		Quantize(tensor.Int4, b, x)
		for g := 0; g < len(x)/128; g++ {
			scale, q := int4Ref(x[128*g : 128*g+128])
			blk := b[68*g : 68*g+68]
			if getF32(blk) != scale {
				t.Fatalf("mag %g group %d: scale %g, formula %g", mag, g, getF32(blk), scale)
			}
			for i, want := range q {
				nib := blk[4+i/2] >> (4 * (i & 1)) & 0xf
				if got := int(int8(nib<<4) >> 4); got != want {
					t.Fatalf("mag %g group %d value %d: q %d, formula %d", mag, g, i, got, want)
				}
			}
		}
	}
}

func TestDotInt4(t *testing.T) {
	s := lcg(9)
	const n = 512
	w, x := make([]float32, n), make([]float32, n)
	for i := range w {
		w[i], x[i] = uOf(s.next32()), uOf(s.next32())
	}
	b := make([]byte, n/128*68)
	Quantize(tensor.Int4, b, w)
	dq := make([]float32, n)
	Dequantize(tensor.Int4, dq, b)
	var want float64
	for i := range dq {
		want += float64(dq[i]) * float64(x[i])
	}
	if got := DotInt4(b, x, n); math.Abs(float64(got)-want) > 1e-5 {
		t.Errorf("DotInt4 = %g, dequantized dot %g", got, want)
	}
}
