package rl

import (
	"fmt"
	"math"
)

// Norm is how the summed per-token policy loss is normalised.
type Norm int

const (
	// NormToken divides by the number of completion tokens in the whole
	// batch (DAPO's token-level loss; TRL's loss_type "dapo"): every token
	// weighs the same, whatever its sequence's length.
	NormToken Norm = iota
	// NormSequence averages over each sequence's tokens, then over the
	// sequences (DeepSeekMath's GRPO; TRL's loss_type "grpo").
	NormSequence
	// NormConstant divides by sequences × PolicyConfig.MaxTokens, a
	// constant (Dr. GRPO; TRL's loss_type "dr_grpo").
	NormConstant
)

// ParseNorm reads "token", "sequence" or "constant".
func ParseNorm(s string) (Norm, error) {
	switch s {
	case "token":
		return NormToken, nil
	case "sequence":
		return NormSequence, nil
	case "constant":
		return NormConstant, nil
	}
	return 0, fmt.Errorf("rl: loss normalisation %q is not token, sequence or constant", s)
}

func (n Norm) String() string {
	switch n {
	case NormToken:
		return "token"
	case NormSequence:
		return "sequence"
	case NormConstant:
		return "constant"
	}
	return fmt.Sprintf("Norm(%d)", int(n))
}

// PolicyConfig are the hyper-parameters of PolicyLoss.
type PolicyConfig struct {
	// EpsLow and EpsHigh bound the clipped ratio to [1 − EpsLow,
	// 1 + EpsHigh] (PPO's ε = 0.2 both; DAPO's clip-higher raises EpsHigh).
	// EpsHigh 0 means EpsLow.
	EpsLow, EpsHigh float64
	// KLCoef is β of the KL penalty to the reference policy (k3 estimator);
	// 0 (the default) turns it off and needs no reference log-probs.
	KLCoef float64
	// Norm is the normalisation; MaxTokens the per-sequence constant of
	// NormConstant.
	Norm      Norm
	MaxTokens int
	// BehaviourCap bounds the importance weight π_prox/π_behav of
	// decoupled PPO; 0 = no bound. With BehaviourMask, tokens above the cap
	// are masked out (their loss and gradient are 0; AReaL, masked
	// importance sampling), otherwise the weight is truncated to the cap.
	BehaviourCap  float64
	BehaviourMask bool
}

// DefaultPolicyConfig is PPO's ε = 0.2, no KL, token-level normalisation.
func DefaultPolicyConfig() PolicyConfig { return PolicyConfig{EpsLow: 0.2, EpsHigh: 0.2} }

func (c *PolicyConfig) validate() error {
	hi := c.EpsHigh
	if hi == 0 {
		hi = c.EpsLow
	}
	switch {
	case !(c.EpsLow > 0 && c.EpsLow < 1) || !(hi > 0):
		return fmt.Errorf("rl: clip range ε_low %g, ε_high %g: need 0 < ε_low < 1 and ε_high > 0", c.EpsLow, c.EpsHigh)
	case !(c.KLCoef >= 0):
		return fmt.Errorf("rl: KL coefficient %g must be ≥ 0", c.KLCoef)
	case c.Norm == NormConstant && c.MaxTokens <= 0:
		return fmt.Errorf("rl: constant normalisation needs MaxTokens > 0, have %d", c.MaxTokens)
	case c.Norm < NormToken || c.Norm > NormConstant:
		return fmt.Errorf("rl: unknown normalisation %v", c.Norm)
	case c.BehaviourCap != 0 && !(c.BehaviourCap >= 1):
		return fmt.Errorf("rl: behaviour importance-weight cap %g must be ≥ 1 (or 0 for none)", c.BehaviourCap)
	}
	return nil
}

// PolicyBatch holds the completion tokens of a batch of sequences, one
// entry per token position (the layout of Scorer.Forward's output). Only
// positions with Seq ≥ 0 are completion tokens; the others (prompt, tool
// results, padding) are ignored and get gradient 0.
type PolicyBatch struct {
	Seq   []int32   // sequence of each position, −1 for none
	NSeq  int       // number of sequences; Seq values are in [−1, NSeq)
	Adv   []float64 // advantage of each position (usually its sequence's)
	Old   []float64 // log π_prox: the policy the ratio is clipped around (the policy at the start of the update)
	Behav []float64 // log π_behav: the policy that generated the tokens; nil = Old (on-policy, standard PPO)
	Ref   []float64 // log π_ref of the KL penalty; nil unless KLCoef > 0
}

// PolicyStats describe one evaluation of the policy loss.
type PolicyStats struct {
	Tokens      int     // completion tokens
	ClipFrac    float64 // fraction of tokens whose clipped term is active (gradient 0)
	MeanRatio   float64 // mean π_θ/π_prox over tokens
	KL          float64 // mean k3 KL estimate to the reference (0 without)
	MaskedFrac  float64 // fraction of tokens masked by BehaviourCap with BehaviourMask
	TruncFrac   float64 // fraction of tokens whose weight was truncated to BehaviourCap
	MeanBehavIW float64 // mean π_prox/π_behav importance weight (before capping)
}

// PolicyLoss returns the GRPO / decoupled-PPO loss of the current
// log-probabilities logp and its gradient with respect to them. Per
// completion token t, with r = exp(logp − Old), w = exp(Old − Behav)
// (detached; capped per BehaviourCap) and clip(r) = min(max(r, 1−ε_low),
// 1+ε_high):
//
//	ℓ_t = −w · min(r·A, clip(r)·A) + β · (exp(Ref − logp) − (Ref − logp) − 1)
//
// and the loss is Σ ℓ_t normalised per c.Norm. docs/post-training.md has
// the derivation and references.
func PolicyLoss(c PolicyConfig, b *PolicyBatch, logp []float64) (loss float64, dlogp []float64, st PolicyStats, err error) {
	if err := c.validate(); err != nil {
		return 0, nil, st, err
	}
	if err := b.check(len(logp), c.KLCoef > 0); err != nil {
		return 0, nil, st, err
	}
	lo, hi := 1-c.EpsLow, 1+c.EpsHigh
	if c.EpsHigh == 0 {
		hi = 1 + c.EpsLow
	}
	// Per-token weights of the normalisation.
	count := make([]int, b.NSeq)
	for _, s := range b.Seq {
		if s >= 0 {
			count[s]++
			st.Tokens++
		}
	}
	if st.Tokens == 0 {
		return 0, nil, st, fmt.Errorf("rl: the batch has no completion tokens")
	}
	norm := func(s int32) float64 {
		switch c.Norm {
		case NormSequence:
			return 1 / (float64(b.NSeq) * float64(count[s]))
		case NormConstant:
			return 1 / (float64(b.NSeq) * float64(c.MaxTokens))
		}
		return 1 / float64(st.Tokens)
	}
	dlogp = make([]float64, len(logp))
	var clipped, masked, truncated int
	for n, s := range b.Seq {
		if s < 0 {
			continue
		}
		k := norm(s)
		a := b.Adv[n]
		w := 1.0
		if b.Behav != nil {
			w = math.Exp(b.Old[n] - b.Behav[n])
			st.MeanBehavIW += w
			if c.BehaviourCap > 0 && w > c.BehaviourCap {
				if c.BehaviourMask {
					masked++
					w = 0
				} else {
					truncated++
					w = c.BehaviourCap
				}
			}
		}
		r := math.Exp(logp[n] - b.Old[n])
		st.MeanRatio += r
		unclipped, clippedTerm := r*a, min(max(r, lo), hi)*a
		if unclipped <= clippedTerm {
			loss -= k * w * unclipped
			dlogp[n] = -k * w * unclipped // d(r·A)/dlogp = r·A
		} else {
			loss -= k * w * clippedTerm // constant in logp: r is outside the clip range
			clipped++
		}
		if c.KLCoef > 0 {
			d := b.Ref[n] - logp[n]
			kl := math.Exp(d) - d - 1
			st.KL += kl
			loss += k * c.KLCoef * kl
			dlogp[n] += k * c.KLCoef * (1 - math.Exp(d))
		}
	}
	T := float64(st.Tokens)
	st.ClipFrac, st.MeanRatio, st.KL = float64(clipped)/T, st.MeanRatio/T, st.KL/T
	st.MaskedFrac, st.TruncFrac = float64(masked)/T, float64(truncated)/T
	if b.Behav != nil {
		st.MeanBehavIW /= T
	} else {
		st.MeanBehavIW = 1
	}
	return loss, dlogp, st, nil
}

// check validates the batch's shape and values against n positions.
func (b *PolicyBatch) check(n int, needRef bool) error {
	if b == nil {
		return fmt.Errorf("rl: nil policy batch")
	}
	if len(b.Seq) != n || len(b.Adv) != n || len(b.Old) != n {
		return fmt.Errorf("rl: policy batch of %d seq ids, %d advantages, %d old log-probs for %d log-probs", len(b.Seq), len(b.Adv), len(b.Old), n)
	}
	if b.Behav != nil && len(b.Behav) != n {
		return fmt.Errorf("rl: %d behaviour log-probs for %d positions", len(b.Behav), n)
	}
	if needRef && len(b.Ref) != n {
		return fmt.Errorf("rl: the KL penalty needs %d reference log-probs, have %d", n, len(b.Ref))
	}
	if b.NSeq <= 0 {
		return fmt.Errorf("rl: policy batch of %d sequences", b.NSeq)
	}
	for i, s := range b.Seq {
		if s < -1 || int(s) >= b.NSeq {
			return fmt.Errorf("rl: sequence id %d at index %d is not in [-1, %d)", s, i, b.NSeq)
		}
		if s < 0 {
			continue
		}
		for _, v := range [...]struct {
			name string
			x    []float64
		}{{"advantage", b.Adv}, {"old log-prob", b.Old}, {"behaviour log-prob", b.Behav}, {"reference log-prob", b.Ref}} {
			if v.x == nil || (v.name == "reference log-prob" && !needRef) {
				continue
			}
			if x := v.x[i]; math.IsNaN(x) || math.IsInf(x, 0) || (v.name != "advantage" && x > 0) {
				return fmt.Errorf("rl: %s %v at index %d", v.name, x, i)
			}
		}
	}
	return nil
}
