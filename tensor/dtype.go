// Package tensor defines the element types and the weight-matrix view shared by
// the file formats, the kernels, the quantizers and the KV cache.
package tensor

import (
	"fmt"
	"strings"
)

// DType is the element type of stored values: weights, KV-cache rows and
// quantized activations. It is the one element-type enum of herd; the codecs
// of every type (quantize, dequantize, dot, row decode) are package quant's,
// keyed by DType.
//
// Every type packs BlockSize values into BlockBytes bytes (1 value per
// "block" for the scalar types); a row is its blocks back to back, with no
// header or padding.
type DType uint8

// The element types. The block-quantized ones have the byte layouts
// documented in package quant (ggml-identical for the Q types, so their rows
// can be copied to and from GGUF tensor data unchanged).
const (
	F32    DType = iota // IEEE float32, 4 bytes
	BF16                // bfloat16, 2 bytes
	F16                 // IEEE half, 2 bytes
	F8E4M3              // OCP FP8 E4M3 (fn variant: no inf, NaN = 0x7f/0xff), 1 byte, with per-row scales

	Q8_0 // ggml block_q8_0: 32 values in 34 bytes
	Q4_0 // ggml block_q4_0: 32 values in 18 bytes
	Q4K  // ggml block_q4_K: 256 values in 144 bytes
	Q6K  // ggml block_q6_K: 256 values in 210 bytes
	Int4 // Meta int4, group 128: 128 values in 68 bytes (f32 scale + 64 nibble bytes)
	Q8K  // ggml block_q8_K: 256 values in 292 bytes; activations only, never stored weights

	numDTypes
)

// dtypeInfo is a type's name (the safetensors/ggml spelling) and block layout.
type dtypeInfo struct {
	name         string
	block, bytes int
}

var dtypes = [numDTypes]dtypeInfo{
	F32:    {"F32", 1, 4},
	BF16:   {"BF16", 1, 2},
	F16:    {"F16", 1, 2},
	F8E4M3: {"F8_E4M3", 1, 1},
	Q8_0:   {"Q8_0", 32, 34},
	Q4_0:   {"Q4_0", 32, 18},
	Q4K:    {"Q4_K", 256, 144},
	Q6K:    {"Q6_K", 256, 210},
	Int4:   {"INT4", 128, 68},
	Q8K:    {"Q8_K", 256, 292},
}

// Valid reports whether d is one of the types above.
func (d DType) Valid() bool { return d < numDTypes }

func (d DType) info() dtypeInfo {
	if d >= numDTypes {
		panic(fmt.Sprintf("tensor: unknown dtype %d", uint8(d)))
	}
	return dtypes[d]
}

// String returns the safetensors/ggml name of the type ("BF16", "F8_E4M3",
// "Q4_K", "INT4"), or "DType(n)" for an unknown value.
func (d DType) String() string {
	if d < numDTypes {
		return dtypes[d].name
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// FlagName returns the lower-case name the --quant and --kv-type flags use
// ("bf16", "f8_e4m3", "q4_k", "int4").
func (d DType) FlagName() string { return strings.ToLower(d.String()) }

// ParseDType parses a type name, case-insensitively and ignoring surrounding
// space: String's or FlagName's spelling of any type. Callers that accept
// only some types (--quant, --kv-type) check the result.
func ParseDType(s string) (DType, error) {
	t := strings.TrimSpace(s)
	for d, in := range dtypes {
		if strings.EqualFold(t, in.name) {
			return DType(d), nil
		}
	}
	return 0, fmt.Errorf("tensor: unknown element type %q", s)
}

// Quantized reports whether d is a block-quantized type (more than one value
// per block).
func (d DType) Quantized() bool { return d < numDTypes && dtypes[d].block > 1 }

// BlockSize is the number of values per block (1 for scalar types). It
// panics on an unknown type.
func (d DType) BlockSize() int { return d.info().block }

// BlockBytes is the size of one block in bytes (the element size for scalar
// types). It panics on an unknown type.
func (d DType) BlockBytes() int { return d.info().bytes }

// RowBytes is the storage size of a row of cols values, or an error when d is
// unknown or cols is not a whole number of blocks.
func (d DType) RowBytes(cols int) (int, error) {
	if d >= numDTypes {
		return 0, fmt.Errorf("tensor: unknown dtype %d", uint8(d))
	}
	bs := d.BlockSize()
	if cols%bs != 0 {
		return 0, fmt.Errorf("tensor: %s rows need a multiple of %d values, have %d", d, bs, cols)
	}
	return cols / bs * d.BlockBytes(), nil
}

// Size is the number of bytes one element occupies (scalar types only; it
// panics for block-quantized and unknown types).
func (d DType) Size() int {
	if d.Quantized() || d >= numDTypes {
		panic(fmt.Sprintf("tensor: Size of non-scalar dtype %s", d))
	}
	return dtypes[d].bytes
}
