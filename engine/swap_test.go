package engine

import (
	"context"
	"slices"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/tensor"
)

// TestSwapModel: swapped weights serve the next request (greedy tokens are
// those of the new model alone), the prefix cached by the old weights is
// not reused, and stale versions or another vocabulary are refused.
func TestSwapModel(t *testing.T) {
	a, b := tinymodel.ByteModel(t, tensor.F32, 11), tinymodel.ByteModel(t, tensor.F32, 12)
	sm := NewSwapModel(a)
	e, err := New(sm, Options{Parallel: 1, Ctx: 64, KVType: tensor.F32, PrefillChunk: 16, QueueSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	p := []int32{72, 101, 108, 108, 111, 32, 119}
	run := func() ([]int32, Event) {
		s, err := e.Submit(context.Background(), &Request{Prompt: p, MaxTokens: 6})
		if err != nil {
			t.Fatal(err)
		}
		return collect(t, s)
	}
	first, _ := run()
	if want := reference(t, a, p, 6); !slices.Equal(first, want) {
		t.Fatalf("before the swap %v, want %v", first, want)
	}
	if _, fin := run(); fin.Usage.CachedTokens == 0 {
		t.Fatal("the same weights did not reuse the cached prefix")
	}
	if err := sm.Swap(b, 1); err != nil {
		t.Fatal(err)
	}
	got, fin := run()
	if want := reference(t, b, p, 6); !slices.Equal(got, want) {
		t.Fatalf("after the swap %v, want the new model's %v", got, want)
	}
	if fin.Usage.CachedTokens != 0 {
		t.Fatalf("reused %d tokens cached by the old weights", fin.Usage.CachedTokens)
	}
	if err := sm.Swap(a, 1); err == nil {
		t.Fatal("version 1 installed twice")
	}
	if err := sm.Swap(otherVocab{b}, 2); err == nil {
		t.Fatal("weights with another vocabulary installed")
	}
	if sm.Version() != 1 {
		t.Fatalf("version %d", sm.Version())
	}
}

// otherVocab is a model that claims one more logit.
type otherVocab struct{ Model }

func (o otherVocab) VocabSize() int { return o.Model.VocabSize() + 1 }
