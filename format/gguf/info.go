package gguf

import (
	"fmt"
	"slices"

	"github.com/herd-llm/herd/tensor"
)

// TensorInfo describes one tensor of a file.
type TensorInfo struct {
	// Name is the tensor's name, e.g. "blk.0.attn_q.weight".
	Name string
	// Type is the ggml element type; uint32(Type) is its number in the file
	// and Type.String() its name.
	Type GGMLType
	// Dims are the dimensions in ggml order, fastest-varying first: a matrix
	// of rows × cols has Dims {cols, rows}. Each is at most 2^63-1 and so is
	// their product.
	Dims []uint64
	// Offset is the position of the data relative to the start of the data
	// section (File.DataOffset), a multiple of File.Alignment.
	Offset uint64
	// Size is the length of the data in bytes, or 0 when Type is unknown.
	Size uint64
}

// Elements is the number of values in the tensor: the product of Dims (1 for
// no dims).
func (ti TensorInfo) Elements() uint64 {
	n, _ := numElements(ti.Dims) // validated by Parse
	return n
}

// Shape returns the dimensions outermost first, as tensor and safetensors
// code expects them: Dims reversed, so a matrix is {rows, cols}.
func (ti TensorInfo) Shape() []int {
	s := make([]int, len(ti.Dims))
	for i, d := range ti.Dims {
		s[len(s)-1-i] = int(d)
	}
	return s
}

// DType returns the tensor.DType of the tensor's ggml type, or an error
// matching ErrUnsupportedType that names the tensor and its type when herd
// does not support the type.
func (ti TensorInfo) DType() (tensor.DType, error) {
	d, err := ti.dtype()
	if err != nil {
		return 0, fmt.Errorf("gguf: %w", err)
	}
	return d, nil
}

// dtype is DType without the package prefix on errors.
func (ti TensorInfo) dtype() (tensor.DType, error) {
	d, ok := ti.Type.DType()
	if !ok {
		return 0, &unsupportedError{name: ti.Name, typ: ti.Type}
	}
	return d, nil
}

// clone returns ti with its own Dims.
func (ti TensorInfo) clone() TensorInfo {
	ti.Dims = slices.Clone(ti.Dims)
	if ti.Dims == nil {
		ti.Dims = []uint64{}
	}
	return ti
}
