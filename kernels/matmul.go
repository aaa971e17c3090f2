package kernels

//go:generate go run smallasm_gen.go asmgen.go

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

// MatMul computes dst = x·Wᵀ for a batch of n activation rows:
// dst[t*w.Rows+r] = Σ_c x[t*w.Cols+c] · W[r, c], for t in [0, n).
//
// x is [n, w.Cols] and dst is [n, w.Rows], both row-major float32; dst must not
// alias x. Accumulation is in float32 or wider.
//
// Weights of every dtype are accepted. F32, BF16, F16, F8E4M3 and Int4 (Meta
// int4, group 128) run in float32 with float activations: Int4 weights are
// decoded exactly as quant.Dequantize does (q·scale rounded to float32), so
// an Int4 MatMul equals, bit for bit, MatMul of the dequantized F32 matrix and
// obeys the float error bound below. Q8_0, Q4_0, Q4_K and Q6_K take the
// integer path (qmatmul.go): each activation row is quantized to the
// activation format (Q8_0 or Q8_K) exactly as quant.Quantize does, and each
// output is bit-for-bit quant.Dot of the weight row and the quantized
// activation row (ggml's reference vec_dot), on every implementation. Its
// difference from MatMulRef is the activation (and weight) quantization error,
// not float rounding.
//
// The output rows are shared among up to Threads() goroutines (a persistent
// pool; small products run on the caller alone), and the inner loops use SIMD
// assembly where the CPU has it (see Impl). Each output element is computed by
// one goroutine in an order that depends only on w.Cols and the implementation,
// so the result is bit-for-bit independent of the thread count, of n (a row
// computed in a batch equals the same row computed alone) and of concurrent
// calls. It differs from MatMulRef only by float32 rounding: the sum is split
// into partial sums (8 lanes on AVX2, 4 in portable Go) and, for F8E4M3, the
// row scale is applied once to the finished sum. |MatMul - MatMulRef| stays
// below (2·Cols+16)·2⁻²⁴·Σ_c|x·W| (the textbook bound for both summation
// orders). MatMul may be called from several goroutines at once.
func MatMul(dst, x []float32, n int, w *tensor.Mat) {
	if n < 0 || len(x) < n*w.Cols || len(dst) < n*w.Rows {
		panic(fmt.Sprintf("kernels: MatMul shapes: x %d, dst %d for n=%d W[%d,%d]", len(x), len(dst), n, w.Rows, w.Cols))
	}
	switch w.DType {
	case tensor.F32, tensor.BF16, tensor.F16, tensor.F8E4M3, tensor.Int4:
	case tensor.Q8_0, tensor.Q4_0, tensor.Q4K, tensor.Q6K:
		matMulQuant(dst, x, n, w)
		return
	default:
		panic(fmt.Sprintf("kernels: MatMul: unknown dtype %s", w.DType))
	}
	rb, err := w.DType.RowBytes(w.Cols)
	if err != nil || w.Rows < 0 || w.Cols < 0 || len(w.Data) < w.Rows*rb ||
		(w.DType == tensor.F8E4M3 && len(w.Scale) < w.Rows) {
		panic(fmt.Sprintf("kernels: MatMul: %s W[%d,%d] has %d bytes and %d scales", w.DType, w.Rows, w.Cols, len(w.Data), len(w.Scale)))
	}
	if n == 0 || w.Rows == 0 {
		return
	}
	if w.Cols == 0 {
		clear(dst[:n*w.Rows])
		return
	}
	m := mmTasks.Get().(*mmTask)
	*m = mmTask{dst: dst, x: x, n: n, w: w, avx2: useAVX2(), avx512: useAVX512F()}
	var xs *scratch
	if m.avx2 && smallBatch(n, w) {
		xs = scratches.Get().(*scratch)
		m.packSmall(xs)
	}
	nt := Threads()
	if nt == 1 || int64(n)*int64(w.Rows)*int64(w.Cols) < parallelMinMACs {
		m.rows(0, w.Rows)
	} else {
		m.per = rowsPerTask(w.Rows, nt)
		parallel((w.Rows+m.per-1)/m.per, nt, m)
	}
	if xs != nil {
		scratches.Put(xs)
	}
	*m = mmTask{}
	mmTasks.Put(m)
}

// smallMaxN is the largest batch that takes the small-batch path (see
// smallBatch): up to it, streaming each weight row once from memory against
// all the activation rows beats packing weight panels. It is a variable so
// benchmarks can compare the paths.
var smallMaxN = 16

// smallBatch reports whether a MatMul of n activation rows by w takes the
// small-batch path on AVX2 (smallAVX2): 2 ≤ n ≤ smallMaxN, and weights that
// the kernels widen in registers (F32, BF16, F16), at least 8 columns wide.
func smallBatch(n int, w *tensor.Mat) bool {
	switch w.DType {
	case tensor.F32, tensor.BF16, tensor.F16:
		return n >= 2 && n <= smallMaxN && w.Cols >= 8
	}
	return false
}

// packSmall copies the first Cols&^7 columns of the activation rows to s.x
// with a padded row stride m.ldx (in floats), so that the rows, whose natural
// stride is often a multiple of 4 KiB, do not compete for the same L1 sets.
func (m *mmTask) packSmall(s *scratch) {
	cols := m.w.Cols
	c8 := cols &^ 7
	m.ldx = c8 + 16
	s.x = grow(s.x, m.n*m.ldx)
	for t := range m.n {
		copy(s.x[t*m.ldx:t*m.ldx+c8], m.x[t*cols:])
	}
	m.xp = s.x
}

// parallelMinMACs is the size (n·Rows·Cols multiply-adds) below which MatMul
// does not use the worker pool: waking helpers costs a few microseconds. It is
// a variable so tests can force the pool onto small products.
var parallelMinMACs int64 = 1 << 18

// rowsPerTask splits rows into about four tasks per thread, for load balance
// on a shared machine, in multiples of 12 (the micro-kernels step 3 and 4
// weight rows at a time).
func rowsPerTask(rows, nt int) int {
	per := (rows + 4*nt - 1) / (4 * nt)
	return (per + 11) / 12 * 12
}

// mmTask is one MatMul call, split into tasks of per weight rows.
type mmTask struct {
	dst, x []float32
	n      int
	w      *tensor.Mat
	avx2   bool
	avx512 bool // batched path on AVX-512F (panelAVX512), same results
	per    int
	xp     []float32 // small-batch path: packed activation rows, stride ldx floats
	ldx    int
}

var mmTasks = sync.Pool{New: func() any { return new(mmTask) }}

func (m *mmTask) runTask(i int) {
	r0 := i * m.per
	m.rows(r0, min(r0+m.per, m.w.Rows))
}

// rows computes the output columns [r0, r1) for all n activation rows.
func (m *mmTask) rows(r0, r1 int) {
	if m.avx2 {
		m.rowsAVX2(r0, r1)
	} else {
		m.rowsPortable(r0, r1)
	}
}

// weightAt returns W[r, c] as float32, without the F8E4M3 row scale.
func weightAt(w *tensor.Mat, r, c int) float32 {
	i := r*w.Cols + c
	switch w.DType {
	case tensor.F32:
		return math.Float32frombits(binary.LittleEndian.Uint32(w.Data[4*i:]))
	case tensor.BF16:
		return tensor.BF16ToF32(binary.LittleEndian.Uint16(w.Data[2*i:]))
	case tensor.F16:
		return tensor.F16ToF32(binary.LittleEndian.Uint16(w.Data[2*i:]))
	case tensor.F8E4M3:
		return f8e4m3[w.Data[i]]
	}
	var row [256]float32 // a block of the largest block size
	bs := w.DType.BlockSize()
	rb := w.RowBytes()
	b := c / bs * w.DType.BlockBytes()
	quant.Dequantize(w.DType, row[:bs], w.Data[r*rb+b:r*rb+b+w.DType.BlockBytes()])
	return row[c%bs]
}

// scratch holds per-task buffers, recycled through a sync.Pool.
type scratch struct {
	w    []float32 // decoded weights
	x    []float32 // packed activations
	acc  []float32 // vector accumulators
	sums []int32   // Q8_0 decode: a group of 8 rows' block sums
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// MatMulRef is the portable, obviously-correct definition of MatMul: each
// weight row is decoded to float32 (by quant.DecodeRow, so block-quantized dtypes work too)
// and dotted with each activation row in float32, summing left to right.
func MatMulRef(dst, x []float32, n int, w *tensor.Mat) {
	row := make([]float32, w.Cols)
	for r := 0; r < w.Rows; r++ {
		quant.DecodeRow(w, r, row)
		for t := 0; t < n; t++ {
			xt := x[t*w.Cols : (t+1)*w.Cols]
			var s float32
			for c, v := range row {
				s += v * xt[c]
			}
			dst[t*w.Rows+r] = s
		}
	}
}
