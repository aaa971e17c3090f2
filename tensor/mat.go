package tensor

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Mat is a read-only weight matrix of shape [Rows, Cols] in row-major order,
// used as y = W·x (Rows = output features, Cols = input features), the layout of
// a Hugging Face Linear weight.
//
// Data holds the raw little-endian elements and usually aliases a memory-mapped
// file; the Mat does not own it. For F8E4M3, Scale holds one float32 per row and
// the value of element (r, c) is Scale[r]·decode(Data[r*Cols+c]).
type Mat struct {
	DType DType
	Rows  int
	Cols  int
	Data  []byte
	Scale []float32 // per-row scales (F8E4M3 only), len Rows
}

// Validate checks that Data and Scale have the sizes the shape and dtype imply.
func (m *Mat) Validate() error {
	if m.Rows <= 0 || m.Cols <= 0 {
		return fmt.Errorf("tensor: matrix shape [%d, %d] is not positive", m.Rows, m.Cols)
	}
	rb, err := m.DType.RowBytes(m.Cols)
	if err != nil {
		return err
	}
	want := m.Rows * rb
	if len(m.Data) != want {
		return fmt.Errorf("tensor: %s matrix [%d, %d] needs %d bytes, has %d", m.DType, m.Rows, m.Cols, want, len(m.Data))
	}
	if m.DType == F8E4M3 && len(m.Scale) != m.Rows {
		return fmt.Errorf("tensor: F8_E4M3 matrix [%d, %d] needs %d row scales, has %d", m.Rows, m.Cols, m.Rows, len(m.Scale))
	}
	return nil
}

// RowBytes is the storage size of one row.
func (m *Mat) RowBytes() int {
	rb, err := m.DType.RowBytes(m.Cols)
	if err != nil {
		panic(err)
	}
	return rb
}

// RowF32 decodes row r into dst[:Cols] as float32. Block-quantized types are
// decoded by package kernels (kernels.Row), which knows their layouts.
func (m *Mat) RowF32(r int, dst []float32) {
	n := m.Cols
	dst = dst[:n]
	switch m.DType {
	case F32:
		b := m.Data[r*n*4 : (r+1)*n*4]
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case BF16:
		b := m.Data[r*n*2 : (r+1)*n*2]
		for i := range dst {
			dst[i] = BF16ToF32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case F16:
		b := m.Data[r*n*2 : (r+1)*n*2]
		for i := range dst {
			dst[i] = F16ToF32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case F8E4M3:
		b := m.Data[r*n : (r+1)*n]
		s := m.Scale[r]
		for i := range dst {
			dst[i] = F8E4M3ToF32(b[i]) * s
		}
	default:
		panic(fmt.Sprintf("tensor: RowF32 on %s: use kernels.Row for block-quantized rows", m.DType))
	}
}

// NewF32Mat wraps float32 values (copied into little-endian bytes) as a Mat.
func NewF32Mat(rows, cols int, v []float32) *Mat {
	if len(v) != rows*cols {
		panic(fmt.Sprintf("tensor: NewF32Mat got %d values for [%d, %d]", len(v), rows, cols))
	}
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return &Mat{DType: F32, Rows: rows, Cols: cols, Data: b}
}
