package server

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/guard"
	"github.com/herd-llm/herd/server/internal/core"
)

// Bounds of one moderation request: its texts, and the bytes of each (a
// longer text is refused, not cut; one that fits is checked whole, in
// windows when it is longer than the guard's context).
const (
	maxModerationInputs = 32
	maxModerationBytes  = 256 << 10
)

// openAICategories maps OpenAI's moderation categories to the Llama Guard
// codes that flag them (as llama-stack's moderation endpoint maps them);
// Llama Guard categories without an OpenAI counterpart get "custom/" keys.
var openAICategories = []struct {
	name  string
	codes []string
}{
	{"harassment", []string{"S4"}},
	{"harassment/threatening", []string{"S1", "S4"}},
	{"hate", []string{"S10"}},
	{"hate/threatening", []string{"S10", "S1"}},
	{"illicit", []string{"S2"}},
	{"illicit/violent", []string{"S1", "S9"}},
	{"self-harm", []string{"S11"}},
	{"self-harm/intent", []string{"S11"}},
	{"self-harm/instructions", []string{"S11", "S6"}},
	{"sexual", []string{"S3", "S12"}},
	{"sexual/minors", []string{"S4"}},
	{"violence", []string{"S1"}},
	{"violence/graphic", []string{"S1"}},
	{"custom/defamation", []string{"S5"}},
	{"custom/specialized_advice", []string{"S6"}},
	{"custom/privacy_violation", []string{"S7"}},
	{"custom/intellectual_property", []string{"S8"}},
	{"custom/weapons", []string{"S9"}},
	{"custom/elections", []string{"S13"}},
	{"custom/code_interpreter_abuse", []string{"S14"}},
}

// moderationResult is one input's verdict in OpenAI's shape, with the
// Llama Guard codes and score as extensions.
type moderationResult struct {
	Flagged        bool                `json:"flagged"`
	Categories     map[string]bool     `json:"categories"`
	CategoryScores map[string]float64  `json:"category_scores"`
	AppliedTypes   map[string][]string `json:"category_applied_input_types"`
	GuardCodes     []string            `json:"guard_categories"` // herd extension: the Llama Guard codes
	GuardScore     float64             `json:"guard_score"`      // herd extension: P(unsafe) at the first step
}

// moderations is POST /v1/moderations: each input text is checked as a
// user message. A flagged input's mapped categories are true with the
// verdict's score; an input longer than the guard's context is checked in
// windows (guard.LlamaGuard), never cut.
func (s *Server) moderations(w http.ResponseWriter, r *http.Request) *core.APIError {
	if s.guard == nil || s.guard.o.Classifier == nil {
		return &core.APIError{Status: http.StatusNotFound, Message: "moderation needs a guard model: start the server with --guard", Type: "invalid_request_error"}
	}
	var req struct {
		Input json.RawMessage `json:"input"`
		Model string          `json:"model"`
	}
	if e := core.DecodeJSON(r, &req); e != nil {
		return e
	}
	if req.Model != "" && req.Model != s.guard.o.Model && req.Model != s.o.ModelName {
		return &core.APIError{Status: http.StatusNotFound, Message: fmt.Sprintf("model %q does not exist; moderation uses %q", req.Model, s.guard.o.Model),
			Type: "invalid_request_error", Param: core.Strp("model"), Code: core.Strp("model_not_found")}
	}
	inputs, e := moderationInputs(req.Input)
	if e != nil {
		return e
	}
	results := make([]moderationResult, len(inputs))
	for i, text := range inputs {
		v, err := s.guard.classify(r.Context(), "moderation", []chat.Message{{Role: chat.RoleUser, Content: text}}, guard.RoleUser, nil)
		if err != nil {
			return &core.APIError{Status: http.StatusServiceUnavailable, Message: fmt.Sprintf("input %d: the guard failed: %v", i, err), Type: "server_error"}
		}
		results[i] = moderationOf(v)
	}
	return core.JSONOK(w, map[string]any{"id": fmt.Sprintf("modr-%016x", rand.Uint64()), "model": s.guard.o.Model, "results": results})
}

// moderationInputs reads input: a string, or an array of strings or of
// {"type": "text", "text": …} parts.
func moderationInputs(raw json.RawMessage) ([]string, *core.APIError) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if one == "" {
			return nil, core.BadRequest("input", "input is empty")
		}
		if len(one) > maxModerationBytes {
			return nil, core.BadRequest("input", fmt.Sprintf("input of %d bytes exceeds the limit of %d", len(one), maxModerationBytes))
		}
		return []string{one}, nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return nil, core.BadRequest("input", "input must be a string or a non-empty array of strings or text parts")
	}
	if len(list) > maxModerationInputs {
		return nil, core.BadRequest("input", fmt.Sprintf("at most %d inputs per request, got %d", maxModerationInputs, len(list)))
	}
	out := make([]string, len(list))
	for i, item := range list {
		if json.Unmarshal(item, &out[i]) == nil {
			if len(out[i]) > maxModerationBytes {
				return nil, core.BadRequest(fmt.Sprintf("input[%d]", i), fmt.Sprintf("input of %d bytes exceeds the limit of %d", len(out[i]), maxModerationBytes))
			}
			continue
		}
		var part struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if json.Unmarshal(item, &part) != nil || part.Type != "text" {
			return nil, core.BadRequest(fmt.Sprintf("input[%d]", i), "each input must be a string or a {\"type\": \"text\"} part")
		}
		out[i] = part.Text
		if len(out[i]) > maxModerationBytes {
			return nil, core.BadRequest(fmt.Sprintf("input[%d]", i), fmt.Sprintf("input of %d bytes exceeds the limit of %d", len(out[i]), maxModerationBytes))
		}
	}
	return out, nil
}

// moderationOf maps a verdict to OpenAI's categories.
func moderationOf(v guard.Verdict) moderationResult {
	res := moderationResult{Flagged: v.Unsafe, Categories: map[string]bool{}, CategoryScores: map[string]float64{},
		AppliedTypes: map[string][]string{}, GuardCodes: nonNilCodes(v.Categories), GuardScore: v.Score}
	named := map[string]bool{}
	for _, c := range v.Categories {
		named[c] = true
	}
	for _, oc := range openAICategories {
		hit := false
		for _, code := range oc.codes {
			hit = hit || named[code]
		}
		hit = hit && v.Unsafe
		res.Categories[oc.name] = hit
		res.CategoryScores[oc.name] = 0
		res.AppliedTypes[oc.name] = []string{}
		if hit {
			res.CategoryScores[oc.name] = max(v.Score, 0)
			res.AppliedTypes[oc.name] = []string{"text"}
		}
	}
	return res
}

func nonNilCodes(c []string) []string {
	if c == nil {
		return []string{}
	}
	return c
}
