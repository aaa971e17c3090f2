package describe

import "testing"

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		in   map[string]int
		want string
	}{
		{nil, "none"},
		{map[string]int{"Q8_0": 54, "F32": 4}, "Q8_0×54, F32×4"},
		{map[string]int{"B": 2, "A": 2, "C": 9}, "C×9, A×2, B×2"},
	} {
		if got := TypeCounts(tc.in); got != tc.want {
			t.Errorf("TypeCounts(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := TypeBytes(map[string]int64{"F32": 2048, "BF16": 4096}, map[string]int{"F32": 1, "BF16": 3}); got != "BF16 4.0 KiB (3 tensors), F32 2.0 KiB (1 tensors)" {
		t.Errorf("typeBytes: %q", got)
	}
}
