package responses

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/herd-llm/herd/server/internal/core"
)

// chatRequestOf translates a Responses request into the chat request that
// the chat endpoint runs, so both share one path (PrepareChat, RunChoice).
// from names, for each chat message, the Responses field it came from
// ("instructions", "input[3]"), to report errors in the request's terms.
func chatRequestOf(req *responsesRequest) (cr *core.ChatRequest, from []string, e *core.APIError) {
	if req.PreviousResponseID != nil && *req.PreviousResponseID != "" {
		return nil, nil, core.BadRequest("previous_response_id", "previous_response_id is not supported: herd keeps no responses (it is stateless); send the whole conversation as input items instead")
	}
	if req.MaxOutputTokens != nil && *req.MaxOutputTokens <= 0 {
		return nil, nil, core.BadRequest("max_output_tokens", fmt.Sprintf("max_output_tokens must be positive, got %d", *req.MaxOutputTokens))
	}
	cr = &core.ChatRequest{MaxCompletionTokens: req.MaxOutputTokens, ParallelToolCalls: req.ParallelToolCalls}
	cr.Model, cr.Temperature, cr.TopP, cr.TopK, cr.Seed, cr.Stream = req.Model, req.Temperature, req.TopP, req.TopK, req.Seed, req.Stream
	if req.Instructions != nil && *req.Instructions != "" {
		cr.Messages = append(cr.Messages, core.ChatMessage{Role: "system", Content: core.MustJSON(*req.Instructions)})
		from = append(from, "instructions")
	}
	msgs, mfrom, e := inputMessages(req.Input)
	if e != nil {
		return nil, nil, e
	}
	cr.Messages, from = append(cr.Messages, msgs...), append(from, mfrom...)
	for i, t := range req.Tools {
		if t.Type != "function" {
			return nil, nil, core.BadRequest(fmt.Sprintf("tools[%d].type", i), fmt.Sprintf("tool type %q is not supported (want function)", t.Type))
		}
		if t.Name == "" {
			return nil, nil, core.BadRequest(fmt.Sprintf("tools[%d].name", i), "a function tool needs a name")
		}
		var ct core.Tool
		ct.Type, ct.Function.Name, ct.Function.Description = "function", t.Name, t.Description
		if p := bytes.TrimSpace(t.Parameters); len(p) > 0 && string(p) != "null" {
			ct.Function.Parameters = p
		}
		cr.Tools = append(cr.Tools, ct)
	}
	if cr.ToolChoice, e = chatToolChoice(req.ToolChoice); e != nil {
		return nil, nil, e
	}
	if req.Text != nil && req.Text.Format != nil {
		f := req.Text.Format
		rf := &core.ResponseFormat{Type: f.Type}
		if f.Type == "json_schema" {
			if len(bytes.TrimSpace(f.Schema)) == 0 {
				return nil, nil, core.BadRequest("text.format.schema", "a json_schema format needs a schema")
			}
			rf.JSONSchema = &struct {
				Name   string          `json:"name"`
				Schema json.RawMessage `json:"schema"`
				Strict bool            `json:"strict"`
			}{Name: f.Name, Schema: f.Schema}
		}
		cr.ResponseFormat = rf
	}
	return cr, from, nil
}

// chatToolChoice translates tool_choice: "none", "auto", "required" as they
// are, {"type": "function", "name": f} into chat's nested shape.
func chatToolChoice(raw json.RawMessage) (json.RawMessage, *core.APIError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return raw, nil
	}
	var obj struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil || obj.Type != "function" || obj.Name == "" {
		return nil, core.BadRequest("tool_choice", `tool_choice must be "none", "auto", "required" or {"type": "function", "name": ...}`)
	}
	return core.MustJSON(map[string]any{"type": "function", "function": map[string]string{"name": obj.Name}}), nil
}

// inputMessages translates input, a string (one user message) or a list of
// items, into chat messages, with the field each came from.
func inputMessages(input json.RawMessage) ([]core.ChatMessage, []string, *core.APIError) {
	raw := bytes.TrimSpace(input)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil, nil, core.BadRequest("input", "input is required")
	case raw[0] == '"':
		return []core.ChatMessage{{Role: "user", Content: raw}}, []string{"input"}, nil
	case raw[0] != '[':
		return nil, nil, core.BadRequest("input", "input must be a string or a list of items")
	}
	var items []inputItem
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, nil, core.BadRequest("input", "input items: "+err.Error())
	}
	var msgs []core.ChatMessage
	var from []string
	calls := map[string]bool{} // the call_ids of the function_call items so far
	for i, it := range items {
		param := fmt.Sprintf("input[%d]", i)
		switch it.Type {
		case "", "message":
			m, e := inputMessage(it, param)
			if e != nil {
				return nil, nil, e
			}
			msgs, from = append(msgs, m), append(from, param)
		case "function_call":
			if it.CallID == "" || it.Name == "" {
				return nil, nil, core.BadRequest(param, "a function_call item needs call_id and name")
			}
			args := it.Arguments
			if strings.TrimSpace(args) == "" {
				args = "{}"
			}
			var tc core.ToolCall
			tc.ID, tc.Type, tc.Function.Name, tc.Function.Arguments = it.CallID, "function", it.Name, args
			calls[it.CallID] = true
			// Calls that follow an assistant message (or each other) belong to it.
			if n := len(msgs); n > 0 && msgs[n-1].Role == "assistant" {
				msgs[n-1].ToolCalls = append(msgs[n-1].ToolCalls, tc)
				continue
			}
			msgs = append(msgs, core.ChatMessage{Role: "assistant", ToolCalls: []core.ToolCall{tc}})
			from = append(from, param)
		case "function_call_output":
			if !calls[it.CallID] {
				return nil, nil, core.BadRequest(param+".call_id", fmt.Sprintf("function_call_output with call_id %q has no function_call item with that call_id before it in input", it.CallID))
			}
			out, e := outputText(it.Output, param+".output")
			if e != nil {
				return nil, nil, e
			}
			msgs = append(msgs, core.ChatMessage{Role: "tool", Content: core.MustJSON(out), ToolCallID: it.CallID})
			from = append(from, param)
		default:
			return nil, nil, core.BadRequest(param+".type", fmt.Sprintf("input item type %q is not supported (want message, function_call or function_call_output)", it.Type))
		}
	}
	return msgs, from, nil
}

// inputMessage translates a message item: its content is a string or a list
// of input_text, output_text and input_image parts.
func inputMessage(it inputItem, param string) (core.ChatMessage, *core.APIError) {
	m := core.ChatMessage{Role: it.Role}
	switch it.Role {
	case "user", "system", "developer", "assistant":
	default:
		return m, core.BadRequest(param+".role", fmt.Sprintf("unknown role %q (want user, system, developer or assistant)", it.Role))
	}
	raw := bytes.TrimSpace(it.Content)
	if len(raw) == 0 || raw[0] != '[' {
		m.Content = raw // a string, or what convertMessages rejects
		return m, nil
	}
	var parts []inputPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return m, core.BadRequest(param+".content", "content parts: "+err.Error())
	}
	out := make([]map[string]any, 0, len(parts))
	for k, p := range parts {
		switch p.Type {
		case "input_text", "output_text":
			out = append(out, map[string]any{"type": "text", "text": p.Text})
		case "input_image":
			var url string
			if json.Unmarshal(p.ImageURL, &url) != nil || url == "" {
				return m, core.BadRequest(fmt.Sprintf("%s.content[%d].image_url", param, k), "an input_image part needs image_url (a data URL)")
			}
			out = append(out, map[string]any{"type": "image_url", "image_url": map[string]string{"url": url}})
		default:
			return m, core.BadRequest(fmt.Sprintf("%s.content[%d].type", param, k), fmt.Sprintf("unknown content part type %q (want input_text, output_text or input_image)", p.Type))
		}
	}
	m.Content = core.MustJSON(out)
	return m, nil
}

// outputText is a function_call_output's output: a string, or the text of
// its input_text parts.
func outputText(raw json.RawMessage, param string) (string, *core.APIError) {
	raw = bytes.TrimSpace(raw)
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var parts []inputPart
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &parts) != nil {
		return "", core.BadRequest(param, "output must be a string or a list of input_text parts")
	}
	var sb strings.Builder
	for k, p := range parts {
		if p.Type != "input_text" {
			return "", core.BadRequest(fmt.Sprintf("%s[%d].type", param, k), fmt.Sprintf("output part type %q is not supported (want input_text)", p.Type))
		}
		sb.WriteString(p.Text)
	}
	return sb.String(), nil
}

// inResponsesTerms rewrites an error of the chat path in the terms of the
// Responses request: its param (messages[2].content → input[1].content,
// max_completion_tokens → max_output_tokens, response_format →
// text.format) and the names in its message.
func inResponsesTerms(e *core.APIError, from []string) *core.APIError {
	out := *e
	repl := strings.NewReplacer("max_completion_tokens", "max_output_tokens", "max_tokens", "max_output_tokens",
		"response_format.json_schema.schema", "text.format.schema", "response_format", "text.format")
	out.Message = repl.Replace(e.Message)
	if e.Param == nil {
		return &out
	}
	p := *e.Param
	if rest, ok := strings.CutPrefix(p, "messages"); ok {
		p = "input"
		var j int
		if n, _ := fmt.Sscanf(rest, "[%d]", &j); n == 1 && j >= 0 && j < len(from) {
			p = from[j] + rest[strings.Index(rest, "]")+1:]
		}
	} else {
		p = repl.Replace(p)
	}
	out.Param = &p
	return &out
}
