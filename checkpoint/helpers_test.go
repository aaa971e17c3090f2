package checkpoint

// Test helpers shared with model/llama4's golden tests (which cannot import
// this package's test files): reading the tiny checkpoint and its goldens.

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/model/llama4"
)

// The tiny checkpoint and golden logits come from ../shared/testdata/llama4-tiny
// (produced by the upstream transformers implementation) and are copied into
// the repository's testdata/.
const tinyDir = "../testdata/llama4-tiny"

type tinyInputs struct {
	Sequences map[string][]int32 `json:"sequences"`
	Greedy    map[string][]int32 `json:"greedy_prompts"`
	NewTokens int                `json:"greedy_new_tokens"`
}

type tinyManifest struct {
	Greedy map[string]struct {
		Generated []int32 `json:"generated"`
	} `json:"greedy"`
	RopeInvFreq []float64 `json:"rope_inv_freq"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func readF32(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b)%4 != 0 {
		t.Fatalf("%s: %d bytes is not a float32 array", path, len(b))
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func loadTiny(t *testing.T, weights string) *llama4.Model {
	t.Helper()
	dir := filepath.Join(tinyDir, weights)
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err != nil {
		t.Skipf("tiny testdata model absent (%v); copy ../shared/testdata/llama4-tiny into testdata/", err)
	}
	m, err := LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func maxAbsDiff(a, b []float32) (float64, int) {
	worst, at := 0.0, -1
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if d > worst || math.IsNaN(d) {
			worst, at = d, i
			if math.IsNaN(d) {
				return math.Inf(1), i
			}
		}
	}
	return worst, at
}

func argmax(v []float32) int32 {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return int32(best)
}

// mustScheme parses a --quant name.
func mustScheme(t *testing.T, name string) Scheme {
	t.Helper()
	s, err := ParseScheme(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mustFileType parses a --type name.
func mustFileType(t *testing.T, name string) FileType {
	t.Helper()
	ft, err := ParseFileType(name)
	if err != nil {
		t.Fatal(err)
	}
	return ft
}
