package testmodel

import (
	"os"
	"path/filepath"
	"testing"
)

// The tiny golden checkpoints, produced by the upstream transformers
// implementation (see each folder's README.md), under testdata/.
const (
	// TinyName is the tiny text model's folder: weights in f32/ and bf16/,
	// inputs.json, and golden/<variant>/ logits and hidden states.
	TinyName = "llama4-tiny"
	// TinyVisionName is the tiny Llama4ForConditionalGeneration's folder:
	// weights in f32/, inputs.json, images/ and golden/.
	TinyVisionName = "llama4-tiny-vision"
)

// TinyDir returns the path of testdata/llama4-tiny.
func TinyDir(tb testing.TB) string {
	tb.Helper()
	return Testdata(tb, TinyName)
}

// TinyVisionDir returns the path of testdata/llama4-tiny-vision.
func TinyVisionDir(tb testing.TB) string {
	tb.Helper()
	return Testdata(tb, TinyVisionName)
}

// NeedWeights returns dir, skipping the test when dir holds no
// model.safetensors (the weights are large test data a checkout may lack).
func NeedWeights(tb testing.TB, dir string) string {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err != nil {
		tb.Skipf("tiny testdata model absent (%v)", err)
	}
	return dir
}

// TinyWeights returns the folder of the tiny text model's weights in the
// given form ("f32" or "bf16"), skipping the test when they are absent.
func TinyWeights(tb testing.TB, weights string) string {
	tb.Helper()
	return NeedWeights(tb, filepath.Join(TinyDir(tb), weights))
}

// Closer is a loaded model that must be closed.
type Closer interface{ Close() error }

// Load loads the weights in dir with load (checkpoint.LoadHF, say), skipping
// the test when they are absent; the model is closed when the test ends.
func Load[M Closer](tb testing.TB, dir string, load func(string) (M, error)) M {
	tb.Helper()
	m, err := load(NeedWeights(tb, dir))
	if err != nil {
		tb.Fatalf("load %s: %v", dir, err)
	}
	tb.Cleanup(func() { m.Close() })
	return m
}

// LoadTiny loads the tiny text model's weights in the given form with load.
func LoadTiny[M Closer](tb testing.TB, weights string, load func(string) (M, error)) M {
	tb.Helper()
	return Load(tb, filepath.Join(TinyDir(tb), weights), load)
}

// TinyInputs is the tiny model's inputs.json: the golden token sequences
// and greedy prompts.
type TinyInputs struct {
	Sequences map[string][]int32 `json:"sequences"`
	Greedy    map[string][]int32 `json:"greedy_prompts"`
	NewTokens int                `json:"greedy_new_tokens"`
}

// TinyManifest is a golden variant's manifest.json: the reference greedy
// generations and RoPE frequencies.
type TinyManifest struct {
	Greedy map[string]struct {
		Generated []int32 `json:"generated"`
	} `json:"greedy"`
	RopeInvFreq []float64 `json:"rope_inv_freq"`
}

// ReadTinyInputs reads testdata/llama4-tiny/inputs.json.
func ReadTinyInputs(tb testing.TB) TinyInputs {
	tb.Helper()
	var in TinyInputs
	ReadJSON(tb, filepath.Join(TinyDir(tb), "inputs.json"), &in)
	return in
}

// TinyGolden returns the path of file in the golden variant's folder
// (testdata/llama4-tiny/golden/<variant>/<file>).
func TinyGolden(tb testing.TB, variant, file string) string {
	tb.Helper()
	return filepath.Join(TinyDir(tb), "golden", variant, file)
}

// ReadTinyManifest reads the golden variant's manifest.json.
func ReadTinyManifest(tb testing.TB, variant string) TinyManifest {
	tb.Helper()
	var man TinyManifest
	ReadJSON(tb, TinyGolden(tb, variant, "manifest.json"), &man)
	return man
}
