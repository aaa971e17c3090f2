package tinymodel

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

// ShakespeareTokenizer is the Llama 4-format tokenizer of herd's embedded
// model (embedded/shakespeare/tokenizer.model).
func ShakespeareTokenizer(tb testing.TB) *tokenizer.Tokenizer {
	tb.Helper()
	tok, err := tokenizer.Load(filepath.Join(testmodel.Root(tb), "embedded", "shakespeare", tokenizer.TiktokenFile))
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// SmallConfig is a two-layer Llama 4 (a dense and an MoE layer, a RoPE and
// a NoPE layer; hidden size 32) with tok's vocabulary and special tokens and
// maxPos positions: the post-training tests' model, small enough to train.
func SmallConfig(tb testing.TB, tok *tokenizer.Tokenizer, maxPos int) *llama4.Config {
	tb.Helper()
	js := fmt.Sprintf(`{"model_type":"llama4_text","vocab_size":%d,"hidden_size":32,"intermediate_size":32,
	"intermediate_size_mlp":64,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,
	"head_dim":16,"rms_norm_eps":1e-5,"rope_theta":10000,"num_local_experts":2,"moe_layers":[1],
	"no_rope_layers":[1,0],"attention_chunk_size":64,"pad_token_id":%d,"bos_token_id":%d,"eos_token_id":%d,
	"max_position_embeddings":%d,"torch_dtype":"float32"}`, tok.VocabSize(), tok.Pad(), tok.BOS(), tok.EOS(), maxPos)
	c, err := checkpoint.ParseConfig([]byte(js))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
