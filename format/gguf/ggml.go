package gguf

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/herd-llm/herd/tensor"
)

// GGMLType is a ggml tensor element type, numbered as in GGUF files
// (ggml_type in ggml.h, GGMLQuantizationType in gguf-py).
type GGMLType uint32

// The ggml types. Numbers 4, 5, 31–33 and 36–38 belonged to removed types
// and are unknown here, like every number from 43 on.
const (
	F32     GGMLType = 0
	F16     GGMLType = 1
	Q4_0    GGMLType = 2
	Q4_1    GGMLType = 3
	Q5_0    GGMLType = 6
	Q5_1    GGMLType = 7
	Q8_0    GGMLType = 8
	Q8_1    GGMLType = 9
	Q2_K    GGMLType = 10
	Q3_K    GGMLType = 11
	Q4_K    GGMLType = 12
	Q5_K    GGMLType = 13
	Q6_K    GGMLType = 14
	Q8_K    GGMLType = 15
	IQ2_XXS GGMLType = 16
	IQ2_XS  GGMLType = 17
	IQ3_XXS GGMLType = 18
	IQ1_S   GGMLType = 19
	IQ4_NL  GGMLType = 20
	IQ3_S   GGMLType = 21
	IQ2_S   GGMLType = 22
	IQ4_XS  GGMLType = 23
	I8      GGMLType = 24
	I16     GGMLType = 25
	I32     GGMLType = 26
	I64     GGMLType = 27
	F64     GGMLType = 28
	IQ1_M   GGMLType = 29
	BF16    GGMLType = 30
	TQ1_0   GGMLType = 34
	TQ2_0   GGMLType = 35
	MXFP4   GGMLType = 39
	NVFP4   GGMLType = 40
	Q1_0    GGMLType = 41
	Q2_0    GGMLType = 42
)

// ggmlTypeInfo is a ggml type's name and block layout: block values in bytes
// bytes (block 1 for scalar types). A zero block marks an unknown number.
type ggmlTypeInfo struct {
	name         string
	block, bytes uint64
}

// qkK is the super-block size of the k-quants and most i-quants.
const qkK = 256

// ggmlTypes holds every known ggml type, indexed by number; the sizes are
// those of gguf-py's GGML_QUANT_SIZES.
var ggmlTypes = [...]ggmlTypeInfo{
	F32:     {"F32", 1, 4},
	F16:     {"F16", 1, 2},
	Q4_0:    {"Q4_0", 32, 2 + 16},
	Q4_1:    {"Q4_1", 32, 2 + 2 + 16},
	Q5_0:    {"Q5_0", 32, 2 + 4 + 16},
	Q5_1:    {"Q5_1", 32, 2 + 2 + 4 + 16},
	Q8_0:    {"Q8_0", 32, 2 + 32},
	Q8_1:    {"Q8_1", 32, 4 + 4 + 32},
	Q2_K:    {"Q2_K", qkK, 2 + 2 + qkK/16 + qkK/4},
	Q3_K:    {"Q3_K", qkK, 2 + qkK/4 + qkK/8 + 12},
	Q4_K:    {"Q4_K", qkK, 2 + 2 + qkK/2 + 12},
	Q5_K:    {"Q5_K", qkK, 2 + 2 + qkK/2 + qkK/8 + 12},
	Q6_K:    {"Q6_K", qkK, 2 + qkK/2 + qkK/4 + qkK/16},
	Q8_K:    {"Q8_K", qkK, 4 + qkK + qkK/8},
	IQ2_XXS: {"IQ2_XXS", qkK, 2 + qkK/4},
	IQ2_XS:  {"IQ2_XS", qkK, 2 + qkK/4 + qkK/32},
	IQ3_XXS: {"IQ3_XXS", qkK, 2 + qkK/4 + qkK/8},
	IQ1_S:   {"IQ1_S", qkK, 2 + qkK/8 + qkK/16},
	IQ4_NL:  {"IQ4_NL", 32, 2 + 16},
	IQ3_S:   {"IQ3_S", qkK, 2 + qkK/4 + qkK/8 + qkK/32 + 4},
	IQ2_S:   {"IQ2_S", qkK, 2 + qkK/4 + qkK/16},
	IQ4_XS:  {"IQ4_XS", qkK, 2 + 2 + qkK/2 + qkK/64},
	I8:      {"I8", 1, 1},
	I16:     {"I16", 1, 2},
	I32:     {"I32", 1, 4},
	I64:     {"I64", 1, 8},
	F64:     {"F64", 1, 8},
	IQ1_M:   {"IQ1_M", qkK, qkK/8 + qkK/16 + qkK/32},
	BF16:    {"BF16", 1, 2},
	TQ1_0:   {"TQ1_0", qkK, 2 + 4*13},
	TQ2_0:   {"TQ2_0", qkK, 2 + 64},
	MXFP4:   {"MXFP4", 32, 1 + 16},
	NVFP4:   {"NVFP4", 64, 4 + 32},
	Q1_0:    {"Q1_0", 128, 2 + 16},
	Q2_0:    {"Q2_0", 64, 2 + 16},
}

// info returns t's entry; its block is 0 when t is unknown.
func (t GGMLType) info() ggmlTypeInfo {
	if uint64(t) < uint64(len(ggmlTypes)) {
		return ggmlTypes[t]
	}
	return ggmlTypeInfo{}
}

// Known reports whether t is a ggml type this package knows the layout of.
func (t GGMLType) Known() bool { return t.info().block != 0 }

// String returns the gguf-py name of t ("Q4_K"), or "GGMLType(n)" for an
// unknown number.
func (t GGMLType) String() string {
	if in := t.info(); in.block != 0 {
		return in.name
	}
	return fmt.Sprintf("GGMLType(%d)", uint32(t))
}

// BlockSize is the number of values in one block of t (1 for scalar types),
// or 0 when t is unknown.
func (t GGMLType) BlockSize() int { return int(t.info().block) }

// BlockBytes is the size in bytes of one block of t (the element size for
// scalar types), or 0 when t is unknown.
func (t GGMLType) BlockBytes() int { return int(t.info().bytes) }

// dtypes maps the ggml types herd supports to their tensor.DType.
var dtypes = map[GGMLType]tensor.DType{
	F32:  tensor.F32,
	F16:  tensor.F16,
	BF16: tensor.BF16,
	Q8_0: tensor.Q8_0,
	Q4_0: tensor.Q4_0,
	Q4_K: tensor.Q4K,
	Q6_K: tensor.Q6K,
}

// supportedList names the supported types for error messages.
const supportedList = "F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K"

// DType returns the tensor.DType of t and true when herd supports t.
func (t GGMLType) DType() (tensor.DType, bool) {
	d, ok := dtypes[t]
	return d, ok
}

// TypeOf returns the ggml type storing tensor.DType d, and false when GGUF
// has none (F8_E4M3, Int4).
func TypeOf(d tensor.DType) (GGMLType, bool) {
	for g, dd := range dtypes {
		if dd == d {
			return g, true
		}
	}
	return 0, false
}

// numElements returns the product of dims (1 for no dims, 0 when a dim is 0),
// and an error when a dim or the product exceeds math.MaxInt64.
func numElements(dims []uint64) (uint64, error) {
	zero := false
	for i, d := range dims {
		if d > math.MaxInt64 {
			return 0, fmt.Errorf("dimension %d is %d, more than 2^63-1", i, d)
		}
		zero = zero || d == 0
	}
	if zero {
		return 0, nil // whatever the other dims are
	}
	n := uint64(1)
	for _, d := range dims {
		hi, lo := bits.Mul64(n, d)
		if hi != 0 || lo > math.MaxInt64 {
			return 0, fmt.Errorf("dims %v: the element count overflows 2^63-1", dims)
		}
		n = lo
	}
	return n, nil
}

// dataSize returns the byte size of a tensor of type t and dims (ggml order),
// checking that the first dim is a whole number of blocks. t must be known.
func dataSize(t GGMLType, dims []uint64) (uint64, error) {
	n, err := numElements(dims)
	if err != nil {
		return 0, err
	}
	in := t.info()
	row := uint64(1)
	if len(dims) > 0 {
		row = dims[0]
	}
	if row%in.block != 0 {
		return 0, fmt.Errorf("type %s needs rows (dims[0]) that are a multiple of %d values, have %d", in.name, in.block, row)
	}
	hi, size := bits.Mul64(n/in.block, in.bytes)
	if hi != 0 || size > math.MaxInt64 {
		return 0, fmt.Errorf("dims %v of %s: the byte size overflows 2^63-1", dims, in.name)
	}
	return size, nil
}
