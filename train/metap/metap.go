// Package metap holds the rules of the MetaP parametrisation of herd's
// trainer (train.Options.MetaP): the parameter groups, each group's init,
// learning-rate and eps multipliers relative to a base model, and the proxy
// model family of its evidence (tools/metapcheck, docs/metap.md). Package
// train applies them to its parameters and optimizer.
package metap

import (
	"fmt"
	"math"
	"strings"

	"github.com/herd-llm/herd/model/llama4"
)

// MetaP is a MetaP-style parametrisation: per-group initialisation and
// learning-rate multipliers relative to a base (proxy) model of BaseWidth
// hidden size and BaseDepth layers, so that hyper-parameters tuned on the
// base model carry over to wider and deeper ones. Meta has not published
// MetaP's rules, so this is the open-literature equivalent: µP for width
// (Tensor Programs V, Yang et al. 2022, Table 3: the variant without
// forward multipliers) and CompleteP for depth (Dey et al. 2025, α = 1),
// with the residual-branch multiplier folded into the branches' output
// projections. Because no multiplier appears in the forward pass, a model
// trained under MetaP is an ordinary Llama 4 checkpoint: inference computes
// the same function with no change.
//
// With m_w = Hidden/BaseWidth, m_d = Layers/BaseDepth, σ = the init std
// and η, ε the base learning rate and Adam eps, a tensor of each group gets
// (docs/metap.md has the derivation):
//
//	group                                   init std              Adam LR        Adam eps
//	embedding                               σ                     η              ε/m_w
//	RMSNorm weights (final norm)            1                     η              ε/m_w
//	RMSNorm weights (in a layer)            1                     η              ε/(m_w·m_d)
//	hidden: q,k,v, gate, up, router,        σ/√m_w                η/m_w          ε/(m_w·m_d)
//	  shared gate/up, experts.gate_up_proj
//	branch output: o_proj, down_proj,       σ/(√(2·BaseDepth)·    η/(m_w·m_d)    ε/m_w
//	  shared down, experts.down_proj          √m_w·m_d)
//	lm_head (untied)                        σ/m_w                 η/m_w          ε
//
// The decoupled weight decay is lr_t·wd for every tensor with the base
// (unmultiplied) scheduled lr_t, so each weight's decay time-scale
// 1/(lr·wd) does not change with width or depth (the "independent weight
// decay" convention; in PyTorch's coupled form it is wd·m_w for the width-
// scaled groups). At Hidden = BaseWidth and Layers = BaseDepth every
// multiplier is 1 and the run is the standard parametrisation bit for bit.
//
// The rules assume every hidden dimension grows with Hidden: heads·head_dim,
// intermediate_size and intermediate_size_mlp ∝ hidden_size. Keep head_dim
// fixed and scale the number of heads: Llama 4 fixes the attention scale at
// 1/√head_dim, and with head_dim constant µP's 1/d attention scaling is the
// same thing up to a constant. Tied embeddings are rejected: the embedding
// and the output layer need different rules.
type MetaP struct {
	BaseWidth, BaseDepth int
}

// ParamGroup is a tensor's role under MetaP.
type ParamGroup int

// The parameter groups of MetaP.
const (
	GroupEmbedding    ParamGroup = iota // model.embed_tokens.weight
	GroupFinalNorm                      // model.norm.weight
	GroupLayerNorm                      // a layer's input_layernorm / post_attention_layernorm weight
	GroupHidden                         // matrices whose fan-in is the width, inside a residual branch
	GroupBranchOutput                   // o_proj, down_proj, shared_expert.down_proj, experts.down_proj
	GroupOutput                         // lm_head.weight
)

func (g ParamGroup) String() string {
	return [...]string{"embedding", "final norm", "layer norm", "hidden", "branch output", "output"}[g]
}

// GroupOf classifies a parameter by its Hugging Face name.
func GroupOf(name string) ParamGroup {
	switch {
	case strings.HasSuffix(name, "embed_tokens.weight"):
		return GroupEmbedding
	case strings.HasSuffix(name, "lm_head.weight"):
		return GroupOutput
	case strings.HasSuffix(name, "model.norm.weight"):
		return GroupFinalNorm
	case strings.HasSuffix(name, "layernorm.weight"):
		return GroupLayerNorm
	case IsBranchOutput(name):
		return GroupBranchOutput
	}
	return GroupHidden
}

// Multipliers are one tensor's factors relative to the base model's
// settings: Init multiplies the init std σ (for RMSNorm weights, which
// start at 1, it is unused), LR the Adam learning rate, Eps Adam's eps.
type Multipliers struct {
	Init, LR, Eps float64
}

// Check reports whether MetaP applies to cfg.
func (m MetaP) Check(cfg *llama4.Config) error {
	if m.BaseWidth <= 0 || m.BaseDepth <= 0 {
		return fmt.Errorf("metap: MetaP base width %d and depth %d must be positive", m.BaseWidth, m.BaseDepth)
	}
	if cfg.TieEmbeddings {
		return fmt.Errorf("metap: MetaP needs untied embeddings (tie_word_embeddings false): the embedding and lm_head follow different rules")
	}
	return nil
}

// Widths returns m_w = Hidden/BaseWidth and m_d = Layers/BaseDepth.
func (m MetaP) Widths(cfg *llama4.Config) (mw, md float64) {
	return float64(cfg.Hidden) / float64(m.BaseWidth), float64(cfg.Layers) / float64(m.BaseDepth)
}

// For returns the multipliers of a parameter of group g in a model of cfg's
// shape. The init multiplier of GroupBranchOutput is relative to the base
// std σ, not to InitParams' σ/√(2·Layers): it is 1/(√(2·BaseDepth)·√m_w·m_d).
func (m MetaP) For(cfg *llama4.Config, g ParamGroup) Multipliers {
	mw, md := m.Widths(cfg)
	switch g {
	case GroupEmbedding:
		return Multipliers{Init: 1, LR: 1, Eps: 1 / mw}
	case GroupFinalNorm:
		return Multipliers{Init: 1, LR: 1, Eps: 1 / mw}
	case GroupLayerNorm:
		return Multipliers{Init: 1, LR: 1, Eps: 1 / (mw * md)}
	case GroupHidden:
		return Multipliers{Init: 1 / math.Sqrt(mw), LR: 1 / mw, Eps: 1 / (mw * md)}
	case GroupBranchOutput:
		return Multipliers{Init: 1 / math.Sqrt(2*float64(m.BaseDepth)) / math.Sqrt(mw) / md, LR: 1 / (mw * md), Eps: 1 / mw}
	case GroupOutput:
		return Multipliers{Init: 1 / mw, LR: 1 / mw, Eps: 1}
	}
	panic("metap: unknown parameter group")
}

// IsBranchOutput reports whether the named parameter is the output
// projection of a residual branch (o_proj, down_proj,
// shared_expert.down_proj, experts.down_proj): the last linear map before
// the branch's result is added to the residual stream.
func IsBranchOutput(name string) bool {
	return strings.HasSuffix(name, "o_proj.weight") || strings.HasSuffix(name, "down_proj.weight") ||
		strings.HasSuffix(name, "experts.down_proj")
}
