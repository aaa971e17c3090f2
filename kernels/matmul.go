package kernels

import (
	"fmt"

	"github.com/herd-llm/herd/tensor"
)

// MatMul computes dst = x·Wᵀ for a batch of n activation rows:
// dst[t*w.Rows+r] = Σ_c x[t*w.Cols+c] · W[r, c], for t in [0, n).
//
// x is [n, w.Cols] and dst is [n, w.Rows], both row-major float32; dst must not
// alias x. Accumulation is in float32 or wider.
func MatMul(dst, x []float32, n int, w *tensor.Mat) {
	if len(x) < n*w.Cols || len(dst) < n*w.Rows {
		panic(fmt.Sprintf("kernels: MatMul shapes: x %d, dst %d for n=%d W[%d,%d]", len(x), len(dst), n, w.Rows, w.Cols))
	}
	MatMulRef(dst, x, n, w)
}

// MatMulRef is the portable, obviously-correct definition of MatMul: each
// weight row is decoded to float32 and dotted with each activation row in
// float32, summing left to right.
func MatMulRef(dst, x []float32, n int, w *tensor.Mat) {
	row := make([]float32, w.Cols)
	for r := 0; r < w.Rows; r++ {
		w.RowF32(r, row)
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
