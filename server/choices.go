package server

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/herd-llm/herd/engine"
)

// choiceResult is one choice run to its end.
type choiceResult struct {
	text   string
	toks   []tokenOut
	finish string
	cut    bool   // see choiceEvent.cut
	stop   string // see choiceEvent.stop
}

// runChoices runs the n choices of a request to their ends, concurrently,
// and returns them with their summed usage, or the first failure as an API
// error.
func (s *Server) runChoices(ctx context.Context, n int, gp genParams) ([]choiceResult, usage, *apiError) {
	runs, err := s.submitChoices(ctx, n, gp)
	if err != nil {
		return nil, usage{}, s.engineError(err)
	}
	res := make([]choiceResult, n)
	errs := make([]error, n)
	var total usage
	var mu sync.Mutex
	eachRun(runs, func(i int, run *choiceRun) {
		var text strings.Builder
		s.follow(run, func(ev choiceEvent) {
			if ev.err != nil {
				errs[i] = ev.err
				return
			}
			text.WriteString(ev.text)
			res[i].toks = append(res[i].toks, ev.toks...)
			if ev.finish != "" {
				res[i].finish, res[i].cut, res[i].stop = ev.finish, ev.cut, ev.stop
				mu.Lock()
				addUsage(&total, ev.usage)
				mu.Unlock()
			}
		})
		res[i].text = text.String()
	})
	if ctx.Err() != nil {
		return nil, total, errClientClosed
	}
	for _, err := range errs {
		if err != nil {
			return nil, total, s.engineError(err)
		}
	}
	return res, total, nil
}

// streamAnswer answers a request with SSE chunks, each head with one
// choice, running the n choices concurrently: choice(i, send) is called as
// choice i starts and returns the handler of its events, called in order,
// which sends its chunks with send; a failure is sent as an error event
// instead. With withUsage, a last chunk with no choices carries the summed usage.
// All n choices are queued before the stream starts, so a refusal (429 when
// the engine is full) is an HTTP error, written here. A write that fails
// (Options.WriteTimeout: the client stopped reading) ends the request.
func streamAnswer[C chatChoice | completionChoice](s *Server, w http.ResponseWriter, r *http.Request, head answer, n int, gp genParams, withUsage bool,
	choice func(i int, send func(C)) func(choiceEvent)) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	runs, err := s.submitChoices(ctx, n, gp)
	if err != nil {
		writeError(w, s.engineError(err))
		return
	}
	out := newSSE(w)
	out.gone = cancel
	send := func(c C) { out.send(reply[C]{answer: head, Choices: []C{c}}) }
	var total usage
	var mu sync.Mutex
	eachRun(runs, func(i int, run *choiceRun) {
		handle := choice(i, send)
		s.follow(run, func(ev choiceEvent) {
			if ev.err != nil {
				if ctx.Err() == nil {
					out.sendError(s.engineError(ev.err))
				}
				return
			}
			handle(ev)
			if ev.finish != "" {
				mu.Lock()
				addUsage(&total, ev.usage)
				mu.Unlock()
			}
		})
	})
	if withUsage {
		head.Usage = &total
		out.send(reply[C]{answer: head, Choices: []C{}})
	}
	out.done()
}

// addUsage adds one choice's usage to a request's: the prompt counts once.
func addUsage(u *usage, e engine.Usage) {
	if u.PromptTokens == 0 {
		u.PromptTokens = e.PromptTokens
		u.PromptTokensDetails.CachedTokens = e.CachedTokens
	}
	u.CompletionTokens += e.CompletionTokens
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
}
