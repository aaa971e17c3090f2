package train

import (
	"fmt"
	"maps"
	"slices"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
)

// Preset is a named, reproducible training recipe: the model shape, the
// tokenizer, the data and the options. `herd train --preset NAME` runs it;
// flags given explicitly override its values.
type Preset struct {
	Name        string
	Description string
	// Data is the default training text, relative to the repository root
	// (the directory holding go.mod).
	Data      string
	ValFrac   float64
	Tokenizer string // "bytes" or "bpe:N" (a BPE vocabulary of N ranks trained on the training part)
	Config    string // Hugging Face llama4_text config.json; vocab_size must fit the tokenizer
	Options   Options
}

// ParseConfig returns the preset's model configuration.
func (p *Preset) ParseConfig() (*llama4.Config, error) {
	cfg, err := checkpoint.ParseConfig([]byte(p.Config))
	if err != nil {
		return nil, fmt.Errorf("train: preset %s: %w", p.Name, err)
	}
	return cfg, nil
}

// shakespeareConfig is a small Llama 4: 4 layers alternating dense SwiGLU
// and MoE (4 routed experts, top-1, plus the shared expert), layers 0–2
// RoPE with chunked attention (chunk 64) and QK-norm, layer 3 NoPE with
// global attention and temperature tuning (floor_scale 16, so it acts within
// the 128-token training context), GQA 6 query / 2 key-value heads.
// vocab_size is 4096 BPE ranks + 2048 Llama 4 specials.
const shakespeareConfig = `{
  "architectures": ["Llama4ForCausalLM"], "model_type": "llama4_text",
  "vocab_size": 6144, "hidden_size": 192, "num_hidden_layers": 4,
  "num_attention_heads": 6, "num_key_value_heads": 2, "head_dim": 32,
  "intermediate_size": 384, "intermediate_size_mlp": 768,
  "num_local_experts": 4, "num_experts_per_tok": 1, "moe_layers": [1, 3],
  "no_rope_layers": [1, 1, 1, 0], "attention_chunk_size": 64,
  "use_qk_norm": true, "attn_temperature_tuning": true, "floor_scale": 16, "attn_scale": 0.1,
  "rope_theta": 10000, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16"
}`

// presets are the named recipes. shakespeare trains 800 steps of 12×128
// tokens (1.23M tokens, about 4.4 passes over the 277k training tokens) and
// validates on the whole held-out tenth every 100 steps; it took 54 minutes
// of wall time (2,031 s of CPU time) on the shared 2-core development
// machine and reached 2.19 bits per byte (embedded/shakespeare/README.md).
var presets = map[string]Preset{
	"shakespeare": {
		Name: "shakespeare",
		Description: "a 4-layer Llama 4 MoE (dense/MoE interleaved, shared expert, chunked RoPE + global NoPE layers, " +
			"QK-norm, temperature tuning) on TinyShakespeare with a 4096-rank BPE; the last 10% held out",
		Data:      "testdata/tinyshakespeare.txt",
		ValFrac:   0.1,
		Tokenizer: "bpe:4096",
		Config:    shakespeareConfig,
		Options: Options{BaseOptions: BaseOptions{Steps: 800, Batch: 12, SeqLen: 128, Accum: 1, LR: 2e-3, MinLR: 2e-4, Warmup: 50,
			AdamWConfig: AdamWConfig{Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.1}, GradClip: 1, Seed: 1337,
			SaveEvery: 100, LogEvery: 10, ExportDType: "bfloat16"}, InitStd: 0.02, EvalEvery: 100, EvalBatches: 0},
	},
}

// PresetNames lists the training presets.
func PresetNames() []string { return slices.Sorted(maps.Keys(presets)) }

// LookupPreset returns the named training preset.
func LookupPreset(name string) (Preset, error) {
	p, ok := presets[name]
	if !ok {
		return Preset{}, fmt.Errorf("train: unknown preset %q (have %v)", name, PresetNames())
	}
	return p, nil
}
