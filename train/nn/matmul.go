package nn

import "github.com/herd-llm/herd/kernels"

// The three matrix products of a linear layer's forward and backward pass.
// Shapes are row-major [rows, cols]. float32 runs on kernels.Gemm, which
// reads every operand layout through strides (no transposes); float64 (the
// finite-difference twin) uses plain loops. Both are deterministic: each
// output element is computed by one goroutine in a fixed order. Accumulating
// forms (MatMulNN with acc, MatMulTN) add the terms to dst's value one by one in
// float32.

// MatMulNT computes dst[n, m] = x[n, k]·w[m, k]ᵀ (a Linear forward: w is [out, in]).
func MatMulNT[F Float](dst, x, w []F, n, k, m int) {
	if n == 0 || m == 0 {
		return
	}
	if d, ok := any(dst).([]float32); ok {
		kernels.Gemm(n, m, k, any(x).([]float32), k, 1, any(w).([]float32), 1, k, d, m, false)
		return
	}
	kernels.ParallelFor(n, RowGrain(k*m), func(lo, hi int) {
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

// MatMulNN computes dst[n, m] = x[n, k]·w[k, m], or adds it to dst when acc.
func MatMulNN[F Float](dst, x, w []F, n, k, m int, acc bool) {
	if n == 0 || m == 0 {
		return
	}
	if d, ok := any(dst).([]float32); ok {
		kernels.Gemm(n, m, k, any(x).([]float32), k, 1, any(w).([]float32), m, 1, d, m, acc)
		return
	}
	kernels.ParallelFor(n, RowGrain(k*m), func(lo, hi int) {
		row := make([]F, m)
		for t := lo; t < hi; t++ {
			clear(row)
			for c := 0; c < k; c++ {
				if a := x[t*k+c]; a != 0 {
					Axpy(row, a, w[c*m:(c+1)*m])
				}
			}
			d := dst[t*m : (t+1)*m]
			if acc {
				AddTo(d, row)
			} else {
				copy(d, row)
			}
		}
	})
}

// MatMulTN adds a[n, m]ᵀ·b[n, k] to dst[m, k] (a weight gradient: a = dY, b = X).
func MatMulTN[F Float](dst, a, b []F, n, m, k int) {
	if n == 0 || m == 0 || k == 0 {
		return
	}
	if d, ok := any(dst).([]float32); ok {
		kernels.Gemm(m, k, n, any(a).([]float32), 1, m, any(b).([]float32), k, 1, d, k, true)
		return
	}
	kernels.ParallelFor(m, RowGrain(n*k), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			d := dst[r*k : (r+1)*k]
			for t := 0; t < n; t++ {
				if v := a[t*m+r]; v != 0 {
					Axpy(d, v, b[t*k:(t+1)*k])
				}
			}
		}
	})
}
