package kernels

//go:generate go run qasm_gen.go qavx512_gen.go asmgen.go

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

// The integer MatMul path, for Q8_0, Q4_0, Q4_K and Q6_K weights.
//
// Each call quantizes every activation row once to the weight format's
// activation format (quant.ActivationType: Q8_0 for Q8_0 and Q4_0, Q8_K for
// Q4_K and Q6_K), byte for byte what quant.Quantize writes, and sets every
// output to the dot product of the weight row and the quantized activation
// row. The integer sums are exact; the float32 operations follow one order,
// bit for bit, whatever the implementation, thread count, n or blocking:
//
//   - Q8_0: ggml's reference vec_dot (quant.Dot):
//     sumf += float32(sumi)·(d_w·d_a), block after block;
//   - Q4_0: ggml's reference, sumf += (float32(sumi)·d_w)·d_a, block after block;
//   - Q4_K, Q6_K: one float step per 256-value super-block (quant.DotKBlocks),
//     within float32 rounding of ggml's reference, which keeps eight sums.
//
// The AVX2 kernels keep the Q8_0/Q4_0 float part exact by vectorising it
// across independent outputs (lanes = activation rows or weight rows); the K
// kernels reduce each super-block to its integer totals, then vectorise the
// float step across activation rows. (Keeping float lanes per output and
// block instead, as llama.cpp's AVX2 Q8_0 kernel does, measured slower: a
// convert and a multiply-add per output and block where the tiles do one
// float step per 8 outputs; docs/kernels-avx512.md.)
//
// Packed activations (AVX2 path, Q8_0 family). Activation rows are grouped
// into tiles of q8TileRows rows and the rows that do not fill a tile are
// packed alone (T = 1). Each 32-value block of a T-row tile takes T·40 bytes:
//
//	[8][T][4]int8 quants (group g of row t: its quants 4g..4g+3),
//	[T]float32 d (the f16 scale, widened), [T]int32 8·Σquants
//
// The K family uses plain Q8_K rows (292 bytes per super-block), taken
// kTileRows at a time.
// q8KBytes is the size of one Q8_K activation block: f32 d, 256 int8
// quants, 16 int16 bsums (sums of 16 quants).
const q8KBytes = 292

const (
	q8TileRows  = 8  // activation rows per Q8_0/Q4_0 tile
	q8BlockPer  = 40 // packed bytes per block per activation row
	q8PanelBlks = 32 // blocks per column panel of a tile (10 KiB of tile)
	q8RowBlk    = 16 // weight rows per row block (17 KiB of Q8_0 panel)
	kTileRows   = 4  // activation rows per Q4_K/Q6_K tile
	kPanelSBs   = 4  // super-blocks per column panel of a tile (4.6 KiB; 18 KiB for K16)
	kRowBlk     = 32 // weight rows per row block (26 KiB of Q6_K panel)
)

// qmm is one integer MatMul call. Phase 0 tasks quantize activation rows,
// phase 1 tasks compute output columns.
type qmm struct {
	dst, x []float32
	n      int
	w      *tensor.Mat
	f, af  tensor.DType
	rb     int // weight row bytes
	nb     int // weight blocks (super-blocks for the K family) per row
	avx2   bool
	vnni   bool // AVX-512 VNNI kernels (with avx2: same layouts)
	kfam   bool // Q4_K / Q6_K
	act    []byte

	// Packed layout (AVX2): nTiles tiles of tileT rows, then single rows.
	tileT, nTiles      int
	tileBytes, rowSize int // bytes of a tile, of a single row (or a native row)
	// K family, AVX-512 VNNI: the first k16 groups of 16 activation
	// rows also go, packed, into K16 tiles after the n plain rows.
	k16 int

	phase int
	per   int // rows per task
}

var (
	qmms    = sync.Pool{New: func() any { return new(qmm) }}
	actBufs = sync.Pool{New: func() any { return new([]byte) }}
)

func matMulQuant(dst, x []float32, n int, w *tensor.Mat) {
	f := w.DType
	af, ok := quant.ActivationType(f)
	if !ok {
		panic(fmt.Sprintf("kernels: MatMul: %s has no integer dot product", f))
	}
	rb, err := w.DType.RowBytes(w.Cols)
	if err != nil || w.Rows < 0 || w.Cols <= 0 || len(w.Data) < w.Rows*rb {
		panic(fmt.Sprintf("kernels: MatMul: %s W[%d,%d] has %d bytes", w.DType, w.Rows, w.Cols, len(w.Data)))
	}
	if n == 0 || w.Rows == 0 {
		return
	}
	m := qmms.Get().(*qmm)
	*m = qmm{dst: dst, x: x, n: n, w: w, f: f, af: af, rb: rb, nb: w.Cols / f.BlockSize(), avx2: useAVX2(),
		vnni: useVNNI512(), kfam: af == tensor.Q8K}
	if m.avx2 {
		m.tileT, m.rowSize = q8TileRows, m.nb*q8BlockPer
		if m.kfam {
			m.tileT, m.rowSize = kTileRows, m.nb*q8KBytes
			if m.vnni {
				m.k16 = n / k16Rows
			}
		}
		m.nTiles = n / m.tileT
		m.tileBytes = m.tileT * m.rowSize
	} else {
		m.rowSize, _ = af.RowBytes(w.Cols)
	}
	bp := actBufs.Get().(*[]byte)
	size := (n + m.k16*k16Rows) * m.rowSize
	if cap(*bp) < size {
		*bp = make([]byte, size)
	}
	m.act = (*bp)[:size]

	nt := Threads()
	big := int64(n)*int64(w.Rows)*int64(w.Cols) >= parallelMinMACs
	// Quantize the activations (one row or K16 tile per task).
	m.phase = 0
	nq := n - m.k16*(k16Rows-1)
	if nt > 1 && big && n > 1 {
		parallel(nq, nt, m)
	} else {
		for i := range nq {
			m.quantTask(i)
		}
	}
	// Multiply.
	m.phase = 1
	if nt == 1 || !big {
		m.rows(0, w.Rows)
	} else {
		// About four tasks per thread for load balance, except K-family
		// decode (n = 1): one contiguous run of rows per thread, which
		// streams from memory better (BenchmarkMatMulDecodeCold, idle
		// machine, 2 threads: Q4_K 31–33 → 36–38 GB/s, Q6_K 39 → 45–47).
		tpt := 4
		if n == 1 && m.kfam {
			tpt = 1
		}
		per := (w.Rows + tpt*nt - 1) / (tpt * nt)
		m.per = (per + 7) &^ 7
		parallel((w.Rows+m.per-1)/m.per, nt, m)
	}
	*m = qmm{}
	qmms.Put(m)
	actBufs.Put(bp)
}

func (m *qmm) runTask(i int) {
	if m.phase == 0 {
		m.quantTask(i)
		return
	}
	r0 := i * m.per
	m.rows(r0, min(r0+m.per, m.w.Rows))
}

// actAt returns the byte offset of activation row t's tile (or single row),
// the tile's row count and t's index in it.
func (m *qmm) actAt(t int) (off, T, i int) {
	if t < m.nTiles*m.tileT {
		return t / m.tileT * m.tileBytes, m.tileT, t % m.tileT
	}
	return m.nTiles*m.tileBytes + (t-m.nTiles*m.tileT)*m.rowSize, 1, 0
}

// quantTask quantizes the activation rows of phase-0 task i: K16 tile i (its
// 16 plain rows, then the packed tile) or, after the tiles, a single row.
func (m *qmm) quantTask(i int) {
	if i >= m.k16 {
		m.quantRow(i + m.k16*(k16Rows-1))
		return
	}
	for t := i * k16Rows; t < (i+1)*k16Rows; t++ {
		m.quantRow(t)
	}
	rs := m.rowSize
	packK16(m.act[(m.n+i*k16Rows)*rs:], m.act[i*k16Rows*rs:], rs, m.nb)
}

// quantRow quantizes activation row t into m.act.
func (m *qmm) quantRow(t int) {
	cols := m.w.Cols
	xr := m.x[t*cols : (t+1)*cols]
	if !m.avx2 {
		quant.Quantize(m.af, m.act[t*m.rowSize:(t+1)*m.rowSize], xr)
		return
	}
	if m.kfam {
		quantQ8K(unsafe.Pointer(&m.act[t*m.rowSize]), &xr[0], m.nb)
		return
	}
	off, T, i := m.actAt(t)
	a := m.act[off:]
	quantQ8_0(unsafe.Pointer(&a[4*i]), unsafe.Pointer(&a[T*32+4*i]), unsafe.Pointer(&a[T*36+4*i]),
		T*q8BlockPer, 4*T, &xr[0], m.nb)
}

// rows computes output columns [r0, r1) for all activation rows.
func (m *qmm) rows(r0, r1 int) {
	switch {
	case !m.avx2:
		m.rowsPortable(r0, r1)
	case m.kfam:
		m.rowsK(r0, r1)
	default:
		m.rowsQ8(r0, r1)
	}
}

// rowsPortable is the pure-Go path: quant.Dot (quant.DotKBlocks for the K family) for
// every output.
func (m *qmm) rowsPortable(r0, r1 int) {
	w, rs := m.w, m.rowSize
	for r := r0; r < r1; r++ {
		wr := w.Data[r*m.rb : (r+1)*m.rb]
		for t := range m.n {
			if m.kfam {
				m.dst[t*w.Rows+r] = quant.DotKBlocks(m.f, wr, m.act[t*rs:(t+1)*rs], w.Cols)
			} else {
				m.dst[t*w.Rows+r] = quant.Dot(m.f, wr, m.act[t*rs:(t+1)*rs], w.Cols)
			}
		}
	}
}

// rowBlocks is the blocking the tiled AVX2 paths share: for each block
// [b0, b1) of at most blk weight rows of [r0, r1) it runs block with acc, the
// zeroed accumulators of the m.nTiles activation tiles of T rows (blk·T per
// tile, from the scratch pool). It does nothing without full tiles.
func (m *qmm) rowBlocks(r0, r1, blk, T int, block func(b0, b1 int, acc []float32)) {
	if m.nTiles == 0 {
		return
	}
	s := scratches.Get().(*scratch)
	acc := grow(s.acc, m.nTiles*blk*T)
	for b0 := r0; b0 < r1; b0 += blk {
		b1 := min(b0+blk, r1)
		clear(acc)
		block(b0, b1, acc)
	}
	s.acc = acc
	scratches.Put(s)
}

// rowsQ8 is the AVX2 path for Q8_0 and Q4_0 weights. Blocks of q8RowBlk
// weight rows are taken one at a time; for each column panel, every 8-row
// activation tile is run against the block's rows, so the weight panel (17
// KiB) and the tile panel (10 KiB) both stay in L1 and each weight byte
// comes from memory once. Without VNNI the tile kernels take the rows four
// at a time (then two, then one), which share each load of the tile. The activation rows that do not fill a tile then
// run against groups of 8 weight rows.
func (m *qmm) rowsQ8(r0, r1 int) {
	w, rows, nb := m.w, m.w.Rows, m.nb
	bb := w.DType.BlockBytes()
	q4 := w.DType == tensor.Q4_0
	tile, tile2, tile4, tileN := q8_0Tile8, q8_0Tile8x2, q8_0Tile8x4, q8_0Tile8V
	if q4 {
		tile, tile2, tile4, tileN = q4_0Tile8, q4_0Tile8x2, q4_0Tile8x4, q4_0Tile8V
	}
	const T = q8TileRows
	m.rowBlocks(r0, r1, q8RowBlk, T, func(b0, b1 int, acc []float32) {
		for k0 := 0; k0 < nb; k0 += q8PanelBlks {
			kn := min(q8PanelBlks, nb-k0)
			for tl := range m.nTiles {
				ap := unsafe.Pointer(&m.act[tl*m.tileBytes+k0*T*q8BlockPer])
				a := acc[tl*q8RowBlk*T:]
				if m.vnni {
					tileN(unsafe.Pointer(&w.Data[b0*m.rb+k0*bb]), ap, &a[0], kn, b1-b0, m.rb)
					continue
				}
				r := b0
				for ; r+3 < b1; r += 4 {
					tile4(unsafe.Pointer(&w.Data[r*m.rb+k0*bb]), m.rb, ap, &a[(r-b0)*T], kn)
				}
				for ; r+1 < b1; r += 2 {
					tile2(unsafe.Pointer(&w.Data[r*m.rb+k0*bb]), m.rb, ap, &a[(r-b0)*T], kn)
				}
				for ; r < b1; r++ {
					tile(unsafe.Pointer(&w.Data[r*m.rb+k0*bb]), ap, &a[(r-b0)*T], kn)
				}
			}
		}
		for tl := range m.nTiles {
			for j := range b1 - b0 {
				a := acc[(tl*q8RowBlk+j)*T : (tl*q8RowBlk+j+1)*T]
				for t, v := range a {
					m.dst[(tl*T+t)*rows+b0+j] = v
				}
			}
		}
	})
	t0 := m.nTiles * T
	if t0 == m.n {
		return
	}
	var ptrs [8]unsafe.Pointer
	pf := prefetchAhead(m.rb)
	// Q8_0 rows of a multiple of 8 blocks take the two-pass kernels, which
	// read each weight row as one stream; sums holds a group's block sums.
	var sums []int32
	if seq := !q4 && nb%8 == 0; seq {
		s := scratches.Get().(*scratch)
		if cap(s.sums) < 8*nb {
			s.sums = make([]int32, 8*nb)
		}
		sums = s.sums[:8*nb]
		defer scratches.Put(s)
	}
	for r := r0; r < r1; r += 8 {
		for j := range ptrs {
			ptrs[j] = unsafe.Pointer(&w.Data[min(r+j, r1-1)*m.rb])
		}
		for t := t0; t < m.n; t++ {
			var acc [8]float32
			a := unsafe.Pointer(&m.act[m.nTiles*m.tileBytes+(t-t0)*m.rowSize])
			switch {
			case q4:
				q4_0Rows8(&ptrs, a, &acc[0], nb, pf)
			case sums != nil:
				for j := range ptrs {
					q8_0Sums(ptrs[j], a, &sums[j], nb/8, pf)
				}
				q8_0Float8(&ptrs, a, &sums[0], &acc[0], nb)
			default:
				q8_0Rows8(&ptrs, a, &acc[0], nb, pf)
			}
			for j := range min(8, r1-r) {
				m.dst[t*rows+r+j] = acc[j]
			}
		}
	}
}

// rowsK is the AVX2 path for Q4_K and Q6_K weights, blocked like rowsQ8
// (kRowBlk weight rows, 4-row activation tiles, column panels); the
// activation rows that do not fill a tile then run against each weight row.
// The first m.k16 groups of 16 rows run as K16 tiles instead, their
// accumulators where their 4-row tiles' would be.
func (m *qmm) rowsK(r0, r1 int) {
	w, rows, nb, rs := m.w, m.w.Rows, m.nb, m.rowSize
	bb := w.DType.BlockBytes()
	q6 := w.DType == tensor.Q6K
	dot, row1, dot16 := q4kDot4, q4kRows1, q4kDot16V
	if q6 {
		dot16 = q6kDot16V
	}
	switch {
	case q6 && m.vnni:
		dot, row1 = q6kDot4V, q6kRows1V
	case q6:
		dot, row1 = q6kDot4, q6kRows1
	case m.vnni:
		dot, row1 = q4kDot4V, q4kRows1V
	}
	const T = kTileRows
	m.rowBlocks(r0, r1, kRowBlk, T, func(b0, b1 int, acc []float32) {
		for k0 := 0; k0 < nb; k0 += kPanelSBs {
			kn := min(kPanelSBs, nb-k0)
			wp := unsafe.Pointer(&w.Data[b0*m.rb+k0*bb])
			for q := range m.k16 {
				ap := unsafe.Pointer(&m.act[(m.n+q*k16Rows)*rs+k0*k16Bytes])
				var fin *float32
				if k0+kn == nb {
					fin = &m.dst[q*k16Rows*rows+b0]
				}
				dot16(wp, ap, &acc[q*kRowBlk*k16Rows], kn, b1-b0, m.rb, fin, 4*rows)
			}
			for tl := m.k16 * k16Rows / T; tl < m.nTiles; tl++ {
				ap := unsafe.Pointer(&m.act[tl*T*rs+k0*q8KBytes])
				a := &acc[tl*kRowBlk*T]
				var fin *float32 // the last panel also writes the outputs
				if k0+kn == nb {
					fin = &m.dst[tl*T*rows+b0]
				}
				dot(wp, ap, rs, a, kn, b1-b0, m.rb, fin, 4*rows)
			}
		}
	})
	pf := prefetchAhead(m.rb)
	for t := m.nTiles * T; t < m.n && r0 < r1; t++ {
		row1(unsafe.Pointer(&w.Data[r0*m.rb]), unsafe.Pointer(&m.act[t*rs]), r1-r0, &m.dst[t*rows+r0], nb, pf)
	}
}

// prefetchAhead is the byte distance at which the decode kernels prefetch
// weights: a whole number of rows, at least 8 (the next row group) and about
// 16 KiB, which BenchmarkMatMulDecodeCold found best for Q8_0 (1 thread,
// 1024-column rows: 12.1 GB/s against 7.7 without prefetching and 10.5 one
// group ahead; 4096-column rows: 16.5 against 11.6).
func prefetchAhead(rowBytes int) int {
	return max(8, (16<<10+rowBytes-1)/rowBytes) * rowBytes
}
