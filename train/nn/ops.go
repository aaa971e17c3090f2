package nn

import (
	"math"

	"github.com/herd-llm/herd/kernels"
)

// Small ops, each with its forward and backward, written once for float32
// (training) and float64 (finite-difference checks). The forward forms are
// the inference definitions (kernels.RMSNorm, llama4's adjacent-pair RoPE,
// llama4.TempScale), operation for operation.

// RMSNormRow writes y = x · r · w with r = 1/sqrt(mean(x²) + eps) (w nil: no
// weight, the QK-norm) and returns r. The statistic is accumulated in
// float64 and applied in F, as kernels.RMSNorm does; y may alias x.
func RMSNormRow[F Float](y, x, w []F, eps float32) F {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	r := F(1 / math.Sqrt(ss/float64(len(x))+float64(eps)))
	if y32, ok := any(y).([]float32); ok {
		// The inference kernel itself (same statistic, same rounding).
		kernels.RMSNorm(y32, any(x).([]float32), any(w).([]float32), eps)
		return r
	}
	if w == nil {
		for i, v := range x {
			y[i] = v * r
		}
		return r
	}
	for i, v := range x {
		y[i] = (v * r) * w[i]
	}
	return r
}

// RMSNormBackRow is the backward of RMSNormRow for one row. With x̂ = x·xs
// (xs = r for the input x, or 1 when x is the saved normalised output) and
// ĝ = dy⊙w (dy when w is nil):
//
//	dx = r · (ĝ − x̂ · mean(ĝ⊙x̂)),   dw += dy⊙x̂.
//
// dx is overwritten, or added to when add; dx may alias dy only when !add.
// dw may be nil.
func RMSNormBackRow[F Float](dx, dy, x []F, xs F, w, dw []F, r F, add bool) {
	D := len(x)
	var s float64
	for i, v := range x {
		g := dy[i]
		if w != nil {
			g *= w[i]
		}
		s += float64(g) * float64(v*xs)
	}
	m := F(s / float64(D))
	for i, v := range x {
		xh := v * xs
		g := dy[i]
		if w != nil {
			g *= w[i]
		}
		if dw != nil {
			dw[i] += dy[i] * xh
		}
		d := r * (g - xh*m)
		if add {
			dx[i] += d
		} else {
			dx[i] = d
		}
	}
}

// RMSNormRows normalises rows of x [rows, D] into y, saving 1/rms in r.
func RMSNormRows[F Float](y, r, x, w []F, rows, D int, eps float32) {
	kernels.ParallelFor(rows, RowGrain(4*D), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			r[n] = RMSNormRow(y[n*D:(n+1)*D], x[n*D:(n+1)*D], w, eps)
		}
	})
}

// RMSNormBackRows adds the input gradient of RMSNormRows to dx and the
// weight gradient to dw, for x the saved input and r its saved 1/rms.
func RMSNormBackRows[F Float](dx, dy, x, r, w, dw []F, rows, D int) {
	kernels.ParallelFor(rows, RowGrain(6*D), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			RMSNormBackRow(dx[n*D:(n+1)*D], dy[n*D:(n+1)*D], x[n*D:(n+1)*D], r[n], w, nil, r[n], true)
		}
	})
	// The weight gradient sums over rows: one pass, in row order.
	for n := 0; n < rows; n++ {
		xr, dr, rn := x[n*D:(n+1)*D], dy[n*D:(n+1)*D], r[n]
		for i := range dw[:D] {
			dw[i] += dr[i] * (xr[i] * rn)
		}
	}
}

// RoPERow rotates the adjacent pairs (2i, 2i+1) of one head vector by the
// angles whose cosines and sines are cs, sn (spec §2.2):
// out[2i] = x[2i]·c − x[2i+1]·s, out[2i+1] = x[2i]·s + x[2i+1]·c.
func RoPERow[F Float](x, cs, sn []F) {
	for i, c := range cs {
		s := sn[i]
		a, b := x[2*i], x[2*i+1]
		x[2*i] = a*c - b*s
		x[2*i+1] = a*s + b*c
	}
}

// RoPEBackRow applies the transposed (inverse) rotation to a gradient.
func RoPEBackRow[F Float](dx, cs, sn []F) {
	for i, c := range cs {
		s := sn[i]
		a, b := dx[2*i], dx[2*i+1]
		dx[2*i] = a*c + b*s
		dx[2*i+1] = -a*s + b*c
	}
}

// SwiGLU writes a = silu(g)·u, elementwise.
func SwiGLU[F Float](a, g, u []F) {
	kernels.ParallelFor(len(a), 1<<14, func(lo, hi int) {
		SwiGLUAct(a[lo:hi], nil, g[lo:hi], u[lo:hi])
	})
}

// SwiGLURecompute is SwiGLU that also saves σ(g) in sg, so that the backward
// pass (SwiGLUBackSig) needs no further exponentials: one exp per element
// recomputes a = silu(g)·u exactly as the forward pass did.
func SwiGLURecompute[F Float](a, sg, g, u []F) {
	kernels.ParallelFor(len(a), 1<<14, func(lo, hi int) {
		SwiGLUAct(a[lo:hi], sg[lo:hi], g[lo:hi], u[lo:hi])
	})
}

// SwiGLUAct writes a = silu(g)·u and, when sg is not nil, sg = σ(g): the one
// definition of the SwiGLU activation that the forward pass and the
// backward's recomputation share. a must not alias g or u. float64 (the
// finite-difference twin) evaluates x / (1 + e^−x) as kernels.SiLU does;
// float32 runs kernels.SwiGLUSig: σ(x) = 1/(1 + e^−|x|), times e^−|x| for
// x < 0, with a vectorised exponential (relative error below 4e-7).
func SwiGLUAct[F Float](a, sg, g, u []F) {
	if a32, ok := any(a).([]float32); ok {
		var sg32 []float32
		if sg != nil {
			sg32 = any(sg).([]float32)
		}
		swigluAct32(a32, sg32, any(g).([]float32), any(u).([]float32))
		return
	}
	for i, x := range g {
		e := math.Exp(float64(-x))
		a[i] = x / (1 + F(e)) * u[i]
		if sg != nil {
			sg[i] = F(1 / (1 + e))
		}
	}
}

func swigluAct32(a, sg, g, u []float32) { kernels.SwiGLUSig(a, sg, g, u) }

// SwiGLUBackSig is swigluBack given sg = σ(g) from SwiGLURecompute:
// dg = da·u·σ·(1 + g·(1−σ)), du = da·g·σ. dg or du may alias da.
func SwiGLUBackSig[F Float](dg, du, da, g, u, sg []F) {
	kernels.ParallelFor(len(da), 1<<14, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d, x, s := da[i], g[i], sg[i]
			dg[i], du[i] = d*u[i]*(s*(1+x*(1-s))), d*(x*s)
		}
	})
}
