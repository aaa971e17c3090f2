package chat

import (
	"strings"
)

// Event is a piece of a streamed reply: content, or part of a tool call.
type Event struct {
	// IsCall tells a call event from a content one.
	IsCall bool
	// Content is a piece of content.
	Content string
	// Index is the call's position among the reply's calls, from 0.
	Index int
	// Name is the call's name, set on its first event only (which may
	// carry Args too).
	Name string
	// Args is the next piece of the call's JSON arguments; a call's pieces
	// joined are its Arguments.
	Args string
}

// ToolStream is an Extractor for text that arrives a piece at a time. Content
// flows as it comes, except for text that may start a call ([, {, ```, the
// start of <|python_start|>) and spaces, which are held until they cannot;
// a recognised call is sent as its name and then its arguments as they
// are read. No text of a call ever appears as content. The events joined
// equal Extract of the whole text, however the text is cut.
type ToolStream struct {
	x        *Extractor
	tail     string // the end of the input, when it may start <|eot|> or <|eom|>
	ended    bool   // the reply ended: Finish, or an end token
	ws       string // spaces after the content, held
	after    bool   // a call came last: further spaces are dropped
	inRegion bool   // reading a region that may hold calls
	region   string // its text
	pre      string // the spaces before it, held
	shown    regionShown
	memo     strMemos // of the region
	calls    int      // calls finished before this region
	res      Result
	content  strings.Builder
	events   []Event
}

// regionShown is what was sent of the region being read.
type regionShown struct {
	content bool
	args    []int // bytes of each call's arguments sent; len is the calls named
}

// Stream returns a stream for one reply.
func (x *Extractor) Stream() *ToolStream { return &ToolStream{x: x} }

// Push adds text and returns the events it releases, often none.
func (s *ToolStream) Push(text string) []Event {
	s.events = nil
	if s.ended {
		return nil
	}
	text = s.tail + text
	s.tail = ""
	i, j := strings.Index(text, eotToken), strings.Index(text, eomToken)
	if i < 0 || (j >= 0 && j < i) {
		i = j
	}
	if i >= 0 { // the reply ends here
		s.feed(text[:i], true)
		s.ended = true
		return s.flush()
	}
	n := max(partialSuffix(text, eotToken), partialSuffix(text, eomToken))
	s.tail = text[len(text)-n:]
	s.feed(text[:len(text)-n], false)
	return s.flush()
}

// Finish ends the reply and returns the last events.
func (s *ToolStream) Finish() []Event {
	s.events = nil
	if !s.ended {
		s.feed(s.tail, true)
		s.tail, s.ended = "", true
	}
	return s.flush()
}

// Result returns the content and calls of the events so far; after Finish,
// of the whole reply.
func (s *ToolStream) Result() Result {
	r := s.res
	r.Content = s.content.String()
	return r
}

// InCall reports whether the stream holds text that is, or may become, a
// call.
func (s *ToolStream) InCall() bool { return s.inRegion }

// Calling reports whether a call has been recognised and is being read.
func (s *ToolStream) Calling() bool { return s.inRegion && len(s.shown.args) > 0 }

// feed processes text; with final it is the last.
func (s *ToolStream) feed(text string, final bool) {
	for {
		if s.inRegion {
			s.region += text
			text = ""
			if s.memo == nil {
				s.memo = strMemos{}
			}
			r := parseRegion(s.region, final, s.x, s.memo)
			switch r.status {
			case regionMore:
				s.show(r, false)
				return
			case regionFail:
				s.emitContent(s.pre + s.region[:r.release])
				text = s.region[r.release:]
			case regionDone:
				s.show(r, true)
				text = s.region[r.end:]
				s.after = true
				if s.content.Len() > 0 {
					s.ws = s.pre // separates the content before from any after
				}
			}
			s.inRegion, s.region, s.pre, s.memo = false, "", "", nil
			continue
		}
		i := strings.IndexAny(text, "[{`<")
		if i < 0 {
			s.plain(text)
			break
		}
		s.plain(text[:i])
		s.inRegion, s.pre, s.ws = true, s.ws, ""
		text = text[i:]
	}
	if final && !s.after {
		s.emitContent(s.ws)
		s.ws = ""
	}
}

// plain handles text outside regions: spaces are held, and after a call
// dropped.
func (s *ToolStream) plain(text string) {
	t := strings.TrimRight(text, " \t\r\n")
	if t == "" {
		if !s.after {
			s.ws += text
		}
		return
	}
	if s.after {
		t = strings.TrimLeft(t, " \t\r\n")
		s.after = false
	}
	s.emitContent(s.ws + t)
	s.ws = text[len(strings.TrimRight(text, " \t\r\n")):]
}

// emitContent sends content.
func (s *ToolStream) emitContent(text string) {
	if text == "" {
		return
	}
	s.after = false
	s.content.WriteString(text)
	if n := len(s.events); n > 0 && !s.events[n-1].IsCall {
		s.events[n-1].Content += text
		return
	}
	s.events = append(s.events, Event{Content: text})
}

// show sends what is new in the region's calls; with done, the region is
// complete and its unfinished calls are closed.
func (s *ToolStream) show(r regionResult, done bool) {
	if len(r.calls) == 0 {
		return
	}
	if !s.shown.content && r.content != "" {
		s.emitContent(r.content)
	}
	s.shown.content = true
	for i, c := range r.calls {
		idx := s.calls + i
		keep := !s.x.single || idx == 0
		args := c.args.String()
		if done && !c.done {
			args = closeJSON(args)
		}
		if i == len(s.shown.args) {
			s.shown.args = append(s.shown.args, 0)
			if keep {
				s.events = append(s.events, Event{IsCall: true, Index: idx, Name: c.name})
			}
		}
		if len(args) > s.shown.args[i] {
			if keep {
				s.events = append(s.events, Event{IsCall: true, Index: idx, Args: args[s.shown.args[i]:]})
			}
			s.shown.args[i] = len(args)
		}
		if done && keep {
			s.res.Calls = append(s.res.Calls, ToolCall{Name: c.name, Arguments: []byte(args)})
			s.res.closed = append(s.res.closed, !c.done)
		}
	}
	if done {
		s.res.Cut = s.res.Cut || r.cut
		s.res.Malformed = s.res.Malformed || r.malformed
		s.calls += len(r.calls)
		s.shown = regionShown{}
	}
}

// flush returns the events gathered, with each call's argument pieces of one
// step joined.
func (s *ToolStream) flush() []Event {
	ev := s.events
	s.events = nil
	out := ev[:0]
	for _, e := range ev {
		if n := len(out); n > 0 && e.IsCall && e.Name == "" && out[n-1].IsCall && out[n-1].Index == e.Index {
			out[n-1].Args += e.Args
			continue
		}
		out = append(out, e)
	}
	return out
}
