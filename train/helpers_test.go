package train

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/format/safetensors"
)

// The tiny model lives in the repository's testdata; the training reference
// (../shared/testdata/llama4-tiny-train, base part) is copied into
// train/testdata.
const (
	tinyDir = "../testdata/llama4-tiny"
	refDir  = "testdata"
)

func needFile(t *testing.T, path, what string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s absent (%v): copy it from ../shared/testdata (see train/testdata/README-reference.md)", what, err)
	}
}

func loadTinyParams(t *testing.T) *Params[float32] {
	t.Helper()
	dir := filepath.Join(tinyDir, "f32")
	needFile(t, filepath.Join(dir, "model.safetensors"), "tiny model testdata/llama4-tiny/f32")
	p, err := LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func loadRefBatch(t *testing.T) *Batch {
	t.Helper()
	path := filepath.Join(refDir, "batch.json")
	needFile(t, path, "training reference batch")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := ReadBatchJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadRefTensors reads a reference safetensors file into float32 params of
// cfg-shape.
func loadRefTensors(t *testing.T, like *Params[float32], file string) *Params[float32] {
	t.Helper()
	path := filepath.Join(refDir, file)
	needFile(t, path, "training reference "+file)
	set, err := safetensors.OpenDir(path)
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
