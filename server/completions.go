package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// completions is POST /v1/completions: raw text (or token ids) in, text out.
func (s *Server) completions(w http.ResponseWriter, r *http.Request, req *completionRequest) *apiError {
	prompt, e := s.completionPrompt(r.Context(), req.Prompt)
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
	resp := completionResponse{answer: s.newAnswer("cmpl", "text_completion")}
	if req.Stream {
		streamAnswer(s, w, r, resp.answer, n, gp, req.includeUsage(), func(i int, send func(completionChoice)) func(choiceEvent) {
			if echo != "" {
				send(completionChoice{Index: i, Text: echo})
			}
			return func(ev choiceEvent) {
				ch := completionChoice{Index: i, Text: ev.text}
				if gp.logprobs {
					ch.Logprobs = tokenIDs(s.completionLogprobs(ev.toks, 0), ev.toks, req.ReturnTokensAsTokenIDs)
				}
				if ev.finish != "" {
					ch.FinishReason = &ev.finish
				}
				send(ch)
			}
		})
		return nil
	}
	res, total, e := s.runChoices(r.Context(), n, gp)
	if e != nil {
		return e
	}
	resp.Choices, resp.Usage = make([]completionChoice, n), &total
	for i, c := range res {
		resp.Choices[i] = completionChoice{Index: i, Text: echo + c.text, FinishReason: &c.finish}
		if gp.logprobs {
			resp.Choices[i].Logprobs = tokenIDs(s.completionLogprobs(c.toks, len(echo)), c.toks, req.ReturnTokensAsTokenIDs)
		}
	}
	return jsonOK(w, resp)
}

// completionPrompt accepts a string, a one-element list of strings, or a list
// of token ids.
func (s *Server) completionPrompt(ctx context.Context, raw json.RawMessage) ([]int32, *apiError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, badRequest("prompt", "prompt is required")
	}
	var text string
	if err := json.Unmarshal(raw, &text); err == nil {
		return s.encodeText(ctx, "prompt", text)
	}
	var texts []string
	if err := json.Unmarshal(raw, &texts); err == nil {
		if len(texts) != 1 {
			return nil, badRequest("prompt", fmt.Sprintf("a list prompt must hold exactly one string here, got %d", len(texts)))
		}
		return s.encodeText(ctx, "prompt", texts[0])
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
