package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/herd-llm/herd/tensor"
)

// Float32s decodes the tensor's F32, BF16, F16 or F8_E4M3 elements into a new
// []float32 of NumElements values in storage (row-major) order. No scale is
// applied to F8_E4M3 values. Other dtypes, or Data whose length does not match
// the shape, give an error naming the tensor.
func (t *Tensor) Float32s() ([]float32, error) {
	dt, err := dtypeOf(t.DType)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: tensor %q: %w", t.File, t.Name, err)
	}
	n, ok := numElements(t.Shape)
	size := int64(dt.Size())
	if !ok || n > int64(len(t.Data))/size || n*size != int64(len(t.Data)) {
		return nil, fmt.Errorf("safetensors: %s: tensor %q: %d bytes of data do not match shape %v of %s", t.File, t.Name, len(t.Data), t.Shape, t.DType)
	}
	out := make([]float32, n)
	b := t.Data
	switch dt {
	case tensor.F32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case tensor.BF16:
		for i := range out {
			out[i] = tensor.BF16ToF32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case tensor.F16:
		for i := range out {
			out[i] = tensor.F16ToF32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case tensor.F8E4M3:
		for i := range out {
			out[i] = tensor.F8E4M3ToF32(b[i])
		}
	}
	return out, nil
}
