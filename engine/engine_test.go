package engine

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// tiny loads the tiny golden checkpoint's f32 weights, skipping the test
// when they are absent.
func tiny(t *testing.T) *llama4.Model {
	t.Helper()
	return testmodel.LoadTiny(t, "f32", checkpoint.LoadHF)
}

// reference decodes greedily with a plain cache, one token at a time.
func reference(t *testing.T, m *llama4.Model, prompt []int32, n int) []int32 {
	t.Helper()
	c := m.NewCache(len(prompt) + n)
	logits, err := m.Forward(c, prompt, llama4.ForwardOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return greedy(t, m, c, logits, n)
}

// greedy continues a prompt in cache c, whose last logits are given, with
// its n most likely tokens, one at a time.
func greedy(t *testing.T, m *llama4.Model, c *kvcache.Cache, logits []float32, n int) []int32 {
	t.Helper()
	var out []int32
	for len(out) < n {
		best := testmodel.Argmax(logits)
		out = append(out, best)
		if len(out) < n {
			var err error
			if logits, err = m.Forward(c, []int32{best}, llama4.ForwardOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

func collect(t *testing.T, s *Stream) ([]int32, Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var ids []int32
	for {
		ev, ok := s.Recv(ctx)
		if !ok {
			t.Fatal("stream ended without a final event")
		}
		if ev.Done {
			return ids, ev
		}
		ids = append(ids, ev.Token)
	}
}

func start(t *testing.T, m Model, o Options) *Engine {
	e, err := New(m, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// TestConcurrentMatchesSequential: several requests decoded together in one
// batch (with chunked prefill) give the tokens each gets alone.
func TestConcurrentMatchesSequential(t *testing.T) {
	m := tiny(t)
	e := start(t, m, Options{Parallel: 3, Ctx: 128, KVType: tensor.F32, PrefillChunk: 7, QueueSize: 4})
	prompts := [][]int32{
		{162, 167, 419, 437, 98, 200, 274, 446, 31, 239, 505, 288},
		{352, 319, 414, 467, 238, 133, 75, 35, 290, 314, 281, 101, 62, 338, 289, 357, 133, 117, 153, 218},
		{5, 6},
		{100, 200, 300, 400, 500},
		{9},
	}
	var wg sync.WaitGroup
	got := make([][]int32, len(prompts))
	fin := make([]Event, len(prompts))
	for i, p := range prompts {
		s, err := e.Submit(context.Background(), &Request{Prompt: p, MaxTokens: 20, TopLogprobs: 2})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); got[i], fin[i] = collect(t, s) }()
	}
	wg.Wait()
	for i, p := range prompts {
		want := reference(t, m, p, 20)
		if len(got[i]) != 20 || fin[i].Finish != "length" || fin[i].Usage.CompletionTokens != 20 {
			t.Fatalf("request %d: %d tokens, finish %q, usage %+v", i, len(got[i]), fin[i].Finish, fin[i].Usage)
		}
		for k := range want {
			if got[i][k] != want[k] {
				t.Fatalf("request %d: got %v, want %v", i, got[i], want)
			}
		}
	}
}

func TestPrefixReuseAndStop(t *testing.T) {
	m := tiny(t)
	e := start(t, m, Options{Parallel: 1, Ctx: 128, KVType: tensor.F32, PrefillChunk: 64, QueueSize: 2})
	p := []int32{162, 167, 419, 437, 98, 200, 274, 446, 31, 239, 505, 288}
	s, _ := e.Submit(context.Background(), &Request{Prompt: p, MaxTokens: 5})
	first, _ := collect(t, s)
	// The same prompt extended: the slot's cache already holds p.
	p2 := append(append([]int32(nil), p...), first[:3]...)
	s, _ = e.Submit(context.Background(), &Request{Prompt: p2, MaxTokens: 2})
	second, fin := collect(t, s)
	if fin.Usage.CachedTokens < len(p) {
		t.Fatalf("cached %d tokens, want ≥ %d", fin.Usage.CachedTokens, len(p))
	}
	if second[0] != first[3] || second[1] != first[4] {
		t.Fatalf("with reuse got %v, want %v", second, first[3:5])
	}
	// Stop ids end the stream with finish "stop".
	s, _ = e.Submit(context.Background(), &Request{Prompt: p, MaxTokens: 10, StopIDs: []int32{first[1]}})
	ids, fin := collect(t, s)
	if fin.Finish != "stop" || len(ids) != 2 {
		t.Fatalf("stop: %v finish %q", ids, fin.Finish)
	}
}

func TestCancelAndQueue(t *testing.T) {
	m := tiny(t)
	e := start(t, m, Options{Parallel: 1, Ctx: 4096, KVType: tensor.F32, PrefillChunk: 16, QueueSize: 1})
	ctx, cancel := context.WithCancel(context.Background())
	s1, err := e.Submit(ctx, &Request{Prompt: []int32{1, 2, 3}, MaxTokens: 4000})
	if err != nil {
		t.Fatal(err)
	}
	// Wait until it runs, then fill the queue.
	if _, ok := s1.Recv(context.Background()); !ok {
		t.Fatal("no first token")
	}
	if _, err := e.Submit(context.Background(), &Request{Prompt: []int32{1}, MaxTokens: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Submit(context.Background(), &Request{Prompt: []int32{1}, MaxTokens: 1}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("third request: %v, want ErrQueueFull", err)
	}
	cancel()
	_, fin := collect(t, s1)
	if fin.Finish != "cancelled" || fin.Usage.CompletionTokens >= 4000 {
		t.Fatalf("cancelled request: %+v", fin)
	}
	for _, bad := range []*Request{{Prompt: nil, MaxTokens: 1}, {Prompt: []int32{1}, MaxTokens: 0}, {Prompt: make([]int32, 4096), MaxTokens: 1}, {Prompt: []int32{9999}, MaxTokens: 1}} {
		if _, err := e.Submit(context.Background(), bad); err == nil {
			t.Errorf("bad request %d tokens max %d accepted", len(bad.Prompt), bad.MaxTokens)
		}
	}
}

func TestLogprobs(t *testing.T) {
	lp, top := logprobs([]float32{0, 1, 2, 3}, 2, 2)
	// log softmax: x - log(Σe^x) = x - 3.4401897
	if d := lp - (2 - 3.4401897); d > 1e-5 || d < -1e-5 {
		t.Fatalf("logprob %v", lp)
	}
	if len(top) != 2 || top[0].Token != 3 || top[1].Token != 2 {
		t.Fatalf("top %v", top)
	}
}
