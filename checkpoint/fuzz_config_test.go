package checkpoint

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/model/llama4"
)

// fuzzLimits keep each fuzz input cheap: configs that pass allocate little.
var fuzzLimits = Limits{
	Layers: 64, Experts: 64, Heads: 64, HeadDim: 256, Vocab: 1 << 16, Hidden: 1 << 12,
	Intermediate: 1 << 14, Context: 1 << 20, ImageSize: 1 << 12, Tensors: 1 << 10, HeaderBytes: 1 << 20,
}

// fuzzEnv sets the environment to fuzzLimits (the GGUF reader takes its
// limits from there).
func fuzzEnv(f *testing.F) {
	for _, kv := range [][2]string{
		{"LAYERS", "64"}, {"EXPERTS", "64"}, {"HEADS", "64"}, {"HEAD_DIM", "256"}, {"VOCAB", "65536"},
		{"HIDDEN", "4096"}, {"INTERMEDIATE", "16384"}, {"CONTEXT", "1048576"}, {"IMAGE_SIZE", "4096"},
		{"TENSORS", "1024"}, {"HEADER_BYTES", "1048576"},
	} {
		f.Setenv(EnvPrefix+kv[0], kv[1])
	}
}

// checkFuzzConfig checks what every accepted config must be: valid, within
// the limits, its parameter count exact (no overflow) and its per-layer
// lists the right length.
func checkFuzzConfig(t *testing.T, c *llama4.Config, lim Limits) {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatalf("accepted config fails Validate: %v", err)
	}
	for _, x := range []struct {
		name   string
		v, max int
	}{
		{"layers", c.Layers, lim.Layers}, {"experts", c.Experts, lim.Experts}, {"heads", c.Heads, lim.Heads},
		{"kv heads", c.KVHeads, lim.Heads}, {"head dim", c.HeadDim, lim.HeadDim}, {"vocab", c.VocabSize, lim.Vocab},
		{"hidden", c.Hidden, lim.Hidden}, {"intermediate", c.Intermediate, lim.Intermediate},
		{"intermediate mlp", c.IntermediateMLP, lim.Intermediate}, {"context", c.MaxPositions, lim.Context},
	} {
		if x.v > x.max {
			t.Fatalf("%s = %d passed the limit %d", x.name, x.v, x.max)
		}
	}
	p := c.Params()
	if p.Overflow || p.Total <= 0 || len(p.PerLayer) != c.Layers {
		t.Fatalf("params %+v", p)
	}
}

// FuzzParseConfig: any bytes as config.json give a config that passes
// Validate and the limits, or an error; never a panic or a huge allocation.
func FuzzParseConfig(f *testing.F) {
	paths, _ := filepath.Glob("../testdata/configs/*/config.json")
	for _, p := range append(paths, filepath.Join(hostileTinyDir, "config.json")) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"vocab_size":8,"hidden_size":8,"num_hidden_layers":1099511627776,"num_attention_heads":1}`))
	f.Add([]byte(`{"vocab_size":8,"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":1,"eos_token_id":[1,1099511627776]}`))
	f.Add([]byte(`{"text_config":{"vocab_size":8,"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":1},"vision_config":{"patch_size":0}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseConfig(b, fuzzLimits)
		if err != nil {
			return
		}
		checkFuzzConfig(t, c, fuzzLimits)
	})
}
