package llama4

import (
	"fmt"
	"slices"
	"strings"

	"github.com/herd-llm/herd/tensor"
)

// Role is what a weight does in the text model.
type Role uint8

// The weight roles. Gate, Up and Down belong to an FFN block (Slot.FFN).
const (
	RoleEmbed    Role = iota // token embeddings [V, D]
	RoleNorm                 // final RMSNorm weight [D]
	RoleOutput               // lm_head [V, D]; may be tied to RoleEmbed
	RoleAttnNorm             // input_layernorm [D]
	RoleFFNNorm              // post_attention_layernorm [D]
	RoleQ                    // [H·d, D]
	RoleK                    // [Hkv·d, D]
	RoleV                    // [Hkv·d, D]
	RoleO                    // [D, H·d]
	RoleRouter               // MoE router [E, D]
	RoleGate                 // SwiGLU gate [F, D]
	RoleUp                   // SwiGLU up [F, D]
	RoleDown                 // SwiGLU down [D, F]
)

// FFN says which feed-forward block a Gate, Up or Down slot belongs to.
type FFN uint8

// The feed-forward blocks of a layer.
const (
	NoFFN     FFN = iota // not an FFN weight
	FFNDense             // a dense layer's MLP (width IntermediateMLP)
	FFNShared            // an MoE layer's shared expert (width Intermediate)
	FFNRouted            // an MoE layer's routed expert Slot.Expert (width Intermediate)
)

// Slot is one tensor of the text model: what it is, where it is, and its
// shape. Slots(cfg) lists them all; Weights.Ref says where each one lives.
type Slot struct {
	Role   Role
	Layer  int // decoder layer, -1 for embeddings, final norm and lm_head
	FFN    FFN
	Expert int // routed expert index, -1 otherwise
	// Rows, Cols is a matrix's [out, in] shape. A vector has Cols == 0 and
	// Rows elements.
	Rows, Cols int
}

// IsVec reports whether the slot is a 1-D float vector (an RMSNorm weight).
func (s Slot) IsVec() bool { return s.Cols == 0 }

// The schema table: every tensor name of both checkpoint formats, once.
// HF names are relative to Config.Prefix and, inside layers, to
// "model.layers.{l}."; GGUF names inside layers are relative to "blk.{l}.".
var roleNames = [...]struct{ hf, gguf string }{
	RoleEmbed:    {"model.embed_tokens.weight", "token_embd"},
	RoleNorm:     {"model.norm.weight", "output_norm"},
	RoleOutput:   {"lm_head.weight", "output"},
	RoleAttnNorm: {"input_layernorm.weight", "attn_norm"},
	RoleFFNNorm:  {"post_attention_layernorm.weight", "ffn_norm"},
	RoleQ:        {"self_attn.q_proj.weight", "attn_q"},
	RoleK:        {"self_attn.k_proj.weight", "attn_k"},
	RoleV:        {"self_attn.v_proj.weight", "attn_v"},
	RoleO:        {"self_attn.o_proj.weight", "attn_output"},
	RoleRouter:   {"feed_forward.router.weight", "ffn_gate_inp"},
	RoleGate:     {"gate_proj.weight", "ffn_gate"},
	RoleUp:       {"up_proj.weight", "ffn_up"},
	RoleDown:     {"down_proj.weight", "ffn_down"},
}

// ffnNames are the FFN blocks' HF name prefixes and GGUF name suffixes.
var ffnNames = [...]struct{ hf, gguf string }{
	FFNDense:  {"feed_forward.", ""},
	FFNShared: {"feed_forward.shared_expert.", "_shexp"},
	FFNRouted: {"feed_forward.experts.", "_exps"},
}

const (
	hfLayer      = "model.layers.%d."
	ggufLayer    = "blk.%d."
	ggufSuffix   = ".weight"
	hfGateUpProj = "gate_up_proj" // HF fused routed stack [E, D, 2F], input-major
	hfDownProj   = "down_proj"    // HF routed stack [E, F, D], input-major

	// GGUFRopeFreqs is the GGUF tensor of RoPE frequency divisors
	// (llama.cpp's rope_freqs), written when the RoPE is scaled.
	GGUFRopeFreqs = "rope_freqs" + ggufSuffix
	// GGUFRopeFactors is ollama's name for the same divisors.
	GGUFRopeFactors = "rope_factors" + ggufSuffix
)

// hfVisionPrefixes are the HF name prefixes of the vision tower and projector.
var hfVisionPrefixes = []string{"vision_model.", "multi_modal_projector."}

// IsHFVision reports whether an HF tensor name belongs to the vision tower or
// the multimodal projector rather than the text model.
func IsHFVision(name string) bool { return hasPrefix(name, hfVisionPrefixes) }

// ggufVisionPrefixes are the GGUF name prefixes of ollama's vision tensors
// (its single-file layout).
var ggufVisionPrefixes = []string{"v.", "mm."}

// IsGGUFVision reports whether a GGUF tensor name belongs to the vision
// tower or projector (ollama's single-file layout).
func IsGGUFVision(name string) bool { return hasPrefix(name, ggufVisionPrefixes) }

// hasPrefix reports whether name starts with one of prefixes.
func hasPrefix(name string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(name, p) })
}

// IsGGUFFusedGateUp reports whether a GGUF tensor name is ollama's fused
// routed gate+up stack of some layer (GGUFFusedName).
func IsGGUFFusedGateUp(name string) bool {
	var l int
	_, err := fmt.Sscanf(name, ggufLayer, &l)
	return err == nil && name == Slot{Layer: l}.GGUFFusedName()
}

// ModelSlot is the slot of a model-level (not per-layer) role, without its
// shape: RoleEmbed, RoleNorm or RoleOutput.
func ModelSlot(r Role) Slot { return Slot{Role: r, Layer: -1, Expert: -1} }

// HFName is the slot's Hugging Face tensor name without Config.Prefix. A
// routed expert's name is its per-expert Linear form
// (experts.{e}.gate_proj.weight, the FP8 checkpoints'); HFStackName is the
// fused form.
func (s Slot) HFName() string {
	n := roleNames[s.Role].hf
	switch s.FFN {
	case NoFFN:
	case FFNRouted:
		n = fmt.Sprintf("%s%d.%s", ffnNames[FFNRouted].hf, s.Expert, n)
	default:
		n = ffnNames[s.FFN].hf + n
	}
	if s.Layer < 0 {
		return n
	}
	return fmt.Sprintf(hfLayer, s.Layer) + n
}

// HFStackName is the name of the fused HF stack holding a routed expert slot:
// experts.gate_up_proj [E, D, 2F] for Gate and Up, experts.down_proj
// [E, F, D] for Down (both input-major, no ".weight").
func (s Slot) HFStackName() string {
	n := hfGateUpProj
	if s.Role == RoleDown {
		n = hfDownProj
	}
	return fmt.Sprintf(hfLayer, s.Layer) + ffnNames[FFNRouted].hf + n
}

// HFStackShape is the shape of HFStackName's tensor for E experts.
func (s Slot) HFStackShape(experts int) []int {
	if s.Role == RoleDown {
		return []int{experts, s.Cols, s.Rows}
	}
	return []int{experts, s.Cols, 2 * s.Rows}
}

// GGUFName is the slot's llama.cpp tensor name. Routed experts share their
// layer's 3-D stack (ffn_{gate,up,down}_exps.weight, ggml dims
// {in, out, E}).
func (s Slot) GGUFName() string {
	n := roleNames[s.Role].gguf + ffnNames[s.FFN].gguf + ggufSuffix
	if s.Layer < 0 {
		return n
	}
	return fmt.Sprintf(ggufLayer, s.Layer) + n
}

// GGUFFusedName is the name of ollama's fused routed gate+up stack of the
// slot's layer, ffn_gate_up_exps.weight (ggml dims {D, 2F, E}: per expert,
// the gate rows then the up rows).
func (s Slot) GGUFFusedName() string {
	return fmt.Sprintf(ggufLayer, s.Layer) + roleNames[RoleGate].gguf + "_up" + ffnNames[FFNRouted].gguf + ggufSuffix
}

// Slots lists every tensor of cfg's text model, in llama.cpp's converter
// order: token embeddings; per layer attn_norm, q, k, v, o, ffn_norm, then
// either the dense MLP (gate, up, down) or the router, the routed experts
// (every expert's gate, then every up, then every down) and the shared
// expert; then the final norm and lm_head. RoleOutput is listed even when
// the embeddings are tied: consumers decide.
func Slots(cfg *Config) []Slot {
	D, hd := cfg.Hidden, cfg.HeadDim
	top := func(r Role, rows, cols int) Slot { return Slot{Role: r, Layer: -1, Expert: -1, Rows: rows, Cols: cols} }
	out := []Slot{top(RoleEmbed, cfg.VocabSize, D)}
	for l := 0; l < cfg.Layers; l++ {
		at := func(r Role, rows, cols int) Slot { return Slot{Role: r, Layer: l, Expert: -1, Rows: rows, Cols: cols} }
		mlp := func(f FFN, e, width int) []Slot {
			g, u, d := at(RoleGate, width, D), at(RoleUp, width, D), at(RoleDown, D, width)
			g.FFN, u.FFN, d.FFN = f, f, f
			g.Expert, u.Expert, d.Expert = e, e, e
			return []Slot{g, u, d}
		}
		out = append(out, at(RoleAttnNorm, D, 0), at(RoleQ, cfg.Heads*hd, D), at(RoleK, cfg.KVHeads*hd, D),
			at(RoleV, cfg.KVHeads*hd, D), at(RoleO, D, cfg.Heads*hd), at(RoleFFNNorm, D, 0))
		if !cfg.LayerIsMoE[l] {
			out = append(out, mlp(FFNDense, -1, cfg.IntermediateMLP)...)
			continue
		}
		out = append(out, at(RoleRouter, cfg.Experts, D))
		for k := range 3 {
			for e := 0; e < cfg.Experts; e++ {
				out = append(out, mlp(FFNRouted, e, cfg.Intermediate)[k])
			}
		}
		out = append(out, mlp(FFNShared, -1, cfg.Intermediate)...)
	}
	return append(out, top(RoleNorm, D, 0), top(RoleOutput, cfg.VocabSize, D))
}

// Ref is where a slot lives in Weights: exactly one of Mat and Vec is set.
type Ref struct {
	Mat **tensor.Mat
	Vec *[]float32
}

// NewWeights allocates the empty structure of cfg's weights: every layer's
// Dense or MoE block (with its experts) exists, every matrix and vector is
// nil, ready for Ref to fill.
func NewWeights(cfg *Config) *Weights {
	w := &Weights{Layers: make([]LayerWeights, cfg.Layers)}
	for l := range w.Layers {
		if cfg.LayerIsMoE[l] {
			w.Layers[l].MoE = &MoE{Experts: make([]MLP, cfg.Experts)}
		} else {
			w.Layers[l].Dense = &MLP{}
		}
	}
	return w
}

// Ref returns where slot s lives in w. It panics when w lacks the layer or
// block s names (w was not built for the config s came from).
func (w *Weights) Ref(s Slot) Ref {
	switch s.Role {
	case RoleEmbed:
		return Ref{Mat: &w.Embed}
	case RoleNorm:
		return Ref{Vec: &w.Norm}
	case RoleOutput:
		return Ref{Mat: &w.LMHead}
	}
	lw := &w.Layers[s.Layer]
	var m *MLP
	switch s.FFN {
	case FFNDense:
		m = lw.Dense
	case FFNShared:
		m = &lw.MoE.Shared
	case FFNRouted:
		m = &lw.MoE.Experts[s.Expert]
	}
	switch s.Role {
	case RoleAttnNorm:
		return Ref{Vec: &lw.AttnNorm}
	case RoleFFNNorm:
		return Ref{Vec: &lw.FFNNorm}
	case RoleQ:
		return Ref{Mat: &lw.Q}
	case RoleK:
		return Ref{Mat: &lw.K}
	case RoleV:
		return Ref{Mat: &lw.V}
	case RoleO:
		return Ref{Mat: &lw.O}
	case RoleRouter:
		return Ref{Mat: &lw.MoE.Router}
	case RoleGate:
		return Ref{Mat: &m.Gate}
	case RoleUp:
		return Ref{Mat: &m.Up}
	case RoleDown:
		return Ref{Mat: &m.Down}
	}
	panic(fmt.Sprintf("llama4: slot role %d", s.Role))
}

// ForEach calls fn for every slot of cfg (Slots order) with where it lives
// in w, stopping at the first error. Binders fill the Refs, writers read
// them, quantizers replace them.
func (w *Weights) ForEach(cfg *Config, fn func(Slot, Ref) error) error {
	for _, s := range Slots(cfg) {
		if err := fn(s, w.Ref(s)); err != nil {
			return err
		}
	}
	return nil
}

// Tied reports whether lm_head is the embedding matrix itself.
func (w *Weights) Tied() bool { return w.LMHead == w.Embed }

// ForEachMat calls fn for every distinct weight matrix of w (a tied lm_head
// is visited once, as its RoleEmbed slot), in Slots order.
func (w *Weights) ForEachMat(cfg *Config, fn func(Slot, **tensor.Mat) error) error {
	tied := w.Tied()
	return w.ForEach(cfg, func(s Slot, r Ref) error {
		if r.Mat == nil || (tied && s.Role == RoleOutput) {
			return nil
		}
		return fn(s, r.Mat)
	})
}
