package core

import (
	"strings"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/grammar"
	"github.com/herd-llm/herd/tokenizer"
)

// lazyCall is the constraint of tool_choice "auto" (llama.cpp's lazy
// grammar): generation is free until the model starts a call of a declared
// tool on its own, and then the rest of that call is constrained to a valid
// JSON call of a declared tool whose arguments follow its schema, so they
// always parse. It follows the text with the same extractor the answer goes
// through; when that recognises a call (its name event), the start of the
// call object is looked for in the text of the region that holds it: the
// first "{" from which the text so far is a prefix the call grammar
// accepts. From there a grammar.Constraint takes over until the object is
// complete, and generation is free again (more text, another call).
//
// Only the JSON forms are constrained: a pythonic call ([f(a=1)]) matches no
// JSON prefix and stays free; the extractor repairs what it can of it
// (docs/tool-calls.md). Neither is a call whose text the grammar rejects
// before the name is known (more whitespace than the grammar allows,
// OpenAI's nested shape, arguments as a JSON string).
type lazyCall struct {
	tok    *tokenizer.Tokenizer
	g      *grammar.Grammar
	stops  []int32
	keep   map[int32]bool // special tokens whose names are text (the tool-call tags)
	ts     *chat.ToolStream
	text   strings.Builder // all text so far
	region int             // where the text of the held region can start: the start of the token that opened it
	from   int             // where the next call may start: after the last constrained one
	active *grammar.Constraint
}

// newLazyCall starts the lazy constraint of one reply.
func newLazyCall(tok *tokenizer.Tokenizer, g *grammar.Grammar, x *chat.Extractor, stops []int32, keep map[int32]bool) *lazyCall {
	return &lazyCall{tok: tok, g: g, stops: stops, keep: keep, ts: x.Stream()}
}

// Mask constrains the logits while a call is being written.
func (l *lazyCall) Mask(logits []float32) {
	if l.active != nil {
		l.active.Mask(logits)
	}
}

// Idle reports that no call is being written, so Mask would change nothing
// (engine.Idler: the session then skips copying the logits).
func (l *lazyCall) Idle() bool { return l.active == nil }

// Accept follows the chosen token.
func (l *lazyCall) Accept(id int32) {
	if l.active != nil {
		l.active.Accept(id)
	}
	piece := ""
	if !l.tok.IsSpecial(id) || l.keep[id] {
		piece, _ = l.tok.TokenBytes(id)
	}
	start := l.text.Len()
	l.text.WriteString(piece)
	held := l.ts.InCall()
	events := l.ts.Push(piece)
	if !held && l.ts.InCall() {
		l.region = start
	}
	if l.active != nil {
		if l.active.Complete() || l.active.Failed() {
			l.active = nil
			l.from = l.text.Len()
		}
		return
	}
	for _, e := range events {
		if e.IsCall && e.Name != "" {
			l.start()
			return
		}
	}
}

// start looks for the start of the call just recognised and, if the text
// from there is a prefix of a valid call, constrains the rest of it.
func (l *lazyCall) start() {
	text := l.text.String()
	from := max(l.region, l.from)
	if from > len(text) {
		return
	}
	for i := from; i < len(text); i++ {
		if text[i] != '{' {
			continue
		}
		c := grammar.NewConstraint(l.tok, l.g, l.stops)
		if c.Advance(text[i:]) {
			if !c.Complete() {
				l.active = c
			}
			return
		}
	}
}
