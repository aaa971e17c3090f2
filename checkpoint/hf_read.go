package checkpoint

import (
	"fmt"
	"math"
	"strings"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// LoadHF loads a Hugging Face model directory (config.json plus single-file
// or sharded safetensors). Weights stay memory-mapped; call Close to unmap.
func LoadHF(dir string) (*llama4.Model, error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	lim, err := activeLimits()
	if err != nil {
		return nil, err
	}
	set, err := safetensors.OpenDirLimits(dir, lim.safetensors())
	if err != nil {
		return nil, fmt.Errorf("llama4: %w", hint(err))
	}
	w, err := BindHF(set, cfg)
	if err != nil {
		set.Close()
		return nil, fmt.Errorf("llama4: %s: %w", dir, err)
	}
	m := llama4.New(cfg, w)
	m.SetSource(set)
	return m, nil
}

// hfBinder turns Hugging Face tensor names into typed weights.
type hfBinder struct {
	set  *safetensors.Set
	cfg  *llama4.Config
	used map[string]bool
	// dry checks every tensor's header entry without copying weights: fused
	// expert stacks are not transposed (Inspect uses it).
	dry bool
}

// BindHF binds the text-model tensors of a Hugging Face checkpoint to typed
// weights, validating every name, dtype and shape against cfg. Errors name the
// tensor (and, through the safetensors layer, the file).
func BindHF(set *safetensors.Set, cfg *llama4.Config) (*llama4.Weights, error) {
	b := &hfBinder{set: set, cfg: cfg, used: map[string]bool{}}
	return b.bind()
}

func (b *hfBinder) name(s string) string { return b.cfg.Prefix + s }

// tensor returns the named tensor and its dtype, marking it used.
func (b *hfBinder) tensor(name string) (*safetensors.Tensor, tensor.DType, error) {
	t, err := b.set.Tensor(name)
	if err != nil {
		return nil, 0, err
	}
	b.used[name] = true
	dt, err := safetensors.DTypeOf(t.DType)
	if err != nil {
		return nil, 0, fmt.Errorf("tensor %s: %w", name, err)
	}
	return t, dt, nil
}

// mat binds a 2-D tensor [rows, cols] (a Linear weight, [out, in]).
func (b *hfBinder) mat(name string, rows, cols int) (*tensor.Mat, error) {
	t, dt, err := b.tensor(name)
	if err != nil {
		return nil, err
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

func (b *hfBinder) bind() (*llama4.Weights, error) {
	c := b.cfg
	w := llama4.NewWeights(c)
	err := w.ForEach(c, func(s llama4.Slot, r llama4.Ref) error {
		name := b.name(s.HFName())
		var err error
		switch {
		case s.Role == llama4.RoleOutput && !b.set.Has(name):
			if !c.TieEmbeddings {
				return fmt.Errorf("tensor %s not found and tie_word_embeddings is false", name)
			}
			w.LMHead = w.Embed
		case s.IsVec():
			*r.Vec, err = b.vec(name, s.Rows)
		case s.FFN == llama4.FFNRouted && !b.perExpert(s):
			if s.Expert == 0 && s.Role == llama4.RoleGate {
				err = b.fusedExperts(s, w.Layers[s.Layer].MoE.Experts)
			}
		default:
			*r.Mat, err = b.mat(name, s.Rows, s.Cols)
		}
		if err != nil && s.Layer >= 0 {
			return fmt.Errorf("layer %d: %w", s.Layer, err)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if u := b.unused(); len(u) > 0 {
		return nil, fmt.Errorf("unexpected tensor %s (%d tensors not used by the config's layout): checkpoint and config.json disagree", u[0], len(u))
	}
	return w, nil
}

// perExpert reports whether the routed experts of s's layer are stored as
// per-expert Linear weights rather than fused stacks.
func (b *hfBinder) perExpert(s llama4.Slot) bool {
	s.Role, s.Expert = llama4.RoleGate, 0
	return !b.set.Has(b.name(s.HFStackName())) && b.set.Has(b.name(s.HFName()))
}

// fusedExperts binds a layer's routed experts from the fused input-major
// stacks gate_up_proj [E, D, 2F] and down_proj [E, F, D] (no ".weight"
// suffix, spec §3.1), given the slot of expert 0's gate. (The per-expert
// Linear form of the FP8 checkpoints, §3.2, binds slot by slot.)
func (b *hfBinder) fusedExperts(s0 llama4.Slot, out []llama4.MLP) error {
	E, D, F := len(out), s0.Cols, s0.Rows
	guName := b.name(s0.HFStackName())
	dnName := b.name(llama4.Slot{Role: llama4.RoleDown, Layer: s0.Layer}.HFStackName())
	gu, err := b.stack(guName, E, D, 2*F)
	if err != nil {
		return err
	}
	dn, err := b.stack(dnName, E, F, D)
	if err != nil {
		return err
	}
	if b.dry {
		return nil
	}
	for e := range out {
		// gate_up[e] is [D, 2F] input-major: columns [0,F) gate, [F,2F) up.
		out[e].Gate = transposeBlock(gu, e, D, 2*F, 0, F)
		out[e].Up = transposeBlock(gu, e, D, 2*F, F, F)
		out[e].Down = transposeBlock(dn, e, F, D, 0, D)
	}
	// The stacks now live on in the transposed copies: let their mapped
	// pages go, so the process holds these weights once, not twice.
	for _, n := range []string{guName, dnName} {
		if err := b.set.DontNeed(n); err != nil {
			return err
		}
	}
	return nil
}

// stack3 is a bound 3-D tensor [E, rows, cols] with its element type.
type stack3 struct {
	dt   tensor.DType
	data []byte
}

func (b *hfBinder) stack(name string, e, rows, cols int) (*stack3, error) {
	t, dt, err := b.tensor(name)
	if err != nil {
		return nil, err
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
		if b.cfg.Prefix == "" && llama4.IsHFVision(n) {
			continue
		}
		out = append(out, n)
	}
	return out
}
