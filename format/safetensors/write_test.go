package safetensors

import (
	"bytes"
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/filetest"
)

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name    string
		tensors []WriteTensor
		md      map[string]string
		want    string
	}{
		{"empty name", []WriteTensor{{Name: "", DType: "U8", Shape: []int{0}}}, nil, "invalid name"},
		{"reserved name", []WriteTensor{{Name: "__metadata__", DType: "U8", Shape: []int{0}}}, nil, "invalid name"},
		{"duplicate", []WriteTensor{{Name: "a", DType: "U8", Shape: []int{0}}, {Name: "a", DType: "U8", Shape: []int{0}}}, nil, `duplicate tensor name "a"`},
		{"dtype", []WriteTensor{{Name: "a", DType: "bf16", Shape: []int{0}}}, nil, `unknown dtype "bf16"`},
		{"negative", []WriteTensor{{Name: "a", DType: "U8", Shape: []int{-1}}}, nil, "invalid shape"},
		{"size", []WriteTensor{{Name: "a", DType: "F32", Shape: []int{2}, Data: make([]byte, 7)}}, nil, "needs 8 bytes, data has 7"},
		{"metadata utf8", nil, map[string]string{"k": "\xff"}, "UTF-8"},
	}
	for _, tc := range tests {
		err := Write(&bytes.Buffer{}, tc.tensors, tc.md)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestWriteWriterError(t *testing.T) {
	for n := range 3 {
		err := Write(&filetest.FailWriter{N: n}, sample()[:2], nil)
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("fail after %d writes: %v", n, err)
		}
	}
}

// TestWriteParses checks that Write's output passes ParseHeader for a few
// shapes of input, including an empty tensor list.
func TestWriteParses(t *testing.T) {
	for _, ts := range [][]WriteTensor{nil, sample(), sample()[2:3]} {
		b := encode(t, ts, nil)
		h, err := ParseHeader(b, int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Tensors) != len(ts) || h.DataStart%8 != 0 {
			t.Errorf("got %d tensors, DataStart %d", len(h.Tensors), h.DataStart)
		}
	}
}
