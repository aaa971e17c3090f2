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
// the value of element (r, c) is Scale[r]·decode(Data[r*Cols+c]). Package
// quant decodes rows of every type (quant.DecodeRow).
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
