package vision

import "math"

// rope2D is the vision tower's 2D rotary embedding (spec §5.3): head
// dimensions 2k and 2k+1 form a complex pair; with F = headDim/4 frequencies
// f_j = θ^(−j/F) (computed in float32 as the reference does), patch n at
// column x = n mod G and row y = ⌊n/G⌋ rotates pair k < F by (x+1)·f_k and
// pair k ≥ F by (y+1)·f_(k−F). The class token (the last, index G²) is not
// rotated.
type rope2D struct {
	pairs    int       // headDim/2
	cos, sin []float32 // [tokens, pairs]
}

func newRope2D(grid, headDim int, theta float64) *rope2D {
	F := headDim / 4
	freq := make([]float32, F)
	for j := range freq {
		// rope_freq = 1 / theta ** (arange(0, 2F, 2)[:F].float() / 2F), in float32.
		e := float32(2*j) / float32(2*F)
		freq[j] = float32(1 / float64(float32(math.Pow(theta, float64(e)))))
	}
	n := grid*grid + 1
	r := &rope2D{pairs: 2 * F, cos: make([]float32, n*2*F), sin: make([]float32, n*2*F)}
	for t := 0; t < n; t++ {
		for k := 0; k < 2*F; k++ {
			var a float32
			if t < grid*grid {
				pos := t%grid + 1
				if k >= F {
					pos = t/grid + 1
				}
				a = float32(pos) * freq[k%F]
			}
			r.cos[t*2*F+k] = float32(math.Cos(float64(a)))
			r.sin[t*2*F+k] = float32(math.Sin(float64(a)))
		}
	}
	return r
}

// apply rotates one head vector x [2·pairs] of token t in place.
func (r *rope2D) apply(x []float32, t int) {
	c := r.cos[t*r.pairs : (t+1)*r.pairs]
	s := r.sin[t*r.pairs : (t+1)*r.pairs]
	for k := range c {
		a, b := x[2*k], x[2*k+1]
		x[2*k] = a*c[k] - b*s[k]
		x[2*k+1] = a*s[k] + b*c[k]
	}
}
