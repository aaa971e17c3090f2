package server

import (
	"strings"

	"github.com/herd-llm/herd/chat"
)

// replySplit splits one choice's output into content and tool calls as it
// arrives (docs/tool-calls.md): with an extractor, text that may start a call
// is held until it cannot, and a recognised call comes as its name and then
// pieces of its arguments; without one, all text is content.
type replySplit struct {
	ts *chat.ToolStream // nil: no tools
	// forced marks a reply constrained to be one call: text held when the
	// token limit cuts it is part of the unfinished call, never content.
	forced bool
}

// newReplySplit starts the split of one reply; x may be nil (no tools).
func newReplySplit(x *chat.Extractor, forced bool) *replySplit {
	r := &replySplit{forced: forced}
	if x != nil {
		r.ts = x.Stream()
	}
	return r
}

// push adds generated text and returns what it releases.
func (r *replySplit) push(text string) []chat.Event {
	if r.ts == nil {
		if text == "" {
			return nil
		}
		return []chat.Event{{Content: text}}
	}
	return r.ts.Push(text)
}

// finish ends the reply (cut: by the token limit, inside constrained
// output) and returns the last events.
func (r *replySplit) finish(cut bool) []chat.Event {
	if r.ts == nil {
		return nil
	}
	ev := r.ts.Finish()
	if cut && r.forced {
		// What the stream still held is a call's start that never became one.
		kept := ev[:0]
		for _, e := range ev {
			if e.IsCall {
				kept = append(kept, e)
			}
		}
		ev = kept
	}
	return ev
}

// result is the reply's content and calls so far (all of it after finish).
func (r *replySplit) result() chat.Result {
	if r.ts == nil {
		return chat.Result{}
	}
	return r.ts.Result()
}

// finishReason is the API's finish_reason for a reply that ended with the
// engine's reason fin: "tool_calls" when it holds calls, "length" when the
// token limit (or an end token) cut constrained output or a call.
func (r *replySplit) finishReason(fin string, cut bool) string {
	res := r.result()
	switch {
	case cut || res.Cut:
		return "length"
	case len(res.Calls) > 0:
		return "tool_calls"
	}
	return fin
}

// chatDeltas turns a choice's events into chat.completion.chunk deltas:
// content, or a tool call's first delta (index, id, type and name) and then
// pieces of its arguments, as OpenAI streams them.
func chatDeltas(events []chat.Event, respID string, choice int) []*assistantMsg {
	var out []*assistantMsg
	for _, e := range events {
		if !e.IsCall {
			out = append(out, &assistantMsg{Content: strp(e.Content)})
			continue
		}
		tc := toolCall{Index: new(int)}
		*tc.Index = e.Index
		if e.Name != "" {
			tc.ID, tc.Type, tc.Function.Name = callID(respID, choice, e.Index), "function", e.Name
		}
		tc.Function.Arguments = e.Args
		out = append(out, &assistantMsg{ToolCalls: []toolCall{tc}})
	}
	return out
}

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
