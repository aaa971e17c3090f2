package core

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/herd-llm/herd/engine"
)

// ChoiceResult is one choice run to its end.
type ChoiceResult struct {
	Text   string
	Toks   []tokenOut
	Finish string
	Cut    bool   // see ChoiceEvent.Cut
	Stop   string // see ChoiceEvent.Stop
}

// RunChoices runs the n choices of a request to their ends, concurrently,
// and returns them with their summed usage, or the first failure as an API
// error.
func (s *Core) RunChoices(ctx context.Context, n int, gp GenParams) ([]ChoiceResult, Usage, *APIError) {
	runs, err := s.submitChoices(ctx, n, gp)
	if err != nil {
		return nil, Usage{}, s.EngineError(err)
	}
	res := make([]ChoiceResult, n)
	errs := make([]error, n)
	var total Usage
	var mu sync.Mutex
	eachRun(runs, func(i int, run *choiceRun) {
		var text strings.Builder
		s.follow(run, func(ev ChoiceEvent) {
			if ev.Err != nil {
				errs[i] = ev.Err
				return
			}
			text.WriteString(ev.Text)
			res[i].Toks = append(res[i].Toks, ev.Toks...)
			if ev.Finish != "" {
				res[i].Finish, res[i].Cut, res[i].Stop = ev.Finish, ev.Cut, ev.Stop
				mu.Lock()
				AddUsage(&total, ev.Usage)
				mu.Unlock()
			}
		})
		res[i].Text = text.String()
	})
	if ctx.Err() != nil {
		return nil, total, errClientClosed
	}
	for _, err := range errs {
		if err != nil {
			return nil, total, s.EngineError(err)
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
// (the server's write timeout: the client stopped reading) ends the request.
func streamAnswer[C chatChoice | completionChoice](s *Core, w http.ResponseWriter, r *http.Request, head answer, n int, gp GenParams, withUsage bool,
	choice func(i int, send func(C)) func(ChoiceEvent)) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	runs, err := s.submitChoices(ctx, n, gp)
	if err != nil {
		WriteError(w, s.EngineError(err))
		return
	}
	out := NewSSE(w)
	out.Gone = cancel
	send := func(c C) { out.Send(reply[C]{answer: head, Choices: []C{c}}) }
	var total Usage
	var mu sync.Mutex
	eachRun(runs, func(i int, run *choiceRun) {
		handle := choice(i, send)
		s.follow(run, func(ev ChoiceEvent) {
			if ev.Err != nil {
				if ctx.Err() == nil {
					out.SendError(s.EngineError(ev.Err))
				}
				return
			}
			handle(ev)
			if ev.Finish != "" {
				mu.Lock()
				AddUsage(&total, ev.Usage)
				mu.Unlock()
			}
		})
	})
	if withUsage {
		head.Usage = &total
		out.Send(reply[C]{answer: head, Choices: []C{}})
	}
	out.Done()
}

// AddUsage adds one choice's usage to a request's: the prompt counts once.
func AddUsage(u *Usage, e engine.Usage) {
	if u.PromptTokens == 0 {
		u.PromptTokens = e.PromptTokens
		u.PromptTokensDetails.CachedTokens = e.CachedTokens
	}
	u.CompletionTokens += e.CompletionTokens
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
}
