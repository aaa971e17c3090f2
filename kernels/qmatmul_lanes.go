package kernels

import (
	"unsafe"

	"github.com/herd-llm/herd/quant"
)

// laneActRows is the number of activation rows q8_0Lanes2x4 takes at once.
const laneActRows = 4

// rowsLanes is the AVX2 path for Q8_0 weights, in quant.DotQ8_0Lanes's order:
// every activation row is packed alone (T = 1), each (weight row, activation
// row) pair keeps 8 float lanes, and quant.LaneSum adds them at the end.
// Blocks of q8RowBlk weight rows are taken one at a time; for each column
// panel, every group of laneActRows activation rows runs against the block's
// rows two at a time (the weight panel, 17 KiB, stays in L1 across the
// groups; a group's panel, 5 KiB, across the block's rows). The activation
// rows that do not fill a group then run against 8 weight rows at a time.
func (m *qmm) rowsLanes(r0, r1 int) {
	const (
		L   = quant.Q8Lanes
		per = q8RowBlk * laneActRows * L // lanes of one group in a row block
	)
	w, rows, nb, rs := m.w, m.w.Rows, m.nb, m.rowSize
	bb := w.DType.BlockBytes()
	ng := m.n / laneActRows
	if ng > 0 {
		s := scratches.Get().(*scratch)
		acc := grow(s.acc, ng*per)
		for b0 := r0; b0 < r1; b0 += q8RowBlk {
			b1 := min(b0+q8RowBlk, r1)
			clear(acc)
			for k0 := 0; k0 < nb; k0 += q8PanelBlks {
				kn := min(q8PanelBlks, nb-k0)
				for g := range ng {
					ap := unsafe.Pointer(&m.act[g*laneActRows*rs+k0*q8BlockPer])
					for i := b0; i < b1; i += 2 {
						ws := m.rb
						if i+1 == b1 { // an odd last row: its pair is itself, into spare lanes
							ws = 0
						}
						q8_0Lanes2x4(unsafe.Pointer(&w.Data[i*m.rb+k0*bb]), ws, ap, rs, &acc[g*per+(i-b0)*laneActRows*L], kn)
					}
				}
			}
			for g := range ng {
				for i := b0; i < b1; i++ {
					for j := range laneActRows {
						lanes := (*[L]float32)(acc[g*per+((i-b0)*laneActRows+j)*L:])
						m.dst[(g*laneActRows+j)*rows+i] = quant.LaneSum(lanes)
					}
				}
			}
		}
		s.acc = acc
		scratches.Put(s)
	}
	var ptrs [8]unsafe.Pointer
	pf := prefetchAhead(m.rb)
	for r := r0; r < r1; r += 8 {
		for j := range ptrs {
			ptrs[j] = unsafe.Pointer(&w.Data[min(r+j, r1-1)*m.rb])
		}
		for t := ng * laneActRows; t < m.n; t++ {
			var acc [8 * L]float32
			q8_0Lanes8x1(&ptrs, unsafe.Pointer(&m.act[t*rs]), &acc[0], nb, pf)
			for j := range min(8, r1-r) {
				m.dst[t*rows+r+j] = quant.LaneSum((*[L]float32)(acc[j*L:]))
			}
		}
	}
}
