package cluster

import (
	"context"
	"math"
	"testing"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/sample"
	"github.com/herd-llm/herd/tensor"
)

// TestEngineThroughPipeline: the batching engine runs on a Pipeline as on a
// local model: three concurrent greedy requests (batched decode, chunked
// prefill, prefix reuse of a finished slot) give the same tokens and
// log-probabilities, bit for bit.
func TestEngineThroughPipeline(t *testing.T) {
	p, _, leader, _ := twoStages(t, []int{1, 3})
	prompts := [][]int32{ids(20, 3), ids(7, 11), append(ids(20, 3)[:12:12], 99, 98)}
	run := func(m engine.Model) [][]engine.Event {
		e, err := engine.New(m, engine.Options{Parallel: 2, Ctx: 64, KVType: tensor.F32, PrefillChunk: 16, QueueSize: 4})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go e.Run(ctx)
		var streams []*engine.Stream
		for _, pr := range prompts {
			s, err := e.Submit(ctx, &engine.Request{Prompt: pr, MaxTokens: 6, Sampling: sample.Params{Temperature: 0}, TopLogprobs: 0})
			if err != nil {
				t.Fatal(err)
			}
			streams = append(streams, s)
		}
		out := make([][]engine.Event, len(streams))
		for i, s := range streams {
			for {
				ev, ok := s.Recv(ctx)
				if !ok || ev.Done {
					if ev.Err != nil {
						t.Fatalf("request %d: %v", i, ev.Err)
					}
					break
				}
				out[i] = append(out[i], ev)
			}
		}
		return out
	}
	want, got := run(leader), run(p)
	for i := range want {
		if len(got[i]) != len(want[i]) || len(want[i]) == 0 {
			t.Fatalf("request %d: %d tokens through the pipeline, %d locally", i, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			if got[i][j].Token != want[i][j].Token || math.Float32bits(got[i][j].Logprob) != math.Float32bits(want[i][j].Logprob) {
				t.Errorf("request %d token %d: %d (%v) through the pipeline, %d (%v) locally", i, j, got[i][j].Token, got[i][j].Logprob, want[i][j].Token, want[i][j].Logprob)
			}
		}
	}
}
