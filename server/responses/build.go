package responses

import (
	"fmt"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/server/internal/core"
)

// respBuilder builds a response's output items from a reply's events
// (ReplySplit): content goes into message items with one output_text part,
// each call into a function_call item, in the order the model wrote them.
// With emit set it also sends the streaming events for each step.
type respBuilder struct {
	resp *responseObj
	key  string                         // the response id without its "resp_"
	emit func(typ string, ev eventData) // nil: not streamed
	cur  *outputItem                    // the item being written; nil: none
	text *outputPart                    // cur's part, when cur is a message
}

// eventData is a streaming event's payload, less its type and sequence
// number.
type eventData map[string]any

// newRespBuilder starts the output of resp.
func newRespBuilder(resp *responseObj, key string, emit func(string, eventData)) *respBuilder {
	return &respBuilder{resp: resp, key: key, emit: emit}
}

// send emits an event when streaming.
func (b *respBuilder) send(typ string, ev eventData) {
	if b.emit != nil {
		b.emit(typ, ev)
	}
}

// start sends response.created and response.in_progress.
func (b *respBuilder) start() {
	b.send("response.created", eventData{"response": b.resp})
	b.send("response.in_progress", eventData{"response": b.resp})
}

// add takes a reply's events.
func (b *respBuilder) add(events []chat.Event) {
	for _, e := range events {
		if !e.IsCall {
			b.content(e.Content)
			continue
		}
		if e.Name != "" {
			b.close("completed")
			args := ""
			b.open(&outputItem{Type: "function_call", ID: fmt.Sprintf("fc_%s_%d", b.key, e.Index), Status: "in_progress",
				CallID: fmt.Sprintf("call_%s_%d", b.key, e.Index), Name: e.Name, Arguments: &args})
		}
		if e.Args != "" && b.cur != nil && b.cur.Type == "function_call" {
			*b.cur.Arguments += e.Args
			b.send("response.function_call_arguments.delta", eventData{"item_id": b.cur.ID, "output_index": b.index(), "delta": e.Args})
		}
	}
}

// content adds text to the open message item, opening one if need be.
func (b *respBuilder) content(text string) {
	if b.cur == nil || b.cur.Type != "message" {
		b.close("completed")
		b.open(&outputItem{Type: "message", ID: fmt.Sprintf("msg_%s_%d", b.key, len(b.resp.Output)), Status: "in_progress", Role: "assistant", Content: []*outputPart{}})
		b.text = &outputPart{Type: "output_text", Annotations: []any{}, Logprobs: []any{}}
		b.cur.Content = append(b.cur.Content, b.text)
		b.send("response.content_part.added", eventData{"item_id": b.cur.ID, "output_index": b.index(), "content_index": 0, "part": b.text})
	}
	if text == "" {
		return
	}
	b.text.Text += text
	b.send("response.output_text.delta", eventData{"item_id": b.cur.ID, "output_index": b.index(), "content_index": 0, "delta": text, "logprobs": []any{}})
}

// open adds an item to the output.
func (b *respBuilder) open(it *outputItem) {
	b.resp.Output = append(b.resp.Output, it)
	b.cur = it
	b.send("response.output_item.added", eventData{"output_index": b.index(), "item": it})
}

// index is the open item's output_index.
func (b *respBuilder) index() int { return len(b.resp.Output) - 1 }

// close ends the open item, if any, with status.
func (b *respBuilder) close(status string) {
	it := b.cur
	if it == nil {
		return
	}
	it.Status = status
	switch it.Type {
	case "message":
		b.send("response.output_text.done", eventData{"item_id": it.ID, "output_index": b.index(), "content_index": 0, "text": b.text.Text, "logprobs": []any{}})
		b.send("response.content_part.done", eventData{"item_id": it.ID, "output_index": b.index(), "content_index": 0, "part": b.text})
	case "function_call":
		b.send("response.function_call_arguments.done", eventData{"item_id": it.ID, "output_index": b.index(), "name": it.Name, "arguments": *it.Arguments})
	}
	b.send("response.output_item.done", eventData{"output_index": b.index(), "item": it})
	b.cur, b.text = nil, nil
}

// end finishes the response: finish is the reply's finish reason ("length":
// the output token limit cut it, and the response is incomplete), u its
// usage. It sends response.completed or response.incomplete.
func (b *respBuilder) end(finish string, u core.Usage) {
	status := "completed"
	if finish == "length" {
		status = "incomplete"
		b.resp.IncompleteDetails = &incompleteReason{Reason: "max_output_tokens"}
	}
	if len(b.resp.Output) == 0 && status == "completed" {
		b.content("") // an empty answer is an empty message
	}
	b.close(status)
	b.resp.Status = status
	b.resp.Usage = &responsesUsage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	b.resp.Usage.InputTokensDetails.CachedTokens = u.PromptTokensDetails.CachedTokens
	b.send("response."+status, eventData{"response": b.resp})
}
