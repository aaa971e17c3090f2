package rl

import (
	"fmt"
	"math"

	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
	trl "github.com/herd-llm/herd/train/rl"
)

// Group is G episodes of one prompt and their advantages.
type Group struct {
	Seq      int64  // the actor's sequence number of the group
	Task     int    // index of the prompt's task in the run
	Key      string // the problem
	Episodes []Episode
	Adv      []float64 // per episode
	Version  int64     // the oldest policy version that wrote it
}

// Rewards are the episodes' rewards.
func (g *Group) Rewards() []float64 {
	r := make([]float64, len(g.Episodes))
	for i := range g.Episodes {
		r[i] = g.Episodes[i].Reward
	}
	return r
}

// ZeroAdvantage reports whether every episode's advantage is 0 (equal
// rewards): the group carries no learning signal.
func (g *Group) ZeroAdvantage() bool {
	for _, a := range g.Adv {
		if a != 0 {
			return false
		}
	}
	return true
}

// LearnerConfig are the learner's hyper-parameters.
type LearnerConfig struct {
	Policy      trl.PolicyConfig
	LR          float64
	Warmup      int // steps of linear learning-rate warmup
	Beta1       float64
	Beta2       float64
	Eps         float64
	WeightDecay float64
	GradClip    float64 // max global gradient norm; 0 = off
	MicroBatch  int     // episodes per forward pass
	Epochs      int     // optimizer steps per batch (PPO's μ); the ratio is clipped around the policy at the batch's first
}

// Learner takes policy-gradient steps on batches of groups.
type Learner struct {
	Cfg LearnerConfig
	train.Optimized
	Ref    *train.Params[float32] // frozen reference of the KL term (nil without)
	pad    int32
	scores map[int]*trl.Scorer[float32] // by row length
}

// NewLearner trains p in place. ref is needed when cfg.Policy.KLCoef > 0.
func NewLearner(p, ref *train.Params[float32], cfg LearnerConfig) (*Learner, error) {
	if cfg.MicroBatch <= 0 || cfg.Epochs <= 0 || !(cfg.LR > 0) || cfg.Warmup < 0 || cfg.GradClip < 0 {
		return nil, fmt.Errorf("rl: learner: micro-batch %d, epochs %d, lr %g, warmup %d, clip %g: need positive batch, epochs and lr, warmup and clip ≥ 0",
			cfg.MicroBatch, cfg.Epochs, cfg.LR, cfg.Warmup, cfg.GradClip)
	}
	if cfg.Policy.KLCoef > 0 && ref == nil {
		return nil, fmt.Errorf("rl: learner: the KL term (β %g) needs reference parameters", cfg.Policy.KLCoef)
	}
	return &Learner{Cfg: cfg, Ref: ref, scores: map[int]*trl.Scorer[float32]{},
		Optimized: train.NewOptimized(p, train.AdamWConfig{Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: cfg.Eps, WeightDecay: cfg.WeightDecay})}, nil
}

// StepStats describe one learner step (the last epoch's loss statistics).
type StepStats struct {
	Loss     float64
	Policy   trl.PolicyStats
	GradNorm float64 // before clipping
	LR       float64
	Tokens   int // completion tokens
}

// micro is one forward pass of episodes.
type micro struct {
	T             int
	in, tg        []int32
	batch         trl.PolicyBatch
	weight        float64 // the share of the batch's loss normalisation
	tokens, nseqs int
}

// Step takes Epochs AdamW steps on the groups' episodes.
func (l *Learner) Step(groups []Group) (StepStats, error) {
	var eps []*Episode
	var adv []float64
	for gi := range groups {
		g := &groups[gi]
		if len(g.Adv) != len(g.Episodes) {
			return StepStats{}, fmt.Errorf("rl: group %d has %d advantages for %d episodes", g.Seq, len(g.Adv), len(g.Episodes))
		}
		for i := range g.Episodes {
			eps = append(eps, &g.Episodes[i])
			adv = append(adv, g.Adv[i])
		}
	}
	if len(eps) == 0 {
		return StepStats{}, fmt.Errorf("rl: learner step without episodes")
	}
	mbs, err := l.micros(eps, adv)
	if err != nil {
		return StepStats{}, err
	}
	var st StepStats
	for _, m := range mbs {
		st.Tokens += m.tokens
	}
	c := l.Cfg
	for epoch := range c.Epochs {
		l.Grads.Zero()
		st.Loss, st.Policy = 0, trl.PolicyStats{}
		for _, m := range mbs {
			sc, err := l.scorer(m.T, len(m.in)/m.T)
			if err != nil {
				return st, err
			}
			if epoch == 0 && c.Policy.KLCoef > 0 {
				if m.batch.Ref, err = sc.Forward(l.Ref, m.in, m.tg); err != nil {
					return st, err
				}
			}
			logp, err := sc.Forward(l.Params, m.in, m.tg)
			if err != nil {
				return st, err
			}
			if epoch == 0 {
				m.batch.Old = logp
			}
			loss, dlogp, ps, err := trl.PolicyLoss(c.Policy, &m.batch, logp)
			if err != nil {
				return st, err
			}
			for i := range dlogp {
				dlogp[i] *= m.weight
			}
			st.Loss += loss * m.weight
			addPolicyStats(&st.Policy, ps, m.tokens, st.Tokens)
			if err := sc.Backward(l.Params, l.Grads, dlogp); err != nil {
				return st, err
			}
		}
		if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) {
			return st, fmt.Errorf("rl: policy loss is %v", st.Loss)
		}
		st.LR = train.Schedule{LR: c.LR, MinLR: c.LR, Warmup: c.Warmup, Total: c.Warmup}.At(l.Optim.Step)
		if st.GradNorm, err = l.ClipAndUpdate(c.GradClip, st.LR); err != nil {
			return st, err
		}
	}
	return st, nil
}

// addPolicyStats accumulates a micro-batch's statistics, weighted by its
// share of the tokens.
func addPolicyStats(dst *trl.PolicyStats, s trl.PolicyStats, tokens, total int) {
	w := float64(tokens) / float64(total)
	dst.Tokens += s.Tokens
	dst.ClipFrac += w * s.ClipFrac
	dst.MeanRatio += w * s.MeanRatio
	dst.KL += w * s.KL
	dst.MaskedFrac += w * s.MaskedFrac
	dst.TruncFrac += w * s.TruncFrac
	dst.MeanBehavIW += w * s.MeanBehavIW
}

// scorer returns a scorer for B rows of T tokens.
func (l *Learner) scorer(T, B int) (*trl.Scorer[float32], error) {
	key := T<<20 | B
	if s, ok := l.scores[key]; ok {
		return s, nil
	}
	s, err := trl.NewScorer(l.Params, B, T)
	if err != nil {
		return nil, err
	}
	l.scores[key] = s
	return s, nil
}

// micros lays the episodes out in forward passes of MicroBatch rows, each
// row one episode, rows as long as the pass's longest episode (rounded up
// to 8 tokens).
func (l *Learner) micros(eps []*Episode, adv []float64) ([]*micro, error) {
	c := l.Cfg
	totalTok, totalSeq := 0, len(eps)
	for _, e := range eps {
		n := 0
		for _, g := range e.Gen[1:] {
			if g {
				n++
			}
		}
		if len(e.Tokens) != len(e.Gen) || len(e.Tokens) != len(e.Behav) {
			return nil, fmt.Errorf("rl: episode of %d tokens with %d marks and %d log-probs", len(e.Tokens), len(e.Gen), len(e.Behav))
		}
		if n == 0 {
			return nil, fmt.Errorf("rl: an episode has no generated token")
		}
		totalTok += n
	}
	if len(eps[0].Tokens) > l.Params.Config.MaxPositions {
		return nil, fmt.Errorf("rl: episode of %d tokens exceeds the model's %d positions", len(eps[0].Tokens), l.Params.Config.MaxPositions)
	}
	var out []*micro
	for lo := 0; lo < len(eps); lo += c.MicroBatch {
		hi := min(lo+c.MicroBatch, len(eps))
		T := 0
		for _, e := range eps[lo:hi] {
			T = max(T, len(e.Tokens)-1)
		}
		T = (T + 7) / 8 * 8
		T = min(T, l.Params.Config.MaxPositions)
		B := hi - lo
		N := B * T
		m := &micro{T: T, in: make([]int32, N), tg: make([]int32, N), nseqs: B}
		m.batch = trl.PolicyBatch{Seq: make([]int32, N), NSeq: B, Adv: make([]float64, N), Behav: make([]float64, N)}
		for b, e := range eps[lo:hi] {
			if len(e.Tokens)-1 > T {
				return nil, fmt.Errorf("rl: episode of %d tokens exceeds the model's %d positions", len(e.Tokens), l.Params.Config.MaxPositions)
			}
			row := b * T
			for t := range T {
				n := row + t
				m.tg[n], m.batch.Seq[n] = dataset.IgnoreIndex, -1
				if t+1 >= len(e.Tokens) {
					continue
				}
				m.in[n] = e.Tokens[t]
				if e.Gen[t+1] {
					m.tg[n] = e.Tokens[t+1]
					m.batch.Seq[n] = int32(b)
					m.batch.Adv[n] = adv[lo+b]
					m.batch.Behav[n] = min(float64(e.Behav[t+1]), 0)
					m.tokens++
				}
			}
		}
		switch c.Policy.Norm {
		case trl.NormToken:
			m.weight = float64(m.tokens) / float64(totalTok)
		default:
			m.weight = float64(m.nseqs) / float64(totalSeq)
		}
		out = append(out, m)
	}
	return out, nil
}

// DefaultLearnerConfig is DAPO's clip-higher (ε 0.2 / 0.28), token-level
// loss, no KL, behaviour importance weights truncated at 2, AdamW at 1e-5
// with 3 warmup steps, one epoch per batch.
func DefaultLearnerConfig() LearnerConfig {
	p := trl.DefaultPolicyConfig()
	p.EpsHigh, p.BehaviourCap = 0.28, 2
	return LearnerConfig{Policy: p, LR: 1e-5, Warmup: 3, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, GradClip: 1, MicroBatch: 8, Epochs: 1}
}
