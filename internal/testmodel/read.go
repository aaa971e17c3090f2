package testmodel

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"testing"
)

// ReadFile returns the contents of a test data file; a missing file fails
// the test.
func ReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// ReadJSON decodes the JSON file at path into v, failing the test on error.
func ReadJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	b := ReadFile(tb, path)
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}

// ReadF32 reads a raw little-endian float32 array (the golden .f32 files),
// failing the test on error or a length that is not a multiple of 4.
func ReadF32(tb testing.TB, path string) []float32 {
	tb.Helper()
	b := ReadFile(tb, path)
	if len(b)%4 != 0 {
		tb.Fatalf("%s: %d bytes is not a float32 array", path, len(b))
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}
