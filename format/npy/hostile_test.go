package npy

import (
	"fmt"
	"strings"
	"testing"
)

// npyImage is a file image with the given shape tuple and body bytes.
func npyImage(shape string, body int) []byte {
	hdr := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }\n", shape)
	b := append([]byte{}, magic...)
	b = append(b, byte(len(hdr)), byte(len(hdr)>>8))
	b = append(b, hdr...)
	return append(b, make([]byte, body)...)
}

// TestReadF32Hostile: shapes whose element count overflows or exceeds the
// file are errors, not wrapped-around counts.
func TestReadF32Hostile(t *testing.T) {
	for _, tc := range []struct {
		shape string
		body  int
		want  string
	}{
		{"4294967296, 4294967296", 0, "needs more than"},
		{"4294967296, 4294967296, 0", 0, "needs more than"},
		{"0, 4294967296, 4294967296", 0, ""},
		{"2, 2", 16, ""},
		{"2, 3", 16, "needs more than"},
		{"9223372036854775807,", 8, "needs more than"},
	} {
		_, _, err := ReadF32(npyImage(tc.shape, tc.body))
		if tc.want == "" {
			if err != nil {
				t.Errorf("(%s): %v", tc.shape, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("(%s): error %v, want %q", tc.shape, err, tc.want)
		}
	}
}
