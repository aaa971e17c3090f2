package llama4

import (
	"fmt"
	"math"
	"strings"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/tensor"
)

// hfBinder turns Hugging Face tensor names into typed weights.
type hfBinder struct {
	set  *safetensors.Set
	cfg  *Config
	used map[string]bool
}

// BindHF binds the text-model tensors of a Hugging Face checkpoint to typed
// weights, validating every name, dtype and shape against cfg. Errors name the
// tensor (and, through the safetensors layer, the file).
func BindHF(set *safetensors.Set, cfg *Config) (*Weights, error) {
	b := &hfBinder{set: set, cfg: cfg, used: map[string]bool{}}
	return b.bind()
}

func (b *hfBinder) name(s string) string { return b.cfg.Prefix + s }

// mat binds a 2-D tensor [rows, cols] (a Linear weight, [out, in]).
func (b *hfBinder) mat(name string, rows, cols int) (*tensor.Mat, error) {
	t, err := b.set.Tensor(name)
	if err != nil {
		return nil, err
	}
	b.used[name] = true
	dt, err := safetensors.DTypeOf(t.DType)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", name, err)
	}
	if len(t.Shape) != 2 || t.Shape[0] != rows || t.Shape[1] != cols {
		return nil, fmt.Errorf("tensor %s in %s has shape %v, config implies [%d %d]", name, t.File, t.Shape, rows, cols)
	}
	m := &tensor.Mat{DType: dt, Rows: rows, Cols: cols, Data: t.Data}
	if dt == tensor.F8E4M3 {
		if m.Scale, err = b.rowScales(name, rows); err != nil {
			return nil, err
		}
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("tensor %s in %s: %w", name, t.File, err)
	}
	return m, nil
}

// rowScales reads the companion weight_scale of an FP8 weight: [rows, 1] or
// [rows] per-row (compressed-tensors "channel"), or [1] / [] tensor-wise.
func (b *hfBinder) rowScales(weightName string, rows int) ([]float32, error) {
	sname := strings.TrimSuffix(weightName, ".weight") + ".weight_scale"
	if sname == weightName+".weight_scale" && !strings.HasSuffix(weightName, ".weight") {
		sname = weightName + "_scale"
	}
	t, err := b.set.Tensor(sname)
	if err != nil {
		return nil, fmt.Errorf("F8_E4M3 tensor %s needs its scale: %w", weightName, err)
	}
	b.used[sname] = true
	v, err := t.Float32s()
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", sname, err)
	}
	out := make([]float32, rows)
	switch len(v) {
	case rows:
		copy(out, v)
	case 1:
		for i := range out {
			out[i] = v[0]
		}
	default:
		return nil, fmt.Errorf("tensor %s has shape %v: want per-row [%d, 1] or a single scale", sname, t.Shape, rows)
	}
	for i, s := range out {
		if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
			return nil, fmt.Errorf("tensor %s: scale %d is %v", sname, i, s)
		}
	}
	return out, nil
}

// vec binds a 1-D float tensor of length n, decoded to float32.
func (b *hfBinder) vec(name string, n int) ([]float32, error) {
	t, err := b.set.Tensor(name)
	if err != nil {
		return nil, err
	}
	b.used[name] = true
	if len(t.Shape) != 1 || t.Shape[0] != n {
		return nil, fmt.Errorf("tensor %s in %s has shape %v, config implies [%d]", name, t.File, t.Shape, n)
	}
	v, err := t.Float32s()
	if err != nil {
		return nil, fmt.Errorf("tensor %s in %s: %w", name, t.File, err)
	}
	return v, nil
}

func (b *hfBinder) bind() (*Weights, error) {
	c := b.cfg
	w := &Weights{Layers: make([]LayerWeights, c.Layers)}
	var err error
	if w.Embed, err = b.mat(b.name("model.embed_tokens.weight"), c.VocabSize, c.Hidden); err != nil {
		return nil, err
	}
	if w.Norm, err = b.vec(b.name("model.norm.weight"), c.Hidden); err != nil {
		return nil, err
	}
	head := b.name("lm_head.weight")
	switch {
	case b.set.Has(head):
		if w.LMHead, err = b.mat(head, c.VocabSize, c.Hidden); err != nil {
			return nil, err
		}
	case c.TieEmbeddings:
		w.LMHead = w.Embed
	default:
		return nil, fmt.Errorf("tensor %s not found and tie_word_embeddings is false", head)
	}
	for l := range w.Layers {
		if err := b.bindLayer(l, &w.Layers[l]); err != nil {
			return nil, fmt.Errorf("layer %d: %w", l, err)
		}
	}
	if u := b.unused(); len(u) > 0 {
		return nil, fmt.Errorf("unexpected tensor %s (%d tensors not used by the config's layout): checkpoint and config.json disagree", u[0], len(u))
	}
	return w, nil
}

func (b *hfBinder) bindLayer(l int, lw *LayerWeights) error {
	c := b.cfg
	p := b.name(fmt.Sprintf("model.layers.%d.", l))
	D, hd := c.Hidden, c.HeadDim
	var err error
	if lw.AttnNorm, err = b.vec(p+"input_layernorm.weight", D); err != nil {
		return err
	}
	if lw.FFNNorm, err = b.vec(p+"post_attention_layernorm.weight", D); err != nil {
		return err
	}
	if lw.Q, err = b.mat(p+"self_attn.q_proj.weight", c.Heads*hd, D); err != nil {
		return err
	}
	if lw.K, err = b.mat(p+"self_attn.k_proj.weight", c.KVHeads*hd, D); err != nil {
		return err
	}
	if lw.V, err = b.mat(p+"self_attn.v_proj.weight", c.KVHeads*hd, D); err != nil {
		return err
	}
	if lw.O, err = b.mat(p+"self_attn.o_proj.weight", D, c.Heads*hd); err != nil {
		return err
	}
	ff := p + "feed_forward."
	if !c.LayerIsMoE[l] {
		lw.Dense, err = b.mlp(ff, c.IntermediateMLP)
		return err
	}
	m := &MoE{}
	if m.Router, err = b.mat(ff+"router.weight", c.Experts, D); err != nil {
		return err
	}
	sh, err := b.mlp(ff+"shared_expert.", c.Intermediate)
	if err != nil {
		return err
	}
	m.Shared = *sh
	if m.Experts, err = b.experts(ff + "experts."); err != nil {
		return err
	}
	lw.MoE = m
	return nil
}

func (b *hfBinder) mlp(p string, f int) (*MLP, error) {
	D := b.cfg.Hidden
	var m MLP
	var err error
	if m.Gate, err = b.mat(p+"gate_proj.weight", f, D); err != nil {
		return nil, err
	}
	if m.Up, err = b.mat(p+"up_proj.weight", f, D); err != nil {
		return nil, err
	}
	if m.Down, err = b.mat(p+"down_proj.weight", D, f); err != nil {
		return nil, err
	}
	return &m, nil
}

// experts binds the routed experts in either form a checkpoint uses: the fused
// input-major stacks gate_up_proj [E, D, 2F] and down_proj [E, F, D] (no
// ".weight" suffix, spec §3.1), or per-expert Linear weights
// experts.{e}.{gate,up,down}_proj.weight as in the FP8 checkpoint (§3.2).
func (b *hfBinder) experts(p string) ([]MLP, error) {
	c := b.cfg
	E, D, F := c.Experts, c.Hidden, c.Intermediate
	out := make([]MLP, E)
	if !b.set.Has(p+"gate_up_proj") && b.set.Has(p+"0.gate_proj.weight") {
		for e := range out {
			m, err := b.mlp(fmt.Sprintf("%s%d.", p, e), F)
			if err != nil {
				return nil, err
			}
			out[e] = *m
		}
		return out, nil
	}
	gu, err := b.stack(p+"gate_up_proj", E, D, 2*F)
	if err != nil {
		return nil, err
	}
	dn, err := b.stack(p+"down_proj", E, F, D)
	if err != nil {
		return nil, err
	}
	for e := range out {
		// gate_up[e] is [D, 2F] input-major: columns [0,F) gate, [F,2F) up.
		out[e].Gate = transposeBlock(gu, e, D, 2*F, 0, F)
		out[e].Up = transposeBlock(gu, e, D, 2*F, F, F)
		out[e].Down = transposeBlock(dn, e, F, D, 0, D)
	}
	// The stacks now live on in the transposed copies: let their mapped
	// pages go, so the process holds these weights once, not twice.
	for _, n := range []string{p + "gate_up_proj", p + "down_proj"} {
		if err := b.set.DontNeed(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// stack3 is a bound 3-D tensor [E, rows, cols] with its element type.
type stack3 struct {
	dt   tensor.DType
	data []byte
}

func (b *hfBinder) stack(name string, e, rows, cols int) (*stack3, error) {
	t, err := b.set.Tensor(name)
	if err != nil {
		return nil, err
	}
	b.used[name] = true
	dt, err := safetensors.DTypeOf(t.DType)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", name, err)
	}
	if dt == tensor.F8E4M3 {
		return nil, fmt.Errorf("tensor %s: fused F8_E4M3 expert stacks are not supported (per-expert FP8 weights are)", name)
	}
	if len(t.Shape) != 3 || t.Shape[0] != e || t.Shape[1] != rows || t.Shape[2] != cols {
		return nil, fmt.Errorf("tensor %s in %s has shape %v, config implies [%d %d %d]", name, t.File, t.Shape, e, rows, cols)
	}
	if len(t.Data) != e*rows*cols*dt.Size() {
		return nil, fmt.Errorf("tensor %s in %s: %d bytes for shape %v", name, t.File, len(t.Data), t.Shape)
	}
	return &stack3{dt: dt, data: t.Data}, nil
}

// transposeBlock copies columns [c0, c0+n) of expert e's input-major [rows,
// cols] block into a new [n, rows] row-major (output-major) matrix of the same
// dtype, so that every weight the kernels see is [out, in].
//
// TODO(kernels issue): an input-major matmul kernel would let these stay
// memory-mapped instead of copied.
func transposeBlock(s *stack3, e, rows, cols, c0, n int) *tensor.Mat {
	es := s.dt.Size()
	base := e * rows * cols * es
	out := make([]byte, n*rows*es)
	for r := 0; r < rows; r++ {
		src := s.data[base+r*cols*es:]
		for j := 0; j < n; j++ {
			copy(out[(j*rows+r)*es:(j*rows+r+1)*es], src[(c0+j)*es:(c0+j+1)*es])
		}
	}
	return &tensor.Mat{DType: s.dt, Rows: n, Cols: rows, Data: out}
}

// unused lists tensors of the text model the binder did not consume
// (vision tensors are ignored), to catch misnamed checkpoints.
func (b *hfBinder) unused() []string {
	var out []string
	for _, n := range b.set.Names() {
		if b.used[n] || !strings.HasPrefix(n, b.cfg.Prefix) {
			continue
		}
		if b.cfg.Prefix == "" && (strings.HasPrefix(n, "vision_model.") || strings.HasPrefix(n, "multi_modal_projector.")) {
			continue
		}
		out = append(out, n)
	}
	return out
}
