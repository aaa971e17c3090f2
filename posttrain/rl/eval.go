package rl

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/herd-llm/herd/posttrain/tasks"
)

// EvalResult is a policy's held-out accuracy on one task.
type EvalResult struct {
	Task        string
	Problems    int
	Pass1       float64 // fraction solved by greedy decoding
	K           int
	PassK       float64 // fraction solved by at least one of K samples (temperature 1)
	MeanSampled float64 // fraction of the K samples that solve their problem
	CorrectLen  float64 // mean tokens of the correct greedy answers (NaN without any)
	SampledLen  float64 // mean tokens of the K sampled answers (NaN with K = 0)
}

// Evaluate measures held-out problems 0…n−1 of each task: greedy pass@1 and
// pass@k over k samples at temperature 1 (k = 0: greedy only), at most
// conc problems at once.
func Evaluate(ctx context.Context, ro *Roller, ts []tasks.Task, n, k, conc int, seed uint64) ([]EvalResult, error) {
	var out []EvalResult
	for ti, t := range ts {
		greedy := make([]bool, n)
		glen := make([]int, n)
		err := parallel(ctx, n, conc, func(i int) error {
			p, err := t.Sample(tasks.HeldOut, i)
			if err != nil {
				return err
			}
			g, err := ro.Rollout(ctx, t, &p, 1, 0, 0)
			if err != nil {
				return err
			}
			greedy[i], glen[i] = g[0].Correct, g[0].Generated()
			return nil
		})
		if err != nil {
			return nil, err
		}
		r := EvalResult{Task: t.Spec(), Problems: n, K: k}
		for i := range n {
			if greedy[i] {
				r.Pass1++
				r.CorrectLen += float64(glen[i])
			}
		}
		r.CorrectLen /= r.Pass1 // NaN when none is correct
		r.Pass1 /= float64(n)
		r.SampledLen = math.NaN()
		if k > 0 {
			s, err := sampleProblems(ctx, ro, t, n, k, conc, 1, seed, 3, uint64(ti))
			if err != nil {
				return nil, err
			}
			for i := range n {
				if s.correct[i] > 0 {
					r.PassK++
				}
			}
			c, _, l := s.totals()
			r.PassK /= float64(n)
			r.MeanSampled, r.SampledLen = float64(c)/float64(n*k), float64(l)/float64(n*k)
		}
		out = append(out, r)
	}
	return out, nil
}

// problemSamples are the samples of each of n held-out problems: per
// problem, how many were correct, and the tokens of the correct ones and
// of all.
type problemSamples struct {
	correct, clen, allLen []int
}

// sampleProblems draws k samples at temperature temp for each of held-out
// problems 0…n−1 of t, problem i's from seed seedOf(seed, tag, task, i).
func sampleProblems(ctx context.Context, ro *Roller, t tasks.Task, n, k, conc int, temp float64, seed, tag, task uint64) (*problemSamples, error) {
	s := &problemSamples{correct: make([]int, n), clen: make([]int, n), allLen: make([]int, n)}
	err := parallel(ctx, n, conc, func(i int) error {
		p, err := t.Sample(tasks.HeldOut, i)
		if err != nil {
			return err
		}
		eps, err := ro.Rollout(ctx, t, &p, k, temp, seedOf(seed, tag, task, uint64(i)))
		if err != nil {
			return err
		}
		for _, e := range eps {
			if e.Correct {
				s.correct[i]++
				s.clen[i] += e.Generated()
			}
			s.allLen[i] += e.Generated()
		}
		return nil
	})
	return s, err
}

// totals are the correct samples, their tokens and the tokens of all
// samples, summed over the problems.
func (s *problemSamples) totals() (correct, correctTokens, tokens int) {
	for i := range s.correct {
		correct += s.correct[i]
		correctTokens += s.clen[i]
		tokens += s.allLen[i]
	}
	return correct, correctTokens, tokens
}

// evaluate runs the held-out evaluation of the run's current policy and
// logs it.
func (r *Run) evaluate(ctx context.Context) error {
	c := &r.Cfg
	res, err := Evaluate(ctx, r.Roller, c.Tasks, c.EvalN, c.EvalK, c.Concurrency, c.Seed)
	if err != nil {
		return err
	}
	var rows [][]string
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	for _, e := range res {
		r.printf("held-out at step %d: %s: pass@1 (greedy) %.1f%%, pass@%d %.1f%% of %d problems\n", r.Step, e.Task, 100*e.Pass1, e.K, 100*e.PassK, e.Problems)
		rows = append(rows, []string{strconv.Itoa(r.Step), f(r.elapsed()), e.Task, strconv.Itoa(e.Problems), f(e.Pass1), strconv.Itoa(e.K), f(e.PassK), f(e.MeanSampled)})
	}
	if r.log != nil {
		r.log.writeEval(rows)
	}
	return nil
}

// SampleStats is a policy's held-out samples at one temperature: what a
// DPO preference between correct answers (e.g. shorter over longer) moves
// when the greedy answer cannot show it.
type SampleStats struct {
	Task        string
	Problems, K int
	Temperature float64
	Correct     float64 // fraction of the samples that solve their problem
	CorrectLen  float64 // mean tokens of the correct samples (NaN without any)
	Len         float64 // mean tokens of all samples
}

// EvaluateSamples draws k samples at temperature temp for each of held-out
// problems 0…n−1 of each task (at most conc problems at once; seeds apart
// from Evaluate's) and measures their accuracy and lengths.
func EvaluateSamples(ctx context.Context, ro *Roller, ts []tasks.Task, n, k, conc int, temp float64, seed uint64) ([]SampleStats, error) {
	if n <= 0 || k <= 0 || !(temp > 0) {
		return nil, fmt.Errorf("rl: sample statistics of %d problems × %d samples at temperature %g: need n, k > 0 and temperature > 0", n, k, temp)
	}
	var out []SampleStats
	for ti, t := range ts {
		s, err := sampleProblems(ctx, ro, t, n, k, conc, temp, seed, 5, uint64(ti))
		if err != nil {
			return nil, err
		}
		c, cl, l := s.totals()
		out = append(out, SampleStats{Task: t.Spec(), Problems: n, K: k, Temperature: temp,
			Correct: float64(c) / float64(n*k), CorrectLen: float64(cl) / float64(c), // NaN when none is correct
			Len: float64(l) / float64(n*k)})
	}
	return out, nil
}
