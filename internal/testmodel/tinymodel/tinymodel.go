// Package tinymodel holds the small models that the command and server
// tests run: a random Llama-4-shaped model with a byte-level vocabulary,
// its tokenizer, the tokenizer.json of the tiny multimodal golden model,
// that model loaded, and the embedded model's tokenizer with the small
// config the post-training tests train. Unlike internal/testmodel it imports the model packages,
// so their own tests cannot use it. Import it only from _test.go files.
package tinymodel

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/tokenizer"
)

// ByteVocab is the byte model's vocabulary: one rank per byte, then the
// 2048 Llama 4 special tokens.
const ByteVocab = 256 + 2048

// ByteConfig returns the "tiny" preset with the byte vocabulary:
// <|begin_of_text|> is 256, and <|end_of_text|>, <|eom|> and <|eot|> end a
// generation.
func ByteConfig(tb testing.TB) *llama4.Config {
	tb.Helper()
	cfg, err := checkpoint.PresetConfig("tiny")
	if err != nil {
		tb.Fatal(err)
	}
	cfg.VocabSize = ByteVocab
	cfg.BOS, cfg.EOS = 256, []int{257, 263, 264}
	return cfg
}

// ByteModel returns a random model of ByteConfig (every feature of the
// architecture) with weights of dtype dt drawn from seed.
func ByteModel(tb testing.TB, dt tensor.DType, seed uint64) *llama4.Model {
	tb.Helper()
	m, err := checkpoint.RandomModel(ByteConfig(tb), dt, seed)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// ByteTiktoken is the byte model's tokenizer.model: the 256 single bytes,
// base64-encoded, with their ranks (the specials follow implicitly).
func ByteTiktoken() []byte {
	var b strings.Builder
	for i := 0; i < 256; i++ {
		fmt.Fprintf(&b, "%s %d\n", base64.StdEncoding.EncodeToString([]byte{byte(i)}), i)
	}
	return []byte(b.String())
}

// ByteTokenizer parses ByteTiktoken.
func ByteTokenizer(tb testing.TB) *tokenizer.Tokenizer {
	tb.Helper()
	tok, err := tokenizer.ParseTiktoken(ByteTiktoken())
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

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
