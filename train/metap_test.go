package train

import (
	"math"
	"testing"

	"github.com/herd-llm/herd/train/dataset"
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

// TestMetaPInitStd checks the drawn weights' std against the rules: hidden
// ∝ 1/√width, output ∝ 1/width, embeddings constant.
func TestMetaPInitStd(t *testing.T) {
	base := MetaP{BaseWidth: 64, BaseDepth: 2}
	for _, w := range []int{64, 256} {
		cfg, _ := ProxyConfig(w, 4)
		p, err := NewParams[float32](cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := base.InitParams(p, 1, 0.02); err != nil {
			t.Fatal(err)
		}
		mw := float64(w) / 64
		for _, c := range []struct {
			t    *Tensor[float32]
			want float64
		}{
			{p.Embed, 0.02},
			{p.LMHead, 0.02 / mw},
			{p.Layers[0].Q, 0.02 / math.Sqrt(mw)},
			{p.Layers[1].ExpertsGateUp, 0.02 / math.Sqrt(mw)},
			{p.Layers[2].Down, 0.02 / 2 / math.Sqrt(mw) / 2}, // σ/√(2·2)/√m_w/m_d, m_d = 2
		} {
			var ss float64
			for _, v := range c.t.Data {
				ss += float64(v) * float64(v)
			}
			got := math.Sqrt(ss / float64(len(c.t.Data)))
			if math.Abs(got/c.want-1) > 0.05 {
				t.Errorf("width %d: %s std %.5f, want %.5f", w, c.t.Name, got, c.want)
			}
		}
	}
}

// TestMetaPAtBaseIsStandard: at the base shape MetaP's multipliers are all
// exactly 1, so three steps give the very same parameters as the standard
// parametrisation, bit for bit.
func TestMetaPAtBaseIsStandard(t *testing.T) {
	cfg := smallConfig(t)
	data := byteData(t, corpus, 0.1)
	o := smallOptions()
	o.Steps = 3
	sp := trainerOn(t, cfg, o, data)
	o.MetaP, o.BaseWidth, o.BaseDepth = true, cfg.Hidden, cfg.Layers
	mp := trainerOn(t, cfg, o, data)
	if mp.Optim.LRMult == nil {
		t.Fatal("MetaP set no learning-rate multipliers")
	}
	for range 3 {
		if _, err := sp.TrainStep(); err != nil {
			t.Fatal(err)
		}
		if _, err := mp.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	for i, a := range sp.Params.Tensors {
		b := mp.Params.Tensors[i]
		for j := range a.Data {
			if math.Float32bits(a.Data[j]) != math.Float32bits(b.Data[j]) {
				t.Fatalf("%s[%d]: standard %v, MetaP at the base shape %v", a.Name, j, a.Data[j], b.Data[j])
			}
		}
	}
}

// TestMetaPRejectsTiedEmbeddings: the embedding and lm_head need different
// rules.
func TestMetaPRejectsTiedEmbeddings(t *testing.T) {
	cfg := smallConfig(t)
	cfg.TieEmbeddings = true
	data, _ := dataset.New([]byte(corpus), dataset.ByteTokenizer{}, 0.1)
	o := smallOptions()
	o.MetaP = true
	if _, err := NewTrainer(cfg, o, data); err == nil {
		t.Fatal("MetaP with tied embeddings: no error")
	}
}
