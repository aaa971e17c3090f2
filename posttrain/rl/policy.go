package rl

import (
	"bytes"
	"fmt"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train"
)

// WeightBytes encodes p as one float32 safetensors file in memory (Hugging
// Face names): what a generator receives as a new policy.
func WeightBytes(p *train.Params[float32]) ([]byte, error) {
	var buf bytes.Buffer
	if err := train.WriteTensors(&buf, "", p.Tensors, map[string]string{"format": "pt"}); err != nil {
		return nil, fmt.Errorf("rl: encoding the policy: %w", err)
	}
	return buf.Bytes(), nil
}

// ModelFromBytes binds safetensors bytes (WeightBytes) to an inference
// model of cfg; every tensor's name, dtype and shape is checked.
func ModelFromBytes(cfg *llama4.Config, b []byte) (*llama4.Model, error) {
	set, err := safetensors.OpenBytes("policy.safetensors", b)
	if err != nil {
		return nil, fmt.Errorf("rl: policy weights: %w", err)
	}
	w, err := checkpoint.BindHF(set, cfg)
	if err != nil {
		return nil, fmt.Errorf("rl: policy weights: %w", err)
	}
	return llama4.New(cfg, w), nil
}

// InferenceModel copies the training parameters p into an inference model
// (float32 weights; later changes to p do not affect it).
func InferenceModel(p *train.Params[float32]) (*llama4.Model, error) {
	b, err := WeightBytes(p)
	if err != nil {
		return nil, err
	}
	return ModelFromBytes(p.Config, b)
}
