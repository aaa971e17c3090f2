package engine

import "math"

// logprobs returns log p(id) and the top k alternatives under softmax(x).
func logprobs(x []float32, id int32, k int) (float32, []TokenProb) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v - m))
	}
	lse := float64(m) + math.Log(sum)
	lp := float32(float64(x[id]) - lse)
	if k <= 0 {
		return lp, nil
	}
	top := make([]TokenProb, 0, k+1)
	for i, v := range x {
		if len(top) == k && v <= top[k-1].Logprob {
			continue
		}
		tp := TokenProb{int32(i), v}
		j := len(top)
		if j < k {
			top = append(top, tp)
		} else {
			j = k - 1
			top[j] = tp
		}
		for j > 0 && top[j].Logprob > top[j-1].Logprob {
			top[j], top[j-1] = top[j-1], top[j]
			j--
		}
	}
	for i := range top {
		top[i].Logprob = float32(float64(top[i].Logprob) - lse)
	}
	return lp, top
}
