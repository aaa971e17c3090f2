package core

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Completions is POST /v1/completions: raw text (or token ids) in, text out.
func (s *Core) Completions(w http.ResponseWriter, r *http.Request, req *completionRequest) *APIError {
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
	gp.Prompt = prompt
	if req.Logprobs != nil {
		if *req.Logprobs < 0 || *req.Logprobs > 20 {
			return BadRequest("logprobs", "logprobs must be between 0 and 20")
		}
		gp.logprobs, gp.topLogprobs = true, *req.Logprobs
	}
	echo := ""
	if req.Echo {
		echo = s.tok.Decode(prompt, true)
	}
	resp := completionResponse{answer: s.newAnswer("cmpl", "text_completion")}
	if req.Stream {
		streamAnswer(s, w, r, resp.answer, n, gp, req.includeUsage(), func(i int, send func(completionChoice)) func(ChoiceEvent) {
			if echo != "" {
				send(completionChoice{Index: i, Text: echo})
			}
			return func(ev ChoiceEvent) {
				ch := completionChoice{Index: i, Text: ev.Text}
				if gp.logprobs {
					ch.Logprobs = tokenIDs(s.completionLogprobs(ev.Toks, 0), ev.Toks, req.ReturnTokensAsTokenIDs)
				}
				if ev.Finish != "" {
					ch.FinishReason = &ev.Finish
				}
				send(ch)
			}
		})
		return nil
	}
	res, total, e := s.RunChoices(r.Context(), n, gp)
	if e != nil {
		return e
	}
	resp.Choices, resp.Usage = make([]completionChoice, n), &total
	for i, c := range res {
		resp.Choices[i] = completionChoice{Index: i, Text: echo + c.Text, FinishReason: &c.Finish}
		if gp.logprobs {
			resp.Choices[i].Logprobs = tokenIDs(s.completionLogprobs(c.Toks, len(echo)), c.Toks, req.ReturnTokensAsTokenIDs)
		}
	}
	return JSONOK(w, resp)
}

// completionPrompt accepts a string, a one-element list of strings, or a list
// of token ids.
func (s *Core) completionPrompt(ctx context.Context, raw json.RawMessage) ([]int32, *APIError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, BadRequest("prompt", "prompt is required")
	}
	var text string
	if err := json.Unmarshal(raw, &text); err == nil {
		return s.encodeText(ctx, "prompt", text)
	}
	var texts []string
	if err := json.Unmarshal(raw, &texts); err == nil {
		if len(texts) != 1 {
			return nil, BadRequest("prompt", fmt.Sprintf("a list prompt must hold exactly one string here, got %d", len(texts)))
		}
		return s.encodeText(ctx, "prompt", texts[0])
	}
	var ids []int32
	if err := json.Unmarshal(raw, &ids); err == nil {
		if len(ids) == 0 {
			return nil, BadRequest("prompt", "prompt is empty")
		}
		return ids, nil // range-checked by the engine (ErrInvalidRequest)
	}
	return nil, BadRequest("prompt", "prompt must be a string, a list of one string, or a list of token ids")
}

func MustJSON(v any) []byte {
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

func (s *Core) completionLogprobs(toks []tokenOut, offset int) *legacyLogprobs {
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
