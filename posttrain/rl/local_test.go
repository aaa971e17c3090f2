package rl

import (
	"context"
	"math"
	"testing"

	"github.com/herd-llm/herd/train"
	trl "github.com/herd-llm/herd/train/rl"
)

// TestLocalGeneratorLogprobs: the engine's behaviour log-probabilities of
// sampled episodes are the learner's log-probabilities of the same tokens
// (the generator runs the exported weights), before and after a weight
// swap; and a stale version is refused.
func TestLocalGeneratorLogprobs(t *testing.T) {
	p := smallModel(t, 5)
	gen := localGen(t, p, 4)
	r := testRun(t, gen, "", nil)
	r.Learner.Params = p
	task := r.Cfg.Tasks[0]
	check := func(version int64) {
		prompt, err := task.Sample(0, 3)
		if err != nil {
			t.Fatal(err)
		}
		eps, err := r.Roller.Rollout(context.Background(), task, &prompt, 4, 1, 11)
		if err != nil {
			t.Fatal(err)
		}
		g := Group{Episodes: eps, Adv: []float64{1, -1, 0.5, -0.5}}
		mbs, err := r.Learner.micros([]*Episode{&eps[0], &eps[1], &eps[2], &eps[3]}, g.Adv)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, mb := range mbs {
			sc, err := trl.NewScorer(p, len(mb.in)/mb.T, mb.T)
			if err != nil {
				t.Fatal(err)
			}
			logp, err := sc.Forward(p, mb.in, mb.tg)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range mb.batch.Seq {
				if s < 0 {
					continue
				}
				n++
				if d := math.Abs(logp[i] - mb.batch.Behav[i]); d > 1e-3 {
					t.Fatalf("version %d: token %d: learner log-prob %g, behaviour %g", version, i, logp[i], mb.batch.Behav[i])
				}
			}
		}
		if n == 0 {
			t.Fatal("no generated token")
		}
		for _, e := range eps {
			if e.Version != version {
				t.Fatalf("episode of version %d, want %d", e.Version, version)
			}
		}
	}
	check(0)
	train.InitParams(p, 9, 0.08)
	if err := gen.UpdateWeights(context.Background(), p, 1); err != nil {
		t.Fatal(err)
	}
	check(1)
	if err := gen.UpdateWeights(context.Background(), p, 1); err == nil {
		t.Fatal("version 1 installed twice")
	}
}

// TestLoopLocalGenerator runs two asynchronous steps with the in-process
// engine end to end (rewards are 0 for a random model: no zero-advantage
// dropping, no filter).
func TestLoopLocalGenerator(t *testing.T) {
	p := smallModel(t, 3)
	gen := localGen(t, p, 8)
	r := testRun(t, gen, t.TempDir(), func(c *Config) { c.Steps, c.DropZero, c.Staleness = 2, false, 1 })
	r.Learner.Params = p
	if err := r.Loop(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if gen.Version() != 2 {
		t.Fatalf("generator at version %d, want 2", gen.Version())
	}
}

// localGen returns an in-process generator of parallel slots (128-token
// context) serving p, closed when the test ends.
func localGen(t *testing.T, p *train.Params[float32], parallel int) *LocalGenerator {
	t.Helper()
	m, err := InferenceModel(p)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := NewLocalGenerator(m, parallel, 128, testTokenizer(t).StopTokens())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gen.Close)
	return gen
}
