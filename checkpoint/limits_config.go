package checkpoint

import (
	"bytes"
	"fmt"

	"github.com/herd-llm/herd/model/llama4"
)

// bound is one size a file states, the limit it must meet and the
// environment suffix that raises that limit.
type bound struct {
	name string
	v    *int
	max  int
	env  string
}

// checkBounds checks each present value against its limit, in order.
func checkBounds(bs []bound) error {
	for _, b := range bs {
		if b.v == nil {
			continue
		}
		if err := check(b.name, int64(*b.v), b.max, b.env); err != nil {
			return err
		}
	}
	return nil
}

// checkText checks a text config's sizes against l before anything is
// allocated from them: every count a layer list, a weight table or a
// parameter total is sized by.
func (l Limits) checkText(t *rawText) error {
	return checkBounds([]bound{
		{"num_hidden_layers", t.NumHiddenLayers, l.Layers, "LAYERS"},
		{"num_local_experts", t.NumLocalExperts, l.Experts, "EXPERTS"},
		{"num_experts_per_tok", t.NumExpertsPerTok, l.Experts, "EXPERTS"},
		{"num_attention_heads", t.NumAttentionHeads, l.Heads, "HEADS"},
		{"num_key_value_heads", t.NumKeyValueHeads, l.Heads, "HEADS"},
		{"head_dim", t.HeadDim, l.HeadDim, "HEAD_DIM"},
		{"vocab_size", t.VocabSize, l.Vocab, "VOCAB"},
		{"hidden_size", t.HiddenSize, l.Hidden, "HIDDEN"},
		{"intermediate_size", t.IntermediateSize, l.Intermediate, "INTERMEDIATE"},
		{"intermediate_size_mlp", t.IntermediateSizeMLP, l.Intermediate, "INTERMEDIATE"},
		{"max_position_embeddings", t.MaxPositionEmbeddings, l.Context, "CONTEXT"},
		{"attention_chunk_size", t.AttentionChunkSize, l.Context, "CONTEXT"},
		{"no_rope_layer_interval", t.NoRopeLayerInterval, l.Layers, "LAYERS"},
		{"interleave_moe_layer_step", t.InterleaveMoEStep, l.Layers, "LAYERS"},
	})
}

// checkVision checks a vision_config's sizes against l.
func (l Limits) checkVision(v *rawVision) error {
	return checkBounds([]bound{
		{"vision_config.num_hidden_layers", v.NumHiddenLayers, l.Layers, "LAYERS"},
		{"vision_config.num_attention_heads", v.NumAttentionHeads, l.Heads, "HEADS"},
		{"vision_config.hidden_size", v.HiddenSize, l.Hidden, "HIDDEN"},
		{"vision_config.intermediate_size", v.IntermediateSize, l.Intermediate, "INTERMEDIATE"},
		{"vision_config.image_size", v.ImageSize, l.ImageSize, "IMAGE_SIZE"},
		{"vision_config.patch_size", v.PatchSize, l.ImageSize, "IMAGE_SIZE"},
		{"vision_config.num_channels", v.NumChannels, l.Hidden, "HIDDEN"},
		{"vision_config.projector_input_dim", v.ProjectorInputDim, l.Hidden, "HIDDEN"},
		{"vision_config.projector_output_dim", v.ProjectorOutDim, l.Hidden, "HIDDEN"},
		{"vision_config.vision_output_dim", v.VisionOutputDim, l.Hidden, "HIDDEN"},
	})
}

// checkTokenIDs checks that the special token ids a config states are rows
// of its vocabulary: an id past the vocabulary would index past the
// embeddings (or, truncated, become another token).
func checkTokenIDs(c *llama4.Config, t *rawText) error {
	ids := []struct {
		name string
		v    *int
	}{{"bos_token_id", t.BOSTokenID}, {"pad_token_id", t.PadTokenID}}
	for _, id := range ids {
		if id.v != nil && (*id.v < 0 || *id.v >= c.VocabSize) {
			return fmt.Errorf("%s = %d is outside the vocabulary [0, vocab_size = %d)", id.name, *id.v, c.VocabSize)
		}
	}
	if eos := bytes.TrimSpace(t.EOSTokenID); len(eos) == 0 || string(eos) == "null" {
		return nil // the default ids belong to the Llama 4 vocabulary, not checked here
	}
	for i, e := range c.EOS {
		if e < 0 || e >= c.VocabSize {
			return fmt.Errorf("eos_token_id[%d] = %d is outside the vocabulary [0, vocab_size = %d)", i, e, c.VocabSize)
		}
	}
	return nil
}
