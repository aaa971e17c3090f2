//go:build !purego

package kernels

import (
	"unsafe"

	"github.com/herd-llm/herd/tensor"
)

// Blocking of the batched (prefill) path. A task's weight rows are taken
// gemmRBig at a time and the activation rows gemmTB at a time; the columns are
// then walked in panels of gemmKC. Each activation panel is packed once, and
// each gemmRB rows of the weight panel are decoded to float32 next to it (F32
// rows are read in place) and multiplied in, into gemmTB×gemmRBig 8-lane
// accumulators. Working set: activation panel 132 KiB and weight panel 99 KiB
// (L2), accumulators 384 KiB.
const (
	gemmRB   = 48  // weight rows per decoded panel, a multiple of 3 and 4
	gemmRBig = 192 // weight rows per packed activation panel, a multiple of gemmRB
	gemmTB   = 64  // activation rows per block
	gemmKC   = 512 // columns per panel, a multiple of 8

	// gemmKC512 is gemmKC on AVX-512F, where the accumulators' loads and
	// stores between panels weigh more against the faster kernel (1024: F32
	// n=512 1024→4096 and n=32 2048→1024 at 1 thread, +18% and +15% against
	// 512; AMD EPYC Zen 5).
	gemmKC512 = 1024

	gemmPad = 16 // extra floats per packed panel row
)

// rowsAVX2 computes output columns [r0, r1) with the AVX2 kernels.
func (m *mmTask) rowsAVX2(r0, r1 int) {
	switch {
	case m.n == 1:
		m.gemvAVX2(r0, r1)
	case m.xp != nil:
		m.smallAVX2(r0, r1)
	default:
		m.gemmAVX2(r0, r1)
	}
}

// Blocking of the small-batch path: smallRB weight rows at a time (a
// multiple of 3 and 4, as rowsPerTask's task sizes are of it), in column
// panels of at most smallKC floats (rows are split into equal panels), so
// that the 3 or 4 weight rows a micro-kernel streams from memory are still in
// L1 or L2 when the next activation rows pass over them. (Shorter panels, of
// 256 to 1024 columns, measured slower: the weight streams break up.)
const (
	smallRB = 12
	smallKC = 4096
)

// smallKernel is the signature of the small-batch micro-kernels.
type smallKernel func(x *float32, ldx int, w unsafe.Pointer, ldw int, acc *float32, ldacc int, k int, load int, pf uintptr, npf int)

// smallKernels[d][M-1] multiplies M activation rows by 4 weight rows of
// dtype d (0 F32, 1 BF16, 2 F16), or for M = 4 by 3 weight rows.
var smallKernels = [3][4]smallKernel{
	{small1x4F32, small2x4F32, small3x4F32, small4x3F32},
	{small1x4BF16, small2x4BF16, small3x4BF16, small4x3BF16},
	{small1x4F16, small2x4F16, small3x4F16, small4x3F16},
}

// smallAVX2 is the small-batch path (see smallBatch): each weight row is
// read once from memory, in place and in its own dtype, and multiplied into
// all the n activation rows (packed by packSmall) while it is in cache,
// instead of being copied or decoded into a panel first as gemmAVX2 does.
// The kernels also prefetch the weights of the next block (or panel) while
// they work on the current one, so that memory and arithmetic overlap. The
// last Rows%12 rows of a BF16 or F16 matrix are decoded to float32 first (the
// kernels take 3 or 4 weight rows at a time).
func (m *mmTask) smallAVX2(r0, r1 int) {
	w := m.w
	c8 := w.Cols &^ 7
	ldw := w.RowBytes()
	es := ldw / w.Cols // bytes per weight
	n := m.n
	s := scratches.Get().(*scratch)
	defer scratches.Put(s)
	s.acc = grow(s.acc, n*smallRB*8)
	acc := s.acc
	x := unsafe.Pointer(&m.xp[0])
	np := (c8 + smallKC - 1) / smallKC
	kc := (c8/8 + np - 1) / np * 8 // columns per panel
	base := uintptr(unsafe.Pointer(&w.Data[0]))
	for rb := r0; rb < r1; rb += smallRB {
		rn := min(smallRB, r1-rb)
		dt, wp, ld, e := w.DType, unsafe.Pointer(&w.Data[rb*ldw]), ldw, es
		if dt != tensor.F32 && rn < smallRB {
			s.w = grow(s.w, rn*c8)
			for j := range rn {
				m.decodeRow(s.w[j*c8:], rb+j, 0, c8)
			}
			dt, wp, ld, e = tensor.F32, unsafe.Pointer(&s.w[0]), 4*c8, 4
		}
		for c0 := 0; c0 < c8; c0 += kc {
			kn := min(kc, c8-c0)
			// What to prefetch: the next panel of these rows, or the
			// first panel of the next block.
			pr0, pr1, pc0, pkn := rb, rb+rn, c0+kn, min(kc, c8-c0-kn)
			if pkn == 0 {
				pr0, pr1, pc0, pkn = rb+smallRB, min(rb+2*smallRB, w.Rows), 0, min(kc, c8)
			}
			pf := prefetcher{rows: pr1 - pr0, ld: uintptr(ldw), bytes: uintptr(pkn * es)}
			if pf.rows > 0 {
				pf.start(base + uintptr(pr0*ldw+pc0*es))
			}
			smallPanel(dt, acc, n, rn, unsafe.Add(x, 4*c0), 4*m.ldx, unsafe.Add(wp, e*c0), ld, kn/8, c0 > 0, &pf)
		}
		if c8 < w.Cols {
			for i := range n {
				for j := range rn {
					m.finish(i, rb+j, (*[8]float32)(acc[(i*smallRB+j)*8:]))
				}
			}
			continue
		}
		for i := range n { // finish, for whole chunks and no row scale
			d := m.dst[i*w.Rows+rb : i*w.Rows+rb+rn]
			hsum8(&d[0], &acc[i*smallRB*8], rn)
		}
	}
}

// prefetcher hands the small-batch kernels, call by call, contiguous pieces
// of a block of weight bytes to prefetch: rows segments of bytes bytes, ld
// apart. Addresses are uintptrs: prefetching is only a hint, never a read.
type prefetcher struct {
	p, end    uintptr // the current segment's next line and end
	rows      int     // segments left, the current one included
	ld, bytes uintptr
}

func (f *prefetcher) start(a uintptr) {
	f.p, f.end = a&^63, a+f.bytes
}

// take returns the next up to k lines of the current segment (moving to the
// next segment when it is done).
func (f *prefetcher) take(k int) (uintptr, int) {
	if f.rows > 0 && f.p >= f.end {
		f.rows--
		if f.rows > 0 {
			f.start(f.end - f.bytes + f.ld)
		}
	}
	if f.rows <= 0 {
		return 0, 0
	}
	l := min(k, int((f.end-f.p+63)/64))
	p := f.p
	f.p += uintptr(64 * l)
	return p, l
}

// smallPanel accumulates k chunks of the n activation rows at x (stride ldx
// bytes) against the rn weight rows at w (stride ldw bytes) of dtype dt into
// acc, laid out [n][smallRB][8]. Unless dt is F32, rn is a multiple of 12.
// Each group of weight rows is streamed by one call and run against 4
// activation rows, then against the next 4 (from cache), …, then the block
// against the n%4 rows left over together. Every call takes its share of the
// lines pf hands out to prefetch. (Walking the rows in L1-sized sub-panels
// across these calls measured no faster.)
func smallPanel(dt tensor.DType, acc []float32, n, rn int, x unsafe.Pointer, ldx int, w unsafe.Pointer, ldw, k int, load bool, pf *prefetcher) {
	l := 0
	if load {
		l = 1
	}
	kern := &smallKernels[0]
	switch dt {
	case tensor.BF16:
		kern = &smallKernels[1]
	case tensor.F16:
		kern = &smallKernels[2]
	}
	xi := func(i int) *float32 { return (*float32)(unsafe.Add(x, i*ldx)) }
	wj := func(j int) unsafe.Pointer { return unsafe.Add(w, j*ldw) }
	a := func(i, j int) *float32 { return &acc[(i*smallRB+j)*8] }
	const lda = 32 * smallRB
	t4 := n &^ 3
	r3 := rn - rn%3
	for j := 0; j < r3 && t4 > 0; j += 3 {
		for i := 0; i < t4; i += 4 {
			p, np := pf.take(k)
			kern[3](xi(i), ldx, wj(j), ldw, a(i, j), lda, k, l, p, np)
		}
	}
	for j := r3; j < rn; j++ { // F32 only
		for i := 0; i < t4; i++ {
			k1x1F32(xi(i), wj(j), a(i, j), k, l)
		}
	}
	if t4 == n {
		return
	}
	r4 := rn - rn%4
	for j := 0; j < r4; j += 4 {
		p, np := pf.take(k)
		kern[n-t4-1](xi(t4), ldx, wj(j), ldw, a(t4, j), lda, k, l, p, np)
	}
	for j := r4; j < rn; j++ { // F32 only
		for i := t4; i < n; i++ {
			k1x1F32(xi(i), wj(j), a(i, j), k, l)
		}
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
		if m.plainSums() {
			hsum8x4(&m.dst[r], &acc[0][0], 4)
			continue
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

// plainSums reports whether finish is the horizontal sum alone (no tail
// columns, no row scale), which hsum8x4 computes four at a time.
func (m *mmTask) plainSums() bool { return m.w.Cols&7 == 0 && m.w.DType != tensor.F8E4M3 }

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

// gemmAVX2 is the batched (prefill) path; see gemmRB, gemmTB and gemmKC. The
// activation panel is packed once for gemmRBig weight rows, and the weight
// panels of the other dtypes are decoded, into contiguous scratch with a
// padded row stride, so that the kernels' 7 concurrent row streams do not
// fall into the same cache sets (model row strides are multiples of 4 KiB);
// F32 weights are read in place.
func (m *mmTask) gemmAVX2(r0, r1 int) {
	w := m.w
	cols := w.Cols
	c8 := cols &^ 7
	s := scratches.Get().(*scratch)
	defer scratches.Put(s)
	kc := gemmKC
	if m.avx512 {
		kc = gemmKC512
	}
	ld := kc + gemmPad // packed row stride, in floats
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
			for c0 := 0; c0 < c8; c0 += kc {
				kn := min(kc, c8-c0)
				t8 := 0 // rows packed in pairs for panelAVX512
				if m.avx512 {
					t8 = tn &^ 7
					packPairs(s.x[:t8*ld], ld, m.x[tb*cols+c0:], cols, t8, kn)
				}
				for i := t8; i < tn; i++ {
					copy(s.x[i*ld:i*ld+kn], m.x[(tb+i)*cols+c0:])
				}
				panel := panelAVX2
				if m.avx512 {
					panel = panelAVX512
				}
				for rb := 0; rb < rgn; rb += gemmRB {
					rn := min(gemmRB, rgn-rb)
					if w.DType == tensor.F32 {
						// F32 rows are read in place (copying them into the
						// padded panel cost more than the cache conflicts
						// it avoids: pp512 of bench-566m, 1 thread, +8%).
						wp := unsafe.Pointer(&w.Data[4*((rg+rb)*cols+c0)])
						panel(acc[rb*8:], rgn, tn, rn, s.x, 4*ld, wp, 4*cols, kn/8, c0 > 0)
						continue
					}
					for j := range rn {
						m.decodeRow(s.w[j*ld:], rg+rb+j, c0, kn)
					}
					panel(acc[rb*8:], rgn, tn, rn, s.x, 4*ld, unsafe.Pointer(&s.w[0]), 4*ld, kn/8, c0 > 0)
				}
			}
			for i := range tn {
				j := 0
				if m.plainSums() {
					j = rgn &^ 3
					hsum8x4(&m.dst[(tb+i)*w.Rows+rg], &acc[i*rgn*8], j)
				}
				for ; j < rgn; j++ {
					m.finish(tb+i, rg+j, (*[8]float32)(acc[(i*rgn+j)*8:]))
				}
			}
		}
	}
}

// panelAVX2 accumulates one column panel of k chunks for the tn activation
// rows in xp against the rn weight rows in wp (both with row stride ld bytes)
// into acc, laid out [tn][lda][8] (accumulator (i, j) at acc[(i*lda+j)*8:]).
func panelAVX2(acc []float32, lda, tn, rn int, xp []float32, ldx int, wp unsafe.Pointer, ldw, k int, load bool) {
	l := 0
	if load {
		l = 1
	}
	x := func(i int) *float32 { return &xp[i*ldx/4] }
	w := func(j int) unsafe.Pointer { return unsafe.Add(wp, j*ldw) }
	a := func(i, j int) *float32 { return &acc[(i*lda+j)*8] }
	t4 := tn &^ 3
	r3 := rn - rn%3
	for j := 0; j < r3; j += 3 {
		for i := 0; i < t4; i += 4 {
			k4x3F32(x(i), ldx, w(j), ldw, a(i, j), 32*lda, k, l)
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
			k1x4F32(x(i), w(j), ldw, a(i, j), k, l)
		}
		for ; j < rn; j++ {
			k1x1F32(x(i), w(j), a(i, j), k, l)
		}
	}
}
