package tensor

import "testing"

func TestDTypeTable(t *testing.T) {
	tests := []struct {
		d            DType
		name         string
		block, bytes int
		quantized    bool
	}{
		{F32, "F32", 1, 4, false},
		{BF16, "BF16", 1, 2, false},
		{F16, "F16", 1, 2, false},
		{F8E4M3, "F8_E4M3", 1, 1, false},
		{Q8_0, "Q8_0", 32, 34, true},
		{Q4_0, "Q4_0", 32, 18, true},
		{Q4K, "Q4_K", 256, 144, true},
		{Q6K, "Q6_K", 256, 210, true},
		{Int4, "INT4", 128, 68, true},
		{Q8K, "Q8_K", 256, 292, true},
	}
	if len(tests) != int(numDTypes) {
		t.Fatalf("table has %d types, test %d", numDTypes, len(tests))
	}
	for _, tt := range tests {
		if tt.d.String() != tt.name || tt.d.BlockSize() != tt.block || tt.d.BlockBytes() != tt.bytes || tt.d.Quantized() != tt.quantized || !tt.d.Valid() {
			t.Errorf("%d: got %s %d/%d quantized=%v", tt.d, tt.d, tt.d.BlockSize(), tt.d.BlockBytes(), tt.d.Quantized())
		}
		for _, s := range []string{tt.name, tt.d.FlagName(), " " + tt.d.FlagName() + " "} {
			if got, err := ParseDType(s); err != nil || got != tt.d {
				t.Errorf("ParseDType(%q) = %s, %v", s, got, err)
			}
		}
		if rb, err := tt.d.RowBytes(4 * tt.block); err != nil || rb != 4*tt.bytes {
			t.Errorf("%s: RowBytes = %d, %v", tt.d, rb, err)
		}
		if tt.block > 1 {
			if _, err := tt.d.RowBytes(tt.block + 1); err == nil {
				t.Errorf("%s: RowBytes of a partial block accepted", tt.d)
			}
		}
	}
	if _, err := ParseDType("q4_k_m"); err == nil {
		t.Error("ParseDType(q4_k_m) accepted")
	}
	if DType(200).Valid() || DType(200).Quantized() || DType(200).String() != "DType(200)" {
		t.Error("unknown dtype misreported")
	}
	if _, err := DType(200).RowBytes(32); err == nil {
		t.Error("RowBytes of an unknown dtype accepted")
	}
}
