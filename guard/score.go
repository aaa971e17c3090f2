package guard

import "math"

// scorer is a decoding constraint that masks nothing: it records the
// probability of one token (the first token of "unsafe") at the first step,
// from the logits the sampler picks from.
type scorer struct {
	id    int32
	p     float64
	steps int
}

// Mask records the softmax probability of s.id at the first step.
func (s *scorer) Mask(logits []float32) {
	s.steps++
	if s.steps > 1 {
		return
	}
	s.p = softmaxAt(logits, int(s.id))
}

// Accept does nothing: the scorer has no state past the first step.
func (s *scorer) Accept(int32) {}

// softmaxAt is softmax(x)[i], computed stably in float64.
func softmaxAt(x []float32, i int) float64 {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = max(mx, float64(v))
	}
	if math.IsInf(mx, -1) {
		return 0
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v) - mx)
	}
	return math.Exp(float64(x[i])-mx) / sum
}
