package core

import (
	"github.com/herd-llm/herd/chat"
)

// ReplySplit splits one choice's output into content and tool calls as it
// arrives (docs/tool-calls.md): with an extractor, text that may start a call
// is held until it cannot, and a recognised call comes as its name and then
// pieces of its arguments; without one, all text is content.
type ReplySplit struct {
	ts *chat.ToolStream // nil: no tools
	// forced marks a reply constrained to be one call: text held when the
	// token limit cuts it is part of the unfinished call, never content.
	forced bool
}

// NewReplySplit starts the split of one reply; x may be nil (no tools).
func NewReplySplit(x *chat.Extractor, forced bool) *ReplySplit {
	r := &ReplySplit{forced: forced}
	if x != nil {
		r.ts = x.Stream()
	}
	return r
}

// push adds generated text and returns what it releases.
func (r *ReplySplit) Push(text string) []chat.Event {
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
func (r *ReplySplit) Finish(cut bool) []chat.Event {
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
func (r *ReplySplit) Result() chat.Result {
	if r.ts == nil {
		return chat.Result{}
	}
	return r.ts.Result()
}

// finishReason is the API's finish_reason for a reply that ended with the
// engine's reason fin: "tool_calls" when it holds calls, "length" when the
// token limit (or an end token) cut constrained output or a call.
func (r *ReplySplit) FinishReason(fin string, cut bool) string {
	res := r.Result()
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
			out = append(out, &assistantMsg{Content: Strp(e.Content)})
			continue
		}
		tc := ToolCall{Index: new(int)}
		*tc.Index = e.Index
		if e.Name != "" {
			tc.ID, tc.Type, tc.Function.Name = callID(respID, choice, e.Index), "function", e.Name
		}
		tc.Function.Arguments = e.Args
		out = append(out, &assistantMsg{ToolCalls: []ToolCall{tc}})
	}
	return out
}
