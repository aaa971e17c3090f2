package checkpoint

import (
	"fmt"
	"slices"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

// Scheme is a load-time quantization scheme (herd's --quant).
type Scheme uint8

// The schemes. SchemeNone leaves the weights as they are.
const (
	SchemeNone Scheme = iota
	SchemeQ8_0
	SchemeQ4_0
	SchemeQ4K
	SchemeQ6K
	SchemeInt4 // Meta's int4_mixed: MoE experts only
	SchemeFP8  // Meta's fp8_mixed: routed experts of the inner MoE layers
)

// schemeRow is a scheme's --quant name and the dtype its matrices become.
type schemeRow struct {
	name   string
	target tensor.DType
}

// schemes are the schemes' --quant names and the dtype their matrices become.
var schemes = [...]schemeRow{
	SchemeNone: {"none", 0},
	SchemeQ8_0: {"q8_0", tensor.Q8_0},
	SchemeQ4_0: {"q4_0", tensor.Q4_0},
	SchemeQ4K:  {"q4_k", tensor.Q4K},
	SchemeQ6K:  {"q6_k", tensor.Q6K},
	SchemeInt4: {"int4", tensor.Int4},
	SchemeFP8:  {"fp8", tensor.F8E4M3},
}

// schemeNames are the schemes' --quant names, in Scheme order.
var schemeNames = tableNames(schemes[:], func(r schemeRow) string { return r.name })

// QuantSchemes are the names --quant accepts (besides "" and "none").
var QuantSchemes = slices.Clone(schemeNames[SchemeNone+1:])

// ParseScheme reads a --quant value: "" or "none" is SchemeNone.
func ParseScheme(name string) (Scheme, error) {
	i, err := parseName("quantization", name, int(SchemeNone), schemeNames, QuantSchemes)
	return Scheme(i), err
}

// String is the scheme's --quant name.
func (s Scheme) String() string { return nameOf("Scheme", int(s), schemeNames) }

// mixed reports whether the scheme touches only MoE experts (Meta's).
func (s Scheme) mixed() bool { return s == SchemeInt4 || s == SchemeFP8 }

// QuantReport says what a Quantize call changed.
type QuantReport struct {
	Scheme     Scheme
	Converted  int            // matrices converted
	ByType     map[string]int // matrices per resulting dtype
	Kept       int            // matrices left as they were
	BytesAfter int64
}

// Quantize converts the model's weights in place, as llama.cpp and Meta do
// when loading:
//   - q8_0, q4_0, q4_k, q6_k: every weight matrix except the routers (small
//     and sensitive), like llama.cpp's pure types. A K-type matrix whose rows
//     are not a multiple of 256 falls back to Q8_0 (as llama.cpp falls back),
//     and one whose rows are not a multiple of 32 stays as it is.
//   - int4: Meta's int4_mixed: routed and shared experts of MoE layers,
//     symmetric int4 in groups of 128 (spec §6); everything else unchanged.
//   - fp8: Meta's fp8_mixed: routed experts of MoE layers except the first
//     and last layer, FP8 E4M3 with per-row scales.
//
// Matrices are rewritten into new memory; the originals (often memory
// mapped) are no longer referenced. SchemeNone changes nothing.
func Quantize(m *llama4.Model, s Scheme) (*QuantReport, error) {
	return QuantizeProgress(m, s, nil)
}

// QuantizeProgress is Quantize reporting the bytes of the matrices it
// converts to prog as the step "convert" (nil: not at all).
func QuantizeProgress(m *llama4.Model, s Scheme, prog Progress) (*QuantReport, error) {
	w := m.Weights
	var jobs []**tensor.Mat
	w.ForEachMat(m.Config, func(sl llama4.Slot, p **tensor.Mat) error {
		if s != SchemeNone && s.quantizes(sl, len(w.Layers)) {
			jobs = append(jobs, p)
		}
		return nil
	})
	tied := w.Tied()
	rep, err := quantizeAll(s, jobs, startMeter(prog, "convert", matBytes(jobs)))
	if err != nil {
		return nil, err
	}
	if tied {
		w.LMHead = w.Embed
	}
	// The converted originals are no longer referenced; a memory-mapped
	// checkpoint's pages they were read from leave the resident set.
	if d, ok := m.Source().(interface{ DontNeedAll() error }); ok && rep.Converted > 0 {
		if err := d.DontNeedAll(); err != nil {
			return nil, fmt.Errorf("checkpoint: quantize: %w", err)
		}
	}
	rep.BytesAfter = m.WeightBytes()
	return rep, nil
}

// quantizes reports whether s converts the matrix of slot sl in a model of
// n layers.
func (s Scheme) quantizes(sl llama4.Slot, n int) bool {
	switch s {
	case SchemeInt4:
		return sl.FFN == llama4.FFNRouted || sl.FFN == llama4.FFNShared
	case SchemeFP8:
		return sl.FFN == llama4.FFNRouted && sl.Layer != 0 && sl.Layer != n-1
	}
	return sl.Role != llama4.RoleRouter
}

// QuantizeVision converts the vision weight matrices like Quantize converts
// the text model's, so both run on the same kernels and types: q8_0, q4_0,
// q4_k and q6_k convert every matrix (with the same fallbacks); Meta's int4
// and fp8 schemes touch only MoE experts and so leave the vision tower as it
// is.
func QuantizeVision(v *llama4.Vision, s Scheme) (*QuantReport, error) {
	mats := v.Model.Weights.Mats()
	if s == SchemeNone || s.mixed() {
		mats = nil
	}
	rep, err := quantizeAll(s, mats, nil)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: vision: %w", err)
	}
	rep.Kept = len(v.Model.Weights.Mats()) - rep.Converted
	rep.BytesAfter = v.Model.Weights.Bytes()
	return rep, nil
}

// quantizeAll converts every matrix *p of jobs to s's dtype (quantizeMat's
// fallbacks apply), in parallel, replacing it in place, and reports what
// changed (BytesAfter is left to the caller); each matrix done adds its
// bytes to prog (nil: none).
func quantizeAll(s Scheme, jobs []**tensor.Mat, prog *meter) (*QuantReport, error) {
	rep := &QuantReport{Scheme: s, ByType: map[string]int{}}
	out := make([]*tensor.Mat, len(jobs))
	err := parallel(len(jobs), func(i int) (err error) {
		out[i], err = quantizeMat(*jobs[i], schemes[s].target)
		prog.add(int64(len((*jobs[i]).Data)))
		return err
	})
	if err != nil {
		return nil, err
	}
	prog.finish()
	for i, p := range jobs {
		if out[i] == *p {
			rep.Kept++
		} else {
			rep.Converted++
			rep.ByType[out[i].DType.String()]++
		}
		*p = out[i]
	}
	return rep, nil
}

// quantizeMat returns x converted to t (or a fallback type), or x itself when
// no conversion applies.
func quantizeMat(x *tensor.Mat, t tensor.DType) (*tensor.Mat, error) {
	if x.DType == t {
		return x, nil
	}
	if t == tensor.Q4K || t == tensor.Q6K {
		if x.Cols%256 != 0 {
			t = tensor.Q8_0
		}
	}
	if t.Quantized() && x.Cols%t.BlockSize() != 0 {
		return x, nil
	}
	out := &tensor.Mat{DType: t, Rows: x.Rows, Cols: x.Cols}
	row := make([]float32, x.Cols)
	if t == tensor.F8E4M3 {
		out.Data = make([]byte, x.Rows*x.Cols)
		out.Scale = make([]float32, x.Rows)
		for r := 0; r < x.Rows; r++ {
			quant.DecodeRow(x, r, row)
			out.Scale[r] = quant.QuantizeFP8Row(out.Data[r*x.Cols:(r+1)*x.Cols], row)
		}
		return out, out.Validate()
	}
	rb, err := t.RowBytes(x.Cols)
	if err != nil {
		return nil, err
	}
	out.Data = make([]byte, x.Rows*rb)
	for r := 0; r < x.Rows; r++ {
		quant.DecodeRow(x, r, row)
		quant.Quantize(t, out.Data[r*rb:(r+1)*rb], row)
	}
	return out, out.Validate()
}

// matBytes is the bytes of the matrices *p of ps.
func matBytes(ps []**tensor.Mat) int64 {
	var n int64
	for _, p := range ps {
		n += int64(len((*p).Data))
	}
	return n
}
