package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
)

// Parallel measures aggregate decode throughput with p concurrent streams
// through the continuous-batching engine: each stream has a short prompt and
// generates n tokens (no early stop); the result is generated tokens per
// second over the wall time from the first submit to the last token,
// repeated r times.
func Parallel(m *llama4.Model, p, n, r int, kv kvcache.DType) (Result, error) {
	var s []float64
	for rep := 0; rep < r; rep++ {
		eng, err := engine.New(m, engine.Options{Parallel: p, Ctx: 64 + n, KVType: kv, PrefillChunk: 512, QueueSize: p})
		if err != nil {
			return Result{}, err
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { eng.Run(ctx); close(done) }()
		prompts := tokens(m, 16*p)
		t0 := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, p)
		for i := 0; i < p; i++ {
			st, err := eng.Submit(ctx, &engine.Request{Prompt: prompts[16*i : 16*i+16], MaxTokens: n, TopLogprobs: -1})
			if err != nil {
				cancel()
				<-done
				return Result{}, err
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					ev, ok := st.Recv(ctx)
					if !ok || ev.Done {
						if ev.Err != nil {
							errs[i] = ev.Err
						}
						return
					}
				}
			}()
		}
		wg.Wait()
		el := time.Since(t0).Seconds()
		cancel()
		<-done
		for _, e := range errs {
			if e != nil {
				return Result{}, e
			}
		}
		s = append(s, float64(p*n)/el)
	}
	return summarize(fmt.Sprintf("tg%d×%d", n, p), p*n, s), nil
}
