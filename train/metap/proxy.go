package metap

import (
	"fmt"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
)

// ProxyConfig is the model family of the MetaP evidence (docs/metap.md,
// tools/metapcheck): a byte-level (vocab 259) Llama 4 of the given hidden
// size and layers, head_dim 16 with width/16 query and width/32 key-value
// heads, odd layers MoE (4 routed experts, top-1, plus the shared expert,
// intermediate_size = width) and even layers dense SwiGLU
// (intermediate_size_mlp = 2·width), the last layer global NoPE with
// temperature tuning and the others chunked RoPE with QK-norm, untied
// embeddings. Every hidden dimension grows with the width, as MetaP
// assumes. width must be a multiple of 32.
func ProxyConfig(width, layers int) (*llama4.Config, error) {
	if width <= 0 || width%32 != 0 || layers <= 0 {
		return nil, fmt.Errorf("metap: proxy width %d must be a positive multiple of 32, layers %d positive", width, layers)
	}
	moe, nope := "", ""
	for l := range layers {
		sep := ","
		if l == 0 {
			sep = ""
		}
		if l%2 == 1 {
			if moe != "" {
				moe += ","
			}
			moe += fmt.Sprint(l)
		}
		r := 1
		if l == layers-1 && layers > 1 {
			r = 0
		}
		nope += fmt.Sprintf("%s%d", sep, r)
	}
	js := fmt.Sprintf(`{"architectures": ["Llama4ForCausalLM"], "model_type": "llama4_text",
	"vocab_size": 259, "hidden_size": %d, "num_hidden_layers": %d,
	"num_attention_heads": %d, "num_key_value_heads": %d, "head_dim": 16,
	"intermediate_size": %d, "intermediate_size_mlp": %d,
	"num_local_experts": 4, "num_experts_per_tok": 1, "moe_layers": [%s],
	"no_rope_layers": [%s], "attention_chunk_size": 64,
	"use_qk_norm": true, "attn_temperature_tuning": true, "floor_scale": 16, "attn_scale": 0.1,
	"rope_theta": 10000, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5,
	"bos_token_id": 256, "eos_token_id": 257, "pad_token_id": 258,
	"tie_word_embeddings": false, "torch_dtype": "float32"}`,
		width, layers, width/16, width/32, width, 2*width, moe, nope)
	return checkpoint.ParseConfig([]byte(js))
}
