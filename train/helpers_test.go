package train

import (
	"bytes"
	"math"
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train/dataset"
)

// The tiny model and its goldens live in the repository's testdata; the
// training reference (its base part; see testdata/README-reference.md) in
// train/testdata.
const (
	tinyDir = "../testdata/llama4-tiny"
	refDir  = "testdata"
)

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
	b, err := dataset.ReadBatchJSON(bytes.NewReader(testmodel.ReadFile(t, filepath.Join(refDir, "batch.json"))))
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

// newWorkspace makes a workspace for p's model at b's shape.
func newWorkspace[F Float](t *testing.T, p *Params[F], b *dataset.Batch) *Workspace[F] {
	t.Helper()
	ws, err := NewWorkspace[F](p.Config, b.B, b.T)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// backprop runs LossAndGrad of p on b in ws and returns the gradient, the
// mean loss and the number of valid targets.
func backprop[F Float](t *testing.T, ws *Workspace[F], p *Params[F], b *dataset.Batch) (g *Params[F], loss float64, valid int) {
	t.Helper()
	g = p.ZerosLike()
	loss, valid, err := LossAndGrad(ws, p, g, b)
	if err != nil {
		t.Fatal(err)
	}
	return g, loss, valid
}

// meanLoss runs the forward pass of p on b in ws and returns the mean
// cross-entropy over b's valid targets.
func meanLoss[F Float](t *testing.T, ws *Workspace[F], p *Params[F], b *dataset.Batch) float64 {
	t.Helper()
	if _, err := ws.Forward(p, b.Inputs); err != nil {
		t.Fatal(err)
	}
	s, n, err := ws.Loss(b.Targets)
	if err != nil {
		t.Fatal(err)
	}
	return s / float64(n)
}

// byteData is text as a byte-tokenized dataset, its last valFrac held out.
func byteData(t testing.TB, text string, valFrac float64) *dataset.Dataset {
	t.Helper()
	d, err := dataset.New([]byte(text), dataset.ByteTokenizer{}, valFrac)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// trainerOn is NewTrainer, failing t on error.
func trainerOn(t testing.TB, cfg *llama4.Config, o Options, data *dataset.Dataset) *Trainer {
	t.Helper()
	tr, err := NewTrainer(cfg, o, data)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// must returns v, panicking on err: for test data read at package init.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
