package npy

import (
	"bytes"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, shape := range [][]int{{3}, {2, 3}, {1, 512}, {0, 4}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i) * 0.5
		}
		var buf bytes.Buffer
		if err := WriteF32(&buf, shape, data); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if hl := 10 + int(b[8]) + int(b[9])<<8; hl%64 != 0 {
			t.Errorf("shape %v: data starts at %d, not 64-aligned", shape, hl)
		}
		gs, gd, err := ReadF32(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(gs) != len(shape) || len(gd) != len(data) {
			t.Fatalf("shape %v: read back %v with %d values", shape, gs, len(gd))
		}
		for i := range gs {
			if gs[i] != shape[i] {
				t.Fatalf("shape %v read back as %v", shape, gs)
			}
		}
		for i := range gd {
			if gd[i] != data[i] {
				t.Fatalf("value %d: %v != %v", i, gd[i], data[i])
			}
		}
	}
	if err := WriteF32(&bytes.Buffer{}, []int{2, 2}, []float32{1}); err == nil {
		t.Fatal("shape/data mismatch accepted")
	}
}
