package tasks

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Limits of the expression evaluator: the input is untrusted model output,
// so its size, nesting and number lengths are bounded.
const (
	maxExprLen    = 256 // bytes
	maxExprDepth  = 32  // nested parentheses and unary minus signs
	maxNumberLen  = 30  // digits of one literal
	maxResultBits = 4096
)

// Eval evaluates an arithmetic expression exactly, in rational numbers:
// decimal literals (123, 4.5), the binary operators + - * / with the usual
// precedence and left associativity, unary minus and parentheses; spaces
// are ignored. It is a small recursive-descent parser, never an eval of
// code: anything else (names, **, %, ^, …) is an error, as are division by
// zero, inputs over 256 bytes, nesting deeper than 32 and literals over 30
// digits.
func Eval(expr string) (*big.Rat, error) {
	if len(expr) > maxExprLen {
		return nil, fmt.Errorf("tasks: expression of %d bytes is over the %d-byte limit", len(expr), maxExprLen)
	}
	p := &exprParser{s: expr}
	v, err := p.sum()
	if err == nil {
		p.space()
		if p.i < len(p.s) {
			err = fmt.Errorf("unexpected %q at byte %d", p.s[p.i], p.i)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("tasks: expression %q: %w", clip(expr), err)
	}
	return v, nil
}

// exprParser is the state of one Eval.
type exprParser struct {
	s     string
	i     int
	depth int
}

func (p *exprParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (p *exprParser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// sum := product (('+' | '-') product)*
func (p *exprParser) sum() (*big.Rat, error) {
	return p.chain("+-", func(byte) (*big.Rat, error) { return p.product() }, func(op byte, v, w *big.Rat) error {
		if op == '+' {
			v.Add(v, w)
		} else {
			v.Sub(v, w)
		}
		return nil
	})
}

// product := unary (('*' | '/') unary)*
func (p *exprParser) product() (*big.Rat, error) {
	return p.chain("*/", func(op byte) (*big.Rat, error) {
		if op == '*' && p.peek() == '*' {
			return nil, errors.New("** is not supported")
		}
		return p.unary()
	}, func(op byte, v, w *big.Rat) error {
		if op == '*' {
			v.Mul(v, w)
			return nil
		}
		if w.Sign() == 0 {
			return errors.New("division by zero")
		}
		v.Quo(v, w)
		return nil
	})
}

// chain parses operand (op operand)* for the operators in ops, left to
// right: operand(after) parses one operand (after is the operator before it,
// 0 for the first), apply folds w into v.
func (p *exprParser) chain(ops string, operand func(after byte) (*big.Rat, error), apply func(op byte, v, w *big.Rat) error) (*big.Rat, error) {
	v, err := operand(0)
	for err == nil {
		op := p.peek()
		if op == 0 || strings.IndexByte(ops, op) < 0 {
			break
		}
		p.i++
		var w *big.Rat
		if w, err = operand(op); err != nil {
			break
		}
		if err = apply(op, v, w); err == nil {
			err = checkSize(v)
		}
	}
	return v, err
}

// unary := '-' unary | '+' unary | atom
func (p *exprParser) unary() (*big.Rat, error) {
	switch p.peek() {
	case '-', '+':
		neg := p.s[p.i] == '-'
		p.i++
		if err := p.enter(); err != nil {
			return nil, err
		}
		v, err := p.unary()
		p.depth--
		if err == nil && neg {
			v.Neg(v)
		}
		return v, err
	}
	return p.atom()
}

// atom := number | '(' sum ')'
func (p *exprParser) atom() (*big.Rat, error) {
	c := p.peek()
	switch {
	case c == '(':
		p.i++
		if err := p.enter(); err != nil {
			return nil, err
		}
		v, err := p.sum()
		p.depth--
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, fmt.Errorf("missing ) at byte %d", p.i)
		}
		p.i++
		return v, nil
	case c >= '0' && c <= '9' || c == '.':
		return p.number()
	case c == 0:
		return nil, errors.New("unexpected end")
	}
	return nil, fmt.Errorf("unexpected %q at byte %d", c, p.i)
}

func (p *exprParser) enter() error {
	p.depth++
	if p.depth > maxExprDepth {
		return fmt.Errorf("nested deeper than %d", maxExprDepth)
	}
	return nil
}

// number := digits ('.' digits?)? | '.' digits
func (p *exprParser) number() (*big.Rat, error) {
	start, digits, dot := p.i, 0, false
	for ; p.i < len(p.s); p.i++ {
		c := p.s[p.i]
		if c == '.' && !dot {
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		digits++
	}
	lit := p.s[start:p.i]
	switch {
	case digits == 0:
		return nil, fmt.Errorf("bad number %q", lit)
	case digits > maxNumberLen:
		return nil, fmt.Errorf("number of %d digits is over the %d-digit limit", digits, maxNumberLen)
	}
	v, ok := new(big.Rat).SetString(lit)
	if !ok {
		return nil, fmt.Errorf("bad number %q", lit)
	}
	return v, nil
}

// checkSize bounds intermediate results.
func checkSize(v *big.Rat) error {
	if v.Num().BitLen() > maxResultBits || v.Denom().BitLen() > maxResultBits {
		return fmt.Errorf("result over %d bits", maxResultBits)
	}
	return nil
}

// FormatRat writes v as an integer when it is one, else as a decimal
// rounded to 10 places without trailing zeros.
func FormatRat(v *big.Rat) string {
	if v.IsInt() {
		return v.Num().String()
	}
	s := strings.TrimRight(v.FloatString(10), "0")
	return strings.TrimSuffix(s, ".")
}

// clip shortens s for error messages.
func clip(s string) string {
	const n = 60
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
