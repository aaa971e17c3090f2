package anthropic

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/internal/periodic"
	"github.com/herd-llm/herd/server/internal/core"
)

// msgPingEvery is how often a Messages stream sends ping events while the
// prompt is prefilled or held output is generated, so that proxies and
// clients see a live connection.
const msgPingEvery = 10 * time.Second

// msgStartAfter is how long a Messages stream waits for the first token
// before it starts anyway: until then a refusal (a full queue) can still be
// answered with its HTTP status, which clients retry.
const msgStartAfter = time.Second

// streamMessage answers with the Messages API's SSE events: message_start,
// ping, then per content block content_block_start, content_block_delta
// (text_delta or input_json_delta) and content_block_stop, then
// message_delta (stop_reason, usage) and message_stop. The stream starts
// with the first token, or after msgStartAfter: a request the engine
// refuses before then is answered with its status instead; a later failure
// is sent as an error event. Text streams as it is generated; a forced tool
// call is held until its grammar accepts it, so a stream that max_tokens
// cuts carries no partial call; other tool calls are sent when generation
// ends.
func (s api) streamMessage(w http.ResponseWriter, r *http.Request, j msgJob) *core.APIError {
	start := j.head
	start.Usage = msgUsage{InputTokens: len(j.gp.Prompt)}
	var mu sync.Mutex
	var out *core.SSE // nil until the stream starts
	begin := func() *core.SSE {
		mu.Lock()
		defer mu.Unlock()
		if out == nil {
			out = core.NewSSE(w)
			out.Event("message_start", msgEvent{Type: "message_start", Message: &start})
			out.Event("ping", msgEvent{Type: "ping"})
		}
		return out
	}
	stopPings := pinger(begin, msgStartAfter, msgPingEvery)
	defer stopPings()
	var refused *core.APIError

	var o *core.SSE   // the started stream, in the choice's events
	index := 0        // of the next content block
	textOpen := false // a text block is open at index
	sendText := func(t string) {
		if t == "" {
			return
		}
		if !textOpen {
			o.Event("content_block_start", msgEvent{Type: "content_block_start", Index: &index, ContentBlock: textBlock{Type: "text"}})
			textOpen = true
		}
		o.Event("content_block_delta", msgEvent{Type: "content_block_delta", Index: &index, Delta: textBlock{Type: "text_delta", Text: t}})
	}
	closeBlock := func() {
		o.Event("content_block_stop", msgEvent{Type: "content_block_stop", Index: &index})
		index++
	}
	var held *strings.Builder
	var parser *callsAtEnd
	switch {
	case j.gp.Constraint != nil:
		held = new(strings.Builder)
	case j.x != nil:
		parser = newCallsAtEnd(j.x)
	}
	s.RunChoice(r.Context(), j.gp, func(ev core.ChoiceEvent) {
		if ev.Err != nil {
			stopPings()
			mu.Lock()
			started := out != nil
			mu.Unlock()
			if !started {
				refused = s.EngineError(ev.Err)
				return
			}
			begin().Event("error", anthropicError(s.EngineError(ev.Err)))
			return
		}
		o = begin()
		text := ev.Text
		switch {
		case held != nil:
			held.WriteString(text)
			text = ""
		case parser != nil:
			text = parser.Push(text)
		}
		sendText(text)
		if ev.Finish == "" {
			return
		}
		var rest string
		var calls []chat.ToolCall
		switch {
		case held != nil:
			rest, calls = finalContent(held.String(), ev.Cut, j.x)
		case parser != nil:
			rest, calls = parser.Finish()
		}
		sendText(rest)
		stopPings() // none after the last block
		if textOpen {
			closeBlock()
		}
		for k, c := range calls {
			b := j.toolUse(k, c)
			args := b.Input
			b.Input = json.RawMessage("{}")
			o.Event("content_block_start", msgEvent{Type: "content_block_start", Index: &index, ContentBlock: b})
			o.Event("content_block_delta", msgEvent{Type: "content_block_delta", Index: &index, Delta: jsonDelta{Type: "input_json_delta", PartialJSON: string(args)}})
			closeBlock()
		}
		var u core.Usage
		core.AddUsage(&u, ev.Usage)
		reason, seq := stopReason(ev.Finish, ev.Cut, ev.Stop, len(calls))
		total := msgUsageOf(u)
		o.Event("message_delta", msgEvent{Type: "message_delta", Delta: stopDelta{StopReason: reason, StopSequence: seq}, Usage: &total})
		o.Event("message_stop", msgEvent{Type: "message_stop"})
	})
	return refused
}

// msgEvent is one event of a Messages stream; its SSE event name is Type.
type msgEvent struct {
	Type         string       `json:"type"`
	Message      *msgResponse `json:"message,omitempty"`       // message_start
	Index        *int         `json:"index,omitempty"`         // content_block_*
	ContentBlock any          `json:"content_block,omitempty"` // content_block_start
	Delta        any          `json:"delta,omitempty"`         // content_block_delta, message_delta
	Usage        *msgUsage    `json:"usage,omitempty"`         // message_delta
}

type jsonDelta struct {
	Type        string `json:"type"` // "input_json_delta"
	PartialJSON string `json:"partial_json"`
}

type stopDelta struct {
	StopReason   *string `json:"stop_reason"`
	StopSequence *string `json:"stop_sequence"`
}

// pinger starts the stream (begin) after first, unless it has started,
// then sends a ping event every interval, until the returned function is
// called; that function waits for the pinger to stop and may be called more
// than once.
func pinger(begin func() *core.SSE, first, every time.Duration) func() {
	return periodic.Run(first, every, func(n int) {
		if sse := begin(); n > 0 {
			sse.Event("ping", msgEvent{Type: "ping"})
		}
	})
}
