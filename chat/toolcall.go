package chat

// ParseToolCalls splits what the model wrote into plain content and tool
// calls of any name; it is Extract with every name declared. The forms and
// the rules for ambiguous text are in docs/tool-calls.md: pythonic lists,
// JSON calls and lists of them, bare or inside <|python_start|> or ```
// blocks, with content before and after them, and the chat template's own
// rendering, <|python_start|>content<|python_end|> followed by JSON calls,
// so a rendered assistant turn parses back. Text with no calls comes back
// whole as content, less an <|eot|> or <|eom|> and what follows it.
// Arguments come back as compact JSON objects.
func ParseToolCalls(text string) (content string, calls []ToolCall) {
	r := anyNameExtractor.Extract(text)
	return r.Content, r.Calls
}
