package train

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/tensor"
)

// The three matrix products of a linear layer's forward and backward pass.
// Shapes are row-major [rows, cols]. float32 runs on the inference kernel
// kernels.MatMul (x·Wᵀ), reaching the other two forms through transposes
// into planned scratch; float64 (the finite-difference twin) uses plain
// loops. All are deterministic: each output element is computed by one
// goroutine in a fixed order.

// mmScratch holds the transposes and temporaries of mmNN and mmTN. Its
// buffers grow only if a product is larger than planned (see planMM).
type mmScratch[F Float] struct {
	a, b, c []F
	grown   bool // set when a buffer had to grow beyond the plan
}

func (s *mmScratch[F]) buf(p *[]F, n int) []F {
	if cap(*p) < n {
		*p = make([]F, n)
		s.grown = true
	}
	return (*p)[:n]
}

// tnBlock bounds the rows of dst that mmTN transposes at once, so that the
// scratch for dLMHead stays a slice of the vocabulary, not all of it.
const tnBlock = 1024

// nnBlock bounds the rows of x that an accumulating mmNN handles at once.
const nnBlock = 1024

// nnScratch returns the scratch (a, b, c) one float32 mmNN(n, k, m) needs.
func nnScratch(n, k, m int, acc bool) (a, b, c int) {
	a = k * m // Wᵀ
	if acc {
		b = min(n, nnBlock) * m
	}
	return
}

// tnScratch returns the scratch (a, b, c) one float32 mmTN(n, m, k) needs.
func tnScratch(n, m, k int) (a, b, c int) {
	mb := min(m, tnBlock)
	return mb * n, k * n, mb * k
}

// f32Mat views float32 values [rows, cols] as a tensor.Mat without copying
// (copying on big-endian machines, where the byte layout differs).
func f32Mat(v []float32, rows, cols int) *tensor.Mat {
	v = v[:rows*cols]
	if !littleEndian {
		return tensor.NewF32Mat(rows, cols, append([]float32(nil), v...))
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))
	return &tensor.Mat{DType: tensor.F32, Rows: rows, Cols: cols, Data: b}
}

var littleEndian = func() bool {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], math.Float32bits(1))
	return binary.LittleEndian.Uint32(b[:]) == math.Float32bits(1)
}()

// mmNT computes dst[n, m] = x[n, k]·w[m, k]ᵀ (a Linear forward: w is [out, in]).
func mmNT[F Float](dst, x, w []F, n, k, m int) {
	if n == 0 || m == 0 {
		return
	}
	if d, ok := any(dst).([]float32); ok {
		kernels.MatMul(d[:n*m], any(x).([]float32)[:n*k], n, f32Mat(any(w).([]float32), m, k))
		return
	}
	parallelRows(n, rowGrain(k*m), func(lo, hi int) {
		for t := lo; t < hi; t++ {
			xt := x[t*k : (t+1)*k]
			for r := 0; r < m; r++ {
				wr := w[r*k : (r+1)*k]
				var s F
				for c, v := range xt {
					s += v * wr[c]
				}
				dst[t*m+r] = s
			}
		}
	})
}

// mmNN computes dst[n, m] = x[n, k]·w[k, m], or adds it to dst when acc.
func mmNN[F Float](s *mmScratch[F], dst, x, w []F, n, k, m int, acc bool) {
	if n == 0 || m == 0 {
		return
	}
	if _, ok := any(dst).([]float32); ok {
		sa, sb, _ := nnScratch(n, k, m, acc)
		wt := s.buf(&s.a, sa)
		transpose(wt, w, k, m)
		wm := f32Mat(any(wt).([]float32), m, k)
		if !acc {
			kernels.MatMul(any(dst).([]float32)[:n*m], any(x).([]float32)[:n*k], n, wm)
			return
		}
		tmp := s.buf(&s.b, sb)
		for t0 := 0; t0 < n; t0 += nnBlock {
			nb := min(nnBlock, n-t0)
			tb := any(tmp[:nb*m]).([]float32)
			kernels.MatMul(tb, any(x[t0*k:(t0+nb)*k]).([]float32), nb, wm)
			addTo(dst[t0*m:(t0+nb)*m], tmp[:nb*m])
		}
		return
	}
	parallelRows(n, rowGrain(k*m), func(lo, hi int) {
		row := make([]F, m)
		for t := lo; t < hi; t++ {
			clear(row)
			for c := 0; c < k; c++ {
				if a := x[t*k+c]; a != 0 {
					axpy(row, a, w[c*m:(c+1)*m])
				}
			}
			d := dst[t*m : (t+1)*m]
			if acc {
				addTo(d, row)
			} else {
				copy(d, row)
			}
		}
	})
}

// mmTN adds a[n, m]ᵀ·b[n, k] to dst[m, k] (a weight gradient: a = dY, b = X).
func mmTN[F Float](s *mmScratch[F], dst, a, b []F, n, m, k int) {
	if n == 0 || m == 0 || k == 0 {
		return
	}
	if _, ok := any(dst).([]float32); ok {
		sa, sb, sc := tnScratch(n, m, k)
		bt := s.buf(&s.b, sb)
		transpose(bt, b, n, k)
		bm := f32Mat(any(bt).([]float32), k, n)
		at := s.buf(&s.a, sa)
		tmp := s.buf(&s.c, sc)
		for r0 := 0; r0 < m; r0 += tnBlock {
			mb := min(tnBlock, m-r0)
			transposeCols(at[:mb*n], a, n, m, r0, mb)
			kernels.MatMul(any(tmp[:mb*k]).([]float32), any(at[:mb*n]).([]float32), mb, bm)
			addTo(dst[r0*k:(r0+mb)*k], tmp[:mb*k])
		}
		return
	}
	parallelRows(m, rowGrain(n*k), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			d := dst[r*k : (r+1)*k]
			for t := 0; t < n; t++ {
				if v := a[t*m+r]; v != 0 {
					axpy(d, v, b[t*k:(t+1)*k])
				}
			}
		}
	})
}

// transpose writes dst[cols, rows] = src[rows, cols]ᵀ.
func transpose[F Float](dst, src []F, rows, cols int) {
	transposeCols(dst, src, rows, cols, 0, cols)
}

// transposeCols writes dst[nc, rows] = (columns [c0, c0+nc) of src[rows, cols])ᵀ,
// in 32×32 tiles.
func transposeCols[F Float](dst, src []F, rows, cols, c0, nc int) {
	const tile = 32
	nTiles := (nc + tile - 1) / tile
	work := func(ti int) {
		j0 := ti * tile
		j1 := min(j0+tile, nc)
		for i0 := 0; i0 < rows; i0 += tile {
			i1 := min(i0+tile, rows)
			for j := j0; j < j1; j++ {
				d := dst[j*rows:]
				for i := i0; i < i1; i++ {
					d[i] = src[i*cols+c0+j]
				}
			}
		}
	}
	if rows*nc < 1<<16 {
		for ti := 0; ti < nTiles; ti++ {
			work(ti)
		}
		return
	}
	parallelFor(nTiles, func(_, ti int) { work(ti) })
}
