package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/tensor"
)

// TestSubmitAllAtomic: SubmitAll queues every request or none.
func TestSubmitAllAtomic(t *testing.T) {
	m := tinymodel.ByteModel(t, tensor.F32, 3)
	for _, tc := range []struct {
		name       string
		parallel   int
		queue      int
		n          int
		wantQueued int
		wantErr    error
	}{
		{"fits the free slots", 2, 0, 2, 2, nil},
		{"fits slots and queue", 1, 2, 3, 3, nil},
		{"one too many", 1, 0, 2, 0, ErrQueueFull},
		{"bad request", 2, 2, 1, 0, ErrInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(m, Options{Parallel: tc.parallel, Ctx: 64, KVType: tensor.F32, PrefillChunk: 16, QueueSize: tc.queue})
			if err != nil {
				t.Fatal(err)
			}
			ctxs := make([]context.Context, tc.n)
			rs := make([]*Request, tc.n)
			for i := range rs {
				ctxs[i] = context.Background()
				rs[i] = &Request{Prompt: []int32{1, 2, 3}, MaxTokens: 4}
				if tc.wantErr == ErrInvalidRequest {
					rs[i].Prompt = nil
				}
			}
			sts, err := e.SubmitAll(ctxs, rs)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if got := e.Stats().Waiting; got != tc.wantQueued {
				t.Fatalf("%d queued, want %d", got, tc.wantQueued)
			}
			if err == nil && len(sts) != tc.n {
				t.Fatalf("%d streams for %d requests", len(sts), tc.n)
			}
		})
	}
}
