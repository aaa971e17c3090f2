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
// file are errors, not wrapped-around counts; empty and exact shapes pass.
func TestReadF32Hostile(t *testing.T) {
	bad := map[string]int{"4294967296, 4294967296": 0, "4294967296, 4294967296, 0": 0, "2, 3": 16, "9223372036854775807,": 8}
	for shape, body := range bad {
		if _, _, err := ReadF32(npyImage(shape, body)); err == nil || !strings.Contains(err.Error(), "needs more than") {
			t.Errorf("(%s) with %d bytes: error %v", shape, body, err)
		}
	}
	good := map[string]int{"0, 4294967296, 4294967296": 0, "2, 2": 16}
	for shape, body := range good {
		if _, _, err := ReadF32(npyImage(shape, body)); err != nil {
			t.Errorf("(%s) with %d bytes: %v", shape, body, err)
		}
	}
}
