package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/guard"
)

// guardStream screens a streamed answer on its way out: it holds the SSE
// events back until the text they carry has been checked, every Window
// characters of a choice and at its end. An unsafe answer cuts the stream:
// the held events are dropped, a last chunk with finish_reason
// "content_filter" and [DONE] are sent, and the request is cancelled.
type guardStream struct {
	s       *Server
	w       http.ResponseWriter
	conv    []chat.Message
	images  [][]byte // the data of conv's images
	chat    bool
	ctx     context.Context
	cancel  context.CancelFunc
	partial []byte   // bytes of an event not yet complete
	held    [][]byte // complete events not yet sent
	head    map[string]any
	choices map[int]*streamChoice
	cut     bool
	ended   bool
}

// streamChoice is one choice's text so far and how much of it is checked.
type streamChoice struct {
	text    string
	checked int
	done    bool
}

func (g *guardStream) Header() http.Header  { return g.w.Header() }
func (g *guardStream) WriteHeader(code int) { g.w.WriteHeader(code) }
func (g *guardStream) Flush()               {}

// Write takes the endpoint's SSE bytes.
func (g *guardStream) Write(p []byte) (int, error) {
	if g.cut || g.ended {
		return len(p), nil
	}
	g.partial = append(g.partial, p...)
	for {
		i := bytes.Index(g.partial, []byte("\n\n"))
		if i < 0 {
			break
		}
		ev := append([]byte(nil), g.partial[:i+2]...)
		g.partial = g.partial[i+2:]
		g.event(ev)
		if g.cut {
			break
		}
	}
	return len(p), nil
}

// event handles one complete SSE event.
func (g *guardStream) event(ev []byte) {
	data := bytes.TrimSpace(bytes.TrimPrefix(ev, []byte("data: ")))
	if string(data) == "[DONE]" {
		if g.check(true) {
			g.held = append(g.held, ev)
			g.flush()
			g.ended = true
		}
		return
	}
	g.held = append(g.held, ev)
	var chunk streamChunk
	if json.Unmarshal(data, &chunk) != nil {
		return
	}
	if chunk.Error != nil {
		g.check(true)
		g.flush()
		return
	}
	if g.head == nil {
		var head map[string]any
		json.Unmarshal(data, &head)
		g.head = map[string]any{}
		for k, v := range head {
			if k != "choices" && k != "usage" {
				g.head[k] = v
			}
		}
	}
	due := false
	for _, c := range chunk.Choices {
		sc := g.choices[c.Index]
		if sc == nil {
			sc = &streamChoice{}
			g.choices[c.Index] = sc
		}
		sc.text += c.Text
		if c.Delta != nil {
			sc.text += c.Delta.Content
			if len(c.Delta.ToolCalls) > 0 && string(c.Delta.ToolCalls) != "null" {
				sc.text += string(c.Delta.ToolCalls) // a tool call's arguments are screened too
			}
		}
		if c.FinishReason != nil && *c.FinishReason != "" {
			sc.done = true
			due = true
		}
		if len(sc.text)-sc.checked >= g.s.guard.o.Window {
			due = true
		}
	}
	if due {
		if g.check(false) {
			g.flush()
		}
	}
}

// streamChunk is what the guard reads of a stream chunk (chat: delta
// content and tool calls; completions: text).
type streamChunk struct {
	Choices []struct {
		Index int    `json:"index"`
		Text  string `json:"text"`
		Delta *struct {
			Content   string          `json:"content"`
			ToolCalls json.RawMessage `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Error json.RawMessage `json:"error"`
}

// check screens every choice with unchecked text (all of them when final)
// and reports whether all are safe; an unsafe one cuts the stream.
func (g *guardStream) check(final bool) bool {
	idx := make([]int, 0, len(g.choices))
	for i := range g.choices {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		sc := g.choices[i]
		if sc.checked == len(sc.text) || !final && !sc.done && len(sc.text)-sc.checked < g.s.guard.o.Window {
			continue
		}
		conv := append(g.conv[:len(g.conv):len(g.conv)], chat.Message{Role: chat.RoleAssistant, Content: sc.text})
		v, err := g.s.guard.classify(g.ctx, "stream", conv, guard.RoleAgent, g.images)
		if err != nil || v.Unsafe {
			g.cutStream(i)
			return false
		}
		sc.checked = len(sc.text)
	}
	return true
}

// flush sends the held events.
func (g *guardStream) flush() {
	if len(g.held) > 0 {
		g.w.Write(bytes.Join(g.held, nil))
	}
	g.held = nil
	if f, ok := g.w.(http.Flusher); ok {
		f.Flush()
	}
}

// cutStream ends the stream at choice i: held events are dropped, a
// content_filter finish and [DONE] are sent, the request is cancelled. A
// guard that fails to answer cuts the stream too (fail closed).
func (g *guardStream) cutStream(i int) {
	g.held = nil
	g.cut = true
	chunk := map[string]any{}
	for k, v := range g.head {
		chunk[k] = v
	}
	choice := map[string]any{"index": i, "finish_reason": "content_filter"}
	if g.chat {
		choice["delta"] = map[string]any{}
		choice["logprobs"] = nil
	} else {
		choice["text"] = ""
		choice["logprobs"] = nil
	}
	chunk["choices"] = []any{choice}
	b, _ := json.Marshal(chunk)
	g.w.Write(append(append([]byte("data: "), b...), '\n', '\n'))
	g.w.Write([]byte("data: [DONE]\n\n"))
	if f, ok := g.w.(http.Flusher); ok {
		f.Flush()
	}
	g.cancel()
}

// end sends what is still held once the endpoint has returned (a stream
// that ended without [DONE]), after a final check.
func (g *guardStream) end() {
	if g.cut || g.ended || len(g.held) == 0 {
		return
	}
	if g.check(true) {
		g.flush()
	}
}
