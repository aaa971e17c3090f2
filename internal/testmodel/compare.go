package testmodel

import "math"

// MaxAbsDiff returns the largest |a[i]-b[i]| over a's indices and where it
// is (-1 when a is empty or equal to b); a NaN difference returns +Inf at
// its index at once.
func MaxAbsDiff(a, b []float32) (float64, int) {
	worst, at := 0.0, -1
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if d > worst || math.IsNaN(d) {
			worst, at = d, i
			if math.IsNaN(d) {
				return math.Inf(1), i
			}
		}
	}
	return worst, at
}

// Argmax returns the index of v's largest value, the first one on ties
// (0 for an empty v).
func Argmax(v []float32) int32 {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return int32(best)
}
