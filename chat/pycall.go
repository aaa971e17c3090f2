package chat

import "errors"

// pyList reads [f(a=1), g()], allowing a trailing comma.
func (p *callParser) pyList() error {
	return p.callList(true, p.pyCall)
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
