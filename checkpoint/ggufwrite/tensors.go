package ggufwrite

import (
	"encoding/binary"
	"fmt"
	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
	"math"
	"slices"
)

// Tensors lists the model's weights under llama.cpp's llama4 names and
// ggml shapes, in its converter's order: token_embd, rope_freqs (when the
// RoPE is scaled), per layer attn_norm, attn_q/k/v/output, ffn_norm, then
// the MoE router, routed expert stacks {D, F, E} / {F, D, E} and shared
// expert, or the dense ffn; output_norm and output (absent when tied).
// Matrix data is shared with the weights; expert stacks are concatenated.
func Tensors(m *llama4.Model) ([]gguf.WriteTensor, error) {
	c, w := m.Config, m.Weights
	var ts []gguf.WriteTensor
	vec := func(name string, v []float32) {
		b := make([]byte, 4*len(v))
		for i, f := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
		}
		ts = append(ts, gguf.WriteTensor{Name: name, Type: gguf.F32, Dims: []uint64{uint64(len(v))}, Data: b})
	}
	var experts []*tensor.Mat
	err := w.ForEach(c, func(s llama4.Slot, r llama4.Ref) error {
		name := s.GGUFName()
		switch {
		case s.IsVec():
			vec(name, *r.Vec)
		case s.Role == llama4.RoleOutput && w.Tied():
		case s.FFN == llama4.FFNRouted:
			experts = append(experts, *r.Mat)
			if s.Expert < c.Experts-1 {
				return nil
			}
			t, err := ggufStack(name, experts)
			experts = nil
			if err != nil {
				return err
			}
			ts = append(ts, t)
		default:
			t, err := ggufStack(name, []*tensor.Mat{*r.Mat})
			if err != nil {
				return err
			}
			t.Dims = t.Dims[:2]
			ts = append(ts, t)
		}
		if s.Role == llama4.RoleEmbed {
			ggufRopeFreqs(m, vec)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ts, nil
}

// ggufStack is the tensor of ggml dims {cols, rows, len(xs)} holding the
// matrices xs (all of one type and shape) one after another; the data is
// xs[0]'s own for a single matrix.
func ggufStack(name string, xs []*tensor.Mat) (gguf.WriteTensor, error) {
	x0 := xs[0]
	gt, ok := gguf.TypeOf(x0.DType)
	if !ok {
		return gguf.WriteTensor{}, fmt.Errorf("llama4: tensor %s is %s, which GGUF cannot store", name, x0.DType)
	}
	data := x0.Data
	if len(xs) > 1 {
		data = make([]byte, 0, len(xs)*len(x0.Data))
		for e, x := range xs {
			if x.DType != x0.DType || x.Rows != x0.Rows || x.Cols != x0.Cols {
				return gguf.WriteTensor{}, fmt.Errorf("llama4: tensor %s: expert %d is %s [%d, %d], expert 0 is %s [%d, %d]", name, e, x.DType, x.Rows, x.Cols, x0.DType, x0.Rows, x0.Cols)
			}
			data = append(data, x.Data...)
		}
	}
	return gguf.WriteTensor{Name: name, Type: gt, Dims: []uint64{uint64(x0.Cols), uint64(x0.Rows), uint64(len(xs))}, Data: data}, nil
}

// ggufRopeFreqs writes rope_freqs.weight when the RoPE is scaled or its
// frequencies were set directly (a GGUF's rope_freqs).
func ggufRopeFreqs(m *llama4.Model, vec func(string, []float32)) {
	c := m.Config
	if c.RopeScaling != nil {
		vec(llama4.GGUFRopeFreqs, llama4.RopeFreqsGGUF(c.HeadDim, c.RopeTheta, c.RopeScaling))
	} else if base := llama4.InvFreq(c.HeadDim, c.RopeTheta, nil); !slices.Equal(base, m.InvFreq()) {
		d := make([]float32, len(base))
		for i := range d {
			d[i] = float32(float64(base[i]) / float64(m.InvFreq()[i]))
		}
		vec(llama4.GGUFRopeFreqs, d)
	}
}
