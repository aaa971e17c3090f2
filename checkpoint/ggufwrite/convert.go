package ggufwrite

import (
	"fmt"
	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// Convert converts the model's weights in place to what a GGUF of file
// type typ holds, as llama.cpp's converter and llama-quantize lay them out:
//   - f32, f16, bf16: every weight matrix in that type, except the MoE
//     routers (ffn_gate_inp), which llama.cpp keeps in F32;
//   - q8_0, q4_0, q4_k, q6_k: exactly Quantize(m, typ) (the same matrices,
//     the same quantizer, byte for byte what `--quant` gives), with the
//     routers in F32;
//   - q4_k_m: llama-quantize's Q4_K_M mixture (llama-quant.cpp): Q4_K
//     everywhere except output.weight (Q6_K), and attn_v and every ffn_down*
//     (dense, shared and routed) of the layers where use_more_bits(i, n) —
//     i < n/8, i >= 7n/8 or (i - n/8) % 3 == 2 — which get Q6_K. A matrix
//     whose rows are not a multiple of 256 falls back to Q8_0 (llama.cpp
//     falls back to Q5_0 for Q4_K, a type herd does not have; Llama 4's real
//     shapes never need the fallback).
//
// Norms stay F32.
func Convert(m *llama4.Model, typ FileType) (*Report, error) {
	return convert(m, typ, nil)
}

// convert is Convert reporting its conversion to prog as the step
// "convert".
func convert(m *llama4.Model, typ FileType, prog checkpoint.Progress) (*Report, error) {
	rep := &Report{Type: typ, ByType: map[string]int{}}
	w := m.Weights
	tied := w.LMHead == w.Embed
	var jobs []checkpoint.ConvertJob
	add := func(p **tensor.Mat, t tensor.DType) { jobs = append(jobs, checkpoint.ConvertJob{P: p, DType: t}) }
	// mats adds a job for every matrix for which rule says ok.
	// (F32 is DType 0, so ok, not a zero type, says "convert".)
	mats := func(rule func(s llama4.Slot) (t tensor.DType, ok bool)) {
		w.ForEachMat(m.Config, func(s llama4.Slot, p **tensor.Mat) error {
			if t, ok := rule(s); ok {
				add(p, t)
			}
			return nil
		})
	}
	routers := func(t tensor.DType) {
		mats(func(s llama4.Slot) (tensor.DType, bool) { return t, s.Role == llama4.RoleRouter })
	}
	all := func(t tensor.DType) { mats(func(llama4.Slot) (tensor.DType, bool) { return t, true }) }
	switch typ {
	case FileF32:
		all(tensor.F32)
	case FileF16:
		all(tensor.F16)
		routers(tensor.F32)
	case FileBF16:
		all(tensor.BF16)
		routers(tensor.F32)
	case FileQ8_0, FileQ4_0, FileQ4K, FileQ6K:
		if _, err := checkpoint.QuantizeProgress(m, fileTypes[typ].scheme, prog); err != nil {
			return nil, err
		}
		routers(tensor.F32)
	case FileQ4KM:
		n := len(w.Layers)
		more := func(i int) bool { return i < n/8 || i >= 7*n/8 || (i-n/8)%3 == 2 }
		mats(func(s llama4.Slot) (tensor.DType, bool) {
			switch {
			case s.Role == llama4.RoleRouter:
				return tensor.F32, true
			// A tied token_embd is quantized with the output's rule, as llama.cpp does.
			case s.Role == llama4.RoleOutput || (s.Role == llama4.RoleEmbed && tied):
				return tensor.Q6K, true
			case (s.Role == llama4.RoleV || s.Role == llama4.RoleDown) && more(s.Layer):
				return tensor.Q6K, true
			}
			return tensor.Q4K, true
		})
	default:
		return nil, fmt.Errorf("ggufwrite: unknown GGUF %s", typ)
	}
	// Later jobs for the same matrix (the routers) override earlier ones.
	last := map[**tensor.Mat]int{}
	for i, j := range jobs {
		last[j.P] = i
	}
	var uniq []checkpoint.ConvertJob
	for i, j := range jobs {
		if last[j.P] == i {
			uniq = append(uniq, j)
		}
	}
	if fileTypes[typ].scheme != checkpoint.SchemeNone {
		// quantize was the long step; what is left (the routers) is small.
		prog = nil
	}
	if err := checkpoint.ConvertMats(uniq, prog); err != nil {
		return nil, err
	}
	if tied {
		w.LMHead = w.Embed
	}
	// Anything GGUF cannot store (FP8 a quantization left behind) becomes F32.
	var rest []checkpoint.ConvertJob
	w.ForEachMat(m.Config, func(_ llama4.Slot, p **tensor.Mat) error {
		if _, ok := gguf.TypeOf((*p).DType); !ok {
			rest = append(rest, checkpoint.ConvertJob{P: p, DType: tensor.F32})
		}
		return nil
	})
	if err := checkpoint.ConvertMats(rest, nil); err != nil {
		return nil, err
	}
	if tied {
		w.LMHead = w.Embed
	}
	return rep, nil
}
