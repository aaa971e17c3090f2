package vision

import (
	"fmt"
	"sort"
	"strings"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/tensor"
)

// Tensor-name prefixes of the vision part of a Hugging Face
// Llama4ForConditionalGeneration checkpoint.
const (
	TowerPrefix     = "vision_model."
	ProjectorPrefix = "multi_modal_projector."
)

// HasVision reports whether a checkpoint holds vision tensors.
func HasVision(set *safetensors.Set) bool {
	return set.Has(TowerPrefix+"patch_embedding.linear.weight") || set.Has(ProjectorPrefix+"linear_1.weight")
}

type binder struct {
	set  *safetensors.Set
	used map[string]bool
}

// Bind binds the vision tensors (vision_model.*, multi_modal_projector.*) of
// a checkpoint, checking each name, dtype and shape against cfg. Errors name
// the tensor and its file; a vision tensor the layout does not use is an
// error too (the checkpoint and config disagree).
func Bind(set *safetensors.Set, cfg Config) (*Weights, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b := &binder{set: set, used: map[string]bool{}}
	D, P := cfg.Hidden, cfg.Patches()
	w := &Weights{Layers: make([]Layer, cfg.Layers)}
	t := TowerPrefix
	var errs []error
	mat := func(dst **tensor.Mat, name string, rows, cols int) {
		var err error
		if *dst, err = b.mat(name, rows, cols); err != nil {
			errs = append(errs, err)
		}
	}
	vec := func(dst *[]float32, name string, shape ...int) {
		var err error
		if *dst, err = b.vec(name, shape...); err != nil {
			errs = append(errs, err)
		}
	}
	mat(&w.PatchEmbed, t+"patch_embedding.linear.weight", D, cfg.PatchDim())
	vec(&w.Class, t+"class_embedding", D)
	vec(&w.Pos, t+"positional_embedding_vlm", P+1, D)
	vec(&w.PreW, t+"layernorm_pre.weight", D)
	vec(&w.PreB, t+"layernorm_pre.bias", D)
	vec(&w.PostW, t+"layernorm_post.weight", D)
	vec(&w.PostB, t+"layernorm_post.bias", D)
	for i := range w.Layers {
		l := &w.Layers[i]
		p := fmt.Sprintf("%smodel.layers.%d.", t, i)
		vec(&l.LN1W, p+"input_layernorm.weight", D)
		vec(&l.LN1B, p+"input_layernorm.bias", D)
		vec(&l.LN2W, p+"post_attention_layernorm.weight", D)
		vec(&l.LN2B, p+"post_attention_layernorm.bias", D)
		for _, x := range []struct {
			m **tensor.Mat
			b *[]float32
			n string
		}{{&l.Q, &l.QB, "q_proj"}, {&l.K, &l.KB, "k_proj"}, {&l.V, &l.VB, "v_proj"}, {&l.O, &l.OB, "o_proj"}} {
			mat(x.m, p+"self_attn."+x.n+".weight", D, D)
			vec(x.b, p+"self_attn."+x.n+".bias", D)
		}
		mat(&l.FC1, p+"mlp.fc1.weight", cfg.Intermediate, D)
		vec(&l.FC1B, p+"mlp.fc1.bias", cfg.Intermediate)
		mat(&l.FC2, p+"mlp.fc2.weight", D, cfg.Intermediate)
		vec(&l.FC2B, p+"mlp.fc2.bias", D)
		if len(errs) > 0 {
			break
		}
	}
	mat(&w.AdapterFC1, t+"vision_adapter.mlp.fc1.weight", cfg.AdapterDim, cfg.ShuffledDim())
	mat(&w.AdapterFC2, t+"vision_adapter.mlp.fc2.weight", cfg.OutputDim, cfg.AdapterDim)
	mat(&w.Projector, ProjectorPrefix+"linear_1.weight", cfg.TextHidden, cfg.OutputDim)
	if cfg.ProjectorBias {
		vec(&w.ProjectorB, ProjectorPrefix+"linear_1.bias", cfg.TextHidden)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("vision: %w", errs[0])
	}
	var unused []string
	for _, n := range set.Names() {
		if (strings.HasPrefix(n, TowerPrefix) || strings.HasPrefix(n, ProjectorPrefix)) && !b.used[n] {
			unused = append(unused, n)
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		return nil, fmt.Errorf("vision: unexpected tensor %s (%d vision tensors not used by the config's layout): checkpoint and config.json disagree", unused[0], len(unused))
	}
	return w, nil
}

// mat binds a 2-D weight [rows, cols] without copying it.
func (b *binder) mat(name string, rows, cols int) (*tensor.Mat, error) {
	t, err := b.set.Tensor(name)
	if err != nil {
		return nil, err
	}
	b.used[name] = true
	if len(t.Shape) != 2 || t.Shape[0] != rows || t.Shape[1] != cols {
		return nil, fmt.Errorf("tensor %s in %s has shape %v, config implies [%d %d]", name, t.File, t.Shape, rows, cols)
	}
	dt, err := safetensors.DTypeOf(t.DType)
	if err != nil {
		return nil, fmt.Errorf("tensor %s in %s: %w", name, t.File, err)
	}
	if dt == tensor.F8E4M3 {
		return nil, fmt.Errorf("tensor %s in %s: F8_E4M3 vision weights are not supported (released FP8 checkpoints keep the vision tower in bf16)", name, t.File)
	}
	m := &tensor.Mat{DType: dt, Rows: rows, Cols: cols, Data: t.Data}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("tensor %s in %s: %w", name, t.File, err)
	}
	return m, nil
}

// vec binds a float tensor of the given shape, decoded to float32.
func (b *binder) vec(name string, shape ...int) ([]float32, error) {
	t, err := b.set.Tensor(name)
	if err != nil {
		return nil, err
	}
	b.used[name] = true
	ok := len(t.Shape) == len(shape)
	for i := 0; ok && i < len(shape); i++ {
		ok = t.Shape[i] == shape[i]
	}
	if !ok {
		return nil, fmt.Errorf("tensor %s in %s has shape %v, config implies %v", name, t.File, t.Shape, shape)
	}
	v, err := t.Float32s()
	if err != nil {
		return nil, fmt.Errorf("tensor %s in %s: %w", name, t.File, err)
	}
	return v, nil
}
