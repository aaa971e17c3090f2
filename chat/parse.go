package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Parse reads a prompt that Render wrote back into messages and options, so
// that Render(Parse(p)) == p. Tool definitions are recognised by the
// template's fixed text and must be the indented JSON it writes; a tool
// message's JSON string is unquoted; an assistant turn written as
// <|python_start|>…<|python_end|> followed by JSON calls gets its ToolCalls.
func Parse(prompt string) ([]Message, Options, error) {
	var opts Options
	s, ok := strings.CutPrefix(prompt, bosToken)
	if !ok {
		return nil, opts, errors.New("chat: prompt does not start with " + bosToken)
	}
	var msgs []Message
	for turn := 0; s != ""; turn++ {
		rest, ok := strings.CutPrefix(s, headerStart)
		if !ok {
			return nil, opts, fmt.Errorf("chat: turn %d: want %s at %q", turn, headerStart, clip([]byte(s)))
		}
		role, rest, ok := strings.Cut(rest, headerEnd)
		if !ok {
			return nil, opts, fmt.Errorf("chat: turn %d: no %s", turn, headerEnd)
		}
		if rest, ok = strings.CutPrefix(rest, "\n\n"); !ok {
			return nil, opts, fmt.Errorf("chat: turn %d: no blank line after the header", turn)
		}
		body, after, ok := strings.Cut(rest, eotToken)
		if !ok {
			if role == RoleAssistant && rest == "" {
				opts.AddGenerationPrompt = true
				break
			}
			return nil, opts, fmt.Errorf("chat: turn %d (%s) has no %s", turn, role, eotToken)
		}
		s = after
		m, err := parseTurn(turn, role, body, &opts)
		if err != nil {
			return nil, opts, err
		}
		msgs = append(msgs, m)
	}
	return msgs, opts, nil
}

// parseTurn converts the body of one turn.
func parseTurn(turn int, role, body string, opts *Options) (Message, error) {
	switch {
	case turn == 0 && role == RoleSystem:
		if b, ok := strings.CutPrefix(body, environmentLine); ok {
			body = b
			opts.Tools = []json.RawMessage{}
			if b, ok := strings.CutPrefix(body, systemToolsIntro); ok {
				opts.ToolsInSystem = true
				opts.Tools, body = parseToolDefs(b)
			}
		}
		return Message{Role: RoleSystem, Content: body}, nil
	case role == RoleUser && !opts.ToolsInSystem && len(opts.Tools) == 0 && strings.HasPrefix(body, userToolsIntro):
		opts.Tools, body = parseToolDefs(body[len(userToolsIntro):])
		return contentMessage(RoleUser, body), nil
	case role == RoleAssistant && strings.HasPrefix(body, pythonStartToken):
		inner, after, ok := strings.Cut(body[len(pythonStartToken):], pythonEndToken)
		if ok && after != "" {
			if calls, ok := renderedCalls(after); ok {
				m := contentMessage(RoleAssistant, inner)
				m.ToolCalls = calls
				return m, nil
			}
		}
		return contentMessage(role, body), nil
	case role == RoleIPython:
		var content string
		if err := json.Unmarshal([]byte(body), &content); err != nil {
			return Message{}, fmt.Errorf("chat: turn %d: tool result is not a JSON string: %w", turn, err)
		}
		return Message{Role: RoleTool, Content: content}, nil
	}
	return contentMessage(role, body), nil
}

// contentMessage makes a message from rendered content, turning each
// <|image|> into an image part.
func contentMessage(role, body string) Message {
	if !strings.Contains(body, imageToken) {
		return Message{Role: role, Content: body}
	}
	var parts []Part
	for i, text := range strings.Split(body, imageToken) {
		if i > 0 {
			parts = append(parts, Part{Image: true})
		}
		if text != "" {
			parts = append(parts, Part{Text: text})
		}
	}
	return Message{Role: role, Parts: parts}
}

// parseToolDefs reads the tool definitions at the start of s, each written
// with indent 4 and followed by a blank line, and returns them compact with
// the text after them.
func parseToolDefs(s string) ([]json.RawMessage, string) {
	tools := []json.RawMessage{}
	for strings.HasPrefix(s, "{") {
		dec := json.NewDecoder(strings.NewReader(s))
		var raw json.RawMessage
		if dec.Decode(&raw) != nil {
			break
		}
		n := int(dec.InputOffset())
		written, err := pyJSON(raw, 4)
		if err != nil || written != s[:n] || !strings.HasPrefix(s[n:], "\n\n") {
			break
		}
		compact, _ := compactJSON(raw)
		tools = append(tools, compact)
		s = s[n+2:]
	}
	return tools, s
}

// renderedCalls reads the JSON calls that Render writes after an assistant
// turn's <|python_end|>; ok is false unless s is exactly such calls.
func renderedCalls(s string) ([]ToolCall, bool) {
	r := anyNameExtractor.Extract(s)
	if r.Content != "" || len(r.Calls) == 0 {
		return nil, false
	}
	var sb strings.Builder
	for _, c := range r.Calls {
		args, err := pyJSON(c.Arguments, 0)
		if err != nil {
			return nil, false
		}
		sb.WriteString(`{"name": "` + c.Name + `", "parameters": ` + args + "}")
	}
	return r.Calls, sb.String() == s
}
