package vision

import "math"

// layerNorm writes y = (x − mean(x)) / sqrt(var(x) + eps) · w + b for one row
// (biased variance, as torch.nn.LayerNorm). The statistics are accumulated in
// float64. y may alias x.
func layerNorm(y, x, w, b []float32, eps float32) {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	mean := s / float64(len(x))
	var ss float64
	for _, v := range x {
		d := float64(v) - mean
		ss += d * d
	}
	inv := 1 / math.Sqrt(ss/float64(len(x))+float64(eps))
	for i, v := range x {
		y[i] = float32((float64(v)-mean)*inv)*w[i] + b[i]
	}
}

// gelu is the exact (erf) GELU, x·Φ(x), evaluated in float64.
func gelu(x float32) float32 {
	v := float64(x)
	return float32(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
}

// addBias adds b to every row of x [n, len(b)].
func addBias(x, b []float32) {
	if b == nil {
		return
	}
	d := len(b)
	for r := 0; r+d <= len(x); r += d {
		row := x[r : r+d]
		for i, v := range b {
			row[i] += v
		}
	}
}
