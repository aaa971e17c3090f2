package engine

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// referenceEmbeds decodes greedily with a plain cache, the prompt's flagged
// rows taking the given embeddings.
func referenceEmbeds(t *testing.T, m *llama4.Model, prompt []int32, emb []float32, use []bool, n int) []int32 {
	t.Helper()
	c := m.NewCache(len(prompt) + n)
	out, err := m.ForwardBatch([]llama4.Seq{{Cache: c, IDs: prompt, Embeds: emb, UseEmbed: use}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return greedy(t, m, c, out[0], n)
}

// TestEmbedsRequest: a request with injected embeddings (an image's rows)
// is prefilled in chunks that split the image rows and decodes as the plain
// model does; a later request with the same ids but no embeddings (or other
// embeddings) reuses no cached row from the first image row on, and gets
// the text-only answer.
func TestEmbedsRequest(t *testing.T) {
	m := tiny(t)
	e := start(t, m, Options{Parallel: 1, Ctx: 128, KVType: tensor.F32, PrefillChunk: 5, QueueSize: 4})
	D := m.Config.Hidden
	prompt := []int32{1, 365, 155, 252, 500, 500, 500, 500, 502, 443, 459, 259}
	first := 4
	use := make([]bool, len(prompt))
	emb := make([]float32, len(prompt)*D)
	r := rand.New(rand.NewPCG(5, 6))
	for i := first; i < first+4; i++ {
		use[i] = true
		for j := 0; j < D; j++ {
			emb[i*D+j] = float32(r.NormFloat64())
		}
	}
	const n = 8
	wantImg := referenceEmbeds(t, m, prompt, emb, use, n)
	wantText := reference(t, m, prompt, n)
	if slices.Equal(wantImg, wantText) {
		t.Fatal("the injected embeddings do not change the answer; the test would prove nothing")
	}
	run := func(req *Request) ([]int32, Event) {
		s, err := e.Submit(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return collect(t, s)
	}
	for round := 0; round < 2; round++ { // the second time, the slot holds the first request's prefix
		got, fin := run(&Request{Prompt: prompt, MaxTokens: n, Embeds: emb, UseEmbed: use})
		if !slices.Equal(got, wantImg) {
			t.Fatalf("round %d: with embeddings got %v, want %v", round, got, wantImg)
		}
		if fin.Usage.CachedTokens > first {
			t.Fatalf("round %d: reused %d cached tokens, past the first image row %d", round, fin.Usage.CachedTokens, first)
		}
	}
	got, fin := run(&Request{Prompt: prompt, MaxTokens: n})
	if !slices.Equal(got, wantText) {
		t.Fatalf("text request after an image request got %v, want %v", got, wantText)
	}
	if fin.Usage.CachedTokens > first {
		t.Fatalf("text request reused %d cached tokens over image rows (first at %d)", fin.Usage.CachedTokens, first)
	}
	if _, err := e.Submit(context.Background(), &Request{Prompt: prompt, MaxTokens: 1, Embeds: emb[:D], UseEmbed: use}); err == nil {
		t.Error("embeddings of the wrong size were accepted")
	}
}
