package distill

import "math"

// LogSoftmaxTopK writes the k largest log-probabilities of the softmax of
// logits, largest first, into lp[:k] and their token ids into idx[:k]
// (k = len(idx) = len(lp) ≤ len(logits); ties go to the smaller id).
func LogSoftmaxTopK(logits []float32, idx []int32, lp []float32) {
	k := len(idx)
	if k == 0 {
		return
	}
	if k > len(logits) || len(lp) != k {
		panic("distill: LogSoftmaxTopK: bad buffer lengths")
	}
	lse := logSumExp(logits)
	n := 0 // entries filled, kept sorted descending
	for i, v := range logits {
		if n == k && v <= lp[k-1] {
			continue
		}
		j := min(n, k-1)
		for j > 0 && lp[j-1] < v {
			lp[j], idx[j] = lp[j-1], idx[j-1]
			j--
		}
		lp[j], idx[j] = v, int32(i)
		n = min(n+1, k)
	}
	for j := range lp {
		lp[j] = float32(float64(lp[j]) - lse)
	}
}

// LogSoftmax writes the log-probabilities of the softmax of logits into lp.
func LogSoftmax(logits, lp []float32) {
	lse := logSumExp(logits)
	for i, v := range logits {
		lp[i] = float32(float64(v) - lse)
	}
}

func logSumExp(v []float32) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, float64(x))
	}
	var s float64
	for _, x := range v {
		s += math.Exp(float64(x) - m)
	}
	return m + math.Log(s)
}
