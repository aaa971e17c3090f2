package rl

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/herd-llm/herd/posttrain/tasks"
)

// TestDPO builds pairs from fake samples (right, wrong and longer right
// answers), checks that --shorter-only makes only the shorter pairs, trains on them, checks the loss falls and the preference
// accuracy rises, and that a resumed run ends where an uninterrupted one
// does.
func TestDPO(t *testing.T) {
	tok := testTokenizer(t)
	r := testRun(t, &fakeGen{tok: tok, long: true}, "", nil)
	pairs, err := BuildPairs(context.Background(), r.Roller, r.Cfg.Tasks, PairOptions{Prompts: 12, Samples: 4, Temperature: 1, Shorter: true, Concurrency: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, p := range pairs {
		kinds[p.Kind]++
		if !p.Chosen.Correct || (p.Kind == "verifier" && p.Rejected.Correct) {
			t.Fatalf("%s pair of %s: chosen correct %v, rejected correct %v", p.Kind, p.Key, p.Chosen.Correct, p.Rejected.Correct)
		}
	}
	if kinds["verifier"] == 0 || kinds["shorter"] == 0 {
		t.Fatalf("pairs %v: want both kinds", kinds)
	}
	only, err := BuildPairs(context.Background(), r.Roller, r.Cfg.Tasks, PairOptions{Prompts: 12, Samples: 4, Temperature: 1, ShorterOnly: true, Concurrency: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(only) != kinds["shorter"] {
		t.Fatalf("--shorter-only made %d pairs, want the %d shorter pairs", len(only), kinds["shorter"])
	}
	for _, p := range only {
		if p.Kind != "shorter" || !p.Chosen.Correct || !p.Rejected.Correct || p.Chosen.Generated() >= p.Rejected.Generated() {
			t.Fatalf("--shorter-only pair of %s: kind %s, correct %v/%v, lengths %d/%d", p.Key, p.Kind, p.Chosen.Correct, p.Rejected.Correct, p.Chosen.Generated(), p.Rejected.Generated())
		}
	}
	base := smallModel(t, 3)
	if err := Reference(base, pairs, 4); err != nil {
		t.Fatal(err)
	}
	c := DefaultDPOConfig()
	c.LR, c.Steps, c.Batch, c.Beta = 3e-3, 12, 4, 0.5
	dir := t.TempDir()
	run := func(stop int) *DPOTrainer {
		d, err := NewDPOTrainer(smallModel(t, 3), slices.Clone(pairs), c)
		if err != nil {
			t.Fatal(err)
		}
		var first, last DPOStepStats
		for d.Step() < stop {
			st, err := d.TrainStep()
			if err != nil {
				t.Fatal(err)
			}
			if d.Step() == 1 {
				first = st
			}
			last = st
		}
		if stop == c.Steps && !(last.Loss < first.Loss) {
			t.Fatalf("DPO loss went from %g to %g", first.Loss, last.Loss)
		}
		return d
	}
	full := run(c.Steps)
	part := run(5)
	if err := SavePairs(dir, part.Pairs); err != nil {
		t.Fatal(err)
	}
	if err := part.Save(dir); err != nil {
		t.Fatal(err)
	}
	res, err := ResumeDPO(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	for res.Step() < c.Steps {
		if _, err := res.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	for i, a := range full.Params.Tensors {
		if !slices.Equal(a.Data, res.Params.Tensors[i].Data) {
			t.Fatalf("tensor %s differs after resuming", a.Name)
		}
	}

	// The preference on pairs: none under the reference itself, learnt
	// after training (the training pairs here; herd dpo scores held-out ones).
	loss, st, err := Preference(base, pairs, c.Beta, 4)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pairs != len(pairs) || st.Margin != 0 || st.Accuracy != 0 || math.Abs(loss-math.Ln2) > 1e-12 {
		t.Errorf("reference's own preference: loss %g, %+v; want ln 2 and margins 0", loss, st)
	}
	if _, st, err = Preference(full.Params, pairs, c.Beta, 4); err != nil {
		t.Fatal(err)
	}
	if !(st.Accuracy > 0.5 && st.Margin > 0) {
		t.Errorf("trained policy's preference %+v: want accuracy > 0.5 and a positive margin", st)
	}

	// Held-out pairs come from held-out problems only.
	held, err := BuildPairs(context.Background(), r.Roller, r.Cfg.Tasks, PairOptions{Split: tasks.HeldOut, Prompts: 12, Samples: 4, Temperature: 1, Shorter: true, Concurrency: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	heldKeys := map[string]bool{}
	for i := range 12 {
		p, err := r.Cfg.Tasks[0].Sample(tasks.HeldOut, i)
		if err != nil {
			t.Fatal(err)
		}
		heldKeys[p.Key] = true
	}
	if len(held) == 0 {
		t.Fatal("no held-out pairs")
	}
	for _, p := range held {
		if !heldKeys[p.Key] {
			t.Errorf("held-out pair of %q, not one of the first 12 held-out problems", p.Key)
		}
	}
}

// TestErrors: bad settings and inputs are errors that name the value.
func TestErrors(t *testing.T) {
	tok := testTokenizer(t)
	task, _ := tasks.New("arithmetic", 1)
	r := testRun(t, &fakeGen{tok: tok}, "", nil)
	cases := []struct {
		name string
		err  func() error
	}{
		{"no tasks", func() error { c := r.Cfg; c.Tasks = nil; return c.validate() }},
		{"group of 1", func() error { c := r.Cfg; c.GroupSize = 1; return c.validate() }},
		{"pass@1", func() error { c := r.Cfg; c.PassK = 1; return c.validate() }},
		{"negative staleness", func() error { c := r.Cfg; c.Staleness = -1; return c.validate() }},
		{"empty prompt", func() error {
			_, err := r.Roller.Gen.Generate(context.Background(), GenRequest{N: 1, MaxTokens: 1})
			return err
		}},
		{"no DPO pairs", func() error { _, err := NewDPOTrainer(smallModel(t, 1), nil, DefaultDPOConfig()); return err }},
		{"KL without reference", func() error {
			c := DefaultLearnerConfig()
			c.Policy.KLCoef = 0.1
			_, err := NewLearner(smallModel(t, 1), nil, c)
			return err
		}},
		{"prompt longer than the context", func() error {
			p, _ := task.Sample(tasks.Train, 0)
			ro := *r.Roller
			ro.Ctx = 4
			_, err := ro.Rollout(context.Background(), task, &p, 2, 1, 0)
			return err
		}},
		{"stale weights", func() error {
			g := &fakeGen{tok: tok, version: 3}
			return g.UpdateWeights(context.Background(), nil, 3)
		}},
		{"resume on other tasks", func() error {
			s := &Saved{Tasks: "countdown:numbers=4,max=99", Cursor: []int{0}}
			return s.Restore(r)
		}},
		{"no checkpoint", func() error { _, err := Load(t.TempDir()); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
		})
	}
}
