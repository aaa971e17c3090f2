package chat

import (
	"encoding/json"
	"testing"
)

// FuzzParse feeds Parse arbitrary text (a prompt from anywhere, model output
// included): it parses or fails with an error, never panics, and what it
// returns renders without error into a prompt that parses again to the
// same messages.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"<|begin_of_text|>",
		"<|begin_of_text|><|header_start|>user<|header_end|>\n\nHi<|eot|><|header_start|>assistant<|header_end|>\n\n",
		"<|begin_of_text|><|header_start|>assistant<|header_end|>\n\n<|python_start|>[f(a=1)]<|python_end|><|eot|>",
		"<|begin_of_text|><|header_start|>ipython<|header_end|>\n\n\"22 deg\"<|eot|>",
		"<|begin_of_text|><|header_start|>system<|header_end|>\n\nEnvironment: ipython<|eot|>",
		"<|begin_of_text|><|header_start|>user<|header_end|>\n\nno end",
		"<|header_start|>",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	// Rendered conversations, tools included, are seeds too.
	tools := Options{AddGenerationPrompt: true, Tools: []json.RawMessage{json.RawMessage(`{"name":"f","parameters":{"type":"object"}}`)}}
	if p, err := Render([]Message{{Role: RoleSystem, Content: "be brief"}, {Role: RoleUser, Content: "weather?"},
		{Role: RoleAssistant, ToolCalls: []ToolCall{call("f", `{"a":1}`)}}, {Role: RoleTool, Content: "3"}}, tools); err == nil {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, s string) {
		msgs, opts, err := Parse(s)
		if err != nil {
			return
		}
		p, err := Render(msgs, opts)
		if err != nil {
			return // Parse is lenient about content Render refuses (a tool call's bad arguments)
		}
		back, _, err := Parse(p)
		if err != nil {
			t.Fatalf("Parse(Render(Parse(s))) fails: %v\n s %q\n p %q", err, s, p)
		}
		if len(back) != len(msgs) {
			t.Fatalf("%d messages parse back as %d\n s %q\n p %q", len(msgs), len(back), s, p)
		}
	})
}
