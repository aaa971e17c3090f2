package rl

import (
	"fmt"
	"math"
)

// DPOStats describe one evaluation of the DPO loss.
type DPOStats struct {
	Pairs    int
	Accuracy float64 // fraction of pairs whose implicit reward margin is > 0
	Margin   float64 // mean implicit reward margin z/… = β·(Δchosen − Δrejected)
}

// DPOLoss returns the sigmoid DPO loss (Rafailov et al. 2023) of P
// preference pairs and its gradient with respect to the policy's sequence
// log-probabilities. policy and ref hold sequence log-probabilities
// (SequenceSums of token log-probs over the response tokens) in pairs:
// index 2k is pair k's chosen response, 2k+1 its rejected one. With
// z_k = β·((π_2k − ref_2k) − (π_2k+1 − ref_2k+1)):
//
//	L = (1/P) Σ_k −log σ(z_k)
//	∂L/∂π_2k = −β·σ(−z_k)/P,   ∂L/∂π_2k+1 = +β·σ(−z_k)/P
//
// The reference is frozen: it gets no gradient.
func DPOLoss(beta float64, policy, ref []float64) (loss float64, dpolicy []float64, st DPOStats, err error) {
	if !(beta > 0) || math.IsInf(beta, 0) {
		return 0, nil, st, fmt.Errorf("rl: DPO β %g must be positive", beta)
	}
	if len(policy) != len(ref) || len(policy) == 0 || len(policy)%2 != 0 {
		return 0, nil, st, fmt.Errorf("rl: DPO needs chosen/rejected pairs: %d policy and %d reference log-probs", len(policy), len(ref))
	}
	for i := range policy {
		if bad(policy[i]) || bad(ref[i]) {
			return 0, nil, st, fmt.Errorf("rl: DPO log-probs at index %d: policy %v, reference %v", i, policy[i], ref[i])
		}
	}
	P := len(policy) / 2
	st.Pairs = P
	dpolicy = make([]float64, len(policy))
	for k := range P {
		z := beta * ((policy[2*k] - ref[2*k]) - (policy[2*k+1] - ref[2*k+1]))
		loss += softplus(-z) / float64(P)
		g := beta * sigmoid(-z) / float64(P)
		dpolicy[2*k], dpolicy[2*k+1] = -g, g
		st.Margin += z / float64(P)
		if z > 0 {
			st.Accuracy += 1 / float64(P)
		}
	}
	return loss, dpolicy, st, nil
}

// bad reports a log-probability that is not finite or above 0.
func bad(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) || x > 0 }

// softplus is log(1 + e^x), without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// sigmoid is 1/(1 + e^−x), without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
