package rl

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/server"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/train"
)

// testServer serves p (version 0) with weight updates and API key "k".
func testServer(t *testing.T, p *train.Params[float32]) *httptest.Server {
	t.Helper()
	tok := testTokenizer(t)
	m, err := InferenceModel(p)
	if err != nil {
		t.Fatal(err)
	}
	sm := engine.NewSwapModel(m)
	eng, err := engine.New(sm, engine.Options{Parallel: 8, Ctx: 128, KVType: tensor.F32, PrefillChunk: 256, QueueSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	srv := server.New(m.Config, tok, eng, server.Options{APIKey: "k", Weights: &server.SwapWeights{Model: sm, Config: m.Config}})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); cancel(); <-done })
	return hs
}

// TestRemoteGenerator drives a herd server through the OpenAI API: the
// behaviour log-probabilities match the learner's, an asynchronous run
// pushes every version, and bad pushes (wrong key, stale version, wrong
// shapes) are refused with the reason.
func TestRemoteGenerator(t *testing.T) {
	tok := testTokenizer(t)
	p := smallModel(t, 3)
	hs := testServer(t, p)
	ctx := context.Background()
	if _, err := NewRemoteGenerator(ctx, []string{hs.URL}, "wrong", tok); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong key: %v", err)
	}
	gen, err := NewRemoteGenerator(ctx, []string{hs.URL}, "k", tok)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gen.Generate(ctx, GenRequest{Prompt: []int32{1, 2}, N: 1, MaxTokens: 2, Temperature: 1}); err == nil {
		t.Fatal("generated before a policy was pushed")
	}
	if err := gen.UpdateWeights(ctx, p, 0); err != nil {
		t.Fatal(err)
	}
	if err := gen.UpdateWeights(ctx, p, 0); err == nil || !strings.Contains(err.Error(), "409") {
		t.Fatalf("stale version: %v", err)
	}
	missing := *p
	missing.Tensors = p.Tensors[1:]
	shaped := *p
	shaped.Tensors = slices.Clone(p.Tensors)
	t0 := *p.Tensors[0]
	t0.Shape = []int{t0.Shape[len(t0.Shape)-1], t0.NumElements() / t0.Shape[len(t0.Shape)-1]}
	shaped.Tensors[0] = &t0
	for name, bad := range map[string]*train.Params[float32]{"missing tensor": &missing, "wrong shape": &shaped} {
		if err := gen.UpdateWeights(ctx, bad, 5); err == nil || !strings.Contains(err.Error(), "400") {
			t.Fatalf("%s: %v", name, err)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}

	r := testRun(t, gen, t.TempDir(), func(c *Config) { c.Steps, c.DropZero, c.Staleness = 2, false, 1 })
	r.Learner.Params = p
	task := r.Cfg.Tasks[0]
	prompt, _ := task.Sample(0, 1)
	eps, err := r.Roller.Rollout(ctx, task, &prompt, 4, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	ptr := []*Episode{&eps[0], &eps[1], &eps[2], &eps[3]}
	mbs, err := r.Learner.micros(ptr, []float64{1, 1, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	sums, _, _, err := SequenceLogprobs(p, ptr, r.Learner.scores)
	if err != nil {
		t.Fatal(err)
	}
	var behav float64
	for _, mb := range mbs {
		for i, s := range mb.batch.Seq {
			if s >= 0 {
				behav += mb.batch.Behav[i]
			}
		}
	}
	var learner float64
	for _, s := range sums {
		learner += s
	}
	if d := behav - learner; d > 1e-2 || d < -1e-2 {
		t.Fatalf("behaviour log-probs sum to %g, the learner's to %g", behav, learner)
	}
	if err := r.Loop(ctx, 0); err != nil {
		t.Fatal(err)
	}
}
