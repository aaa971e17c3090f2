package checkpoint

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// SaveHF writes the model as a Hugging Face Llama4ForCausalLM directory
// (config.json, by WriteConfigJSON, + model.safetensors, each written
// atomically) that LoadHF, transformers and other
// engines load. Weights keep their dtype; routed experts are re-fused into
// the input-major gate_up_proj / down_proj stacks. FP8 weights are not
// supported here.
func SaveHF(m *llama4.Model, dir string) error { return SaveHFProgress(m, dir, nil) }

// SaveHFProgress is SaveHF reporting the bytes of model.safetensors
// written to prog (nil: none) as the step "write".
func SaveHFProgress(m *llama4.Model, dir string, prog Progress) error {
	c, w := m.Config, m.Weights
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("llama4: %w", err)
	}
	var ts []safetensors.WriteTensor
	err := w.ForEach(c, func(s llama4.Slot, r llama4.Ref) error {
		name := s.HFName()
		switch {
		case s.IsVec():
			v := *r.Vec
			ts = append(ts, safetensors.WriteTensor{Name: name, DType: "F32", Shape: []int{len(v)}, Data: tensor.NewF32Mat(1, len(v), v).Data})
		case s.Role == llama4.RoleOutput && w.Tied():
		case s.FFN == llama4.FFNRouted:
			if s.Role != llama4.RoleDown || s.Expert != c.Experts-1 {
				return nil // the layer's experts are written as two stacks after the last
			}
			gu, dn, err := fuseExperts(w.Layers[s.Layer].MoE.Experts)
			if err != nil {
				return fmt.Errorf("llama4: layer %d: %w", s.Layer, err)
			}
			gate := s
			gate.Role = llama4.RoleGate
			gu.Name, dn.Name = gate.HFStackName(), s.HFStackName()
			ts = append(ts, gu, dn)
		default:
			x := *r.Mat
			if x.DType == tensor.F8E4M3 {
				return fmt.Errorf("llama4: SaveHF: %s is FP8, which SaveHF does not write", name)
			}
			ts = append(ts, safetensors.WriteTensor{Name: name, DType: x.DType.String(), Shape: []int{x.Rows, x.Cols}, Data: x.Data})
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Weights first: a crash never leaves a new config beside old weights
	// of another shape unnoticed (BindHF checks every shape).
	meta := map[string]string{"format": "pt"}
	err = WriteFileAtomic(filepath.Join(dir, "model.safetensors"), func(w io.Writer) error {
		return WriteMetered(w, prog, func(w io.Writer) error { return safetensors.Write(w, ts, meta) })
	})
	if err != nil {
		return err
	}
	return WriteConfigJSON(dir, c)
}

// fuseExperts builds the HF stacks gate_up_proj [E, D, 2F] and down_proj
// [E, F, D] (input-major) from per-expert [out, in] matrices.
func fuseExperts(ex []llama4.MLP) (gu, dn safetensors.WriteTensor, err error) {
	E := len(ex)
	F, D := ex[0].Gate.Rows, ex[0].Gate.Cols
	dt := ex[0].Gate.DType
	es := dt.Size()
	gub := make([]byte, E*D*2*F*es)
	dnb := make([]byte, E*F*D*es)
	for e, x := range ex {
		for _, m := range []*tensor.Mat{x.Gate, x.Up, x.Down} {
			if m.DType != dt {
				return gu, dn, fmt.Errorf("experts mix dtypes %s and %s", dt, m.DType)
			}
		}
		for i := 0; i < D; i++ {
			for o := 0; o < F; o++ {
				copy(gub[((e*D+i)*2*F+o)*es:][:es], x.Gate.Data[(o*D+i)*es:][:es])
				copy(gub[((e*D+i)*2*F+F+o)*es:][:es], x.Up.Data[(o*D+i)*es:][:es])
			}
		}
		for i := 0; i < F; i++ {
			for o := 0; o < D; o++ {
				copy(dnb[((e*F+i)*D+o)*es:][:es], x.Down.Data[(o*F+i)*es:][:es])
			}
		}
	}
	return safetensors.WriteTensor{DType: dt.String(), Shape: []int{E, D, 2 * F}, Data: gub},
		safetensors.WriteTensor{DType: dt.String(), Shape: []int{E, F, D}, Data: dnb}, nil
}
