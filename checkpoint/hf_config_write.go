package checkpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/herd-llm/herd/model/llama4"
)

// TorchDTypes are the torch_dtype names config.json may carry for the
// weights herd writes, with their safetensors dtypes.
var TorchDTypes = map[string]string{"float32": "F32", "bfloat16": "BF16", "float16": "F16"}

// ConfigJSON renders cfg as a complete, flat Hugging Face
// Llama4ForCausalLM config.json (model_type llama4_text), in the form
// transformers writes, that ParseConfig reads back to an equal Config:
// every per-layer list is explicit (no_rope_layers, moe_layers) so no
// default decides the layout. eos_token_id is a scalar for one EOS id and
// a list for several; torch_dtype is cfg.TorchDType when it is one of
// TorchDTypes, float32 otherwise. A Llama4ForConditionalGeneration config is
// written as its text model alone.
func ConfigJSON(cfg *llama4.Config) ([]byte, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("checkpoint: config.json: %w", err)
	}
	noRope := make([]int, cfg.Layers)
	moe := []int{}
	for l := 0; l < cfg.Layers; l++ {
		if cfg.LayerUsesRoPE[l] {
			noRope[l] = 1
		}
		if cfg.LayerIsMoE[l] {
			moe = append(moe, l)
		}
	}
	var rope any
	if s := cfg.RopeScaling; s != nil {
		rope = map[string]any{
			"rope_type": s.Type, "factor": s.Factor, "low_freq_factor": s.LowFreqFactor,
			"high_freq_factor": s.HighFreqFactor, "original_max_position_embeddings": s.OriginalMaxPos,
		}
	}
	var eos any = cfg.EOS
	if len(cfg.EOS) == 1 {
		eos = cfg.EOS[0]
	}
	dtype := cfg.TorchDType
	if _, ok := TorchDTypes[dtype]; !ok {
		dtype = "float32"
	}
	// Shortest decimal that parses back to the same float32.
	eps := json.Number(strconv.FormatFloat(float64(cfg.RMSNormEps), 'g', -1, 32))
	m := map[string]any{
		"architectures":           []string{"Llama4ForCausalLM"},
		"model_type":              "llama4_text",
		"vocab_size":              cfg.VocabSize,
		"hidden_size":             cfg.Hidden,
		"intermediate_size":       cfg.Intermediate,
		"intermediate_size_mlp":   cfg.IntermediateMLP,
		"num_hidden_layers":       cfg.Layers,
		"num_attention_heads":     cfg.Heads,
		"num_key_value_heads":     cfg.KVHeads,
		"head_dim":                cfg.HeadDim,
		"hidden_act":              "silu",
		"rms_norm_eps":            eps,
		"rope_theta":              cfg.RopeTheta,
		"rope_scaling":            rope,
		"max_position_embeddings": cfg.MaxPositions,
		"num_local_experts":       cfg.Experts,
		"num_experts_per_tok":     cfg.ExpertsPerToken,
		"moe_layers":              moe,
		"no_rope_layers":          noRope,
		"attention_chunk_size":    cfg.ChunkSize,
		"use_qk_norm":             cfg.UseQKNorm,
		"attn_temperature_tuning": cfg.TempTuning,
		"floor_scale":             cfg.FloorScale,
		"attn_scale":              cfg.AttnScale,
		"attention_bias":          false,
		"attention_dropout":       0.0,
		"tie_word_embeddings":     cfg.TieEmbeddings,
		"bos_token_id":            cfg.BOS,
		"eos_token_id":            eos,
		"pad_token_id":            cfg.Pad,
		"torch_dtype":             dtype,
		"initializer_range":       0.02,
		"router_aux_loss_coef":    0.001,
		"router_jitter_noise":     0.0,
		"output_router_logits":    false,
		"use_cache":               true,
	}
	// moe_layers is authoritative for herd and transformers; the interval is
	// written too because some converters (llama.cpp's) read only it.
	if step, err := cfg.MoEStep(); err == nil && step > 0 {
		m["interleave_moe_layer_step"] = step
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("checkpoint: encoding config.json: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteConfigJSON writes ConfigJSON(cfg) to dir/config.json atomically
// (WriteFileAtomic).
func WriteConfigJSON(dir string, cfg *llama4.Config) error {
	b, err := ConfigJSON(cfg)
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, "config.json"), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
