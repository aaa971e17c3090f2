package core

import (
	"context"

	"github.com/herd-llm/herd/engine"
)

// choiceRun is one choice of a request, submitted to the engine.
type choiceRun struct {
	gp     GenParams // the choice's own copy (its seed offset by its index)
	ctx    context.Context
	cancel context.CancelFunc // ends the choice's request in the engine
	stream *engine.Stream
	cons   completer // the request's constraint, when it reports completeness
}

// allSubmitter is an engine.Submitter that queues several requests all or none
// (engine.Engine.SubmitAll).
type allSubmitter interface {
	SubmitAll(ctxs []context.Context, rs []*engine.Request) ([]*engine.Stream, error)
}

// submitChoices queues the n choices of a request before any of them is
// answered: all are queued or none is, so a request the engine cannot take
// whole is refused (429) before it computes anything or starts a stream.
// Choice i runs gp with its seed offset by i. Engines without SubmitAll get
// the choices one by one, and the queued ones are cancelled when a later one
// is refused.
func (s *Core) submitChoices(ctx context.Context, n int, gp GenParams) ([]*choiceRun, error) {
	top := -1
	if gp.logprobs {
		top = gp.topLogprobs
	}
	runs := make([]*choiceRun, n)
	ctxs := make([]context.Context, n)
	reqs := make([]*engine.Request, n)
	for i := range runs {
		g := gp
		g.sampling.Seed += uint64(i)
		req := &engine.Request{Prompt: g.Prompt, MaxTokens: g.maxTokens, Sampling: g.sampling,
			StopIDs: s.stopIDs, TopLogprobs: top, Images: g.images}
		if g.Constraint != nil {
			req.Constraint = g.Constraint()
		}
		cctx, cancel := context.WithCancel(ctx)
		cons, _ := req.Constraint.(completer)
		runs[i] = &choiceRun{gp: g, ctx: cctx, cancel: cancel, cons: cons}
		ctxs[i], reqs[i] = cctx, req
	}
	cancelAll := func() {
		for _, r := range runs {
			r.cancel()
		}
	}
	if all, ok := s.eng.(allSubmitter); ok {
		sts, err := all.SubmitAll(ctxs, reqs)
		if err != nil {
			cancelAll()
			return nil, err
		}
		for i, st := range sts {
			runs[i].stream = st
		}
		return runs, nil
	}
	for i, r := range runs {
		st, err := s.eng.Submit(ctxs[i], reqs[i])
		if err != nil {
			cancelAll()
			return nil, err
		}
		r.stream = st
	}
	return runs, nil
}

// eachRun calls fn for every run concurrently and waits.
func eachRun(runs []*choiceRun, fn func(i int, run *choiceRun)) {
	done := make(chan struct{}, len(runs))
	for i, r := range runs {
		go func() {
			defer func() { done <- struct{}{} }()
			fn(i, r)
		}()
	}
	for range runs {
		<-done
	}
}
