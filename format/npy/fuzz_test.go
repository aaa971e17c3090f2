package npy

import (
	"bytes"
	"testing"
)

// FuzzReadF32 checks that ReadF32 never panics, never allocates more than
// the file justifies, and that what it accepts round-trips through WriteF32.
func FuzzReadF32(f *testing.F) {
	for _, shape := range [][]int{{3}, {2, 2}, {0, 4}, {}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		var buf bytes.Buffer
		if err := WriteF32(&buf, shape, make([]float32, n)); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add(npyImage("4294967296, 4294967296", 0))
	f.Add([]byte("\x93NUMPY\x01\x00\x30\x00{'descr': '<f4', 'fortran_order': False, 'shape': )"))
	f.Fuzz(func(t *testing.T, b []byte) {
		shape, data, err := ReadF32(b)
		if err != nil {
			return
		}
		n := 1
		for _, d := range shape {
			if d < 0 || (d > 0 && n > len(b)/d) {
				t.Fatalf("shape %v from %d bytes", shape, len(b))
			}
			n *= d
		}
		if n != len(data) || 4*len(data) > len(b) {
			t.Fatalf("shape %v with %d values from %d bytes", shape, len(data), len(b))
		}
		var buf bytes.Buffer
		if err := WriteF32(&buf, shape, data); err != nil {
			t.Fatal(err)
		}
		shape2, data2, err := ReadF32(buf.Bytes())
		if err != nil || len(shape2) != len(shape) || len(data2) != len(data) {
			t.Fatalf("round trip: %v %v, %v", shape2, err, shape)
		}
	})
}
