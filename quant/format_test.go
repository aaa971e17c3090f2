package quant

import (
	"strings"
	"testing"
)

func TestFormatTable(t *testing.T) {
	tests := []struct {
		f           Format
		name        string
		block, size int
		act         Format
		hasDot      bool
	}{
		{Q8_0, "q8_0", 32, 34, Q8_0, true},
		{Q4_0, "q4_0", 32, 18, Q8_0, true},
		{Q4_K, "q4_k", 256, 144, Q8_K, true},
		{Q6_K, "q6_k", 256, 210, Q8_K, true},
		{Q8_K, "q8_k", 256, 292, 0, false},
		{Int4G128, "int4", 128, 68, 0, false},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.name {
			t.Errorf("String() = %q, want %q", got, tt.name)
		}
		if got := tt.f.BlockSize(); got != tt.block {
			t.Errorf("%s: BlockSize() = %d, want %d", tt.name, got, tt.block)
		}
		if got := tt.f.BlockBytes(); got != tt.size {
			t.Errorf("%s: BlockBytes() = %d, want %d", tt.name, got, tt.size)
		}
		if rb, err := RowBytes(tt.f, 4096); err != nil || rb != 4096/tt.block*tt.size {
			t.Errorf("%s: RowBytes(4096) = %d, %v", tt.name, rb, err)
		}
		for _, bad := range []int{0, -tt.block, tt.block + 1, tt.block / 2} {
			if _, err := RowBytes(tt.f, bad); err == nil {
				t.Errorf("%s: RowBytes(%d) accepted", tt.name, bad)
			}
		}
		act, ok := ActivationFormat(tt.f)
		if ok != tt.hasDot || (ok && act != tt.act) {
			t.Errorf("%s: ActivationFormat = %s, %v", tt.name, act, ok)
		}
	}
	if _, err := RowBytes(numFormats, 256); err == nil {
		t.Error("RowBytes of an unknown format accepted")
	}
	if s := Format(200).String(); !strings.Contains(s, "200") {
		t.Errorf("unknown format String() = %q", s)
	}
}

func TestParseFormat(t *testing.T) {
	good := map[string]Format{"q8_0": Q8_0, "q4_0": Q4_0, "q4_k": Q4_K, "Q6_K": Q6_K, " int4 ": Int4G128}
	for s, want := range good {
		if got, err := ParseFormat(s); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %s, %v; want %s", s, got, err, want)
		}
	}
	for _, s := range []string{"", "fp8", "q8_k", "q4_k_m", "int8", "bf16"} {
		if _, err := ParseFormat(s); err == nil {
			t.Errorf("ParseFormat(%q) accepted", s)
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
	mustPanic("Quantize partial block", func() { Quantize(Q8_0, make([]byte, 100), make([]float32, 33)) })
	mustPanic("Quantize short dst", func() { Quantize(Q4_K, make([]byte, 143), make([]float32, 256)) })
	mustPanic("Dequantize short src", func() { Dequantize(Q6_K, make([]float32, 256), make([]byte, 209)) })
	mustPanic("Dequantize unknown format", func() { Dequantize(numFormats, nil, nil) })
	mustPanic("DotQ4K short activations", func() { DotQ4K(make([]byte, 144), make([]byte, 291), 256) })
	mustPanic("DotQ8_0 partial block", func() { DotQ8_0(make([]byte, 68), make([]byte, 68), 48) })
	mustPanic("Dot q8_k", func() { Dot(Q8_K, nil, nil, 0) })
	// Zero values are fine.
	Quantize(Q4_K, nil, nil)
	Dequantize(Q4_K, nil, nil)
	if DotQ6K(nil, nil, 0) != 0 {
		t.Error("empty dot is not 0")
	}
}
