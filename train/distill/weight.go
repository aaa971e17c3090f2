package distill

import (
	"fmt"
	"math"
)

// Weighting rules of the soft/hard weight α (Options.Weighting).
const (
	// WeightSchedule: α falls linearly from Alpha at the first step to
	// AlphaEnd at the last (soft-heavy early, hard-heavy late).
	WeightSchedule = "schedule"
	// WeightConfidence: the scheduled α times the teacher's probability of
	// the data's label at that position (0 when the label is outside the
	// teacher's top k), so positions where the teacher is unsure of or wrong
	// about the label learn from the label.
	WeightConfidence = "confidence"
)

// Alpha is the scheduled soft weight at fraction progress ∈ [0, 1] of the
// run: Alpha + (AlphaEnd − Alpha)·progress.
func (o *Options) AlphaAt(progress float64) float64 {
	progress = math.Min(math.Max(progress, 0), 1)
	return o.Alpha + (o.AlphaEnd-o.Alpha)*progress
}

// tokenAlpha is the soft weight of one position with label y and teacher
// distribution s, given the scheduled α.
func (o *Options) tokenAlpha(alpha float64, s Soft, y int32) float64 {
	if o.Weighting != WeightConfidence {
		return alpha
	}
	return alpha * Confidence(s, y)
}

// Confidence is the teacher's probability (temperature 1) of token y: 0
// when y is not among s's tokens.
func Confidence(s Soft, y int32) float64 {
	if s.Idx == nil {
		if int(y) < len(s.LogP) {
			return math.Exp(float64(s.LogP[y]))
		}
		return 0
	}
	for j, id := range s.Idx {
		if id == y {
			return math.Exp(float64(s.LogP[j]))
		}
	}
	return 0
}

func checkWeighting(w string) error {
	switch w {
	case WeightSchedule, WeightConfidence:
		return nil
	}
	return fmt.Errorf("distill: weighting %q is not %q or %q", w, WeightSchedule, WeightConfidence)
}
