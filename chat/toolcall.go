package chat

// ParseToolCalls splits what the model wrote into plain content and tool
// calls of any name; it is Extract with every name declared. The forms and
// the rules for ambiguous text are in docs/tool-calls.md: pythonic lists,
// JSON calls and lists of them, bare or inside <|python_start|> or ```
// blocks, with content before and after them, and the chat template's own
// rendering, <|python_start|>content<|python_end|> followed by JSON calls,
// so a rendered assistant turn parses back. Text with no calls comes back
// whole as content, less an <|eot|> or <|eom|> and what follows it.
// Arguments come back as compact JSON objects. A call cut off by the end of
// the text is dropped (its text is not content either): a server then
// reports finish_reason "length" with no half-written call.
func ParseToolCalls(text string) (content string, calls []ToolCall) {
	r := anyNameExtractor.Extract(text)
	return r.Content, legacyCalls(r)
}

// legacyCalls drops the last call when the text ended inside its arguments.
func legacyCalls(r Result) []ToolCall {
	if n := len(r.Calls); r.Cut && n > 0 && r.closed[n-1] {
		return r.Calls[:n-1]
	}
	return r.Calls
}
