package chat

import (
	"errors"
	"strings"
)

// StreamParser is ParseToolCalls for text that arrives a piece at a time,
// such as the output of a tokenizer.Decoder. Content is released as soon as
// it cannot belong to a tool call: a reply that starts like a call ("[",
// "{", <|python_start|>) is held until it turns out not to be one, and a
// <|python_start|> block (or the start of its tag) is held to the end.
// Finish then returns the rest of the content and the calls.
//
// The content Push and Finish return, concatenated, and the calls equal
// ParseToolCalls of the whole text. A server streams the content and sends
// the calls when generation stops.
type StreamParser struct {
	buf      strings.Builder
	emitted  int // bytes of buf released as content
	state    streamState
	finished bool
}

type streamState int

const (
	undecided streamState = iota // nothing but spaces, or a possible call
	inContent                    // plain content; watching for <|python_start|>
	inBlock                      // from <|python_start|> on: held to the end
)

// NewStreamParser returns a parser for one reply.
func NewStreamParser() *StreamParser { return &StreamParser{} }

// Push adds text and returns the content it releases, often "".
func (p *StreamParser) Push(text string) string {
	if p.finished {
		panic("chat: StreamParser.Push after Finish")
	}
	p.buf.WriteString(text)
	s := p.buf.String()
	if p.state == undecided {
		t := strings.TrimLeft(s, " \t\r\n")
		switch {
		case t == "":
			return ""
		case strings.HasPrefix(pythonStartToken, t) || strings.HasPrefix(t, pythonStartToken):
			if len(t) >= len(pythonStartToken) {
				p.state = inBlock
			}
			return ""
		case t[0] == '[' || t[0] == '{':
			if _, _, err := parseToolCalls(s); err == nil || errors.Is(err, errIncomplete) {
				return ""
			}
		}
		p.state = inContent
	}
	if p.state != inContent {
		return ""
	}
	end := len(s)
	if i := strings.Index(s[p.emitted:], pythonStartToken); i >= 0 {
		end = p.emitted + i
		p.state = inBlock
	} else {
		end -= partialSuffix(s[p.emitted:], pythonStartToken)
	}
	out := s[p.emitted:end]
	p.emitted = end
	return out
}

// Finish ends the reply and returns the content not yet released and the
// tool calls, if the reply holds valid ones.
func (p *StreamParser) Finish() (content string, calls []ToolCall) {
	p.finished = true
	content, calls = ParseToolCalls(p.buf.String())
	return content[min(p.emitted, len(content)):], calls
}

// InCall reports whether the parser is holding text that looks like a tool
// call, so that a server can tell a client a call is being written.
func (p *StreamParser) InCall() bool {
	return p.state == inBlock || (p.state == undecided && strings.TrimLeft(p.buf.String(), " \t\r\n") != "")
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
