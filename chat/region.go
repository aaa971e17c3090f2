package chat

import (
	"errors"
	"strings"
)

// A region is a stretch of model output that may hold tool calls: a
// <|python_start|> block, a ``` fenced block, or a bare pythonic list, JSON
// list or JSON object, possibly followed by more calls. parseRegion reads one
// from its first byte; the stream feeds it the text from there on, again
// each time more arrives, and acts on its verdict. The rules are in
// docs/tool-calls.md.

// regionStatus is parseRegion's verdict.
type regionStatus int

const (
	regionMore regionStatus = iota // the text so far is, or may become, calls
	regionFail                     // not calls: release the first bytes as content
	regionDone                     // calls, ending at regionResult.end
)

// regionResult is what parseRegion found.
type regionResult struct {
	status  regionStatus
	calls   []*partialCall // the calls recognised so far; never empty when done
	content string         // content the region holds before its calls (the template's form)
	release int            // with regionFail: bytes to release as content before scanning again
	end     int            // with regionDone: bytes the region takes
	// With regionDone: the text ended inside a call, or a recognised call
	// went wrong (the unfinished calls' arguments are then closed).
	cut, malformed bool
}

// Block delimiters besides the special tokens.
const (
	fence    = "```"
	eomToken = "<|eom|>"
)

// errBroken wraps an error after a call was recognised: the calls stand,
// the rest of the item is skipped.
type errBroken struct {
	err   error
	start int // where the faulty item starts
}

func (e *errBroken) Error() string { return e.err.Error() }

// parseRegion reads the region at the start of s (s[0] is one of [ { < `).
// With final, s is all the text there is. memo, kept from one call to the
// next for the same region (or nil), saves reading long strings again.
func parseRegion(s string, final bool, x *Extractor, memo strMemos) regionResult {
	p := &callParser{s: s, final: final, x: x, memo: memo}
	switch s[0] {
	case '<':
		return p.tagRegion()
	case '`':
		return p.fenceRegion()
	}
	err := p.seq(false)
	return p.close(err, func(start int) (int, bool) { return p.skipBalanced(start) })
}

// tagRegion reads <|python_start|> calls <|python_end|> (the end tag may be
// missing at the end of the text), or the chat template's form,
// <|python_start|>content<|python_end|> followed by calls.
func (p *callParser) tagRegion() regionResult {
	if r, ok := p.opener(pythonStartToken); !ok {
		return r
	}
	p.space()
	err := p.seq(true)
	toEnd := func(int) (int, bool) { return p.skipTo(pythonEndToken) }
	if len(p.calls) > 0 || errors.Is(err, errIncomplete) {
		if err == nil {
			err = p.closer(pythonEndToken)
		}
		return p.close(err, toEnd)
	}
	// Not calls inside the tags: the template's form needs calls after them.
	body := len(pythonStartToken)
	i := strings.Index(p.s[body:], pythonEndToken)
	if i < 0 {
		if p.final {
			return regionResult{status: regionFail, release: len(p.s)}
		}
		return regionResult{status: regionMore}
	}
	end := body + i + len(pythonEndToken)
	p.pos = end
	p.space()
	r := p.close(p.seq(false), func(start int) (int, bool) { return p.skipBalanced(start) })
	switch {
	case r.status == regionFail:
		r.release = end // the block is content as written
	case len(r.calls) > 0:
		r.content = p.s[body : body+i]
	}
	return r
}

// fenceRegion reads ```lang calls ``` (the closing fence may be missing at
// the end of the text).
func (p *callParser) fenceRegion() regionResult {
	if r, ok := p.opener(fence); !ok {
		return r
	}
	for !p.eof() && strings.IndexByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.", p.peek()) >= 0 {
		p.pos++
	}
	p.space()
	err := p.seq(false)
	if err == nil {
		err = p.closer(fence)
	}
	return p.close(err, func(int) (int, bool) { return p.skipTo(fence) })
}

// opener consumes tag at the start of the text, or says why it cannot.
func (p *callParser) opener(tag string) (regionResult, bool) {
	if strings.HasPrefix(p.s, tag) {
		p.pos = len(tag)
		return regionResult{}, true
	}
	if !p.final && strings.HasPrefix(tag, p.s) {
		return regionResult{status: regionMore}, false
	}
	return regionResult{status: regionFail, release: 1}, false
}

// closer consumes the end of a block after its calls: tag, or the end of the
// text.
func (p *callParser) closer(tag string) error {
	p.space()
	rest := p.s[p.pos:]
	switch {
	case strings.HasPrefix(rest, tag):
		p.pos += len(tag)
		return nil
	case rest == "" && p.final:
		return nil
	case !p.final && strings.HasPrefix(tag, rest):
		return errIncomplete
	}
	return &errBroken{err: p.fail("text after the calls in a block"), start: p.pos}
}

// close turns the outcome of reading the region into a verdict. skip finds
// the end of a faulty item.
func (p *callParser) close(err error, skip func(start int) (int, bool)) regionResult {
	r := regionResult{calls: p.calls}
	var broken *errBroken
	switch {
	case err == nil:
		r.status, r.end = regionDone, p.pos
	case len(p.calls) == 0:
		if errors.Is(err, errIncomplete) && !p.final {
			r.status = regionMore
		} else {
			r.status, r.release = regionFail, 1
		}
	case errors.Is(err, errIncomplete):
		if p.final {
			r.status, r.end, r.cut = regionDone, len(p.s), true
		}
	case errors.As(err, &broken):
		end, ok := skip(broken.start)
		if ok {
			r.status, r.end, r.malformed = regionDone, end, true
		}
	default:
		panic("chat: unclassified tool-call error: " + err.Error())
	}
	return r
}

// seq reads one or more call items separated by spaces, ";" or ","; with
// bare, pythonic calls may lack their list brackets. It stops after the last
// item that is a call, and fails only when the first one is not.
func (p *callParser) seq(bare bool) error {
	end := p.pos
	for first := true; ; first = false {
		if !first {
			p.space()
			if c := p.peek(); c == ';' || c == ',' {
				p.pos++
				p.space()
			}
		}
		start, n := p.pos, len(p.calls)
		err := p.item(bare)
		switch {
		case err == nil:
			end = p.pos
			continue
		case len(p.calls) > n:
			var broken *errBroken
			if errors.Is(err, errIncomplete) || errors.As(err, &broken) {
				return err
			}
			return &errBroken{err: err, start: start}
		case first:
			return err
		case errors.Is(err, errIncomplete) && !p.final:
			return err // the next item may still be a call
		}
		p.calls = p.calls[:n]
		p.pos = end
		return nil
	}
}

// item reads one call item: a pythonic list, a JSON list, a JSON object, or
// with bare a pythonic call without brackets.
func (p *callParser) item(bare bool) error {
	switch p.peek() {
	case 0:
		return errIncomplete
	case '{':
		return p.jsonCall(false)
	case '[':
		q := *p
		q.pos++
		q.space()
		switch q.peek() {
		case 0:
			return errIncomplete
		case '{':
			return p.jsonList()
		}
		return p.pyList()
	}
	if bare {
		return p.pyCall()
	}
	return p.fail("not a call")
}

// skipTo finds the end of a block whose calls went wrong: just after tag, or
// the end of the text. It reports false when that is not known yet.
func (p *callParser) skipTo(tag string) (int, bool) {
	if i := strings.Index(p.s[p.pos:], tag); i >= 0 {
		return p.pos + i + len(tag), true
	}
	return len(p.s), p.final
}

// skipBalanced finds the end of the bracketed item at start, whose calls
// went wrong: just after the bracket that balances its first, or the end of
// the text. It reports false when that is not known yet.
func (p *callParser) skipBalanced(start int) (int, bool) {
	q := &callParser{s: p.s, pos: start, final: true, x: p.x}
	depth := 0
	for !q.eof() {
		switch c := q.peek(); c {
		case '"', '\'':
			if q.str(true, nil, nil) != nil {
				return len(p.s), p.final
			}
			continue
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		}
		q.pos++
		if depth == 0 {
			return q.pos, true
		}
	}
	return len(p.s), p.final
}
