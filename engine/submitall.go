package engine

import (
	"context"
	"fmt"
	"time"
)

// SubmitAll queues several requests at once, all or none: when the queue
// cannot take every one of them it refuses with ErrQueueFull and queues
// nothing, so a request for n choices never runs some of them only to be
// refused for the rest. ctxs[i] cancels rs[i]. Errors are those of Submit.
func (e *Engine) SubmitAll(ctxs []context.Context, rs []*Request) ([]*Stream, error) {
	if len(ctxs) != len(rs) {
		panic(fmt.Sprintf("engine: SubmitAll with %d contexts for %d requests", len(ctxs), len(rs)))
	}
	seqs := make([]*seq, len(rs))
	for i, r := range rs {
		if err := r.validate(e.m.VocabSize(), e.o.Ctx-1, 1); err != nil {
			return nil, err
		}
		if r.Images != nil {
			if _, ok := e.m.(ImageModel); !ok {
				return nil, fmt.Errorf("%w: the model does not take images", ErrInvalidRequest)
			}
		}
		seqs[i] = &seq{req: r, ctx: ctxs[i], out: NewStream(), slot: -1, start: time.Now()}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdown {
		return nil, ErrShuttingDown
	}
	if len(e.queue)+len(seqs) > e.o.QueueSize+e.nfree {
		return nil, fmt.Errorf("%w: %d requests do not fit", ErrQueueFull, len(seqs))
	}
	out := make([]*Stream, len(seqs))
	for i, s := range seqs {
		e.queue = append(e.queue, s)
		out[i] = s.out
	}
	e.poke()
	return out, nil
}
