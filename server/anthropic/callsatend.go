package anthropic

import (
	"strings"

	"github.com/herd-llm/herd/chat"
)

// callsAtEnd splits a reply for an API that sends the tool calls once the
// reply has ended (the Anthropic Messages API here): content flows as the
// extractor releases it, the calls come at the end, and a call the end cut
// off is dropped (the answer then says the token limit stopped it), as the
// older chat.StreamParser did, but only calls of declared tools count.
type callsAtEnd struct{ ts *chat.ToolStream }

// newCallsAtEnd starts the split of one reply with x.
func newCallsAtEnd(x *chat.Extractor) *callsAtEnd { return &callsAtEnd{ts: x.Stream()} }

// Push adds text and returns the content it releases, often "".
func (c *callsAtEnd) Push(text string) string { return joinContent(c.ts.Push(text)) }

// Finish ends the reply and returns the content not yet released and the
// calls.
func (c *callsAtEnd) Finish() (string, []chat.ToolCall) {
	content := joinContent(c.ts.Finish())
	return content, wholeCalls(c.ts.Result())
}

// extractWhole splits a whole reply as callsAtEnd does.
func extractWhole(x *chat.Extractor, text string) (string, []chat.ToolCall) {
	r := x.Extract(text)
	return r.Content, wholeCalls(r)
}

// wholeCalls are r's calls less the last one when the reply ended inside
// it (or inside the list holding it).
func wholeCalls(r chat.Result) []chat.ToolCall {
	if n := len(r.Calls); r.Cut && n > 0 {
		return r.Calls[:n-1]
	}
	return r.Calls
}

// joinContent joins the content of events.
func joinContent(events []chat.Event) string {
	var sb strings.Builder
	for _, e := range events {
		if !e.IsCall {
			sb.WriteString(e.Content)
		}
	}
	return sb.String()
}
