package chat

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Extractor finds the tool calls in what the model wrote, in every form
// Llama 4 writes them (docs/tool-calls.md lists them and the rules for
// ambiguous text): pythonic lists, JSON objects and lists of them, inside
// <|python_start|> or ``` blocks or bare, with content before and after.
// Only calls of declared tools count. An Extractor is immutable and may be
// shared; each reply needs its own ToolStream.
type Extractor struct {
	names  map[string]bool // nil: any name
	single bool
}

// ExtractOptions changes what an Extractor reports.
type ExtractOptions struct {
	// SingleCall keeps only the first call of a reply (the API's
	// parallel_tool_calls: false); later calls are dropped, and their text
	// does not become content.
	SingleCall bool
}

// NewExtractor returns an extractor for the given tool definitions, each a
// JSON object as in Options.Tools: {"type": "function", "function": {"name":
// ...}} or {"name": ...}.
func NewExtractor(tools []json.RawMessage, opts ExtractOptions) (*Extractor, error) {
	names := make([]string, 0, len(tools))
	for i, t := range tools {
		var def struct {
			Name     string `json:"name"`
			Function *struct {
				Name string `json:"name"`
			} `json:"function"`
		}
		if err := json.Unmarshal(t, &def); err != nil {
			return nil, fmt.Errorf("chat: tool %d %q: %w", i, clip(t), err)
		}
		name := def.Name
		if def.Function != nil {
			name = def.Function.Name
		}
		if name == "" {
			return nil, fmt.Errorf("chat: tool %d %q has no name", i, clip(t))
		}
		names = append(names, name)
	}
	return NewExtractorNames(names, opts), nil
}

// NewExtractorNames returns an extractor for tools with the given names.
func NewExtractorNames(names []string, opts ExtractOptions) *Extractor {
	x := &Extractor{names: make(map[string]bool, len(names)), single: opts.SingleCall}
	for _, n := range names {
		x.names[n] = true
	}
	return x
}

// anyNameExtractor accepts calls of any name, as ParseToolCalls does.
var anyNameExtractor = &Extractor{}

// declared reports whether name is a declared tool.
func (x *Extractor) declared(name string) bool {
	return name != "" && (x.names == nil || x.names[name])
}

// couldBe reports whether a declared tool's name starts with prefix.
func (x *Extractor) couldBe(prefix string) bool {
	if x.names == nil {
		return true
	}
	for n := range x.names {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

// Result is a reply split into content and calls.
type Result struct {
	// Content is the reply without its calls and the spaces around them.
	Content string
	// Calls are the tool calls, in order; Arguments are compact JSON objects.
	Calls []ToolCall
	// Cut reports that the reply ended inside a call (max_tokens, or an
	// <|eom|> or <|eot|> in the middle of it): the call or the list holding
	// it is unfinished, and arguments cut off were closed where they
	// stopped. An API should then answer finish_reason "length".
	Cut bool
	// Malformed reports that a recognised call went wrong (docs/tool-calls.md,
	// rule 4): the calls stand, with what came before the fault.
	Malformed bool
	// closed marks the calls whose arguments the extractor closed.
	closed []bool
}

// OnlyCalls reports whether the reply held calls and nothing else (an API
// then sends content: null).
func (r Result) OnlyCalls() bool { return len(r.Calls) > 0 && r.Content == "" }

// Extract splits a whole reply. It gives what a ToolStream gives for the
// same text, however the text is cut.
func (x *Extractor) Extract(text string) Result {
	s := x.Stream()
	s.Push(text)
	s.Finish()
	return s.Result()
}
