package safetensors

import (
	"fmt"

	"github.com/herd-llm/herd/tensor"
)

// dtypeSizes maps every standard safetensors dtype string to its element size
// in bytes.
var dtypeSizes = map[string]int64{
	"BOOL":    1,
	"U8":      1,
	"I8":      1,
	"F8_E4M3": 1,
	"F8_E5M2": 1,
	"I16":     2,
	"U16":     2,
	"F16":     2,
	"BF16":    2,
	"I32":     4,
	"U32":     4,
	"F32":     4,
	"F64":     8,
	"I64":     8,
	"U64":     8,
}

// DTypeSize returns the size in bytes of one element of the header dtype
// string s (for example 2 for "BF16"), or an error naming s when it is not a
// standard safetensors dtype.
func DTypeSize(s string) (int, error) {
	n, ok := dtypeSizes[s]
	if !ok {
		return 0, fmt.Errorf("safetensors: unknown dtype %q", s)
	}
	return int(n), nil
}

// DTypeOf maps a header dtype string to the tensor.DType the kernels support:
// "F32", "BF16", "F16" and "F8_E4M3". Any other string, including valid
// safetensors dtypes such as "I64", returns an error naming it.
func DTypeOf(s string) (tensor.DType, error) {
	d, err := dtypeOf(s)
	if err != nil {
		return 0, fmt.Errorf("safetensors: %w", err)
	}
	return d, nil
}

// dtypes maps the header dtype strings the kernels support to their
// tensor.DType (whose String is the same name).
var dtypes = map[string]tensor.DType{
	"F32":     tensor.F32,
	"BF16":    tensor.BF16,
	"F16":     tensor.F16,
	"F8_E4M3": tensor.F8E4M3,
}

// dtypeOf is DTypeOf without the package prefix on errors.
func dtypeOf(s string) (tensor.DType, error) {
	if d, ok := dtypes[s]; ok {
		return d, nil
	}
	if _, ok := dtypeSizes[s]; ok {
		return 0, fmt.Errorf("dtype %s is not supported by the kernels (want F32, BF16, F16 or F8_E4M3)", s)
	}
	return 0, fmt.Errorf("unknown dtype %q", s)
}

// numElements returns the product of shape's dimensions, and false when a
// dimension is negative or the product overflows int64. A shape with a zero
// dimension has zero elements whatever the other dimensions are; the empty
// shape (a scalar) has one.
func numElements(shape []int) (int64, bool) {
	zero := false
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		zero = zero || d == 0
	}
	if zero {
		return 0, true
	}
	n := int64(1)
	for _, d := range shape {
		if n > maxInt64/int64(d) {
			return 0, false
		}
		n *= int64(d)
	}
	return n, true
}

const maxInt64 = 1<<63 - 1
