package rl

import (
	"context"
	"math"
	"testing"

	trl "github.com/herd-llm/herd/train/rl"
)

// TestLearnerMicroBatches: the gradient of a step does not depend on how
// the episodes are split into forward passes (each micro-batch's loss is
// weighted by its share of the normaliser), for every normalisation.
func TestLearnerMicroBatches(t *testing.T) {
	tok := testTokenizer(t)
	r := testRun(t, &fakeGen{tok: tok}, "", nil)
	task := r.Cfg.Tasks[0]
	var groups []Group
	for i := range 3 {
		p, _ := task.Sample(0, i)
		eps, err := r.Roller.Rollout(context.Background(), task, &p, 4, 1, uint64(3*i))
		if err != nil {
			t.Fatal(err)
		}
		// Episodes of different lengths: the normalisations differ.
		eps[1].Tokens = append(eps[1].Tokens, tok.EOT())
		eps[1].Gen = append(eps[1].Gen, true)
		eps[1].Behav = append(eps[1].Behav, -0.5)
		groups = append(groups, Group{Seq: int64(i), Episodes: eps, Adv: []float64{1, -0.5, 0.25, -0.75}})
	}
	for _, norm := range []trl.Norm{trl.NormToken, trl.NormSequence, trl.NormConstant} {
		grads := map[int][][]float32{}
		for _, mb := range []int{1, 5, 12} {
			c := DefaultLearnerConfig()
			c.MicroBatch, c.GradClip, c.Policy.Norm, c.Policy.MaxTokens = mb, 0, norm, 16
			l, err := NewLearner(smallModel(t, 3), nil, c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Step(groups); err != nil {
				t.Fatal(err)
			}
			for _, g := range l.Grads.Tensors {
				grads[mb] = append(grads[mb], append([]float32(nil), g.Data...))
			}
		}
		for _, mb := range []int{5, 12} {
			for i, g := range grads[mb] {
				for j, v := range g {
					w := grads[1][i][j]
					if d := math.Abs(float64(v - w)); d > 1e-6+1e-4*math.Abs(float64(w)) {
						t.Fatalf("%v: micro-batch %d: tensor %d element %d: %g, with micro-batch 1 %g", norm, mb, i, j, v, w)
					}
				}
			}
		}
	}
}
