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

	// Block-quantized types: each row is a sequence of blocks whose byte
	// layouts are those of package quant (ggml-identical for the Q types).
	Q8_0 // 32 values in 34 bytes
	Q4_0 // 32 values in 18 bytes
	Q4K  // 256 values in 144 bytes
	Q6K  // 256 values in 210 bytes
	Int4 // Meta int4, group 128: 128 values in 68 bytes (f32 scale + 64 nibble bytes)
)

var dtypeNames = [...]string{F32: "F32", BF16: "BF16", F16: "F16", F8E4M3: "F8_E4M3",
	Q8_0: "Q8_0", Q4_0: "Q4_0", Q4K: "Q4_K", Q6K: "Q6_K", Int4: "INT4"}

// String returns the safetensors name of the type.
func (d DType) String() string {
	if int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("DType(%d)", d)
}

// Quantized reports whether d is a block-quantized type.
func (d DType) Quantized() bool { return d >= Q8_0 && d <= Int4 }

// BlockSize is the number of values per block (1 for scalar types).
func (d DType) BlockSize() int {
	switch d {
	case Q8_0, Q4_0:
		return 32
	case Q4K, Q6K:
		return 256
	case Int4:
		return 128
	}
	return 1
}

// BlockBytes is the size of one block in bytes (the element size for scalar types).
func (d DType) BlockBytes() int {
	switch d {
	case Q8_0:
		return 34
	case Q4_0:
		return 18
	case Q4K:
		return 144
	case Q6K:
		return 210
	case Int4:
		return 68
	}
	return d.Size()
}

// RowBytes is the storage size of a row of cols values, or an error when
// cols is not a whole number of blocks.
func (d DType) RowBytes(cols int) (int, error) {
	bs := d.BlockSize()
	if cols%bs != 0 {
		return 0, fmt.Errorf("tensor: %s rows need a multiple of %d values, have %d", d, bs, cols)
	}
	return cols / bs * d.BlockBytes(), nil
}

// Size is the number of bytes one element occupies (scalar types only).
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
