package server

import (
	"context"
	"strings"
	"sync"

	"github.com/herd-llm/herd/engine"
)

// choiceResult is one choice run to its end.
type choiceResult struct {
	text   string
	toks   []tokenOut
	finish string
	cut    bool // see choiceEvent.cut
}

// runChoices runs the n choices of a request to their ends, concurrently,
// and returns them with their summed usage, or the first failure as an API
// error.
func (s *Server) runChoices(ctx context.Context, n int, gp genParams) ([]choiceResult, usage, *apiError) {
	res := make([]choiceResult, n)
	errs := make([]error, n)
	var total usage
	var mu sync.Mutex
	forChoices(n, gp, func(i int, g genParams) {
		var text strings.Builder
		s.runChoice(ctx, g, func(ev choiceEvent) {
			if ev.err != nil {
				errs[i] = ev.err
				return
			}
			text.WriteString(ev.text)
			res[i].toks = append(res[i].toks, ev.toks...)
			if ev.finish != "" {
				res[i].finish, res[i].cut = ev.finish, ev.cut
				mu.Lock()
				addUsage(&total, ev.usage)
				mu.Unlock()
			}
		})
		res[i].text = text.String()
	})
	for _, err := range errs {
		if err != nil {
			return nil, total, s.engineError(err)
		}
	}
	return res, total, nil
}

// streamChoices runs the n choices of a request concurrently for a stream:
// choice(i) is called as choice i starts and returns the handler of its
// events, called in order; a failure is sent on out as an error event
// instead. It returns the summed usage.
func (s *Server) streamChoices(ctx context.Context, out *sse, n int, gp genParams, choice func(i int) func(choiceEvent)) usage {
	var total usage
	var mu sync.Mutex
	forChoices(n, gp, func(i int, g genParams) {
		handle := choice(i)
		s.runChoice(ctx, g, func(ev choiceEvent) {
			if ev.err != nil {
				out.sendError(s.engineError(ev.err))
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
	return total
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
