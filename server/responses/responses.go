// Package responses is OpenAI's Responses API (POST /v1/responses),
// stateless: a request is translated into the OpenAI chat request
// (chatRequestOf) and runs as chat completions do on the server's shared
// request path (core.Core.PrepareChat, RunChoices or RunChoice), with the
// same limits, metrics and tool-call extraction; the answer is a response
// object, or its typed streaming events.
package responses

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/herd-llm/herd/server/internal/core"
)

// api serves the Responses API on the shared request path.
type api struct{ *core.Core }

// Handler is POST /v1/responses on c.
func Handler(c *core.Core) core.Handler { return core.Decoded(c, api{c}.responses) }

// responses answers a Responses request.
func (s api) responses(w http.ResponseWriter, r *http.Request, req *responsesRequest) *core.APIError {
	if s.Guarded() {
		return errGuardedResponses // the guard reads chat and text completions only
	}
	cr, from, e := chatRequestOf(req)
	if e != nil {
		return e
	}
	job, e := s.PrepareChat(r.Context(), cr)
	if e != nil {
		return inResponsesTerms(e, from)
	}
	key := fmt.Sprintf("%016x", rand.Uint64())
	head := s.responseHead(req, key)
	if req.Stream {
		return s.streamResponse(w, r, job, head, key)
	}
	res, total, e := s.RunChoices(r.Context(), 1, job.GP)
	if e != nil {
		return e
	}
	c := res[0]
	b := newRespBuilder(head, key, nil)
	finish := "length"
	if !c.Cut { // a half-written call or JSON value is no answer
		sp := core.NewReplySplit(job.X, job.Forced)
		b.add(sp.Push(c.Text))
		b.add(sp.Finish(false))
		finish = sp.FinishReason(c.Finish, false)
	}
	b.end(finish, total)
	return core.JSONOK(w, head)
}

// errGuardedResponses refuses the Responses API on a server with a guard,
// which screens the chat and text completion shapes only: a request here
// would go unscreened.
var errGuardedResponses = &core.APIError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: core.Strp("unsupported_with_guard"),
	Message: "the Responses API is off on a server that screens requests with a guard (herd serve --guard, --prompt-guard): use POST /v1/chat/completions, which is screened"}

// streamResponse answers with the Responses API's typed SSE events. The
// stream starts with the first output (an engine refusal before it is an
// HTTP error); a failure after that is an "error" event, and a write that
// fails (the client is gone or stopped reading) ends the generation.
func (s api) streamResponse(w http.ResponseWriter, r *http.Request, job core.ChatJob, head *responseObj, key string) *core.APIError {
	var out *core.SSE
	seq := 0
	emit := func(typ string, ev eventData) {
		ev["type"], ev["sequence_number"] = typ, seq
		seq++
		out.Event(typ, ev)
	}
	sp := core.NewReplySplit(job.X, job.Forced)
	b := newRespBuilder(head, key, emit)
	var fail *core.APIError
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	s.RunChoice(ctx, job.GP, func(ev core.ChoiceEvent) {
		if ev.Err != nil {
			e := s.EngineError(ev.Err)
			switch {
			case out == nil:
				fail = e
			case ctx.Err() == nil: // not a client that is gone
				emit("error", eventData{"code": e.Code, "message": e.Message, "param": e.Param})
			}
			return
		}
		if out == nil {
			out = core.NewSSE(w)
			out.Gone = cancel // a write that fails ends the generation
			b.start()
		}
		b.add(sp.Push(ev.Text))
		if ev.Finish != "" {
			b.add(sp.Finish(ev.Cut))
			var u core.Usage
			core.AddUsage(&u, ev.Usage)
			b.end(sp.FinishReason(ev.Finish, ev.Cut), u)
		}
	})
	return fail
}

// responseHead is the response to req before any output: status
// in_progress, and the request's settings echoed as OpenAI does.
func (s api) responseHead(req *responsesRequest, key string) *responseObj {
	resp := &responseObj{ID: "resp_" + key, Object: "response", CreatedAt: time.Now().Unix(), Status: "in_progress",
		Instructions: req.Instructions, MaxOutputTokens: req.MaxOutputTokens, Model: s.ModelName(), Output: []*outputItem{},
		ParallelToolCalls: req.ParallelToolCalls == nil || *req.ParallelToolCalls, Temperature: req.Temperature, TopP: req.TopP,
		Text: json.RawMessage(`{"format":{"type":"text"}}`), ToolChoice: json.RawMessage(`"auto"`), Tools: req.Tools,
		Truncation: "disabled", Metadata: json.RawMessage(`{}`)}
	if req.Text != nil && req.Text.Format != nil {
		resp.Text = core.MustJSON(req.Text)
	}
	if tc := bytes.TrimSpace(req.ToolChoice); len(tc) > 0 && string(tc) != "null" {
		resp.ToolChoice = tc
	}
	if resp.Tools == nil {
		resp.Tools = []responsesTool{}
	}
	if m := bytes.TrimSpace(req.Metadata); len(m) > 0 && m[0] == '{' {
		resp.Metadata = m
	}
	one := 1.0
	if resp.Temperature == nil {
		resp.Temperature = &one
	}
	if resp.TopP == nil {
		resp.TopP = &one
	}
	return resp
}
