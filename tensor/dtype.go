// Package tensor defines the element types and the weight-matrix view shared by
// the file formats, the kernels and the model code.
package tensor

import "fmt"

// DType is the element type of stored weights.
type DType uint8

// Supported element types. Quantized block types are added by the quant package.
const (
	F32    DType = iota // IEEE float32, 4 bytes
	BF16                // bfloat16, 2 bytes
	F16                 // IEEE half, 2 bytes
	F8E4M3              // OCP FP8 E4M3 (fn variant: no inf, NaN = 0x7f/0xff), 1 byte, with per-row scales
)

var dtypeNames = [...]string{F32: "F32", BF16: "BF16", F16: "F16", F8E4M3: "F8_E4M3"}

// String returns the safetensors name of the type.
func (d DType) String() string {
	if int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("DType(%d)", d)
}

// Size is the number of bytes one element occupies.
func (d DType) Size() int {
	switch d {
	case F32:
		return 4
	case BF16, F16:
		return 2
	case F8E4M3:
		return 1
	}
	panic(fmt.Sprintf("tensor: Size of unknown dtype %d", d))
}
