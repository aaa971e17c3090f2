package metap

import (
	"math"
	"testing"
)

// TestMetaPMultipliers checks each group's init, LR and eps multipliers
// against the rules written out by hand for a few shapes (base 64 wide, 2
// deep).
func TestMetaPMultipliers(t *testing.T) {
	base := MetaP{BaseWidth: 64, BaseDepth: 2}
	r2 := math.Sqrt2
	for _, c := range []struct {
		width, layers int
		name          string
		group         ParamGroup
		want          Multipliers
	}{
		// The base shape: all 1; the branch outputs' std σ/√(2·2).
		{64, 2, "model.embed_tokens.weight", GroupEmbedding, Multipliers{1, 1, 1}},
		{64, 2, "model.layers.0.self_attn.q_proj.weight", GroupHidden, Multipliers{1, 1, 1}},
		{64, 2, "model.layers.0.self_attn.o_proj.weight", GroupBranchOutput, Multipliers{0.5, 1, 1}},
		{64, 2, "lm_head.weight", GroupOutput, Multipliers{1, 1, 1}},
		// 4× wider (m_w = 4): hidden std /2, LR /4; output std and LR /4.
		{256, 2, "model.embed_tokens.weight", GroupEmbedding, Multipliers{1, 1, 0.25}},
		{256, 2, "model.norm.weight", GroupFinalNorm, Multipliers{1, 1, 0.25}},
		{256, 2, "model.layers.1.input_layernorm.weight", GroupLayerNorm, Multipliers{1, 1, 0.25}},
		{256, 2, "model.layers.0.self_attn.k_proj.weight", GroupHidden, Multipliers{0.5, 0.25, 0.25}},
		{256, 2, "model.layers.1.feed_forward.router.weight", GroupHidden, Multipliers{0.5, 0.25, 0.25}},
		{256, 2, "model.layers.1.feed_forward.experts.gate_up_proj", GroupHidden, Multipliers{0.5, 0.25, 0.25}},
		{256, 2, "model.layers.0.feed_forward.down_proj.weight", GroupBranchOutput, Multipliers{0.25, 0.25, 0.25}},
		{256, 2, "lm_head.weight", GroupOutput, Multipliers{0.25, 0.25, 1}},
		// 4× deeper (m_d = 4): branch outputs std and LR /4 (CompleteP's
		// 1/L branch multiplier folded in), the rest of the branch eps /4.
		{64, 8, "model.layers.5.self_attn.q_proj.weight", GroupHidden, Multipliers{1, 1, 0.25}},
		{64, 8, "model.layers.5.self_attn.o_proj.weight", GroupBranchOutput, Multipliers{0.125, 0.25, 1}},
		{64, 8, "model.layers.5.post_attention_layernorm.weight", GroupLayerNorm, Multipliers{1, 1, 0.25}},
		{64, 8, "model.embed_tokens.weight", GroupEmbedding, Multipliers{1, 1, 1}},
		{64, 8, "lm_head.weight", GroupOutput, Multipliers{1, 1, 1}},
		// Both 2× (a multimodal checkpoint's prefix).
		{128, 4, "language_model.model.layers.3.feed_forward.experts.down_proj", GroupBranchOutput, Multipliers{1 / (4 * r2), 0.25, 0.5}},
		{128, 4, "language_model.model.layers.3.feed_forward.shared_expert.up_proj.weight", GroupHidden, Multipliers{1 / r2, 0.5, 0.25}},
		{128, 4, "language_model.lm_head.weight", GroupOutput, Multipliers{0.5, 0.5, 1}},
	} {
		cfg, err := ProxyConfig(c.width, c.layers)
		if err != nil {
			t.Fatal(err)
		}
		g := GroupOf(c.name)
		if g != c.group {
			t.Errorf("GroupOf(%s) = %v, want %v", c.name, g, c.group)
		}
		got := base.For(cfg, g)
		if math.Abs(got.Init-c.want.Init) > 1e-15 || math.Abs(got.LR-c.want.LR) > 1e-15 || math.Abs(got.Eps-c.want.Eps) > 1e-15 {
			t.Errorf("%d wide, %d deep, %s: %+v, want %+v", c.width, c.layers, c.name, got, c.want)
		}
	}
}
