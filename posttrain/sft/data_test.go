package sft

import (
	"bytes"
	"strings"
	"testing"

	"github.com/herd-llm/herd/chat"
)

func TestReadJSONL(t *testing.T) {
	exs, err := ReadJSONLFile("testdata/chat.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != 3 || exs[0].Line != 1 || exs[1].Line != 2 || exs[2].Line != 4 {
		t.Fatalf("read %d examples at lines %v", len(exs), []int{exs[0].Line, exs[len(exs)-1].Line})
	}
	call := exs[1].Messages[1]
	if len(call.ToolCalls) != 1 || call.ToolCalls[0].Name != "calculator" || string(call.ToolCalls[0].Arguments) != `{"expression":"7 * 6"}` {
		t.Errorf("tool call %+v", call.ToolCalls)
	}
	if len(exs[1].Tools) != 1 || exs[1].Messages[2].Role != chat.RoleTool {
		t.Errorf("tools %s, messages %+v", exs[1].Tools, exs[1].Messages)
	}
	// WriteJSONL writes what ReadJSONL reads.
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, exs); err != nil {
		t.Fatal(err)
	}
	again, err := ReadJSONL(&buf, "round trip")
	if err != nil {
		t.Fatal(err)
	}
	for i := range exs {
		a, _ := chat.Render(exs[i].Messages, chat.Options{Tools: exs[i].Tools})
		b, _ := chat.Render(again[i].Messages, chat.Options{Tools: again[i].Tools})
		if a != b {
			t.Errorf("example %d changed in a round trip:\n%s\n%s", i, a, b)
		}
	}
}

func TestReadJSONLErrors(t *testing.T) {
	good := `{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}`
	cases := []struct {
		name, text, want string
	}{
		{"bad JSON", good + "\n{\"messages\": [", "x.jsonl:2: not a JSON object"},
		{"not an object", good + "\n\n[1, 2]", "x.jsonl:3: not a JSON object"},
		{"no messages", `{"msgs": []}`, `x.jsonl:1: no "messages"`},
		{"no assistant", good + "\n" + `{"messages": [{"role": "user", "content": "a"}]}`, "x.jsonl:2: no assistant turn"},
		{"unknown role", `{"messages": [{"role": "robot", "content": "a"}]}`, `x.jsonl:1: message 0: unknown role "robot"`},
		{"no role", `{"messages": [{"content": "a"}]}`, `x.jsonl:1: message 0: no "role"`},
		{"no content", `{"messages": [{"role": "user"}, {"role": "assistant", "content": "b"}]}`, `message 0: user message without "content"`},
		{"user tool call", `{"messages": [{"role": "user", "content": "", "tool_calls": [{"name": "f"}]}]}`, "only assistant messages call tools"},
		{"call without name", `{"messages": [{"role": "assistant", "tool_calls": [{"function": {"arguments": {}}}]}]}`, `tool call 0: no function "name"`},
		{"arguments not an object", `{"messages": [{"role": "assistant", "tool_calls": [{"name": "f", "arguments": "[1]"}]}]}`, "are not a JSON object"},
		{"tool not an object", `{"messages": [{"role": "assistant", "content": "b"}], "tools": ["calc"]}`, "tool 0 is not a JSON object"},
		{"image part", `{"messages": [{"role": "user", "content": [{"type": "image"}]}]}`, `content part 0 is of type "image"`},
		{"content number", `{"messages": [{"role": "user", "content": 7}]}`, "neither a string nor a list of text parts"},
		{"empty", "\n\n", "no examples"},
	}
	for _, c := range cases {
		_, err := ReadJSONL(strings.NewReader(c.text), "x.jsonl")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	parts := `{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}, {"role": "assistant", "content": null, "tool_calls": [{"name": "f", "parameters": {"x": 1}}]}]}`
	exs, err := ReadJSONL(strings.NewReader(parts), "parts.jsonl")
	if err != nil || exs[0].Messages[0].Content != "ab" || string(exs[0].Messages[1].ToolCalls[0].Arguments) != `{"x":1}` {
		t.Errorf("text parts and a null content: %+v, %v", exs, err)
	}
	if _, err := ReadJSONLFile("testdata/missing.jsonl"); err == nil {
		t.Error("missing file: want an error")
	}
}
