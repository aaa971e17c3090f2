package rl

import (
	"context"
	"fmt"
	"sync"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/sample"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/train"
)

// LocalGenerator samples with an in-process continuous-batching engine
// over a SwapModel, whose weights UpdateWeights replaces between decode
// steps.
type LocalGenerator struct {
	eng    *engine.Engine
	model  *engine.SwapModel
	cfg    *llama4.Config
	stops  []int32
	cancel context.CancelFunc
	done   chan struct{}
}

// NewLocalGenerator starts an engine on m with parallel slots of ctx
// tokens; stops end a completion. Close stops it.
func NewLocalGenerator(m *llama4.Model, parallel, ctx int, stops []int32) (*LocalGenerator, error) {
	sm := engine.NewSwapModel(m)
	eng, err := engine.New(sm, engine.Options{Parallel: parallel, Ctx: ctx, KVType: tensor.F32, PrefillChunk: 512, QueueSize: 1 << 16})
	if err != nil {
		return nil, fmt.Errorf("rl: %w", err)
	}
	c, cancel := context.WithCancel(context.Background())
	g := &LocalGenerator{eng: eng, model: sm, cfg: m.Config, stops: stops, cancel: cancel, done: make(chan struct{})}
	go func() { eng.Run(c); close(g.done) }()
	return g, nil
}

// Ctx is the context length of one sequence.
func (g *LocalGenerator) Ctx() int { return g.eng.Ctx() }

// Version is the installed policy version.
func (g *LocalGenerator) Version() int64 { return g.model.Version() }

// Close stops the engine.
func (g *LocalGenerator) Close() {
	g.cancel()
	<-g.done
}

// UpdateWeights installs p as version.
func (g *LocalGenerator) UpdateWeights(_ context.Context, p *train.Params[float32], version int64) error {
	m, err := InferenceModel(p)
	if err != nil {
		return err
	}
	return g.model.Swap(m, version)
}

// Generate submits the N completions at once (the engine batches them with
// every other request in flight) and collects them.
func (g *LocalGenerator) Generate(ctx context.Context, r GenRequest) ([]Completion, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	version := g.model.Version()
	out := make([]Completion, r.N)
	errs := make([]error, r.N)
	var wg sync.WaitGroup
	for j := range r.N {
		req := &engine.Request{Prompt: r.Prompt, MaxTokens: r.MaxTokens, StopIDs: g.stops,
			Sampling: sample.Params{Temperature: float32(r.Temperature), Seed: r.Seed + uint64(j)}}
		st, err := g.eng.Submit(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("rl: generate: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := Completion{Version: version}
			for {
				ev, ok := st.Recv(ctx)
				if !ok {
					errs[j] = fmt.Errorf("rl: generate: %w", context.Cause(ctx))
					return
				}
				if ev.Done {
					if ev.Err != nil {
						errs[j] = fmt.Errorf("rl: generate: %w", ev.Err)
					} else if ev.Finish == "cancelled" {
						errs[j] = fmt.Errorf("rl: generate: cancelled")
					}
					c.Finish = ev.Finish
					out[j] = c
					return
				}
				c.Tokens = append(c.Tokens, ev.Token)
				c.Logprobs = append(c.Logprobs, ev.Logprob)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
