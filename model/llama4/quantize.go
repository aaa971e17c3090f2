package llama4

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

// QuantSchemes are the names --quant accepts.
var QuantSchemes = []string{"q8_0", "q4_0", "q4_k", "q6_k", "int4", "fp8"}

// QuantReport says what a Quantize call changed.
type QuantReport struct {
	Scheme     string
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
// mapped) are no longer referenced.
func (m *Model) Quantize(scheme string) (*QuantReport, error) {
	target, err := schemeTarget(scheme)
	if err != nil {
		return nil, err
	}
	var jobs []**tensor.Mat
	w := m.Weights
	tied := w.LMHead == w.Embed
	all := scheme != "int4" && scheme != "fp8"
	mlp := func(x *MLP) { jobs = append(jobs, &x.Gate, &x.Up, &x.Down) }
	if all {
		if tied {
			jobs = append(jobs, &w.Embed)
		} else {
			jobs = append(jobs, &w.Embed, &w.LMHead)
		}
	}
	for l := range w.Layers {
		lw := &w.Layers[l]
		if all {
			jobs = append(jobs, &lw.Q, &lw.K, &lw.V, &lw.O)
			if lw.Dense != nil {
				mlp(lw.Dense)
			}
		}
		if lw.MoE == nil {
			continue
		}
		if scheme != "fp8" || (l != 0 && l != len(w.Layers)-1) {
			for e := range lw.MoE.Experts {
				mlp(&lw.MoE.Experts[e])
			}
		}
		if scheme != "fp8" {
			mlp(&lw.MoE.Shared)
		}
	}
	rep, err := quantizeAll(scheme, jobs, target)
	if err != nil {
		return nil, err
	}
	if tied {
		w.LMHead = w.Embed
	}
	// The converted originals are no longer referenced; a memory-mapped
	// checkpoint's pages they were read from leave the resident set.
	if d, ok := m.closer.(interface{ DontNeedAll() error }); ok && rep.Converted > 0 {
		if err := d.DontNeedAll(); err != nil {
			return nil, fmt.Errorf("llama4: quantize: %w", err)
		}
	}
	rep.BytesAfter = m.WeightBytes()
	return rep, nil
}

// schemeTarget maps a --quant name to the dtype its matrices become.
func schemeTarget(scheme string) (tensor.DType, error) {
	switch scheme {
	case "q8_0":
		return tensor.Q8_0, nil
	case "q4_0":
		return tensor.Q4_0, nil
	case "q4_k":
		return tensor.Q4K, nil
	case "q6_k":
		return tensor.Q6K, nil
	case "int4":
		return tensor.Int4, nil
	case "fp8":
		return tensor.F8E4M3, nil
	}
	return 0, fmt.Errorf("llama4: unknown quantization %q (want one of %v)", scheme, QuantSchemes)
}

// quantizeAll converts every matrix *p of jobs to target (quantizeMat's
// fallbacks apply), in parallel, replacing it in place, and reports what
// changed (BytesAfter is left to the caller).
func quantizeAll(scheme string, jobs []**tensor.Mat, target tensor.DType) (*QuantReport, error) {
	rep := &QuantReport{Scheme: scheme, ByType: map[string]int{}}
	out := make([]*tensor.Mat, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, p := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i], errs[i] = quantizeMat(*p, target)
		}()
	}
	wg.Wait()
	for i, p := range jobs {
		if errs[i] != nil {
			return nil, errs[i]
		}
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
