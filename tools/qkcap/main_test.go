package main

import (
	"math"
	"testing"
)

// TestBestIsARealHead rebuilds the solution as actual q and k head vectors
// (adjacent-pair RoPE at the query's and the keys' positions, then the
// weightless RMS norm, then scores q·k/√d) and checks that the softmax
// weight on the previous token is the one best reports, and that the
// weight grows with the head dimension.
func TestBestIsARealHead(t *testing.T) {
	const T, theta = 64, 10000.0
	prev := 0.0
	for _, d := range []int{16, 64} {
		h := best(d, T, theta, 2, 400)
		if !(h.weight > 1.0/T && h.weight < 1) {
			t.Fatalf("d=%d: weight %g outside (1/T, 1)", d, h.weight)
		}
		if h.weight <= prev {
			t.Errorf("d=%d: weight %g not above the smaller head's %g", d, h.weight, prev)
		}
		prev = h.weight
		// As complex pairs q_i = √(d·w_i)·e^{iφ_i}, k_i = √(d·w_i); after RoPE
		// at positions t and t−Δ the pair's dot product is
		// Re(conj(q_i)·k_i·e^{−iΔθ_i}) = d·w_i·cos(Δθ_i + φ_i), best's score.
		q, k := make([]float64, d), make([]float64, d)
		for i := range d / 2 {
			m := math.Sqrt(float64(d) * h.w[i])
			q[2*i], q[2*i+1] = m*math.Cos(h.phase[i]), m*math.Sin(h.phase[i])
			k[2*i] = m
		}
		tq := T - 1 // the query sees keys at positions 0…T−1, offsets T−1…0
		qr := rmsNorm(rope(q, tq, theta))
		scores := make([]float64, T)
		for D := range T {
			kr := rmsNorm(rope(k, tq-D, theta))
			var s float64
			for j := range d {
				s += qr[j] * kr[j]
			}
			scores[D] = s / math.Sqrt(float64(d))
			if math.Abs(scores[D]) > math.Sqrt(float64(d))+1e-9 {
				t.Fatalf("d=%d: score %g beyond ±√d", d, scores[D])
			}
		}
		p := make([]float64, T)
		softmax(p, scores)
		if math.Abs(p[1]-h.weight) > 1e-6 {
			t.Errorf("d=%d: real head puts %.6f on the previous token, best reports %.6f", d, p[1], h.weight)
		}
	}
}

// rope rotates adjacent pairs (x_2i, x_2i+1) by the angle pos·θ_i.
func rope(x []float64, pos int, theta float64) []float64 {
	d := len(x)
	out := make([]float64, d)
	for i := range d / 2 {
		a := float64(pos) * math.Pow(theta, -2*float64(i)/float64(d))
		c, s := math.Cos(a), math.Sin(a)
		out[2*i] = x[2*i]*c - x[2*i+1]*s
		out[2*i+1] = x[2*i]*s + x[2*i+1]*c
	}
	return out
}

// rmsNorm scales x to RMS 1 (Llama 4's weightless QK-norm, eps omitted).
func rmsNorm(x []float64) []float64 {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	r := 1 / math.Sqrt(ss/float64(len(x)))
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v * r
	}
	return out
}
