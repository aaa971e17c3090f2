package kernels

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

// rowsPortable is the pure-Go MatMul: each weight row is decoded once to
// float32 (F32 rows are used in place where the layout allows) and dotted with
// every activation row by dot4.
func (m *mmTask) rowsPortable(r0, r1 int) {
	w := m.w
	cols := w.Cols
	s := scratches.Get().(*scratch)
	s.w = grow(s.w, cols)
	for r := r0; r < r1; r++ {
		row := rowPortable(w, r, s.w)
		scale := float32(1)
		if w.DType == tensor.F8E4M3 {
			scale = w.Scale[r]
		}
		for t := 0; t < m.n; t++ {
			v := dot4(m.x[t*cols:(t+1)*cols], row)
			if w.DType == tensor.F8E4M3 {
				v *= scale
			}
			m.dst[t*w.Rows+r] = v
		}
	}
	scratches.Put(s)
}

// nativeLE reports whether this machine stores float32 little-endian, so F32
// weight bytes can be read in place.
var nativeLE = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// rowPortable returns row r of w as float32 (F8E4M3 unscaled, Int4 decoded as
// quant.Dequantize does), either a view of
// w.Data or decoded into buf[:w.Cols].
func rowPortable(w *tensor.Mat, r int, buf []float32) []float32 {
	cols := w.Cols
	buf = buf[:cols]
	switch w.DType {
	case tensor.F32:
		b := w.Data[r*cols*4 : (r+1)*cols*4]
		if nativeLE && uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
			return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), cols)
		}
		for i := range buf {
			buf[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case tensor.BF16:
		b := w.Data[r*cols*2 : (r+1)*cols*2]
		i := 0
		for ; i+4 <= cols; i += 4 {
			u := binary.LittleEndian.Uint64(b[2*i:])
			d := buf[i : i+4 : i+4]
			d[0] = math.Float32frombits(uint32(u) << 16)
			d[1] = math.Float32frombits(uint32(u) &^ 0xffff)
			d[2] = math.Float32frombits(uint32(u>>32) << 16)
			d[3] = math.Float32frombits(uint32(u>>32) &^ 0xffff)
		}
		for ; i < cols; i++ {
			buf[i] = tensor.BF16ToF32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case tensor.F16:
		b := w.Data[r*cols*2 : (r+1)*cols*2]
		for i := range buf {
			h := binary.LittleEndian.Uint16(b[2*i : 2*i+2 : 2*i+2])
			v := math.Float32frombits(uint32(h&0x8000)<<16 | (uint32(h&0x7fff)<<13 + 112<<23))
			if e := h & 0x7c00; e == 0 || e == 0x7c00 { // zero, subnormal, Inf, NaN
				v = tensor.F16ToF32(h)
			}
			buf[i] = v
		}
	case tensor.Int4:
		rb := w.RowBytes()
		quant.Dequantize(tensor.Int4, buf, w.Data[r*rb:(r+1)*rb])
	default:
		decodeF8(buf, w.Data[r*cols:(r+1)*cols])
	}
	return buf
}

// dot4 returns Σ a[i]·b[i] with four partial sums (lanes i%4 over the largest
// multiple of 4, combined as (s0+s1)+(s2+s3)), then the tail left to right.
func dot4(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		a4, b4 := a[i:i+4:i+4], b[i:i+4:i+4]
		s0 += a4[0] * b4[0]
		s1 += a4[1] * b4[1]
		s2 += a4[2] * b4[2]
		s3 += a4[3] * b4[3]
	}
	s := (s0 + s1) + (s2 + s3)
	for ; i < len(a); i++ {
		s += a[i] * b[i]
	}
	return s
}
