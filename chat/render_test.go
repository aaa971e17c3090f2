package chat

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// hfCase is one case of testdata/hf_template.json: a conversation in Hugging
// Face's message format and the prompt that the official Llama 4 chat template
// renders for it. The expected prompts were made by rendering the template of
// transformers' convert_llama4_weights_to_hf.py with jinja2 3.1.6 and
// transformers' tojson filter (json.dumps, ensure_ascii=False).
type hfCase struct {
	Name                string            `json:"name"`
	Messages            []hfMessage       `json:"messages"`
	Tools               []json.RawMessage `json:"tools"`
	ToolsInUserMessage  *bool             `json:"tools_in_user_message"`
	AddGenerationPrompt bool              `json:"add_generation_prompt"`
	Want                string            `json:"want"`
	Error               string            `json:"error"`
}

type hfMessage struct {
	Role      string          `json:"role"`
	Content   json.RawMessage `json:"content"`
	ToolCalls []struct {
		Function struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"function"`
	} `json:"tool_calls"`
}

// convert turns a Hugging Face message into a Message.
func (h hfMessage) convert(t *testing.T) Message {
	m := Message{Role: h.Role}
	if len(h.Content) > 0 && h.Content[0] == '[' {
		var items []struct{ Type, Text string }
		if err := json.Unmarshal(h.Content, &items); err != nil {
			t.Fatal(err)
		}
		m.Parts = []Part{}
		for _, it := range items {
			m.Parts = append(m.Parts, Part{Text: it.Text, Image: it.Type == "image"})
		}
	} else if len(h.Content) > 0 {
		if err := json.Unmarshal(h.Content, &m.Content); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range h.ToolCalls {
		m.ToolCalls = append(m.ToolCalls, ToolCall{Name: c.Function.Name, Arguments: c.Function.Arguments})
	}
	return m
}

// loadHFCases reads testdata/hf_template.json.
func loadHFCases(t *testing.T) []hfCase {
	data, err := os.ReadFile("testdata/hf_template.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []hfCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 10 {
		t.Fatalf("only %d template cases", len(cases))
	}
	return cases
}

// input converts a case to Render's arguments.
func (c hfCase) input(t *testing.T) ([]Message, Options) {
	var msgs []Message
	for _, m := range c.Messages {
		msgs = append(msgs, m.convert(t))
	}
	opts := Options{AddGenerationPrompt: c.AddGenerationPrompt, Tools: c.Tools}
	if c.ToolsInUserMessage != nil {
		opts.ToolsInSystem = !*c.ToolsInUserMessage
	}
	return msgs, opts
}

func TestRenderMatchesHFTemplate(t *testing.T) {
	for _, c := range loadHFCases(t) {
		msgs, opts := c.input(t)
		got, err := Render(msgs, opts)
		if c.Error != "" {
			if !errors.Is(err, ErrNoUserMessage) {
				t.Errorf("%s: error %v, want ErrNoUserMessage", c.Name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if got != c.Want {
			t.Errorf("%s:\n got %q\nwant %q", c.Name, got, c.Want)
		}
	}
}

// TestParseRoundTrip parses every rendered prompt back and renders it again.
func TestParseRoundTrip(t *testing.T) {
	for _, c := range loadHFCases(t) {
		if c.Error != "" {
			continue
		}
		msgs, opts, err := Parse(c.Want)
		if err != nil {
			t.Errorf("%s: Parse: %v", c.Name, err)
			continue
		}
		again, err := Render(msgs, opts)
		if err != nil || again != c.Want {
			t.Errorf("%s: Render(Parse(p)) = %q, %v\nwant %q", c.Name, again, err, c.Want)
		}
	}
	// The parsed messages of a tool conversation, field by field.
	c := loadHFCases(t)[4]
	msgs, opts, err := Parse(c.Want)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.Tools) != 1 || opts.ToolsInSystem || !opts.AddGenerationPrompt {
		t.Errorf("options %+v", opts)
	}
	if len(msgs) != 5 || msgs[1].Content != "Weather in Paris?" || msgs[3].Role != RoleTool ||
		msgs[3].Content != `22 degrees "sunny"` || len(msgs[2].ToolCalls) != 1 || msgs[2].ToolCalls[0].Name != "get_weather" {
		t.Errorf("messages %+v", msgs)
	}
}

func TestParseErrors(t *testing.T) {
	for _, p := range []string{
		"no bos",
		"<|begin_of_text|>text",
		"<|begin_of_text|><|header_start|>user",
		"<|begin_of_text|><|header_start|>user<|header_end|>hi<|eot|>",
		"<|begin_of_text|><|header_start|>user<|header_end|>\n\nunterminated",
		"<|begin_of_text|><|header_start|>ipython<|header_end|>\n\nnot json<|eot|>",
	} {
		if _, _, err := Parse(p); err == nil {
			t.Errorf("Parse(%q) succeeded", p)
		}
	}
}

func TestRenderBadToolJSON(t *testing.T) {
	msgs := []Message{{Role: RoleUser, Content: "q"}}
	if _, err := Render(msgs, Options{Tools: []json.RawMessage{json.RawMessage(`{"a":`)}}); err == nil {
		t.Error("truncated tool JSON rendered")
	}
	msgs = append(msgs, Message{Role: RoleAssistant, ToolCalls: []ToolCall{{Name: "f", Arguments: json.RawMessage(`{]`)}}})
	if _, err := Render(msgs, Options{}); err == nil {
		t.Error("bad arguments rendered")
	}
}
