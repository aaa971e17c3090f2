package core

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/grammar"
)

// ToolExtractor finds the calls of the request's tools in the model's
// output; with parallel_tool_calls false only the first call counts.
func ToolExtractor(req *ChatRequest) *chat.Extractor {
	names := make([]string, len(req.Tools))
	for i, t := range req.Tools {
		names[i] = t.Function.Name
	}
	single := req.ParallelToolCalls != nil && !*req.ParallelToolCalls
	return chat.NewExtractorNames(names, chat.ExtractOptions{SingleCall: single})
}

// toolChoice validates tools and tool_choice. It reports whether tool calls
// are on, and, when tool_choice forces a call ("required", or a named
// function), the grammar that makes the answer exactly one JSON call
// {"name": ..., "parameters": ...} whose parameters follow the function's
// schema.
func (s *Core) toolChoice(req *ChatRequest) (bool, *grammar.Grammar, *APIError) {
	byName := map[string]Tool{}
	for i, t := range req.Tools {
		if t.Type != "function" || t.Function.Name == "" {
			return false, nil, BadRequest(fmt.Sprintf("tools[%d]", i), "each tool needs type \"function\" and a function name")
		}
		byName[t.Function.Name] = t
	}
	choice := "auto"
	var named string
	if raw := bytes.TrimSpace(req.ToolChoice); len(raw) > 0 && string(raw) != "null" {
		if raw[0] == '"' {
			json.Unmarshal(raw, &choice)
		} else {
			var obj struct {
				Type     string `json:"type"`
				Function struct {
					Name string `json:"name"`
				} `json:"function"`
			}
			if err := json.Unmarshal(raw, &obj); err != nil || obj.Type != "function" || obj.Function.Name == "" {
				return false, nil, BadRequest("tool_choice", `tool_choice must be "none", "auto", "required" or {"type": "function", "function": {"name": ...}}`)
			}
			choice, named = "named", obj.Function.Name
		}
	}
	switch choice {
	case "none":
		return false, nil, nil
	case "auto":
		return len(req.Tools) > 0, nil, nil
	case "required", "named":
	default:
		return false, nil, BadRequest("tool_choice", fmt.Sprintf("unknown tool_choice %q", choice))
	}
	if len(req.Tools) == 0 {
		return false, nil, BadRequest("tool_choice", "tool_choice forces a tool call, but no tools were given")
	}
	var alts []any
	for _, t := range req.Tools {
		if named != "" && t.Function.Name != named {
			continue
		}
		alts = append(alts, callSchema(t, "parameters", false))
	}
	if len(alts) == 0 {
		return false, nil, BadRequest("tool_choice", fmt.Sprintf("tool_choice names %q, which is not among the tools", named))
	}
	schema := alts[0]
	if len(alts) > 1 {
		schema = map[string]any{"anyOf": alts}
	}
	g, err := grammar.CompileSchema(MustJSON(schema))
	if err != nil {
		return false, nil, BadRequest("tools", "cannot force a call with these tool parameters: "+err.Error())
	}
	return true, g, nil
}

// callSchema is the JSON Schema of a call of t: {"name": t's name, key:
// arguments following t's parameters schema}, with lenient also an optional
// "type": "function" (as Llama 4 writes calls it chose itself).
func callSchema(t Tool, key string, lenient bool) map[string]any {
	params := json.RawMessage(`{"type": "object"}`)
	if len(bytes.TrimSpace(t.Function.Parameters)) > 0 {
		params = t.Function.Parameters
	}
	props := map[string]any{"name": map[string]any{"const": t.Function.Name}, key: params}
	if lenient {
		props["type"] = map[string]any{"const": "function"}
	}
	return map[string]any{
		"type":                 "object",
		"properties":           props,
		"required":             []string{"name", key},
		"additionalProperties": false,
	}
}

// lazyCallGrammar is the grammar of a JSON call of one of tools, with its
// arguments under "parameters" or "arguments", for the lazy constraint of
// calls the model starts on its own (lazyCall). Tools whose parameters
// schema cannot be enforced are left out (their calls go unconstrained);
// nil when none is left.
func lazyCallGrammar(tools []Tool) *grammar.Grammar {
	var alts []any
	for _, t := range tools {
		one := callSchema(t, "parameters", true)
		if _, err := grammar.CompileSchema(MustJSON(one)); err != nil {
			continue
		}
		alts = append(alts, one, callSchema(t, "arguments", true))
	}
	if len(alts) == 0 {
		return nil
	}
	g, err := grammar.CompileSchema(MustJSON(map[string]any{"anyOf": alts}))
	if err != nil {
		return nil
	}
	return g
}
