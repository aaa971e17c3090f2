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
	D, V := cfg.Hidden, cfg.VocabSize
	hd, kd := cfg.Heads*cfg.HeadDim, cfg.KVHeads*cfg.HeadDim
	add := func(name string, shape ...int) *Tensor[F] {
		t := &Tensor[F]{Name: cfg.Prefix + name, Shape: shape, Data: make([]F, numel(shape))}
		p.Tensors = append(p.Tensors, t)
		return t
	}
	p.Embed = add("model.embed_tokens.weight", V, D)
	p.Norm = add("model.norm.weight", D)
	if cfg.TieEmbeddings {
		p.LMHead = p.Embed
	} else {
		p.LMHead = add("lm_head.weight", V, D)
	}
	for l := range p.Layers {
		L := &p.Layers[l]
		pre := fmt.Sprintf("model.layers.%d.", l)
		L.AttnNorm = add(pre+"input_layernorm.weight", D)
		L.FFNNorm = add(pre+"post_attention_layernorm.weight", D)
		L.Q = add(pre+"self_attn.q_proj.weight", hd, D)
		L.K = add(pre+"self_attn.k_proj.weight", kd, D)
		L.V = add(pre+"self_attn.v_proj.weight", kd, D)
		L.O = add(pre+"self_attn.o_proj.weight", D, hd)
		ff := pre + "feed_forward."
		if !cfg.LayerIsMoE[l] {
			Fm := cfg.IntermediateMLP
			L.Gate = add(ff+"gate_proj.weight", Fm, D)
			L.Up = add(ff+"up_proj.weight", Fm, D)
			L.Down = add(ff+"down_proj.weight", D, Fm)
			continue
		}
		E, Fe := cfg.Experts, cfg.Intermediate
		L.Router = add(ff+"router.weight", E, D)
		L.SharedGate = add(ff+"shared_expert.gate_proj.weight", Fe, D)
		L.SharedUp = add(ff+"shared_expert.up_proj.weight", Fe, D)
		L.SharedDown = add(ff+"shared_expert.down_proj.weight", D, Fe)
		L.ExpertsGateUp = add(ff+"experts.gate_up_proj", E, D, 2*Fe)
		L.ExpertsDown = add(ff+"experts.down_proj", E, Fe, D)
	}
	sort.Slice(p.Tensors, func(i, j int) bool { return p.Tensors[i].Name < p.Tensors[j].Name })
	return p, nil
}

// checkTrainable rejects configurations the trainer does not implement.
func checkTrainable(cfg *llama4.Config) error {
	if cfg.Hidden <= 0 || cfg.Layers <= 0 || cfg.VocabSize <= 0 {
		return fmt.Errorf("train: config has no text model")
	}
	if len(cfg.LayerUsesRoPE) != cfg.Layers || len(cfg.LayerIsMoE) != cfg.Layers {
		return fmt.Errorf("train: config's per-layer lists are not filled in (use llama4.ParseConfig)")
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
