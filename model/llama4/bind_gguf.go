package llama4

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/tensor"
)

// ggufBinder turns llama.cpp tensor names into typed weights.
type ggufBinder struct {
	f    *gguf.File
	cfg  *Config
	used map[string]bool
}

// BindGGUF binds the tensors of a llama4 GGUF file to typed weights,
// checking every name, ggml type and shape against cfg. Matrices alias the
// file's mapping (quantized types stay quantized: ggml's block layouts are
// herd's); routed experts are per-expert slices of the 3-D stacks, which
// ggml stores output-major per expert. Errors name the file and the tensor.
func BindGGUF(f *gguf.File, cfg *Config) (*Weights, error) {
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
	return ggufVec(b.f, name, n)
}

// ggufVec decodes a 1-D F32, F16 or BF16 tensor of n values.
func ggufVec(f *gguf.File, name string, n int) ([]float32, error) {
	if ti, ok := f.Info(name); ok {
		if _, err := ti.DType(); err != nil {
			return nil, err
		}
	}
	t, err := f.Tensor(name)
	if err != nil {
		return nil, err
	}
	if len(t.Dims) != 1 || t.Dims[0] != uint64(n) {
		return nil, fmt.Errorf("tensor %q has ggml dims %v, want [%d]", name, t.Dims, n)
	}
	out := make([]float32, n)
	switch t.DType {
	case tensor.F32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
	case tensor.F16:
		for i := range out {
			out[i] = tensor.F16ToF32(binary.LittleEndian.Uint16(t.Data[2*i:]))
		}
	case tensor.BF16:
		for i := range out {
			out[i] = tensor.BF16ToF32(binary.LittleEndian.Uint16(t.Data[2*i:]))
		}
	default:
		return nil, fmt.Errorf("tensor %q: a vector must be F32, F16 or BF16, not %s", name, t.Type)
	}
	return out, nil
}

func (b *ggufBinder) bind() (*Weights, error) {
	c := b.cfg
	w := &Weights{Layers: make([]LayerWeights, c.Layers)}
	var err error
	if w.Embed, err = b.mat("token_embd.weight", c.VocabSize, c.Hidden); err != nil {
		return nil, err
	}
	if w.Norm, err = b.vec("output_norm.weight", c.Hidden); err != nil {
		return nil, err
	}
	if _, ok := b.f.Info("output.weight"); ok {
		if w.LMHead, err = b.mat("output.weight", c.VocabSize, c.Hidden); err != nil {
			return nil, err
		}
	} else {
		w.LMHead = w.Embed // llama.cpp: no output.weight means tied embeddings
	}
	for l := range w.Layers {
		if err := b.bindLayer(l, &w.Layers[l]); err != nil {
			return nil, err
		}
	}
	for _, ti := range b.f.Tensors() {
		n := ti.Name
		switch {
		case b.used[n], n == "rope_freqs.weight", n == "rope_factors.weight",
			strings.HasPrefix(n, "v."), strings.HasPrefix(n, "mm."): // vision (ollama's single-file layout)
		case strings.HasPrefix(n, "blk.") && strings.HasSuffix(n, ".rope_freqs.weight"):
		default:
			return nil, fmt.Errorf("unexpected tensor %q (%s %v): not part of the llama4 layout the metadata describes", n, ti.Type, ti.Dims)
		}
	}
	return w, nil
}

func (b *ggufBinder) bindLayer(l int, lw *LayerWeights) error {
	c := b.cfg
	p := fmt.Sprintf("blk.%d.", l)
	D, hd := c.Hidden, c.HeadDim
	var err error
	if lw.AttnNorm, err = b.vec(p+"attn_norm.weight", D); err != nil {
		return err
	}
	if lw.FFNNorm, err = b.vec(p+"ffn_norm.weight", D); err != nil {
		return err
	}
	if lw.Q, err = b.mat(p+"attn_q.weight", c.Heads*hd, D); err != nil {
		return err
	}
	if lw.K, err = b.mat(p+"attn_k.weight", c.KVHeads*hd, D); err != nil {
		return err
	}
	if lw.V, err = b.mat(p+"attn_v.weight", c.KVHeads*hd, D); err != nil {
		return err
	}
	if lw.O, err = b.mat(p+"attn_output.weight", D, c.Heads*hd); err != nil {
		return err
	}
	if !c.LayerIsMoE[l] {
		lw.Dense, err = b.mlp(p, "", c.IntermediateMLP)
		return err
	}
	m := &MoE{Experts: make([]MLP, c.Experts)}
	if m.Router, err = b.mat(p+"ffn_gate_inp.weight", c.Experts, D); err != nil {
		return err
	}
	sh, err := b.mlp(p, "_shexp", c.Intermediate)
	if err != nil {
		return err
	}
	m.Shared = *sh
	E, F := c.Experts, c.Intermediate
	var gate, up []*tensor.Mat
	if _, fused := b.f.Info(p + "ffn_gate_up_exps.weight"); fused {
		// ollama's fused stack {D, 2F, E}: per expert, gate rows then up rows.
		gu, err := b.stack(p+"ffn_gate_up_exps.weight", E, 2*F, D)
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
		if gate, err = b.stack(p+"ffn_gate_exps.weight", E, F, D); err != nil {
			return err
		}
		if up, err = b.stack(p+"ffn_up_exps.weight", E, F, D); err != nil {
			return err
		}
	}
	down, err := b.stack(p+"ffn_down_exps.weight", E, D, F)
	if err != nil {
		return err
	}
	for e := range m.Experts {
		m.Experts[e] = MLP{Gate: gate[e], Up: up[e], Down: down[e]}
	}
	lw.MoE = m
	return nil
}

// mlp binds ffn_{gate,up,down}{suffix}.weight of width f.
func (b *ggufBinder) mlp(p, suffix string, f int) (*MLP, error) {
	D := b.cfg.Hidden
	var m MLP
	var err error
	if m.Gate, err = b.mat(p+"ffn_gate"+suffix+".weight", f, D); err != nil {
		return nil, err
	}
	if m.Up, err = b.mat(p+"ffn_up"+suffix+".weight", f, D); err != nil {
		return nil, err
	}
	if m.Down, err = b.mat(p+"ffn_down"+suffix+".weight", D, f); err != nil {
		return nil, err
	}
	return &m, nil
}
