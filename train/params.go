package train

import (
	"fmt"
	"sort"

	"github.com/herd-llm/herd/model/llama4"
)

// Tensor is one parameter, or the gradient or optimizer moment of one, under
// its Hugging Face name with its Hugging Face shape. Data is row-major.
type Tensor[F Float] struct {
	Name  string // e.g. "model.layers.0.self_attn.q_proj.weight"
	Shape []int  // outermost first
	Data  []F
}

// NumElements is the product of the shape.
func (t *Tensor[F]) NumElements() int { return numel(t.Shape) }

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Params are all parameters of a Llama4ForCausalLM text model, D = Hidden,
// V = VocabSize, H/Hkv/d = heads/KV heads/head dim, F = Intermediate (each
// expert and the shared expert), Fm = IntermediateMLP (dense layers),
// E = Experts. Gradients and optimizer moments use the same type.
type Params[F Float] struct {
	Config *llama4.Config
	// Tensors lists every distinct tensor once, sorted by name: the order of
	// checkpoints, gradient files and the optimizer.
	Tensors []*Tensor[F]
	Embed   *Tensor[F] // model.embed_tokens.weight [V, D]
	Norm    *Tensor[F] // model.norm.weight [D]
	LMHead  *Tensor[F] // lm_head.weight [V, D]; == Embed when tie_word_embeddings
	Layers  []Layer[F]
}

// Layer holds one decoder layer's parameters. Dense layers set Gate/Up/Down;
// MoE layers set Router, the Shared* expert and the expert stacks.
type Layer[F Float] struct {
	AttnNorm *Tensor[F] // input_layernorm.weight [D]
	FFNNorm  *Tensor[F] // post_attention_layernorm.weight [D]
	Q        *Tensor[F] // self_attn.q_proj.weight [H·d, D]
	K        *Tensor[F] // self_attn.k_proj.weight [Hkv·d, D]
	V        *Tensor[F] // self_attn.v_proj.weight [Hkv·d, D]
	O        *Tensor[F] // self_attn.o_proj.weight [D, H·d]

	Gate, Up, Down *Tensor[F] // dense: feed_forward.{gate,up}_proj.weight [Fm, D], down_proj.weight [D, Fm]

	Router                           *Tensor[F] // feed_forward.router.weight [E, D]
	SharedGate, SharedUp, SharedDown *Tensor[F] // feed_forward.shared_expert.*: [F, D], [F, D], [D, F]
	ExpertsGateUp                    *Tensor[F] // feed_forward.experts.gate_up_proj [E, D, 2F], input-major: columns [0,F) gate, [F,2F) up
	ExpertsDown                      *Tensor[F] // feed_forward.experts.down_proj [E, F, D], input-major
}

// IsMoE reports whether the layer is a mixture-of-experts layer.
func (l *Layer[F]) IsMoE() bool { return l.Router != nil }

// NewParams allocates zero parameters for cfg. Only Llama4ForCausalLM-style
// text models are supported (a "language_model." prefix is kept in names).
func NewParams[F Float](cfg *llama4.Config) (*Params[F], error) {
	if err := checkTrainable(cfg); err != nil {
		return nil, err
	}
	p := &Params[F]{Config: cfg, Layers: make([]Layer[F], cfg.Layers)}
	for _, s := range llama4.Slots(cfg) {
		name, shape := s.HFName(), []int{s.Rows, s.Cols}
		switch {
		case s.IsVec():
			shape = shape[:1]
		case s.Role == llama4.RoleOutput && cfg.TieEmbeddings:
			p.LMHead = p.Embed
			continue
		case s.FFN == llama4.FFNRouted:
			// Routed experts are the two fused HF stacks, made at expert 0.
			if s.Expert != 0 || s.Role == llama4.RoleUp {
				continue
			}
			name, shape = s.HFStackName(), s.HFStackShape(cfg.Experts)
		}
		t := &Tensor[F]{Name: cfg.Prefix + name, Shape: shape, Data: make([]F, numel(shape))}
		p.Tensors = append(p.Tensors, t)
		*p.field(s) = t
	}
	sort.Slice(p.Tensors, func(i, j int) bool { return p.Tensors[i].Name < p.Tensors[j].Name })
	return p, nil
}

// field is where the tensor of slot s lives in p (a routed gate or down slot:
// the layer's fused stack).
func (p *Params[F]) field(s llama4.Slot) **Tensor[F] {
	switch s.Role {
	case llama4.RoleEmbed:
		return &p.Embed
	case llama4.RoleNorm:
		return &p.Norm
	case llama4.RoleOutput:
		return &p.LMHead
	}
	L := &p.Layers[s.Layer]
	mlp := map[llama4.FFN][3]**Tensor[F]{
		llama4.FFNDense:  {&L.Gate, &L.Up, &L.Down},
		llama4.FFNShared: {&L.SharedGate, &L.SharedUp, &L.SharedDown},
		llama4.FFNRouted: {&L.ExpertsGateUp, &L.ExpertsGateUp, &L.ExpertsDown},
	}[s.FFN]
	if t, ok := map[llama4.Role]**Tensor[F]{
		llama4.RoleAttnNorm: &L.AttnNorm, llama4.RoleFFNNorm: &L.FFNNorm, llama4.RoleRouter: &L.Router,
		llama4.RoleQ: &L.Q, llama4.RoleK: &L.K, llama4.RoleV: &L.V, llama4.RoleO: &L.O,
		llama4.RoleGate: mlp[0], llama4.RoleUp: mlp[1], llama4.RoleDown: mlp[2],
	}[s.Role]; ok {
		return t
	}
	panic(fmt.Sprintf("train: slot role %d", s.Role))
}

// checkTrainable rejects configurations the trainer does not implement.
func checkTrainable(cfg *llama4.Config) error {
	if cfg.Hidden <= 0 || cfg.Layers <= 0 || cfg.VocabSize <= 0 {
		return fmt.Errorf("train: config has no text model")
	}
	if len(cfg.LayerUsesRoPE) != cfg.Layers || len(cfg.LayerIsMoE) != cfg.Layers {
		return fmt.Errorf("train: config's per-layer lists are not filled in (use checkpoint.ParseConfig)")
	}
	if cfg.NumMoELayers() > 0 && (cfg.Experts <= 0 || cfg.ExpertsPerToken <= 0 || cfg.ExpertsPerToken > cfg.Experts) {
		return fmt.Errorf("train: MoE layers need 1 ≤ num_experts_per_tok ≤ num_local_experts")
	}
	return nil
}

// ZerosLike returns zeroed tensors of the same names and shapes (gradients,
// optimizer moments).
func (p *Params[F]) ZerosLike() *Params[F] {
	q, err := NewParams[F](p.Config)
	if err != nil {
		panic(err) // p was built from the same config
	}
	return q
}

// Zero sets every element to 0.
func (p *Params[F]) Zero() {
	for _, t := range p.Tensors {
		clear(t.Data)
	}
}

// Get returns the tensor of that name, or nil.
func (p *Params[F]) Get(name string) *Tensor[F] {
	i := sort.Search(len(p.Tensors), func(i int) bool { return p.Tensors[i].Name >= name })
	if i < len(p.Tensors) && p.Tensors[i].Name == name {
		return p.Tensors[i]
	}
	return nil
}

// NumParams counts the elements of all tensors (a tied head counted once).
func (p *Params[F]) NumParams() int64 {
	var n int64
	for _, t := range p.Tensors {
		n += int64(len(t.Data))
	}
	return n
}

// CopyFrom copies the values of q (same config) into p.
func (p *Params[F]) CopyFrom(q *Params[F]) {
	for i, t := range p.Tensors {
		copy(t.Data, q.Tensors[i].Data)
	}
}
