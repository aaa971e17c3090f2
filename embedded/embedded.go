// Package embedded holds herd's default model, compiled into the binary so
// that herd does something real on a fresh machine, offline: a small Llama 4
// (MoE with a shared expert, dense and MoE layers interleaved, chunked RoPE
// layers and a global NoPE layer, QK-norm, attention temperature tuning)
// trained by herd itself on TinyShakespeare with a herd-trained BPE
// vocabulary. `herd train --preset shakespeare` reproduces it from scratch;
// shakespeare/README.md records the run.
//
// The checkpoint is an ordinary Hugging Face directory (config.json,
// model.safetensors in bfloat16, and a Llama 4-format tokenizer.model),
// embedded with go:embed and loaded straight from the binary's memory.
package embedded

import (
	_ "embed"
	"fmt"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
)

// Name is the embedded model's name.
const Name = "shakespeare"

// Description says what the embedded model is, in one line.
const Description = "herd's built-in demo model: a 5.9M-parameter Llama 4 MoE (4 layers, 4 experts + shared expert, " +
	"chunked RoPE + global NoPE attention) trained by herd on TinyShakespeare with a 4096-rank herd-trained BPE; " +
	"it writes Shakespeare-like verse, e.g. after \"ROMEO:\""

var (
	//go:embed shakespeare/config.json
	configJSON []byte
	//go:embed shakespeare/model.safetensors
	modelBytes []byte
	//go:embed shakespeare/tokenizer.model
	tokenizerModel []byte
)

// Load returns the embedded model and its tokenizer. The weights are used
// in place from the binary's read-only data: nothing is copied to disk and
// the bfloat16 matrices are not converted. Each call returns a new Model
// over the same memory; Close is not needed.
func Load() (*llama4.Model, *tokenizer.Tokenizer, error) {
	cfg, err := checkpoint.ParseConfig(configJSON)
	if err != nil {
		return nil, nil, fmt.Errorf("embedded %s: config.json: %w", Name, err)
	}
	set, err := safetensors.OpenBytes(Name+"/model.safetensors", modelBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("embedded %s: %w", Name, err)
	}
	w, err := checkpoint.BindHF(set, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("embedded %s: %w", Name, err)
	}
	tok, err := tokenizer.ParseTiktoken(tokenizerModel)
	if err != nil {
		return nil, nil, fmt.Errorf("embedded %s: tokenizer.model: %w", Name, err)
	}
	if err := checkConsistent(cfg, tok); err != nil {
		return nil, nil, fmt.Errorf("embedded %s: %w", Name, err)
	}
	return llama4.New(cfg, w), tok, nil
}

// checkConsistent checks that the config's vocabulary and special ids are
// the tokenizer's.
func checkConsistent(cfg *llama4.Config, tok *tokenizer.Tokenizer) error {
	switch {
	case tok.VocabSize() != cfg.VocabSize:
		return fmt.Errorf("tokenizer has %d ids, config vocab_size is %d", tok.VocabSize(), cfg.VocabSize)
	case int32(cfg.BOS) != tok.BOS():
		return fmt.Errorf("config bos_token_id %d is not the tokenizer's <|begin_of_text|> %d", cfg.BOS, tok.BOS())
	case len(cfg.EOS) != 1 || int32(cfg.EOS[0]) != tok.EOS():
		return fmt.Errorf("config eos_token_id %v is not the tokenizer's <|end_of_text|> %d", cfg.EOS, tok.EOS())
	case int32(cfg.Pad) != tok.Pad():
		return fmt.Errorf("config pad_token_id %d is not the tokenizer's <|finetune_right_pad|> %d", cfg.Pad, tok.Pad())
	}
	return nil
}
