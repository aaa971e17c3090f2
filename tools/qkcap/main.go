// Command qkcap estimates how sharply a RoPE attention head with Llama 4's
// weightless QK-norm can attend to the previous token (docs/distillation.md,
// "Why nothing retrieved: initialisation, QK-norm and sparse induction
// signal").
//
// After the QK-norm every head vector of q and k has RMS 1, so |q|² = |k|² = d
// and the score of a key at offset Δ behind the query is
//
//	s(Δ) = (1/√d) · Re Σ_i a_i · e^{iΔθ_i},  Σ_i |a_i| ≤ d,
//
// over the d/2 RoPE frequency pairs θ_i = theta^(−2i/d), a_i = conj(q_i)·k_i.
// The command maximises the softmax weight of offset 1 among offsets
// 0…T−1 (a query that sees T keys) by gradient ascent on the a_i from
// several random starts and prints the best weight found for each head
// dimension: a lower bound on the true maximum. Without QK-norm the scores
// are unbounded and the weight can approach 1.
//
//	go run ./tools/qkcap -starts 24 -iters 3000 -d 16,32,64,128 -T 64
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

func main() {
	dims := flag.String("d", "16,32,64,128", "head dimensions")
	T := flag.Int("T", 64, "keys the query sees (offsets 0…T−1)")
	theta := flag.Float64("theta", 10000, "rope_theta")
	starts := flag.Int("starts", 8, "random starts per dimension")
	iters := flag.Int("iters", 2000, "gradient steps per start")
	flag.Parse()
	if *T < 2 {
		fmt.Fprintln(os.Stderr, "qkcap: -T must be at least 2")
		os.Exit(1)
	}
	for _, f := range strings.Split(*dims, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || d < 2 || d%2 != 0 {
			fmt.Fprintf(os.Stderr, "qkcap: head dimension %q: want an even number ≥ 2\n", f)
			os.Exit(1)
		}
		fmt.Printf("head_dim %3d: scores within ±%.2f; best weight on the previous token among %d keys: %.3f\n",
			d, math.Sqrt(float64(d)), *T, best(d, *T, *theta, *starts, *iters).weight)
	}
}

// head is a solution: a_i = d·w_i·e^{iφ_i} and the weight it puts on
// offset 1.
type head struct {
	w, phase []float64
	weight   float64
}

// best runs the gradient ascent: a_i = d·w_i·e^{iφ_i} with w = softmax(u),
// so Σ|a_i| = d (the bound is reached at the optimum).
func best(d, T int, theta float64, starts, iters int) head {
	h := d / 2
	th := make([]float64, h)
	for i := range th {
		th[i] = math.Pow(theta, -2*float64(i)/float64(d))
	}
	sd := math.Sqrt(float64(d))
	var top head
	w, s, p := make([]float64, h), make([]float64, T), make([]float64, T)
	gw, gph := make([]float64, h), make([]float64, h)
	for st := range starts {
		r := rand.New(rand.NewPCG(uint64(st), 7))
		u, ph := make([]float64, h), make([]float64, h)
		for i := range u {
			u[i], ph[i] = r.NormFloat64(), (2*r.Float64()-1)*math.Pi
		}
		for range iters {
			softmax(w, u)
			scores(s, w, th, ph, float64(d)/sd)
			softmax(p, s)
			// objective log p[1]; its gradient with respect to s is onehot(1) − p
			var wg float64
			for i := range h {
				gw[i], gph[i] = 0, 0
				for D := range s {
					g := -p[D]
					if D == 1 {
						g++
					}
					a := float64(D)*th[i] + ph[i]
					gw[i] += g * float64(d) * math.Cos(a) / sd
					gph[i] -= g * float64(d) * w[i] * math.Sin(a) / sd
				}
				wg += w[i] * gw[i]
			}
			for i := range h {
				u[i] += w[i] * (gw[i] - wg)
				ph[i] += 0.05 * gph[i]
			}
		}
		softmax(w, u)
		scores(s, w, th, ph, float64(d)/sd)
		softmax(p, s)
		if p[1] > top.weight {
			top = head{w: append([]float64(nil), w...), phase: append([]float64(nil), ph...), weight: p[1]}
		}
	}
	return top
}

// softmax writes softmax(x) to dst.
func softmax(dst, x []float64) {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	var z float64
	for i, v := range x {
		dst[i] = math.Exp(v - m)
		z += dst[i]
	}
	for i := range dst {
		dst[i] /= z
	}
}

// scores sets s[D] = scale·Σ_i w[i]·cos(D·th[i] + ph[i]): the attention score
// of the key D positions back, for frequency weights w and phases ph.
func scores(s, w, th, ph []float64, scale float64) {
	for D := range s {
		s[D] = 0
		for i := range w {
			s[D] += scale * w[i] * math.Cos(float64(D)*th[i]+ph[i])
		}
	}
}
