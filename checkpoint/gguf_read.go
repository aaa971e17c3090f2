package checkpoint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// ggufBinder turns llama.cpp tensor names into typed weights.
type ggufBinder struct {
	f    *gguf.File
	cfg  *llama4.Config
	used map[string]bool
}

// BindGGUF binds the tensors of a llama4 GGUF file to typed weights,
// checking every name, ggml type and shape against cfg. Matrices alias the
// file's mapping (quantized types stay quantized: ggml's block layouts are
// herd's); routed experts are per-expert slices of the 3-D stacks, which
// ggml stores output-major per expert. Errors name the file and the tensor.
func BindGGUF(f *gguf.File, cfg *llama4.Config) (*llama4.Weights, error) {
	b := &ggufBinder{f: f, cfg: cfg, used: map[string]bool{}}
	w, err := b.bind()
	if err != nil {
		return nil, fmt.Errorf("llama4: %s: %w", f.Path, err)
	}
	return w, nil
}

// info returns a tensor's info, checking its ggml dims (fastest first).
func (b *ggufBinder) info(name string, dims ...int) (gguf.TensorInfo, error) {
	ti, ok := b.f.Info(name)
	if !ok {
		return ti, fmt.Errorf("tensor %q not found", name)
	}
	want := make([]uint64, len(dims))
	for i, d := range dims {
		want[i] = uint64(d)
	}
	if !slices.Equal(ti.Dims, want) {
		return ti, fmt.Errorf("tensor %q has ggml dims %v, the metadata implies %v", name, ti.Dims, want)
	}
	b.used[name] = true
	return ti, nil
}

// data returns a tensor's bytes and herd dtype (errors name unsupported types).
func (b *ggufBinder) data(name string) (*gguf.Tensor, error) {
	ti, _ := b.f.Info(name)
	if _, err := ti.DType(); err != nil {
		return nil, err
	}
	t, err := b.f.Tensor(name)
	if err != nil {
		return nil, err
	}
	if t.DType.Quantized() {
		return t, nil
	}
	switch t.DType {
	case tensor.F32, tensor.F16, tensor.BF16:
		return t, nil
	}
	return nil, fmt.Errorf("tensor %q: type %s cannot hold weights", name, t.Type)
}

// mat binds a 2-D tensor of ggml dims {cols, rows}: a [rows, cols] matrix.
func (b *ggufBinder) mat(name string, rows, cols int) (*tensor.Mat, error) {
	if _, err := b.info(name, cols, rows); err != nil {
		return nil, err
	}
	t, err := b.data(name)
	if err != nil {
		return nil, err
	}
	m := &tensor.Mat{DType: t.DType, Rows: rows, Cols: cols, Data: t.Data}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	return m, nil
}

// stack binds a 3-D tensor of ggml dims {cols, rows, E}: E matrices [rows,
// cols], each a contiguous slice of the data.
func (b *ggufBinder) stack(name string, e, rows, cols int) ([]*tensor.Mat, error) {
	if _, err := b.info(name, cols, rows, e); err != nil {
		return nil, err
	}
	t, err := b.data(name)
	if err != nil {
		return nil, err
	}
	rb, err := t.DType.RowBytes(cols)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	per := rows * rb
	if len(t.Data) != e*per {
		return nil, fmt.Errorf("tensor %q: %d bytes for %d experts of [%d, %d] %s", name, len(t.Data), e, rows, cols, t.DType)
	}
	out := make([]*tensor.Mat, e)
	for i := range out {
		out[i] = &tensor.Mat{DType: t.DType, Rows: rows, Cols: cols, Data: t.Data[i*per : (i+1)*per : (i+1)*per]}
	}
	return out, nil
}

// vec binds a 1-D tensor of n values, decoded to float32.
func (b *ggufBinder) vec(name string, n int) ([]float32, error) {
	if _, err := b.info(name, n); err != nil {
		return nil, err
	}
	return b.f.Vec(name, n)
}

func (b *ggufBinder) bind() (*llama4.Weights, error) {
	c := b.cfg
	w := llama4.NewWeights(c)
	err := w.ForEach(c, func(s llama4.Slot, r llama4.Ref) error {
		name := s.GGUFName()
		var err error
		switch {
		case s.Role == llama4.RoleOutput:
			if _, ok := b.f.Info(name); !ok {
				w.LMHead = w.Embed // llama.cpp: no output.weight means tied embeddings
				return nil
			}
			*r.Mat, err = b.mat(name, s.Rows, s.Cols)
		case s.IsVec():
			*r.Vec, err = b.vec(name, s.Rows)
		case s.FFN == llama4.FFNRouted:
			if s.Expert == 0 && s.Role == llama4.RoleGate {
				err = b.experts(s, w.Layers[s.Layer].MoE.Experts)
			}
		default:
			*r.Mat, err = b.mat(name, s.Rows, s.Cols)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, ti := range b.f.Tensors() {
		n := ti.Name
		switch {
		case b.used[n], n == llama4.GGUFRopeFreqs, n == llama4.GGUFRopeFactors, llama4.IsGGUFVision(n):
		case strings.HasPrefix(n, "blk.") && strings.HasSuffix(n, "."+llama4.GGUFRopeFreqs):
		default:
			return nil, fmt.Errorf("unexpected tensor %q (%s %v): not part of the llama4 layout the metadata describes", n, ti.Type, ti.Dims)
		}
	}
	return w, nil
}

// experts binds a layer's routed experts from its 3-D stacks, given the slot
// of expert 0's gate: ffn_{gate,up,down}_exps.weight, or ollama's fused
// ffn_gate_up_exps.weight {D, 2F, E} (per expert, gate rows then up rows)
// with ffn_down_exps.weight.
func (b *ggufBinder) experts(s0 llama4.Slot, out []llama4.MLP) error {
	E, F, D := len(out), s0.Rows, s0.Cols
	up0, down0 := s0, s0
	up0.Role, down0.Role = llama4.RoleUp, llama4.RoleDown
	var gate, up []*tensor.Mat
	if _, fused := b.f.Info(s0.GGUFFusedName()); fused {
		gu, err := b.stack(s0.GGUFFusedName(), E, 2*F, D)
		if err != nil {
			return err
		}
		gate, up = make([]*tensor.Mat, E), make([]*tensor.Mat, E)
		for e, x := range gu {
			half := len(x.Data) / 2
			gate[e] = &tensor.Mat{DType: x.DType, Rows: F, Cols: D, Data: x.Data[:half:half]}
			up[e] = &tensor.Mat{DType: x.DType, Rows: F, Cols: D, Data: x.Data[half:]}
		}
	} else {
		var err error
		if gate, err = b.stack(s0.GGUFName(), E, F, D); err != nil {
			return err
		}
		if up, err = b.stack(up0.GGUFName(), E, F, D); err != nil {
			return err
		}
	}
	down, err := b.stack(down0.GGUFName(), E, D, F)
	if err != nil {
		return err
	}
	for e := range out {
		out[e] = llama4.MLP{Gate: gate[e], Up: up[e], Down: down[e]}
	}
	return nil
}
