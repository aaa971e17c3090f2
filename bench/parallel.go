package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/tensor"
)

// Parallel measures aggregate decode throughput with p concurrent streams
// through the continuous-batching engine: each stream has a 16-token prompt
// and generates n tokens (no early stop), repeated r times. It returns two
// results: the decode rate (test "tgN×P"), tokens generated after every
// stream has its first token ÷ the time from then to the last token, which
// leaves out prompt processing as llama-server's "eval" timings do; and the
// end-to-end rate ("e2eN×P"), all p·n tokens ÷ the time from the first
// submit to the last token.
func Parallel(m engine.Model, p, n, r int, kv tensor.DType) (decode, e2e Result, err error) {
	var s, se []float64
	for rep := 0; rep < r; rep++ {
		eng, err := engine.New(m, engine.Options{Parallel: p, Ctx: 64 + n, KVType: kv, PrefillChunk: 512, QueueSize: p})
		if err != nil {
			return Result{}, Result{}, err
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { eng.Run(ctx); close(done) }()
		prompts := tokens(m, 16*p)
		t0 := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, p)
		stamps := make([][]time.Time, p) // arrival time of each generated token
		for i := 0; i < p; i++ {
			st, err := eng.Submit(ctx, &engine.Request{Prompt: prompts[16*i : 16*i+16], MaxTokens: n, TopLogprobs: -1})
			if err != nil {
				cancel()
				<-done
				return Result{}, Result{}, err
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
					stamps[i] = append(stamps[i], time.Now())
				}
			}()
		}
		wg.Wait()
		el := time.Since(t0).Seconds()
		cancel()
		<-done
		for _, e := range errs {
			if e != nil {
				return Result{}, Result{}, e
			}
		}
		var start, end time.Time
		for _, ts := range stamps {
			if len(ts) == 0 {
				return Result{}, Result{}, fmt.Errorf("bench: a stream generated no token")
			}
			if ts[0].After(start) {
				start = ts[0]
			}
			if ts[len(ts)-1].After(end) {
				end = ts[len(ts)-1]
			}
		}
		after := 0
		for _, ts := range stamps {
			for _, t := range ts {
				if t.After(start) {
					after++
				}
			}
		}
		if d := end.Sub(start).Seconds(); d > 0 && after > 0 {
			s = append(s, float64(after)/d)
		}
		se = append(se, float64(p*n)/el)
	}
	if len(s) == 0 {
		return Result{}, Result{}, fmt.Errorf("bench: --parallel needs more than one generated token per stream to time the decode")
	}
	return summarize(fmt.Sprintf("tg%d×%d", n, p), p*n, s), summarize(fmt.Sprintf("e2e%d×%d", n, p), p*n, se), nil
}
