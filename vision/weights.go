package vision

import "github.com/herd-llm/herd/tensor"

// Weights are the bound weights of the vision tower, its adapter and the
// multimodal projector. Matrices are [out, in] (tensor.Mat convention) and
// usually alias a memory-mapped checkpoint; vectors are float32.
type Weights struct {
	PatchEmbed   *tensor.Mat // patch_embedding.linear [Hidden, PatchDim], no bias
	Class        []float32   // class_embedding [Hidden]
	Pos          []float32   // positional_embedding_vlm [Patches+1, Hidden]
	PreW, PreB   []float32   // layernorm_pre [Hidden]
	PostW, PostB []float32   // layernorm_post [Hidden]
	Layers       []Layer
	AdapterFC1   *tensor.Mat // vision_adapter.mlp.fc1 [AdapterDim, ShuffledDim], no bias
	AdapterFC2   *tensor.Mat // vision_adapter.mlp.fc2 [OutputDim, AdapterDim], no bias
	Projector    *tensor.Mat // multi_modal_projector.linear_1 [TextHidden, OutputDim]
	ProjectorB   []float32   // its bias [TextHidden], nil when the config has none
}

// Layer is one pre-norm encoder layer.
type Layer struct {
	LN1W, LN1B []float32   // input_layernorm [Hidden]
	Q, K, V, O *tensor.Mat // self_attn.{q,k,v,o}_proj [Hidden, Hidden]
	QB, KB     []float32   // their biases [Hidden]
	VB, OB     []float32
	LN2W, LN2B []float32   // post_attention_layernorm [Hidden]
	FC1        *tensor.Mat // mlp.fc1 [Intermediate, Hidden]
	FC1B       []float32   // [Intermediate]
	FC2        *tensor.Mat // mlp.fc2 [Hidden, Intermediate]
	FC2B       []float32   // [Hidden]
}

// Mats returns pointers to every weight matrix, so a caller can convert them
// (quantize) in place.
func (w *Weights) Mats() []**tensor.Mat {
	out := []**tensor.Mat{&w.PatchEmbed, &w.AdapterFC1, &w.AdapterFC2, &w.Projector}
	for i := range w.Layers {
		l := &w.Layers[i]
		out = append(out, &l.Q, &l.K, &l.V, &l.O, &l.FC1, &l.FC2)
	}
	return out
}

// Bytes is the memory the weights take.
func (w *Weights) Bytes() int64 {
	var n int64
	seen := map[*tensor.Mat]bool{}
	for _, p := range w.Mats() {
		if m := *p; m != nil && !seen[m] {
			seen[m] = true
			n += int64(len(m.Data)) + 4*int64(len(m.Scale))
		}
	}
	vec := len(w.Class) + len(w.Pos) + len(w.PreW) + len(w.PreB) + len(w.PostW) + len(w.PostB) + len(w.ProjectorB)
	for _, l := range w.Layers {
		vec += len(l.LN1W) + len(l.LN1B) + len(l.QB) + len(l.KB) + len(l.VB) + len(l.OB) + len(l.LN2W) + len(l.LN2B) + len(l.FC1B) + len(l.FC2B)
	}
	return n + 4*int64(vec)
}
