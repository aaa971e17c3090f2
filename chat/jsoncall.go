package chat

import (
	"errors"
	"strings"
)

// jsonList reads [{...}, {...}].
func (p *callParser) jsonList() error {
	return p.callList(false, func() error {
		if p.peek() != '{' {
			if p.eof() {
				return errIncomplete
			}
			return p.fail("want a JSON call")
		}
		return p.jsonCall(false)
	})
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
