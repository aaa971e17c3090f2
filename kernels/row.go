package kernels

import (
	"fmt"

	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

// QuantFormat maps a block-quantized tensor.DType to its quant.Format.
func QuantFormat(d tensor.DType) (quant.Format, bool) {
	switch d {
	case tensor.Q8_0:
		return quant.Q8_0, true
	case tensor.Q4_0:
		return quant.Q4_0, true
	case tensor.Q4K:
		return quant.Q4_K, true
	case tensor.Q6K:
		return quant.Q6_K, true
	case tensor.Int4:
		return quant.Int4G128, true
	}
	return 0, false
}

// Row decodes row r of w into dst[:w.Cols] as float32, for every dtype
// (scalar, FP8 with row scales, and block-quantized).
func Row(w *tensor.Mat, r int, dst []float32) {
	f, ok := QuantFormat(w.DType)
	if !ok {
		w.RowF32(r, dst)
		return
	}
	rb := w.RowBytes()
	quant.Dequantize(f, dst[:w.Cols], w.Data[r*rb:(r+1)*rb])
}

// mustQuant panics for a dtype with no quant format (programmer error).
func mustQuant(d tensor.DType) quant.Format {
	f, ok := QuantFormat(d)
	if !ok {
		panic(fmt.Sprintf("kernels: %s is not block-quantized", d))
	}
	return f
}
