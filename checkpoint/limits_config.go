package checkpoint

import (
	"bytes"
	"fmt"

	"github.com/herd-llm/herd/model/llama4"
)

// bound is one size a file states and the limit it must meet.
type bound struct {
	name string
	v    *int
	kind limitKind
}

// check checks each present value against its limit in l, in order; the
// error names the field, the value, the limit and how to raise it.
func (l Limits) check(bs []bound) error {
	for _, b := range bs {
		if b.v == nil {
			continue
		}
		f := limitFields[b.kind]
		if err := check(b.name, int64(*b.v), *f.get(&l), f.env); err != nil {
			return err
		}
	}
	return nil
}

// checkText checks a text config's sizes against l before anything is
// allocated from them: every count a layer list, a weight table or a
// parameter total is sized by.
func (l Limits) checkText(t *rawText) error {
	return l.check([]bound{
		{"num_hidden_layers", t.NumHiddenLayers, kLayers}, {"no_rope_layer_interval", t.NoRopeLayerInterval, kLayers},
		{"interleave_moe_layer_step", t.InterleaveMoEStep, kLayers},
		{"num_local_experts", t.NumLocalExperts, kExperts}, {"num_experts_per_tok", t.NumExpertsPerTok, kExperts},
		{"num_attention_heads", t.NumAttentionHeads, kHeads}, {"num_key_value_heads", t.NumKeyValueHeads, kHeads},
		{"head_dim", t.HeadDim, kHeadDim}, {"vocab_size", t.VocabSize, kVocab}, {"hidden_size", t.HiddenSize, kHidden},
		{"intermediate_size", t.IntermediateSize, kIntermediate}, {"intermediate_size_mlp", t.IntermediateSizeMLP, kIntermediate},
		{"max_position_embeddings", t.MaxPositionEmbeddings, kContext}, {"attention_chunk_size", t.AttentionChunkSize, kContext},
	})
}

// checkVision checks a vision_config's sizes against l.
func (l Limits) checkVision(v *rawVision) error {
	const p = "vision_config."
	return l.check([]bound{
		{p + "num_hidden_layers", v.NumHiddenLayers, kLayers}, {p + "num_attention_heads", v.NumAttentionHeads, kHeads},
		{p + "hidden_size", v.HiddenSize, kHidden}, {p + "intermediate_size", v.IntermediateSize, kIntermediate},
		{p + "image_size", v.ImageSize, kImageSize}, {p + "patch_size", v.PatchSize, kImageSize},
		{p + "num_channels", v.NumChannels, kHidden}, {p + "projector_input_dim", v.ProjectorInputDim, kHidden},
		{p + "projector_output_dim", v.ProjectorOutDim, kHidden}, {p + "vision_output_dim", v.VisionOutputDim, kHidden},
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
