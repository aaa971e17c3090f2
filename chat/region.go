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

// pyList reads [f(a=1), g()].
func (p *callParser) pyList() error {
	p.pos++ // [
	for n := 0; ; n++ {
		p.space()
		if n > 0 {
			if p.peek() == ']' {
				p.pos++
				return nil
			}
			if err := p.expect(','); err != nil {
				return err
			}
			p.space()
			if p.peek() == ']' {
				p.pos++
				return nil
			}
		}
		if err := p.pyCall(); err != nil {
			return err
		}
	}
}

// pyCall reads name(key=value, ...). The call is recognised once its name is
// declared and it opens with ( followed by ) or key=.
func (p *callParser) pyCall() error {
	name, err := p.ident(true)
	if err != nil {
		return p.nameError(name, err)
	}
	if !p.x.declared(name) {
		return p.fail("undeclared tool " + name)
	}
	p.space()
	if err := p.expect('('); err != nil {
		return err
	}
	p.space()
	if p.peek() != ')' {
		q := *p
		if _, err := q.kwarg(); err != nil {
			return err
		}
	}
	c := p.addCall(name)
	w := &c.args
	w.WriteByte('{')
	seen := map[string]bool{}
	for n := 0; ; n++ {
		p.space()
		if p.peek() == ')' {
			p.pos++
			break
		}
		if n > 0 {
			if err := p.expect(','); err != nil {
				return err
			}
			p.space()
			if p.peek() == ')' {
				p.pos++
				break
			}
		}
		key, err := p.kwarg()
		if err != nil {
			return err
		}
		if seen[key] {
			return p.fail("argument " + key + " given twice")
		}
		seen[key] = true
		if n > 0 {
			w.WriteByte(',')
		}
		writeJSONString(w, key)
		w.WriteByte(':')
		if err := p.value(w, 0); err != nil {
			return err
		}
	}
	w.WriteByte('}')
	c.done = true
	return nil
}

// kwarg reads "key =" (not "=="), up to the value.
func (p *callParser) kwarg() (string, error) {
	key, err := p.ident(false)
	if err != nil {
		return "", err
	}
	p.space()
	if err := p.expect('='); err != nil {
		return "", err
	}
	switch p.peek() {
	case 0:
		return "", errIncomplete
	case '=':
		return "", p.fail("== is not an argument")
	}
	return key, nil
}

// nameError is the error for a name cut off by the end of the text: final
// when no declared name starts with it.
func (p *callParser) nameError(name string, err error) error {
	if errors.Is(err, errIncomplete) && !p.x.couldBe(name) {
		return p.fail("undeclared tool " + name)
	}
	return err
}

// addCall records a recognised call.
func (p *callParser) addCall(name string) *partialCall {
	c := &partialCall{name: name}
	p.calls = append(p.calls, c)
	return c
}

// jsonList reads [{...}, {...}].
func (p *callParser) jsonList() error {
	p.pos++ // [
	for n := 0; ; n++ {
		p.space()
		if n > 0 {
			if p.peek() == ']' {
				p.pos++
				return nil
			}
			if err := p.expect(','); err != nil {
				return err
			}
			p.space()
		}
		if p.peek() != '{' {
			if p.eof() {
				return errIncomplete
			}
			return p.fail("want a JSON call")
		}
		if err := p.jsonCall(false); err != nil {
			return err
		}
	}
}

// jsonCall reads {"name": "f", "parameters": {...}}: "arguments" may stand
// for "parameters", whose value may also be a string holding the JSON
// object; "type": "function" and "id" may come first; OpenAI's shape,
// {"type": "function", "function": {"name": ..., "arguments": ...}}, is read
// too (not inner, the call inside "function"). The call is recognised at
// its arguments' key, or at its name when the arguments came first (as
// constrained decoding may write them), or at its closing brace when it has
// no arguments; keys other than these before that mean it is not a call,
// after it they are ignored.
func (p *callParser) jsonCall(inner bool) error {
	p.pos++ // {
	var c *partialCall
	var early *strings.Builder // arguments that came before the name
	name, named := "", false
	for n := 0; ; n++ {
		p.space()
		if p.eof() {
			return errIncomplete
		}
		if n > 0 {
			if p.peek() == '}' {
				p.pos++
				if c == nil {
					if !named {
						return p.fail("a JSON call needs a name")
					}
					c = p.addCall(name)
				}
				if c.args.Len() == 0 {
					c.args.WriteString("{}")
				}
				c.done = true
				return nil
			}
			if err := p.expect(','); err != nil {
				return err
			}
			p.space()
			if p.eof() {
				return errIncomplete
			}
		}
		if p.peek() != '"' {
			return p.fail("want a key")
		}
		var key strings.Builder
		err := p.str(false, &key, nil)
		k := key.String()
		if c == nil && !callKey(k, named, early != nil) {
			if err == nil || (errors.Is(err, errIncomplete) && !callKeyPrefix(k, named, early != nil)) {
				return p.fail("key " + k + " is not part of a call")
			}
		}
		if err != nil {
			return err
		}
		p.space()
		if err := p.expect(':'); err != nil {
			return err
		}
		p.space()
		if p.eof() {
			return errIncomplete
		}
		switch {
		case c != nil:
			var skip strings.Builder
			if err := p.value(&skip, 0); err != nil {
				return err
			}
		case k == "type":
			if v, err := p.jsonString(); err != nil || v != "function" {
				if err == nil || (errors.Is(err, errIncomplete) && !strings.HasPrefix("function", v)) {
					return p.fail(`"type" must be "function"`)
				}
				return err
			}
		case k == "name" && !named:
			v, err := p.jsonString()
			if err != nil {
				return p.nameError(v, err)
			}
			if !p.x.declared(v) {
				return p.fail("undeclared tool " + v)
			}
			name, named = v, true
			if early != nil {
				c = p.addCall(name)
				c.args.WriteString(early.String())
			}
		case k == "function" && !named && !inner && early == nil:
			if p.peek() != '{' {
				return p.fail(`"function" must hold an object`)
			}
			n := len(p.calls)
			if err := p.jsonCall(true); err != nil {
				return err
			}
			c, named = p.calls[n], true
		case k == "id" && !named:
			var skip strings.Builder
			if err := p.value(&skip, 0); err != nil {
				return err
			}
		case (k == "parameters" || k == "arguments") && named:
			c = p.addCall(name)
			if err := p.arguments(&c.args); err != nil {
				return err
			}
		case (k == "parameters" || k == "arguments") && early == nil:
			early = new(strings.Builder)
			if err := p.arguments(early); err != nil {
				return err
			}
		default:
			return p.fail("key " + k + " is not part of a call")
		}
	}
}

// callKey reports whether k may be the next key of a JSON call not yet
// recognised, given whether its name or its arguments came already.
func callKey(k string, named, args bool) bool {
	switch k {
	case "type":
		return true
	case "parameters", "arguments":
		return !args
	case "name":
		return !named
	case "function", "id":
		return !named && !args
	}
	return false
}

// callKeyPrefix reports whether a callKey starts with k.
func callKeyPrefix(k string, named, args bool) bool {
	for _, full := range []string{"type", "name", "parameters", "arguments", "function", "id"} {
		if strings.HasPrefix(full, k) && callKey(full, named, args) {
			return true
		}
	}
	return false
}

// jsonString reads a JSON string value and returns its text, or the text so
// far with errIncomplete.
func (p *callParser) jsonString() (string, error) {
	if p.peek() != '"' {
		return "", p.fail("want a string")
	}
	var sb strings.Builder
	err := p.str(false, &sb, nil)
	return sb.String(), err
}

// arguments reads the arguments of a JSON call: an object, a string holding
// one, or null.
func (p *callParser) arguments(w *strings.Builder) error {
	switch p.peek() {
	case '{':
		return p.dict(w, 0)
	case '"':
		var text strings.Builder
		start := p.pos
		err := p.str(false, &text, nil)
		cut := err != nil && !errors.Is(err, errIncomplete) // a bad escape: keep what came before
		q := &callParser{s: text.String(), final: err == nil || (p.final && !cut), x: p.x, memo: p.memo, outer: start + 1}
		q.space()
		switch {
		case q.eof() && err == nil:
			w.WriteString("{}")
			return nil
		case q.eof():
			return err
		case q.peek() != '{':
			return p.fail("arguments string does not hold an object")
		}
		qerr := q.dict(w, 0)
		if cut {
			return err
		}
		if qerr == nil {
			if q.space(); !q.eof() {
				qerr = p.fail("text after the arguments object in its string")
			}
		}
		switch {
		case qerr == nil:
			return err
		case errors.Is(qerr, errIncomplete) && err != nil:
			return err
		case errors.Is(qerr, errIncomplete):
			return p.fail("arguments string holds a cut-off object")
		}
		return p.fail(qerr.Error())
	}
	var v strings.Builder
	if err := p.bare(&v); err != nil {
		return err
	}
	if v.String() != "null" {
		return p.fail("arguments are not an object")
	}
	w.WriteString("{}")
	return nil
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
