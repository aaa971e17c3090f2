package sft

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/herd-llm/herd/chat"
)

// Example is one training conversation.
type Example struct {
	Messages []chat.Message
	Tools    []json.RawMessage // tool declarations, rendered as chat.Options.Tools
	Line     int               // 1-based line in its JSONL file (0 when not from a file)
}

// jsonExample is a JSONL line: {"messages": [...], "tools": [...]}.
type jsonExample struct {
	Messages []jsonMessage     `json:"messages"`
	Tools    []json.RawMessage `json:"tools"`
}

// jsonMessage is a message as OpenAI-style chat data writes it.
type jsonMessage struct {
	Role      string          `json:"role"`
	Content   json.RawMessage `json:"content"`
	ToolCalls []jsonToolCall  `json:"tool_calls"`
}

// jsonToolCall accepts {"function": {"name", "arguments"}} (OpenAI) and
// {"name", "arguments"|"parameters"}; arguments may be an object or a JSON
// string holding one.
type jsonToolCall struct {
	Function   *jsonToolCall   `json:"function"`
	Name       string          `json:"name"`
	Arguments  json.RawMessage `json:"arguments"`
	Parameters json.RawMessage `json:"parameters"`
}

// maxLine bounds one JSONL line (64 MiB).
const maxLine = 64 << 20

// ReadJSONLFile reads a JSONL file of examples (ReadJSONL).
func ReadJSONLFile(path string) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sft: %w", err)
	}
	defer f.Close()
	return ReadJSONL(f, path)
}

// ReadJSONL reads one example per non-blank line,
//
//	{"messages": [{"role": "user", "content": "…"}, {"role": "assistant", …}], "tools": [{…}]}
//
// with roles system, user, assistant and tool (or ipython); an assistant
// message may carry "tool_calls" (OpenAI's {"type": "function", "function":
// {"name", "arguments"}} or {"name", "arguments"}) and then needs no
// content. Every example needs an assistant turn with content or tool
// calls. Errors name the file (name) and the line.
func ReadJSONL(r io.Reader, name string) ([]Example, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var out []Example
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		ex, err := parseExample(b)
		if err != nil {
			return nil, fmt.Errorf("sft: %s:%d: %w", name, line, err)
		}
		ex.Line = line
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sft: %s: after line %d: %w", name, len(out), err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("sft: %s: no examples", name)
	}
	return out, nil
}

// parseExample decodes and checks one line.
func parseExample(b []byte) (Example, error) {
	var je jsonExample
	if err := json.Unmarshal(b, &je); err != nil {
		return Example{}, fmt.Errorf("not a JSON object of messages: %w", err)
	}
	if len(je.Messages) == 0 {
		return Example{}, fmt.Errorf(`no "messages"`)
	}
	ex := Example{Tools: je.Tools}
	for i, t := range je.Tools {
		if len(t) == 0 || t[0] != '{' {
			return Example{}, fmt.Errorf("tool %d is not a JSON object", i)
		}
	}
	hasAssistant := false
	for i, jm := range je.Messages {
		m, err := jm.message()
		if err != nil {
			return Example{}, fmt.Errorf("message %d: %w", i, err)
		}
		if m.Role == chat.RoleAssistant {
			hasAssistant = true
		}
		ex.Messages = append(ex.Messages, m)
	}
	if !hasAssistant {
		return Example{}, fmt.Errorf("no assistant turn: nothing to learn (roles %s)", roles(ex.Messages))
	}
	return ex, nil
}

func roles(msgs []chat.Message) string {
	r := make([]string, len(msgs))
	for i, m := range msgs {
		r[i] = m.Role
	}
	return strings.Join(r, ", ")
}

// message converts and checks one message.
func (jm *jsonMessage) message() (chat.Message, error) {
	m := chat.Message{Role: jm.Role}
	switch jm.Role {
	case chat.RoleSystem, chat.RoleUser, chat.RoleAssistant, chat.RoleTool, chat.RoleIPython:
	case "":
		return m, fmt.Errorf(`no "role"`)
	default:
		return m, fmt.Errorf("unknown role %q (want system, user, assistant, tool or ipython)", jm.Role)
	}
	content, err := chat.DecodeContent(jm.Content)
	if err != nil {
		return m, err
	}
	if k := content.NonText(); k >= 0 {
		return m, fmt.Errorf("content part %d is of type %q: only text parts are supported", k, content.Parts[k].Type)
	}
	m.Content = content.Text
	if len(jm.ToolCalls) > 0 && jm.Role != chat.RoleAssistant {
		return m, fmt.Errorf("a %s message with tool_calls: only assistant messages call tools", jm.Role)
	}
	for i, jc := range jm.ToolCalls {
		c, err := jc.call()
		if err != nil {
			return m, fmt.Errorf("tool call %d: %w", i, err)
		}
		m.ToolCalls = append(m.ToolCalls, c)
	}
	if !content.Given && len(m.ToolCalls) == 0 {
		return m, fmt.Errorf(`%s message without "content"`, jm.Role)
	}
	return m, nil
}

// call converts one tool call.
func (jc *jsonToolCall) call() (chat.ToolCall, error) {
	if jc.Function != nil {
		return jc.Function.call()
	}
	if jc.Name == "" {
		return chat.ToolCall{}, fmt.Errorf(`no function "name"`)
	}
	args := jc.Arguments
	if args == nil {
		args = jc.Parameters
	}
	if args == nil {
		args = json.RawMessage(`{}`)
	}
	args = bytes.TrimSpace(args)
	if len(args) > 0 && args[0] == '"' {
		var s string
		if err := json.Unmarshal(args, &s); err != nil {
			return chat.ToolCall{}, fmt.Errorf("%s: arguments: %w", jc.Name, err)
		}
		args = json.RawMessage(s)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(args, &obj); err != nil || obj == nil {
		return chat.ToolCall{}, fmt.Errorf("%s: arguments %.60s are not a JSON object", jc.Name, args)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, args); err != nil {
		return chat.ToolCall{}, fmt.Errorf("%s: arguments: %w", jc.Name, err)
	}
	return chat.ToolCall{Name: jc.Name, Arguments: buf.Bytes()}, nil
}

// WriteJSONL writes examples in the format ReadJSONL reads.
func WriteJSONL(w io.Writer, examples []Example) error {
	bw := bufio.NewWriter(w)
	for _, ex := range examples {
		je := struct {
			Messages []map[string]any  `json:"messages"`
			Tools    []json.RawMessage `json:"tools,omitempty"`
		}{Tools: ex.Tools}
		for _, m := range ex.Messages {
			jm := map[string]any{"role": m.Role, "content": m.Content}
			if len(m.ToolCalls) > 0 {
				var calls []map[string]any
				for _, c := range m.ToolCalls {
					calls = append(calls, map[string]any{"type": "function",
						"function": map[string]any{"name": c.Name, "arguments": c.Arguments}})
				}
				jm["tool_calls"] = calls
			}
			je.Messages = append(je.Messages, jm)
		}
		b, err := json.Marshal(je)
		if err != nil {
			return fmt.Errorf("sft: %w", err)
		}
		bw.Write(b)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
