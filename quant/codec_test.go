package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// oldFormatOrder is the order of the former quant.Format enum, which the
// FuzzDequantize seeds index.
var oldFormatOrder = []tensor.DType{tensor.Q8_0, tensor.Q4_0, tensor.Q4K, tensor.Q6K, tensor.Q8K, tensor.Int4}

func TestCodecTable(t *testing.T) {
	tests := []struct {
		d           tensor.DType
		name        string
		block, size int
		act         tensor.DType
		hasDot      bool
	}{
		{tensor.Q8_0, "q8_0", 32, 34, tensor.Q8_0, true},
		{tensor.Q4_0, "q4_0", 32, 18, tensor.Q8_0, true},
		{tensor.Q4K, "q4_k", 256, 144, tensor.Q8K, true},
		{tensor.Q6K, "q6_k", 256, 210, tensor.Q8K, true},
		{tensor.Q8K, "q8_k", 256, 292, 0, false},
		{tensor.Int4, "int4", 128, 68, 0, false},
		{tensor.F32, "f32", 1, 4, 0, false},
		{tensor.BF16, "bf16", 1, 2, 0, false},
		{tensor.F16, "f16", 1, 2, 0, false},
	}
	for _, tt := range tests {
		if got := tt.d.FlagName(); got != tt.name {
			t.Errorf("FlagName() = %q, want %q", got, tt.name)
		}
		if got := tt.d.BlockSize(); got != tt.block {
			t.Errorf("%s: BlockSize() = %d, want %d", tt.name, got, tt.block)
		}
		if got := tt.d.BlockBytes(); got != tt.size {
			t.Errorf("%s: BlockBytes() = %d, want %d", tt.name, got, tt.size)
		}
		if rb, err := tt.d.RowBytes(4096); err != nil || rb != 4096/tt.block*tt.size {
			t.Errorf("%s: RowBytes(4096) = %d, %v", tt.name, rb, err)
		}
		if tt.block > 1 {
			for _, bad := range []int{tt.block + 1, tt.block / 2} {
				if _, err := tt.d.RowBytes(bad); err == nil {
					t.Errorf("%s: RowBytes(%d) accepted", tt.name, bad)
				}
			}
		}
		act, ok := ActivationType(tt.d)
		if ok != tt.hasDot || (ok && act != tt.act) {
			t.Errorf("%s: ActivationType = %s, %v", tt.name, act, ok)
		}
		// Every type with a quantizer round-trips a zero row.
		x := make([]float32, tt.block)
		b := make([]byte, tt.size)
		Quantize(tt.d, b, x)
		y := []float32{1}
		if tt.block > 1 {
			y = make([]float32, tt.block)
			y[0] = 1
		}
		Dequantize(tt.d, y, b)
		if y[0] != 0 {
			t.Errorf("%s: zero row decodes to %v", tt.name, y[0])
		}
	}
}

// TestScalarCodecs checks the scalar codecs against package tensor's
// element conversions.
func TestScalarCodecs(t *testing.T) {
	x := []float32{0, 1, -2.5, 3.14159, 65504, 1e-8, float32(math.Inf(-1)), 1e30}
	for _, d := range []tensor.DType{tensor.F32, tensor.BF16, tensor.F16} {
		b := make([]byte, len(x)*d.BlockBytes())
		Quantize(d, b, x)
		y := make([]float32, len(x))
		Dequantize(d, y, b)
		for i, v := range x {
			var want float32
			switch d {
			case tensor.F32:
				want = v
			case tensor.BF16:
				want = tensor.BF16ToF32(tensor.F32ToBF16(v))
			case tensor.F16:
				want = tensor.F16ToF32(tensor.F32ToF16(v))
			}
			if math.Float32bits(y[i]) != math.Float32bits(want) {
				t.Errorf("%s: %v -> %v, want %v", d, v, y[i], want)
			}
		}
	}
}

func TestDecodeRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 2*256)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for _, d := range []tensor.DType{tensor.F32, tensor.BF16, tensor.F16, tensor.F8E4M3, tensor.Q8_0, tensor.Q4_0, tensor.Q4K, tensor.Q6K, tensor.Int4} {
		m := &tensor.Mat{DType: d, Rows: 2, Cols: 256}
		rb, _ := d.RowBytes(256)
		m.Data = make([]byte, 2*rb)
		want := make([]float32, 256)
		for r := range 2 {
			row, data := x[r*256:(r+1)*256], m.Data[r*rb:(r+1)*rb]
			if d == tensor.F8E4M3 {
				m.Scale = append(m.Scale, QuantizeFP8Row(data, row))
			} else {
				Quantize(d, data, row)
			}
		}
		got := make([]float32, 300)
		for r := range 2 {
			DecodeRow(m, r, got)
			data := m.Data[r*rb : (r+1)*rb]
			Dequantize(d, want, data)
			for i := range want {
				if d == tensor.F8E4M3 {
					want[i] = tensor.F8E4M3ToF32(data[i]) * m.Scale[r]
				}
				if got[i] != want[i] {
					t.Fatalf("%s row %d [%d] = %v, want %v", d, r, i, got[i], want[i])
				}
			}
		}
	}
}

func TestParse(t *testing.T) {
	good := map[string]tensor.DType{"q8_0": tensor.Q8_0, "q4_0": tensor.Q4_0, "q4_k": tensor.Q4K, "Q6_K": tensor.Q6K, " int4 ": tensor.Int4}
	for s, want := range good {
		if got, err := Parse(s); err != nil || got != want {
			t.Errorf("Parse(%q) = %s, %v; want %s", s, got, err, want)
		}
	}
	for _, s := range []string{"", "fp8", "q8_k", "q4_k_m", "int8", "bf16", "f8_e4m3"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

func TestLengthPanics(t *testing.T) {
	mustPanic := func(name string, fn func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		fn()
	}
	mustPanic("Quantize partial block", func() { Quantize(tensor.Q8_0, make([]byte, 100), make([]float32, 33)) })
	mustPanic("Quantize short dst", func() { Quantize(tensor.Q4K, make([]byte, 143), make([]float32, 256)) })
	mustPanic("Dequantize short src", func() { Dequantize(tensor.Q6K, make([]float32, 256), make([]byte, 209)) })
	mustPanic("Dequantize unknown type", func() { Dequantize(tensor.DType(200), nil, nil) })
	mustPanic("Quantize f8_e4m3", func() { Quantize(tensor.F8E4M3, make([]byte, 4), make([]float32, 4)) })
	mustPanic("DotQ4K short activations", func() { DotQ4K(make([]byte, 144), make([]byte, 291), 256) })
	mustPanic("DotQ8_0 partial block", func() { DotQ8_0(make([]byte, 68), make([]byte, 68), 48) })
	mustPanic("Dot q8_k", func() { Dot(tensor.Q8K, nil, nil, 0) })
	// Zero values are fine.
	Quantize(tensor.Q4K, nil, nil)
	Dequantize(tensor.Q4K, nil, nil)
	if DotQ6K(nil, nil, 0) != 0 {
		t.Error("empty dot is not 0")
	}
}
