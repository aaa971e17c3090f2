package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// responses is POST /v1/responses, OpenAI's Responses API, stateless: the
// request is translated into a chat request (chatRequestOf) and runs as chat
// completions do (prepareChat, runChoice), with the same limits, metrics and
// tool-call extraction; the answer is a response object, or its typed
// streaming events.
func (s *Server) responses(w http.ResponseWriter, r *http.Request, req *responsesRequest) *apiError {
	if s.guard != nil {
		return errGuardedResponses // the guard reads chat and text completions only
	}
	cr, from, e := chatRequestOf(req)
	if e != nil {
		return e
	}
	job, e := s.prepareChat(r.Context(), cr)
	if e != nil {
		return inResponsesTerms(e, from)
	}
	key := fmt.Sprintf("%016x", rand.Uint64())
	head := s.responseHead(req, key)
	if req.Stream {
		return s.streamResponse(w, r, job, head, key)
	}
	res, total, e := s.runChoices(r.Context(), 1, job.gp)
	if e != nil {
		return e
	}
	c := res[0]
	b := newRespBuilder(head, key, nil)
	finish := "length"
	if !c.cut { // a half-written call or JSON value is no answer
		sp := newReplySplit(job.x, job.forced)
		b.add(sp.push(c.text))
		b.add(sp.finish(false))
		finish = sp.finishReason(c.finish, false)
	}
	b.end(finish, total)
	return jsonOK(w, head)
}

// errGuardedResponses refuses the Responses API on a server with a guard,
// which screens the chat and text completion shapes only: a request here
// would go unscreened.
var errGuardedResponses = &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: strp("unsupported_with_guard"),
	Message: "the Responses API is off on a server that screens requests with a guard (herd serve --guard, --prompt-guard): use POST /v1/chat/completions, which is screened"}

// streamResponse answers with the Responses API's typed SSE events. The
// stream starts with the first output (an engine refusal before it is an
// HTTP error); a failure after that is an "error" event, and a write that
// fails (the client is gone or stopped reading) ends the generation.
func (s *Server) streamResponse(w http.ResponseWriter, r *http.Request, job chatJob, head *responseObj, key string) *apiError {
	var out *sse
	seq := 0
	emit := func(typ string, ev eventData) {
		ev["type"], ev["sequence_number"] = typ, seq
		seq++
		out.event(typ, ev)
	}
	sp := newReplySplit(job.x, job.forced)
	b := newRespBuilder(head, key, emit)
	var fail *apiError
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	s.runChoice(ctx, job.gp, func(ev choiceEvent) {
		if ev.err != nil {
			e := s.engineError(ev.err)
			switch {
			case out == nil:
				fail = e
			case ctx.Err() == nil: // not a client that is gone
				emit("error", eventData{"code": e.Code, "message": e.Message, "param": e.Param})
			}
			return
		}
		if out == nil {
			out = newSSE(w)
			out.gone = cancel // a write that fails ends the generation
			b.start()
		}
		b.add(sp.push(ev.text))
		if ev.finish != "" {
			b.add(sp.finish(ev.cut))
			var u usage
			addUsage(&u, ev.usage)
			b.end(sp.finishReason(ev.finish, ev.cut), u)
		}
	})
	return fail
}

// responseHead is the response to req before any output: status
// in_progress, and the request's settings echoed as OpenAI does.
func (s *Server) responseHead(req *responsesRequest, key string) *responseObj {
	resp := &responseObj{ID: "resp_" + key, Object: "response", CreatedAt: time.Now().Unix(), Status: "in_progress",
		Instructions: req.Instructions, MaxOutputTokens: req.MaxOutputTokens, Model: s.o.ModelName, Output: []*outputItem{},
		ParallelToolCalls: req.ParallelToolCalls == nil || *req.ParallelToolCalls, Temperature: req.Temperature, TopP: req.TopP,
		Text: json.RawMessage(`{"format":{"type":"text"}}`), ToolChoice: json.RawMessage(`"auto"`), Tools: req.Tools,
		Truncation: "disabled", Metadata: json.RawMessage(`{}`)}
	if req.Text != nil && req.Text.Format != nil {
		resp.Text = mustJSON(req.Text)
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
