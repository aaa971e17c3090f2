package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// TestMatMulsEqualsMatMul checks that MatMuls gives, bit for bit, what one
// MatMul per product gives, for every implementation, weight dtypes mixed in
// one call (as a Q4_K_M file mixes Q4_K and Q6_K), shared and separate
// inputs, row counts that are not multiples of the run alignment, batch sizes
// on both sides of fuseMaxN, and 1–3 threads with the pool forced on and off.
func TestMatMulsEqualsMatMul(t *testing.T) {
	type shape struct {
		dt         tensor.DType
		rows, cols int
	}
	for _, tc := range []struct {
		name   string
		shapes []shape
		shareX bool
	}{
		{"qkv-k", []shape{{tensor.Q4K, 96, 512}, {tensor.Q4K, 40, 512}, {tensor.Q6K, 40, 512}}, true},
		{"gate-up-router", []shape{{tensor.Q4K, 100, 256}, {tensor.Q4K, 100, 256}, {tensor.F32, 7, 256}}, true},
		{"q8-q4", []shape{{tensor.Q8_0, 33, 256}, {tensor.Q4_0, 65, 256}}, true},
		{"floats", []shape{{tensor.F32, 50, 64}, {tensor.BF16, 31, 64}, {tensor.F16, 9, 64}, {tensor.F8E4M3, 12, 64}}, true},
		{"separate-inputs", []shape{{tensor.Q6K, 70, 256}, {tensor.Q4K, 3, 512}, {tensor.F32, 1, 16}}, false},
		{"empty-products", []shape{{tensor.Q4K, 0, 256}, {tensor.F32, 64, 256}, {tensor.F32, 0, 256}}, true},
		{"many", []shape{{tensor.Q4K, 32, 256}, {tensor.Q4K, 64, 256}, {tensor.Q6K, 8, 256}, {tensor.Q8_0, 16, 256},
			{tensor.Q4_0, 5, 256}, {tensor.F32, 9, 256}, {tensor.BF16, 40, 256}, {tensor.Q4K, 33, 256},
			{tensor.Q6K, 41, 256}, {tensor.F16, 2, 256}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(len(tc.name))))
			ws := make([]*tensor.Mat, len(tc.shapes))
			for i, s := range tc.shapes {
				if s.dt.BlockSize() > 1 {
					ws[i] = randQuantMat(rng, s.dt, s.rows, s.cols, false)
				} else {
					ws[i] = randMat(rng, s.dt, s.rows, s.cols)
				}
			}
			for _, n := range []int{0, 1, 2, 5, fuseMaxN, fuseMaxN + 1} {
				xs := make([][]float32, len(ws))
				for i, w := range ws {
					if tc.shareX && i > 0 && w.Cols == ws[0].Cols {
						xs[i] = xs[0]
						continue
					}
					xs[i] = randActs(rng, n, w.Cols)
				}
				eachImpl(t, func(t *testing.T) {
					want := make([][]float32, len(ws))
					useThreads(t, 1, 1<<18)
					for i, w := range ws {
						want[i] = make([]float32, n*w.Rows)
						MatMul(want[i], xs[i], n, w)
					}
					for _, th := range []struct {
						nt      int
						minMACs int64
					}{{1, 1 << 18}, {2, 0}, {3, 0}, {2, 1 << 40}} {
						useThreads(t, th.nt, th.minMACs)
						ps := make([]Product, len(ws))
						for i, w := range ws {
							ps[i] = Product{Dst: make([]float32, n*w.Rows), X: xs[i], W: w}
						}
						MatMuls(n, ps...)
						for i := range ps {
							if j := bitsEqual(ps[i].Dst, want[i]); j >= 0 {
								t.Fatalf("n=%d threads=%d minMACs=%d: product %d (%s %dx%d) differs at %d: %g vs %g",
									n, th.nt, th.minMACs, i, ws[i].DType, ws[i].Rows, ws[i].Cols, j, ps[i].Dst[j], want[i][j])
							}
						}
					}
				})
			}
		})
	}
}

// TestFusedCuts checks that a fused job's runs cover every row of every
// product exactly once, in order, for task counts from 1 to 16.
func TestFusedCuts(t *testing.T) {
	for _, rows := range [][]int{{1}, {256, 64, 64}, {1024, 1024}, {33, 1, 500, 7}, {16, 8, 8, 8, 8, 8, 8, 8}} {
		for ntasks := 1; ntasks <= 16; ntasks++ {
			t.Run(fmt.Sprint(rows, ntasks), func(t *testing.T) {
				f := &fused{np: len(rows), ntasks: ntasks}
				for i, r := range rows {
					f.rows[i] = r
					f.off[i+1] = f.off[i] + int64(r)*int64(10+i)
				}
				seen := make([][]int, len(rows))
				for i, r := range rows {
					seen[i] = make([]int, r)
				}
				for task := range ntasks {
					p0, r0 := f.cut(task)
					p1, r1 := f.cut(task + 1)
					if p1 < p0 || (p1 == p0 && r1 < r0) {
						t.Fatalf("task %d runs backwards: (%d,%d) to (%d,%d)", task, p0, r0, p1, r1)
					}
					for p := p0; p <= p1; p++ {
						a, b := 0, rows[p]
						if p == p0 {
							a = r0
						}
						if p == p1 {
							b = r1
						}
						for r := a; r < b; r++ {
							seen[p][r]++
						}
					}
				}
				for p := range seen {
					for r, c := range seen[p] {
						if c != 1 {
							t.Fatalf("product %d row %d computed %d times", p, r, c)
						}
					}
				}
			})
		}
	}
}
