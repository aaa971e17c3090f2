//go:build !purego

package kernels

import (
	"unsafe"

	"github.com/herd-llm/herd/tensor"
)

// Blocking of the batched (prefill) path. A task's weight rows are taken
// gemmRBig at a time and the activation rows gemmTB at a time; the columns are
// then walked in panels of gemmKC. Each activation panel is packed once, and
// each gemmRB rows of the weight panel are copied or decoded to float32 next to
// it and multiplied in, into gemmTB×gemmRBig 8-lane accumulators. Working set:
// activation panel 132 KiB and weight panel 99 KiB (L2), accumulators 384 KiB.
const (
	gemmRB   = 48  // weight rows per decoded panel, a multiple of 3 and 4
	gemmRBig = 192 // weight rows per packed activation panel, a multiple of gemmRB
	gemmTB   = 64  // activation rows per block
	gemmKC   = 512 // columns per panel, a multiple of 8

	gemmPad = 16 // extra floats per packed panel row
)

// rowsAVX2 computes output columns [r0, r1) with the AVX2 kernels.
func (m *mmTask) rowsAVX2(r0, r1 int) {
	if m.n == 1 {
		m.gemvAVX2(r0, r1)
	} else {
		m.gemmAVX2(r0, r1)
	}
}

// gemvAVX2 is the matrix-vector (decode) path: each weight row is streamed
// once, four rows at a time, widened in registers. F8E4M3 rows and the last
// Rows%4 rows are first decoded to float32 scratch (which stays in L1).
func (m *mmTask) gemvAVX2(r0, r1 int) {
	w := m.w
	cols := w.Cols
	k := cols / 8
	ldw := w.RowBytes()
	x := &m.x[0]
	var acc [4][8]float32
	var s *scratch
	if w.DType == tensor.F8E4M3 || w.DType == tensor.Int4 || (w.DType != tensor.F32 && (r1-r0)%4 != 0) {
		s = scratches.Get().(*scratch)
		s.w = grow(s.w, 4*cols)
		defer scratches.Put(s)
	}
	r := r0
	for ; r+4 <= r1; r += 4 {
		p := unsafe.Pointer(&w.Data[r*ldw])
		switch w.DType {
		case tensor.F32:
			k1x4F32(x, p, ldw, &acc[0][0], k, 0)
		case tensor.BF16:
			k1x4BF16(x, p, ldw, &acc[0][0], k, 0)
		case tensor.F16:
			k1x4F16(x, p, ldw, &acc[0][0], k, 0)
		default:
			for j := range 4 {
				m.decodeRow(s.w[j*cols:], r+j, 0, 8*k)
			}
			k1x4F32(x, unsafe.Pointer(&s.w[0]), 4*cols, &acc[0][0], k, 0)
		}
		for j := range 4 {
			m.finish(0, r+j, &acc[j])
		}
	}
	for ; r < r1; r++ {
		var p unsafe.Pointer
		if w.DType == tensor.F32 {
			p = unsafe.Pointer(&w.Data[r*ldw])
		} else {
			m.decodeRow(s.w, r, 0, 8*k)
			p = unsafe.Pointer(&s.w[0])
		}
		k1x1F32(x, p, &acc[0][0], k, 0)
		m.finish(0, r, &acc[0])
	}
}

// decodeRow writes W[r, c0:c0+kn] as float32 (F8E4M3 unscaled) to dst[:kn];
// kn is a multiple of 8 (of 128, like c0, for Int4).
func (m *mmTask) decodeRow(dst []float32, r, c0, kn int) {
	w := m.w
	if kn == 0 {
		return
	}
	dst = dst[:kn]
	if w.DType == tensor.Int4 { // c0 and kn are multiples of the group size 128
		b := r*w.RowBytes() + c0/128*68
		src := w.Data[b : b+kn/128*68]
		widenInt4(&dst[0], unsafe.Pointer(&src[0]), kn/128)
		return
	}
	i := r*w.Cols + c0
	switch w.DType {
	case tensor.F32:
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), 4*kn), w.Data[4*i:4*(i+kn)])
	case tensor.BF16:
		b := w.Data[2*i : 2*(i+kn)]
		widenBF16(&dst[0], unsafe.Pointer(&b[0]), kn/8)
	case tensor.F16:
		b := w.Data[2*i : 2*(i+kn)]
		widenF16(&dst[0], unsafe.Pointer(&b[0]), kn/8)
	default:
		b := w.Data[i : i+kn]
		widenF8(&dst[0], unsafe.Pointer(&b[0]), kn/8)
	}
}

// finish turns accumulator a of element (t, r) into dst: the fixed
// horizontal sum, the Cols%8 tail columns left to right, then the F8E4M3 row
// scale.
func (m *mmTask) finish(t, r int, a *[8]float32) {
	s := ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]))
	w := m.w
	cols := w.Cols
	if c8 := cols &^ 7; c8 < cols {
		xt := m.x[t*cols : (t+1)*cols]
		for c := c8; c < cols; c++ {
			s += xt[c] * weightAt(w, r, c)
		}
	}
	if w.DType == tensor.F8E4M3 {
		s *= w.Scale[r]
	}
	m.dst[t*w.Rows+r] = s
}

// gemmAVX2 is the batched (prefill) path; see gemmRB, gemmTB and gemmKC. Both
// panels are copied (weights decoded) to contiguous scratch with a padded row
// stride, so that the kernels' 7 concurrent row streams do not fall into the
// same cache sets (model row strides are multiples of 4 KiB); an activation
// panel is packed once for gemmRBig weight rows.
func (m *mmTask) gemmAVX2(r0, r1 int) {
	w := m.w
	cols := w.Cols
	c8 := cols &^ 7
	s := scratches.Get().(*scratch)
	defer scratches.Put(s)
	const ld = gemmKC + gemmPad // packed row stride, in floats
	s.acc = grow(s.acc, min(m.n, gemmTB)*min(r1-r0, gemmRBig)*8)
	s.w = grow(s.w, min(r1-r0, gemmRB)*ld)
	s.x = grow(s.x, min(m.n, gemmTB)*ld)
	for rg := r0; rg < r1; rg += gemmRBig {
		rgn := min(gemmRBig, r1-rg)
		for tb := 0; tb < m.n; tb += gemmTB {
			tn := min(gemmTB, m.n-tb)
			acc := s.acc[:tn*rgn*8]
			if c8 == 0 {
				clear(acc)
			}
			for c0 := 0; c0 < c8; c0 += gemmKC {
				kn := min(gemmKC, c8-c0)
				for i := range tn {
					copy(s.x[i*ld:i*ld+kn], m.x[(tb+i)*cols+c0:])
				}
				for rb := 0; rb < rgn; rb += gemmRB {
					rn := min(gemmRB, rgn-rb)
					for j := range rn {
						m.decodeRow(s.w[j*ld:], rg+rb+j, c0, kn)
					}
					panelAVX2(acc[rb*8:], rgn, tn, rn, s.x, s.w, 4*ld, kn/8, c0 > 0)
				}
			}
			for i := range tn {
				for j := range rgn {
					m.finish(tb+i, rg+j, (*[8]float32)(acc[(i*rgn+j)*8:]))
				}
			}
		}
	}
}

// panelAVX2 accumulates one column panel of k chunks for the tn activation
// rows in xp against the rn weight rows in wp (both with row stride ld bytes)
// into acc, laid out [tn][lda][8] (accumulator (i, j) at acc[(i*lda+j)*8:]).
func panelAVX2(acc []float32, lda, tn, rn int, xp, wp []float32, ld, k int, load bool) {
	ldf := ld / 4
	l := 0
	if load {
		l = 1
	}
	x := func(i int) *float32 { return &xp[i*ldf] }
	w := func(j int) unsafe.Pointer { return unsafe.Pointer(&wp[j*ldf]) }
	a := func(i, j int) *float32 { return &acc[(i*lda+j)*8] }
	t4 := tn &^ 3
	r3 := rn - rn%3
	for j := 0; j < r3; j += 3 {
		for i := 0; i < t4; i += 4 {
			k4x3F32(x(i), ld, w(j), ld, a(i, j), 32*lda, k, l)
		}
	}
	for j := r3; j < rn; j++ {
		for i := 0; i < t4; i++ {
			k1x1F32(x(i), w(j), a(i, j), k, l)
		}
	}
	for i := t4; i < tn; i++ {
		j := 0
		for ; j+4 <= rn; j += 4 {
			k1x4F32(x(i), w(j), ld, a(i, j), k, l)
		}
		for ; j < rn; j++ {
			k1x1F32(x(i), w(j), a(i, j), k, l)
		}
	}
}
