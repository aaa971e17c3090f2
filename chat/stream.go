package chat

import (
	"strings"
)

// StreamParser is ParseToolCalls for text that arrives a piece at a time,
// such as the output of a tokenizer.Decoder: a ToolStream that accepts calls
// of any name and keeps the calls to the end. Content is released as soon as
// it cannot belong to a tool call; Finish then returns the rest of the
// content and the calls.
//
// The content Push and Finish return, concatenated, and the calls equal
// ParseToolCalls of the whole text. A server streams the content and sends
// the calls when generation stops.
type StreamParser struct {
	s        *ToolStream
	finished bool
}

// NewStreamParser returns a parser for one reply.
func NewStreamParser() *StreamParser { return &StreamParser{s: anyNameExtractor.Stream()} }

// Push adds text and returns the content it releases, often "".
func (p *StreamParser) Push(text string) string {
	if p.finished {
		panic("chat: StreamParser.Push after Finish")
	}
	return contentOf(p.s.Push(text))
}

// Finish ends the reply and returns the content not yet released and the
// tool calls, if the reply holds any.
func (p *StreamParser) Finish() (content string, calls []ToolCall) {
	p.finished = true
	content = contentOf(p.s.Finish())
	return content, legacyCalls(p.s.Result())
}

// InCall reports whether the parser is holding text that is, or may become,
// a tool call, so that a server can tell a client a call is being written.
func (p *StreamParser) InCall() bool { return p.s.InCall() }

// contentOf joins the content of events.
func contentOf(ev []Event) string {
	var sb strings.Builder
	for _, e := range ev {
		if !e.IsCall {
			sb.WriteString(e.Content)
		}
	}
	return sb.String()
}

// partialSuffix returns the length of the longest proper prefix of tag that
// s ends with.
func partialSuffix(s, tag string) int {
	for n := min(len(s), len(tag)-1); n > 0; n-- {
		if strings.HasSuffix(s, tag[:n]) {
			return n
		}
	}
	return 0
}
