package llama4

import "github.com/herd-llm/herd/tensor"

// Weights are the bound, typed weights of the text model. Matrices are
// [out, in] (tensor.Mat convention) and usually alias a memory-mapped file.
type Weights struct {
	Embed  *tensor.Mat // [vocab, D]
	Norm   []float32   // [D]
	LMHead *tensor.Mat // [vocab, D]
	Layers []LayerWeights
}

// LayerWeights are one decoder layer's weights. Exactly one of Dense and MoE
// is set.
type LayerWeights struct {
	AttnNorm []float32   // input_layernorm [D]
	FFNNorm  []float32   // post_attention_layernorm [D]
	Q        *tensor.Mat // [H·d, D]
	K        *tensor.Mat // [Hkv·d, D]
	V        *tensor.Mat // [Hkv·d, D]
	O        *tensor.Mat // [D, H·d]
	Dense    *MLP
	MoE      *MoE
}

// MLP is a SwiGLU block: down(silu(gate·x) ⊙ up·x).
type MLP struct {
	Gate *tensor.Mat // [F, D]
	Up   *tensor.Mat // [F, D]
	Down *tensor.Mat // [D, F]
}

// MoE is a top-k routed mixture of SwiGLU experts plus an always-on shared expert.
type MoE struct {
	Router  *tensor.Mat // [E, D]
	Experts []MLP       // E experts, each [F, D] / [D, F]
	Shared  MLP
}
