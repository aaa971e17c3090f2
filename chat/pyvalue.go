package chat

import (
	"strconv"
	"strings"
)

// value reads one literal and writes it to w as JSON.
func (p *callParser) value(w *strings.Builder, depth int) error {
	if depth > maxDepth {
		return p.fail("values nested too deeply")
	}
	p.space()
	if p.eof() {
		return errIncomplete
	}
	switch c := p.peek(); c {
	case '[', '(':
		closing := byte(']')
		if c == '(' {
			closing = ')'
		}
		p.pos++
		w.WriteByte('[')
		return p.list(w, closing, depth)
	case '{':
		return p.dict(w, depth)
	case '"', '\'':
		return p.str(false, nil, w)
	case 'r', 'R', 'u', 'U':
		if p.pos+1 < len(p.s) && (p.s[p.pos+1] == '"' || p.s[p.pos+1] == '\'') {
			p.pos++
			return p.str(c == 'r' || c == 'R', nil, w)
		}
		if p.pos+1 >= len(p.s) && !p.final {
			return errIncomplete // a quote may follow
		}
	}
	return p.bare(w)
}

// list reads the items of a list or tuple after its opening bracket.
func (p *callParser) list(w *strings.Builder, closing byte, depth int) error {
	for n := 0; ; n++ {
		if done, err := p.nextItem(w, n, closing, ']'); done || err != nil {
			return err
		}
		if n > 0 {
			w.WriteByte(',')
		}
		if err := p.value(w, depth+1); err != nil {
			return err
		}
	}
}

// dict reads a dict or JSON object, { included. Keys must be strings.
func (p *callParser) dict(w *strings.Builder, depth int) error {
	if depth > maxDepth {
		return p.fail("values nested too deeply")
	}
	p.pos++ // {
	w.WriteByte('{')
	for n := 0; ; n++ {
		if done, err := p.nextItem(w, n, '}', '}'); done || err != nil {
			return err
		}
		if q := p.peek(); q != '"' && q != '\'' {
			return p.fail("dict keys must be strings")
		}
		var key strings.Builder
		if err := p.str(false, &key, nil); err != nil {
			return err
		}
		p.space()
		if err := p.expect(':'); err != nil {
			return err
		}
		if n > 0 {
			w.WriteByte(',')
		}
		writeJSONString(w, key.String())
		w.WriteByte(':')
		if err := p.value(w, depth+1); err != nil {
			return err
		}
	}
}

// nextItem readies item n of a list or dict: it skips the space and, after
// the first item, the comma before it. At the closing bracket (after a
// trailing comma too) it consumes it, writes end to w and reports done.
func (p *callParser) nextItem(w *strings.Builder, n int, closing, end byte) (done bool, err error) {
	p.space()
	if p.eof() {
		return false, errIncomplete
	}
	if n > 0 && p.peek() != closing {
		if err := p.expect(','); err != nil {
			return false, err
		}
		p.space()
		if p.eof() {
			return false, errIncomplete
		}
	}
	if p.peek() == closing {
		p.pos++
		w.WriteByte(end)
		return true, nil
	}
	return false, nil
}

// bare reads a value that does not start with a quote or a bracket, up to
// the next "," or closing bracket outside quotes and brackets, and writes it
// as a JSON literal when it is one (True, None, 1_000, …) and as a string of
// its text otherwise.
func (p *callParser) bare(w *strings.Builder) error {
	start, depth := p.pos, 0
scan:
	for ; ; p.pos++ {
		if p.eof() {
			if !p.final {
				return errIncomplete
			}
			break
		}
		switch c := p.s[p.pos]; c {
		case '"', '\'':
			if err := p.str(false, nil, nil); err != nil {
				return err
			}
			p.pos--
		case '(', '[', '{':
			depth++
		case ')', ']', '}', ',':
			if depth == 0 {
				break scan
			}
			if c != ',' {
				depth--
			}
		case '<', '`':
			if depth == 0 && (strings.HasPrefix(p.s[p.pos:], "<|") || strings.HasPrefix(p.s[p.pos:], "```")) {
				break scan // the end of a block
			}
		}
	}
	run := strings.TrimSpace(p.s[start:p.pos])
	if run == "" {
		return p.fail("missing value")
	}
	w.WriteString(literal(run))
	return nil
}

// literal converts the text of a bare value to JSON.
func literal(run string) string {
	switch run {
	case "True", "true":
		return "true"
	case "False", "false":
		return "false"
	case "None", "null":
		return "null"
	}
	if isJSONNumber(run) {
		return run
	}
	if n, ok := pyNumberLiteral(run); ok {
		return n
	}
	var sb strings.Builder
	writeJSONString(&sb, run)
	return sb.String()
}

// isJSONNumber reports whether s is a number in JSON's grammar.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, n = i+1, n+1
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// pyNumberLiteral converts a Python int or float literal that is not JSON
// (1_000, +5, 007, .5, 5.) to JSON.
func pyNumberLiteral(lit string) (string, bool) {
	if strings.Trim(lit, "0123456789+-._eE") != "" {
		return "", false
	}
	lit = strings.TrimPrefix(strings.ReplaceAll(lit, "_", ""), "+")
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || lit == "" || lit[0] == '+' {
		return "", false
	}
	if !strings.ContainsAny(lit, ".eE") {
		digits := strings.TrimLeft(strings.TrimPrefix(lit, "-"), "0")
		switch {
		case digits == "":
			return "0", true
		case f < 0:
			return "-" + digits, true
		}
		return digits, true
	}
	return strconv.FormatFloat(f, 'g', -1, 64), true
}
