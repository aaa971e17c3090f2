package nn

import "math"

// NLLRow returns −log softmax(logits)[y] = logsumexp(logits) − logits[y],
// in float64, and the log-sum-exp.
func NLLRow[F Float](logits []F, y int32) (nll, lse float64) {
	m := RowMax(logits)
	var s float64
	for _, v := range logits {
		s += math.Exp(float64(v) - m)
	}
	lse = m + math.Log(s)
	return lse - float64(logits[y]), lse
}

// RowMax returns the largest of v (which is not empty) in float64.
func RowMax[F Float](v []F) float64 {
	m := v[0]
	for _, x := range v[1:] {
		if x > m {
			m = x
		}
	}
	return float64(m)
}

// SoftmaxRow writes softmax(v) to p (len(v) values), computed stably in
// float64.
func SoftmaxRow[F Float](p []float64, v []F) {
	m := RowMax(v)
	var z float64
	for i, x := range v {
		p[i] = math.Exp(float64(x) - m)
		z += p[i]
	}
	for i := range p {
		p[i] /= z
	}
}
