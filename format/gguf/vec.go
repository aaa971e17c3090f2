package gguf

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/herd-llm/herd/tensor"
)

// Vec decodes the 1-D F32, F16 or BF16 tensor name, which must hold n
// values.
func (f *File) Vec(name string, n int) ([]float32, error) {
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
