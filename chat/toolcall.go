package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ParseToolCalls splits what the model wrote into plain content and tool
// calls. It understands the forms Llama 4 uses:
//
//   - the pythonic list [get_weather(city="Paris"), get_time()], alone;
//   - JSON calls {"name": "get_weather", "parameters": {"city": "Paris"}}
//     ("arguments" is accepted for "parameters"), alone, as a JSON array, or
//     several separated by ";" or ",";
//   - either of those between <|python_start|> and <|python_end|> (the end
//     tag may be missing at the end of the text), after optional content;
//     inside the tags the brackets of the pythonic list may be left out;
//   - the chat template's own rendering, <|python_start|>content<|python_end|>
//     followed by JSON calls, so a rendered assistant turn parses back.
//
// Text that is none of these, including malformed calls, is returned whole
// as content with no calls. Arguments come back as compact JSON objects.
func ParseToolCalls(text string) (content string, calls []ToolCall) {
	content, calls, err := parseToolCalls(text)
	if err != nil {
		return text, nil
	}
	return content, calls
}

// parseToolCalls is ParseToolCalls with the reason for rejecting the text;
// errIncomplete means that more text could still make it calls.
func parseToolCalls(text string) (string, []ToolCall, error) {
	before, block, ok := strings.Cut(text, pythonStartToken)
	if !ok {
		if pyStrip(text) == "" {
			return "", nil, errors.New("no tool call")
		}
		calls, err := parseCallList(text, false)
		return "", calls, err
	}
	inner, after, closed := strings.Cut(block, pythonEndToken)
	calls, err := parseCallList(inner, true)
	if err == nil {
		if pyStrip(after) != "" {
			return "", nil, errors.New("text after the tool calls")
		}
		return before, calls, nil
	}
	if !closed {
		return "", nil, err // incomplete when inner may still become calls
	}
	// The template's form: content inside the tags, calls after them.
	calls, err = parseCallList(after, false)
	if err != nil {
		return "", nil, err
	}
	return before + inner, calls, nil
}

// parseCallList parses text that must be only calls, in either form. With
// bare, pythonic calls may lack their brackets.
func parseCallList(text string, bare bool) ([]ToolCall, error) {
	t := strings.TrimLeft(text, " \t\r\n")
	if t == "" {
		return nil, errIncomplete
	}
	if t[0] == '{' || (t[0] == '[' && isJSONStart(t[1:])) {
		return parseJSONCalls(t)
	}
	if t[0] == '[' {
		calls, err := parsePythonic(t, false)
		if err != nil && !errors.Is(err, errIncomplete) {
			if jc, jerr := parseJSONCalls(t); jerr == nil {
				return jc, nil
			}
		}
		return calls, err
	}
	if bare {
		return parsePythonic(t, true)
	}
	return nil, errors.New("not a tool call")
}

// isJSONStart reports whether s, after spaces, starts a JSON object or is
// still empty.
func isJSONStart(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n")
	return s == "" || s[0] == '{'
}

// parseJSONCalls parses one or more JSON call objects separated by spaces,
// ";" or ",", or a JSON array of them.
func parseJSONCalls(text string) ([]ToolCall, error) {
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, "[") {
		var items []json.RawMessage
		dec := json.NewDecoder(strings.NewReader(t))
		if err := dec.Decode(&items); err != nil {
			return nil, jsonError(err)
		}
		if strings.TrimSpace(t[dec.InputOffset():]) != "" {
			return nil, errors.New("text after the tool calls")
		}
		if len(items) == 0 {
			return nil, errors.New("empty call list")
		}
		calls := make([]ToolCall, len(items))
		for i, it := range items {
			c, err := jsonCall(it)
			if err != nil {
				return nil, err
			}
			calls[i] = c
		}
		return calls, nil
	}
	var calls []ToolCall
	for rest := t; ; {
		dec := json.NewDecoder(strings.NewReader(rest))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonError(err)
		}
		c, err := jsonCall(raw)
		if err != nil {
			return nil, err
		}
		calls = append(calls, c)
		rest = strings.TrimLeft(rest[dec.InputOffset():], " \t\r\n")
		if rest == "" {
			return calls, nil
		}
		if rest[0] == ';' || rest[0] == ',' {
			rest = strings.TrimLeft(rest[1:], " \t\r\n")
			if rest == "" {
				return nil, errIncomplete
			}
		}
		if rest[0] != '{' {
			return nil, errors.New("text after the tool calls")
		}
	}
}

// jsonError maps a truncated document to errIncomplete.
func jsonError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errIncomplete
	}
	return fmt.Errorf("json tool call: %w", err)
}

// jsonCall converts one call object.
func jsonCall(raw json.RawMessage) (ToolCall, error) {
	var obj struct {
		Name       *string         `json:"name"`
		Parameters json.RawMessage `json:"parameters"`
		Arguments  json.RawMessage `json:"arguments"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return ToolCall{}, fmt.Errorf("json tool call: %w", err)
	}
	if obj.Name == nil || *obj.Name == "" {
		return ToolCall{}, errors.New("json tool call without a name")
	}
	args := obj.Parameters
	if args == nil {
		args = obj.Arguments
	}
	if args == nil {
		return ToolCall{}, errors.New("json tool call without parameters")
	}
	if bytes.HasPrefix(bytes.TrimSpace(args), []byte(`"`)) { // arguments as a JSON string
		var s string
		if err := json.Unmarshal(args, &s); err != nil {
			return ToolCall{}, fmt.Errorf("json tool call arguments: %w", err)
		}
		args = json.RawMessage(s)
	}
	compact, err := compactJSON(args)
	if err != nil || len(compact) == 0 || compact[0] != '{' {
		return ToolCall{}, fmt.Errorf("json tool call %q: parameters are not an object", *obj.Name)
	}
	return ToolCall{Name: *obj.Name, Arguments: compact}, nil
}
