package checkpoint

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/format/gguf"
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
	for _, p := range []string{
		"../testdata/llama4-tiny/f32/config.json",
		"../testdata/configs/scout-17b-16e-instruct/config.json",
		"../testdata/configs/maverick-17b-128e-instruct/config.json",
	} {
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

// FuzzConfigFromGGUF: any bytes that parse as a GGUF file give, through
// ConfigFromGGUF and BindGGUF, a valid config within the limits or an error
// naming the file; never a panic or a huge allocation.
func FuzzConfigFromGGUF(f *testing.F) {
	fuzzEnv(f)
	if b, err := ggufMetadataSeed(); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := gguf.Parse("fuzz.gguf", b)
		if err != nil {
			return
		}
		c, _, err := ConfigFromGGUF(g)
		if err != nil {
			return
		}
		checkFuzzConfig(t, c, fuzzLimits)
		_, _ = BindGGUF(g, c) // errors are fine; panics are not
	})
}

// ggufMetadataSeed is the llama.cpp tiny file's metadata with no tensors
// and no tokenizer: a small GGUF that ConfigFromGGUF accepts.
func ggufMetadataSeed() ([]byte, error) {
	g, err := gguf.Open(filepath.Join("..", "testdata", "gguf", "llama.cpp-tiny-f32.gguf"))
	if err != nil {
		return nil, err
	}
	defer g.Close()
	var kvs []gguf.KV
	for _, kv := range g.KVs() {
		if !bytes.HasPrefix([]byte(kv.Key), []byte("tokenizer.")) {
			kvs = append(kvs, kv)
		}
	}
	var buf bytes.Buffer
	err = gguf.Write(&buf, kvs, nil, 0)
	return buf.Bytes(), err
}

// FuzzGGUFMetadataValues: the tiny file's metadata with up to two llama4.*
// keys set to arbitrary integers (as uint64, or as uint32 when they fit)
// gives a valid config within the limits or an error; never a panic or a
// huge allocation.
func FuzzGGUFMetadataValues(f *testing.F) {
	fuzzEnv(f)
	seed, err := ggufMetadataSeed()
	if err != nil {
		f.Skip(err)
	}
	base, err := gguf.Parse("seed.gguf", seed)
	if err != nil {
		f.Fatal(err)
	}
	kvs := base.KVs()
	var keys []string
	for _, kv := range kvs {
		if bytes.HasPrefix([]byte(kv.Key), []byte("llama4.")) {
			keys = append(keys, kv.Key)
		}
	}
	keys = append(keys, "llama4.vocab_size", "tokenizer.ggml.eos_token_id", "llama4.no_rope_interval", "llama4.attention.chunk_size")
	f.Add(uint8(0), uint64(1<<31), uint8(1), uint64(4))
	f.Add(uint8(3), uint64(1<<40), uint8(2), uint64(0))
	f.Fuzz(func(t *testing.T, k1 uint8, v1 uint64, k2 uint8, v2 uint64) {
		set := func(kvs []gguf.KV, k uint8, v uint64) []gguf.KV {
			key := keys[int(k)%len(keys)]
			out := make([]gguf.KV, 0, len(kvs)+1)
			for _, kv := range kvs {
				if kv.Key != key {
					out = append(out, kv)
				}
			}
			if v < 1<<32 {
				return append(out, gguf.KVUint32(key, uint32(v)))
			}
			return append(out, gguf.KVUint64(key, v))
		}
		var buf bytes.Buffer
		if err := gguf.Write(&buf, set(set(kvs, k1, v1), k2, v2), nil, 0); err != nil {
			t.Fatal(err)
		}
		g, err := gguf.Parse("fuzz.gguf", buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := ConfigFromGGUF(g)
		if err != nil {
			return
		}
		checkFuzzConfig(t, c, fuzzLimits)
	})
}
