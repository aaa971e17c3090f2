package rl

import (
	"fmt"
	"math"
)

// AdvantageStdEps is added to the group's standard deviation when
// advantages are scaled by it (TRL's GRPOTrainer uses 1e-4).
const AdvantageStdEps = 1e-4

// GroupAdvantages returns GRPO's outcome advantages: rewards holds
// consecutive groups of size completions of the same prompt, and completion
// j of group g gets
//
//	A = r_j − mean_g                    (scaleStd false: Dr. GRPO)
//	A = (r_j − mean_g) / (std_g + 1e-4) (scaleStd true: DeepSeekMath, TRL)
//
// with std_g the sample standard deviation (n − 1 in the denominator, as
// torch.std in TRL). A group whose rewards are all equal gets advantage 0
// and no learning signal.
func GroupAdvantages(rewards []float64, size int, scaleStd bool) ([]float64, error) {
	if size < 2 {
		return nil, fmt.Errorf("rl: group size %d: need at least 2 completions per prompt", size)
	}
	if len(rewards)%size != 0 {
		return nil, fmt.Errorf("rl: %d rewards are not whole groups of %d", len(rewards), size)
	}
	for i, r := range rewards {
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("rl: reward %v at index %d", r, i)
		}
	}
	adv := make([]float64, len(rewards))
	for g := 0; g < len(rewards); g += size {
		grp := rewards[g : g+size]
		var mean float64
		for _, r := range grp {
			mean += r
		}
		mean /= float64(size)
		var ss float64
		for _, r := range grp {
			ss += (r - mean) * (r - mean)
		}
		std := math.Sqrt(ss / float64(size-1))
		for j, r := range grp {
			adv[g+j] = r - mean
			if scaleStd {
				adv[g+j] /= std + AdvantageStdEps
			}
		}
	}
	return adv, nil
}
