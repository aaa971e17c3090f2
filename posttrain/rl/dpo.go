package rl

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/herd-llm/herd/posttrain/tasks"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
	trl "github.com/herd-llm/herd/train/rl"
)

// Pair is a DPO preference pair of two episodes of one prompt.
type Pair struct {
	Kind     string  `json:"kind"` // "verifier" (correct over wrong) or "shorter" (shorter correct over longer correct)
	Task     string  `json:"task"`
	Key      string  `json:"key"`
	Chosen   Episode `json:"chosen"`
	Rejected Episode `json:"rejected"`
	// RefChosen and RefRejected are the frozen reference's log-probabilities
	// of the two responses (the sum over the policy's tokens).
	RefChosen   float64 `json:"ref_chosen"`
	RefRejected float64 `json:"ref_rejected"`
}

// PairOptions configure BuildPairs.
type PairOptions struct {
	Split       tasks.Split // the problems' split: tasks.Train (the zero value) to train on, tasks.HeldOut to measure
	Prompts     int         // problems per task (0…Prompts−1 after Offset)
	Offset      int         // the first training problem
	Samples     int         // completions per prompt
	Temperature float64     // of the samples
	Shorter     bool        // also pair the shortest correct completion with the longest
	ShorterOnly bool        // only those pairs (no verifier pairs): the explicit preference alone
	Concurrency int
	Seed        uint64
}

// BuildPairs samples the policy on prompts of each task (training
// problems unless o.Split says otherwise) and pairs
// its completions: the shortest correct one over the first wrong one (the
// verifier's preference) and, with Shorter, over the longest correct one
// when it is longer (an explicit preference for shorter correct answers).
// With ShorterOnly it makes only the second kind, so that DPO teaches the
// explicit preference without more of the verifier's signal (which RL
// already optimises).
func BuildPairs(ctx context.Context, ro *Roller, ts []tasks.Task, o PairOptions) ([]Pair, error) {
	if o.Prompts <= 0 || o.Samples < 2 || o.Concurrency <= 0 || !(o.Temperature > 0) {
		return nil, fmt.Errorf("rl: DPO pairs from %d prompts × %d samples (concurrency %d, temperature %g): need prompts > 0, samples ≥ 2, temperature > 0", o.Prompts, o.Samples, o.Concurrency, o.Temperature)
	}
	type item struct {
		task, i int
	}
	var items []item
	for ti := range ts {
		for i := range o.Prompts {
			items = append(items, item{ti, o.Offset + i})
		}
	}
	tag := uint64(4) // the seeds' stream: held-out pairs draw apart from training pairs
	if o.Split == tasks.HeldOut {
		tag = 10
	}
	res := make([][]Pair, len(items))
	err := parallel(ctx, len(items), o.Concurrency, func(k int) error {
		it := items[k]
		t := ts[it.task]
		p, err := t.Sample(o.Split, it.i)
		if err != nil {
			return err
		}
		eps, err := ro.Rollout(ctx, t, &p, o.Samples, o.Temperature, seedOf(o.Seed, tag, uint64(it.task), uint64(it.i)))
		if err != nil {
			return err
		}
		var right, wrong []Episode
		for _, e := range eps {
			if e.Correct {
				right = append(right, e)
			} else {
				wrong = append(wrong, e)
			}
		}
		sort.SliceStable(right, func(a, b int) bool { return right[a].Generated() < right[b].Generated() })
		if !o.ShorterOnly && len(right) > 0 && len(wrong) > 0 {
			res[k] = append(res[k], Pair{Kind: "verifier", Task: t.Spec(), Key: p.Key, Chosen: right[0], Rejected: wrong[0]})
		}
		if (o.Shorter || o.ShorterOnly) && len(right) > 1 && right[len(right)-1].Generated() > right[0].Generated() {
			res[k] = append(res[k], Pair{Kind: "shorter", Task: t.Spec(), Key: p.Key, Chosen: right[0], Rejected: right[len(right)-1]})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Pair
	for _, r := range res {
		out = append(out, r...)
	}
	return out, nil
}

// DPOConfig are the DPO trainer's hyper-parameters.
type DPOConfig struct {
	Beta        float64
	LR          float64
	Warmup      int
	Beta1       float64
	Beta2       float64
	Eps         float64
	WeightDecay float64
	GradClip    float64
	Batch       int // pairs per step
	Steps       int
	Seed        uint64 // order of the pairs
}

// DefaultDPOConfig is β 0.1 and AdamW at 1e-5, 8 pairs per step.
func DefaultDPOConfig() DPOConfig {
	return DPOConfig{Beta: 0.1, LR: 1e-5, Warmup: 2, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, GradClip: 1, Batch: 8, Steps: 20, Seed: 1}
}

// Validate checks the settings.
func (c DPOConfig) Validate() error {
	if !(c.Beta > 0) || !(c.LR > 0) || c.Batch <= 0 || c.Steps <= 0 || c.Warmup < 0 || c.GradClip < 0 {
		return fmt.Errorf("rl: DPO β %g, lr %g, batch %d, steps %d, warmup %d, clip %g: need β, lr, batch and steps > 0, warmup and clip ≥ 0", c.Beta, c.LR, c.Batch, c.Steps, c.Warmup, c.GradClip)
	}
	return nil
}

// DPOTrainer trains a policy on preference pairs against a frozen
// reference (whose log-probabilities the pairs hold).
type DPOTrainer struct {
	Cfg DPOConfig
	train.Optimized
	Pairs  []Pair
	scores map[int]*trl.Scorer[float32]
}

// NewDPOTrainer trains p in place on pairs.
func NewDPOTrainer(p *train.Params[float32], pairs []Pair, c DPOConfig) (*DPOTrainer, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("rl: no DPO pairs (the policy's samples were all right or all wrong: sample more prompts or more completions)")
	}
	return &DPOTrainer{Cfg: c, Pairs: pairs, scores: map[int]*trl.Scorer[float32]{},
		Optimized: train.NewOptimized(p, train.AdamWConfig{Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps, WeightDecay: c.WeightDecay})}, nil
}

// SequenceLogprobs returns log π(response) of each episode under p: the
// sum of the log-probabilities of the tokens the policy wrote.
func SequenceLogprobs(p *train.Params[float32], eps []*Episode, scores map[int]*trl.Scorer[float32]) ([]float64, *trl.Scorer[float32], []int32, error) {
	T := 0
	for _, e := range eps {
		T = max(T, len(e.Tokens)-1)
	}
	T = min((T+7)/8*8, p.Config.MaxPositions)
	B := len(eps)
	key := T<<20 | B
	sc, ok := scores[key]
	if !ok {
		var err error
		if sc, err = trl.NewScorer(p, B, T); err != nil {
			return nil, nil, nil, err
		}
		scores[key] = sc
	}
	in, tg, seq := make([]int32, B*T), make([]int32, B*T), make([]int32, B*T)
	for b, e := range eps {
		if len(e.Tokens)-1 > T || len(e.Gen) != len(e.Tokens) {
			return nil, nil, nil, fmt.Errorf("rl: episode of %d tokens (%d marks) does not fit %d positions", len(e.Tokens), len(e.Gen), T)
		}
		for t := range T {
			n := b*T + t
			tg[n], seq[n] = dataset.IgnoreIndex, -1
			if t+1 < len(e.Tokens) {
				in[n] = e.Tokens[t]
				if e.Gen[t+1] {
					tg[n], seq[n] = e.Tokens[t+1], int32(b)
				}
			}
		}
	}
	logp, err := sc.Forward(p, in, tg)
	if err != nil {
		return nil, nil, nil, err
	}
	sums, err := trl.SequenceSums(logp, seq, B)
	return sums, sc, seq, err
}

// Reference fills the pairs' reference log-probabilities with the model
// ref, batch pairs at a time.
func Reference(ref *train.Params[float32], pairs []Pair, batch int) error {
	scores := map[int]*trl.Scorer[float32]{}
	for lo := 0; lo < len(pairs); lo += batch {
		hi := min(lo+batch, len(pairs))
		var eps []*Episode
		for i := lo; i < hi; i++ {
			eps = append(eps, &pairs[i].Chosen, &pairs[i].Rejected)
		}
		s, _, _, err := SequenceLogprobs(ref, eps, scores)
		if err != nil {
			return err
		}
		for i := lo; i < hi; i++ {
			pairs[i].RefChosen, pairs[i].RefRejected = s[2*(i-lo)], s[2*(i-lo)+1]
		}
	}
	return nil
}

// Preference measures how p's implicit DPO reward orders pairs whose
// reference log-probabilities are filled (by Reference): the stats of the
// sigmoid DPO loss with β beta, scored batch pairs at a time. With p the
// reference itself every margin is 0 (accuracy 0); held-out pairs scored
// after training measure the preference DPO learnt on prompts it never saw.
func Preference(p *train.Params[float32], pairs []Pair, beta float64, batch int) (loss float64, st trl.DPOStats, err error) {
	scored := append([]Pair(nil), pairs...)
	if err := Reference(p, scored, batch); err != nil {
		return 0, st, err
	}
	pol, ref := make([]float64, 0, 2*len(pairs)), make([]float64, 0, 2*len(pairs))
	for i := range pairs {
		pol = append(pol, scored[i].RefChosen, scored[i].RefRejected)
		ref = append(ref, pairs[i].RefChosen, pairs[i].RefRejected)
	}
	loss, _, st, err = trl.DPOLoss(beta, pol, ref)
	return loss, st, err
}

// DPOStepStats describe one DPO step.
type DPOStepStats struct {
	Loss     float64
	DPO      trl.DPOStats
	GradNorm float64
	LR       float64
}

// Step is the number of steps taken.
func (d *DPOTrainer) Step() int { return d.Optim.Step }

// TrainStep takes one AdamW step on the sigmoid DPO loss of the next Batch
// pairs (in an order drawn from Seed per pass over the pairs).
func (d *DPOTrainer) TrainStep() (DPOStepStats, error) {
	c := d.Cfg
	n := len(d.Pairs)
	var eps []*Episode
	var ref []float64
	for k := range min(c.Batch, n) {
		q := d.Optim.Step*c.Batch + k
		perm := permutation(n, c.Seed, uint64(q/n))
		pr := &d.Pairs[perm[q%n]]
		eps = append(eps, &pr.Chosen, &pr.Rejected)
		ref = append(ref, pr.RefChosen, pr.RefRejected)
	}
	pol, sc, seq, err := SequenceLogprobs(d.Params, eps, d.scores)
	if err != nil {
		return DPOStepStats{}, err
	}
	loss, dpol, st, err := trl.DPOLoss(c.Beta, pol, ref)
	if err != nil {
		return DPOStepStats{}, err
	}
	d.Grads.Zero()
	if err := sc.Backward(d.Params, d.Grads, trl.SpreadSequences(dpol, seq)); err != nil {
		return DPOStepStats{}, err
	}
	if math.IsNaN(loss) {
		return DPOStepStats{}, fmt.Errorf("rl: DPO loss is NaN at step %d", d.Optim.Step+1)
	}
	lr := train.Schedule{LR: c.LR, MinLR: c.LR, Warmup: c.Warmup, Total: c.Warmup}.At(d.Optim.Step)
	norm, err := d.ClipAndUpdate(c.GradClip, lr)
	if err != nil {
		return DPOStepStats{}, err
	}
	return DPOStepStats{Loss: loss, DPO: st, GradNorm: norm, LR: lr}, nil
}
