package engine

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/herd-llm/herd/sample"
	"github.com/herd-llm/herd/tensor"
)

// TestSessionDirect: a Session driven directly gives the plain greedy
// decode, the same seeded samples and log-probabilities as the engine, and a
// second Start that extends the first conversation prefills only the new
// tokens.
func TestSessionDirect(t *testing.T) {
	m := tiny(t)
	p := []int32{162, 167, 419, 437, 98, 200, 274, 446, 31, 239, 505, 288}
	c, err := m.NewCacheOf(64, tensor.F32)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSession(m, c, 5)
	run := func(r *Request) ([]int32, []float32) {
		t.Helper()
		if err := s.Start(r); err != nil {
			t.Fatal(err)
		}
		var ids []int32
		var lps []float32
		for s.Finish() == "" {
			ev, err := s.Next()
			if err != nil {
				t.Fatal(err)
			}
			ids, lps = append(ids, ev.Token), append(lps, ev.Logprob)
		}
		return ids, lps
	}
	got, _ := run(&Request{Prompt: p, MaxTokens: 8, TopLogprobs: -1})
	if want := reference(t, m, p, 8); !slices.Equal(got, want) || s.Finish() != "length" {
		t.Fatalf("greedy: got %v (%s), want %v", got, s.Finish(), want)
	}
	// The conversation goes on: only the new tokens run.
	p2 := append(append(append([]int32(nil), p...), got...), 7, 8)
	if err := s.Start(&Request{Prompt: p2, MaxTokens: 1, TopLogprobs: -1}); err != nil {
		t.Fatal(err)
	}
	if u := s.Usage(); u.CachedTokens != len(p)+len(got)-1 {
		t.Fatalf("cached %d tokens, want %d (all but the last answer token, which never ran)", u.CachedTokens, len(p)+len(got)-1)
	}
	// Seeded sampling with penalties: the same tokens and logprobs as the engine.
	sp := sample.Params{Temperature: 0.9, TopK: 40, TopP: 0.95, RepeatPenalty: 1.1, Seed: 7}
	direct, dlp := run(&Request{Prompt: p, MaxTokens: 12, Sampling: sp, StopIDs: []int32{3}})
	e := start(t, m, Options{Parallel: 2, Ctx: 64, KVType: tensor.F32, PrefillChunk: 3, QueueSize: 2})
	st, err := e.Submit(context.Background(), &Request{Prompt: p, MaxTokens: 12, Sampling: sp, StopIDs: []int32{3}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var eng []int32
	var elp []float32
	for {
		ev, ok := st.Recv(ctx)
		if !ok || ev.Done {
			break
		}
		eng, elp = append(eng, ev.Token), append(elp, ev.Logprob)
	}
	if !slices.Equal(direct, eng) || !slices.Equal(dlp, elp) {
		t.Fatalf("session %v %v, engine %v %v", direct, dlp, eng, elp)
	}
	// Token ids are range-checked at Start.
	if err := s.Start(&Request{Prompt: []int32{1, 99999}, MaxTokens: 1}); !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("out-of-vocabulary prompt: %v", err)
	}
}

func TestStopIDs(t *testing.T) {
	got := StopIDs([]int{2, 9}, []int32{9, 7, 8})
	if want := []int32{9, 7, 8, 2}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
