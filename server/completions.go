package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/herd-llm/herd/engine"
)

// completions is POST /v1/completions: raw text (or token ids) in, text out.
func (s *Server) completions(w http.ResponseWriter, r *http.Request) *apiError {
	var req completionRequest
	if e := s.decodeRequest(r, &req); e != nil {
		return e
	}
	prompt, e := s.completionPrompt(req.Prompt)
	if e != nil {
		return e
	}
	gp, n, e := s.resolve(&req.sampling, req.MaxTokens, len(prompt))
	if e != nil {
		return e
	}
	if req.MaxTokens == nil {
		gp.maxTokens = min(gp.maxTokens, 16) // the OpenAI default for completions
	}
	gp.prompt = prompt
	if req.Logprobs != nil {
		if *req.Logprobs < 0 || *req.Logprobs > 20 {
			return badRequest("logprobs", "logprobs must be between 0 and 20")
		}
		gp.logprobs, gp.topLogprobs = true, *req.Logprobs
	}
	echo := ""
	if req.Echo {
		echo = s.tok.Decode(prompt, true)
	}
	id, created := newID("cmpl"), time.Now().Unix()
	if req.Stream {
		out := newSSE(w)
		var mu sync.Mutex
		var total usage
		forChoices(n, gp, func(i int, g genParams) {
			if echo != "" {
				out.send(completionResponse{ID: id, Object: "text_completion", Created: created, Model: s.o.ModelName, Choices: []completionChoice{{Index: i, Text: echo}}})
			}
			s.runChoice(r.Context(), g, func(ev choiceEvent) {
				if ev.err != nil {
					out.sendError(s.engineError(ev.err))
					return
				}
				ch := completionChoice{Index: i, Text: ev.text}
				if gp.logprobs {
					ch.Logprobs = s.completionLogprobs(ev.toks, 0)
				}
				if ev.finish != "" {
					f := ev.finish
					ch.FinishReason = &f
					mu.Lock()
					addUsage(&total, ev.usage)
					mu.Unlock()
				}
				out.send(completionResponse{ID: id, Object: "text_completion", Created: created, Model: s.o.ModelName, Choices: []completionChoice{ch}})
			})
		})
		if req.includeUsage() {
			out.send(completionResponse{ID: id, Object: "text_completion", Created: created, Model: s.o.ModelName, Choices: []completionChoice{}, Usage: &total})
		}
		out.done()
		return nil
	}
	choices := make([]completionChoice, n)
	var total usage
	errs := make([]error, n)
	var mu sync.Mutex
	forChoices(n, gp, func(i int, g genParams) {
		var text bytes.Buffer
		var toks []tokenOut
		text.WriteString(echo)
		s.runChoice(r.Context(), g, func(ev choiceEvent) {
			if ev.err != nil {
				errs[i] = ev.err
				return
			}
			text.WriteString(ev.text)
			toks = append(toks, ev.toks...)
			if ev.finish != "" {
				f := ev.finish
				choices[i].FinishReason = &f
				mu.Lock()
				addUsage(&total, ev.usage)
				mu.Unlock()
			}
		})
		choices[i].Index, choices[i].Text = i, text.String()
		if gp.logprobs {
			choices[i].Logprobs = s.completionLogprobs(toks, len(echo))
		}
	})
	for _, err := range errs {
		if err != nil {
			return s.engineError(err)
		}
	}
	return jsonOK(w, completionResponse{ID: id, Object: "text_completion", Created: created, Model: s.o.ModelName, Choices: choices, Usage: &total})
}

// completionPrompt accepts a string, a one-element list of strings, or a list
// of token ids.
func (s *Server) completionPrompt(raw json.RawMessage) ([]int32, *apiError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, badRequest("prompt", "prompt is required")
	}
	var text string
	if err := json.Unmarshal(raw, &text); err == nil {
		ids := s.tok.Encode(text, true)
		if len(ids) == 0 || ids[0] != s.tok.BOS() {
			ids = append([]int32{s.tok.BOS()}, ids...)
		}
		return ids, nil
	}
	var texts []string
	if err := json.Unmarshal(raw, &texts); err == nil {
		if len(texts) != 1 {
			return nil, badRequest("prompt", fmt.Sprintf("a list prompt must hold exactly one string here, got %d", len(texts)))
		}
		return s.completionPrompt(json.RawMessage(mustJSON(texts[0])))
	}
	var ids []int32
	if err := json.Unmarshal(raw, &ids); err == nil {
		if len(ids) == 0 {
			return nil, badRequest("prompt", "prompt is empty")
		}
		return ids, nil // range-checked by the engine (ErrInvalidRequest)
	}
	return nil, badRequest("prompt", "prompt must be a string, a list of one string, or a list of token ids")
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func addUsage(u *usage, e engine.Usage) {
	if u.PromptTokens == 0 {
		u.PromptTokens = e.PromptTokens
		u.PromptTokensDetails.CachedTokens = e.CachedTokens
	}
	u.CompletionTokens += e.CompletionTokens
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
}

// legacyLogprobs is the completions endpoint's logprobs shape.
type legacyLogprobs = struct {
	Tokens        []string             `json:"tokens"`
	TokenLogprobs []float32            `json:"token_logprobs"`
	TopLogprobs   []map[string]float32 `json:"top_logprobs"`
	TextOffset    []int                `json:"text_offset"`
}

func (s *Server) completionLogprobs(toks []tokenOut, offset int) *legacyLogprobs {
	lp := &legacyLogprobs{Tokens: []string{}, TokenLogprobs: []float32{}, TopLogprobs: []map[string]float32{}, TextOffset: []int{}}
	for _, t := range toks {
		lp.Tokens = append(lp.Tokens, t.text)
		lp.TokenLogprobs = append(lp.TokenLogprobs, t.logprob)
		lp.TextOffset = append(lp.TextOffset, offset)
		offset += len(t.text)
		top := map[string]float32{}
		for _, a := range t.top {
			top[tokenText(s.tok, a.Token)] = a.Logprob
		}
		lp.TopLogprobs = append(lp.TopLogprobs, top)
	}
	return lp
}

// engineError maps an engine failure to an API error.
func (s *Server) engineError(err error) *apiError {
	switch {
	case errors.Is(err, engine.ErrQueueFull):
		return errBusy
	case errors.Is(err, engine.ErrShuttingDown):
		return errClosing
	case errors.Is(err, engine.ErrInvalidRequest):
		return badRequest("prompt", strings.TrimPrefix(err.Error(), "engine: invalid request: "))
	}
	return &apiError{Status: http.StatusInternalServerError, Message: err.Error(), Type: "server_error"}
}
