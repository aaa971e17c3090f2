package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/train/dataset"
)

// The tiny model and its goldens live in the repository's testdata; the
// training reference (its base part; see testdata/README-reference.md) in
// train/testdata.
const (
	tinyDir = "../testdata/llama4-tiny"
	refDir  = "testdata"
)

// readFile returns the contents of a test data file; a missing file fails
// the test.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readJSON decodes the JSON test data file path into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(readFile(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// readF32 reads a raw little-endian float32 test data file.
func readF32(t *testing.T, path string) []float32 {
	t.Helper()
	raw := readFile(t, path)
	v := make([]float32, len(raw)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return v
}

func loadTinyParams(t *testing.T) *Params[float32] {
	t.Helper()
	p, err := LoadHF(filepath.Join(tinyDir, "f32"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func loadRefBatch(t *testing.T) *dataset.Batch {
	t.Helper()
	b, err := dataset.ReadBatchJSON(bytes.NewReader(readFile(t, filepath.Join(refDir, "batch.json"))))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadRefTensors reads a reference safetensors file into float32 params of
// cfg-shape.
func loadRefTensors(t *testing.T, like *Params[float32], file string) *Params[float32] {
	t.Helper()
	set, err := safetensors.OpenDir(filepath.Join(refDir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	q := like.ZerosLike()
	if err := q.ReadSet(set); err != nil {
		t.Fatal(err)
	}
	return q
}

func maxAbs[F Float](v []F) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	return m
}

// relErr returns max|a−b| / max|b|, the error relative to the tensor's
// largest reference entry, and the max absolute difference.
func relErr[F, G Float](a []F, b []G) (rel, abs float64) {
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if math.IsNaN(d) {
			return math.Inf(1), math.Inf(1)
		}
		abs = math.Max(abs, d)
	}
	m := maxAbs(b)
	if m == 0 {
		if abs == 0 {
			return 0, 0
		}
		return math.Inf(1), abs
	}
	return abs / m, abs
}
