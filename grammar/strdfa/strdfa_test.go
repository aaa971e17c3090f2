package strdfa

import (
	"errors"
	"strings"
	"testing"
)

// run reports whether d accepts body (a JSON string's bytes between the
// quotes) of at least minLen code points, counting them as grammar does.
func run(d *DFA, minLen int, body string) bool {
	s, n := int32(0), 0
	for i := 0; i < len(body); i++ {
		b := body[i]
		// A character starts at a byte that is not a UTF-8 continuation and
		// not the second byte of a two-byte escape.
		starts := b&0xC0 != 0x80 && !(i > 0 && body[i-1] == '\\' && !escaped(body, i-1))
		if starts {
			n++
		}
		if s = d.Step(s, b); s < 0 || !d.Ok(s, n) {
			return false
		}
	}
	return d.Accept(s) && n >= minLen
}

// escaped reports whether the backslash at i is itself the second byte of
// an escape.
func escaped(body string, i int) bool {
	k := 0
	for j := i - 1; j >= 0 && body[j] == '\\'; j-- {
		k++
	}
	return k%2 == 1
}

func TestCompile(t *testing.T) {
	for _, tc := range []struct {
		pattern        string
		minLen, maxLen int
		accept, reject []string
	}{
		{`^[a-c]+\d{2}$`, 0, -1, []string{"a12", "cab00"}, []string{"a1", "d12", "a123", ""}},
		{`ab`, 0, -1, []string{"ab", "xxabyy", `\nab\"`}, []string{"a", "ba", `\u0061b`}},
		{`^x|y$`, 0, -1, []string{"x1", "1y", "xy"}, []string{"1x", "y1"}},
		{`^(?:ab|c)*$`, 3, 4, []string{"abc", "abab", "ccc", "cabc"}, []string{"ab", "ababc", "abcab"}},
		{`^é.$`, 0, -1, []string{"éx", "éé", `é\t`}, []string{"é", "ex", `é\n`}},
		{`^[^"]$`, 0, -1, []string{"a", `\\`}, []string{`\"`, ""}},
		{`^.*$`, 2, 2, []string{"ab", "éé", `\"x`}, []string{"a", "abc"}},
	} {
		p, err := Parse(tc.pattern)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.pattern, err)
		}
		d, err := p.Compile(tc.minLen, tc.maxLen)
		if err != nil {
			t.Fatalf("Compile(%q, %d, %d): %v", tc.pattern, tc.minLen, tc.maxLen, err)
		}
		for _, s := range tc.accept {
			if !run(d, tc.minLen, s) {
				t.Errorf("%q [%d,%d] rejects %q", tc.pattern, tc.minLen, tc.maxLen, s)
			}
		}
		for _, s := range tc.reject {
			if run(d, tc.minLen, s) {
				t.Errorf("%q [%d,%d] accepts %q", tc.pattern, tc.minLen, tc.maxLen, s)
			}
		}
	}
}

func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		maxLen  int
		want    string // in the message
	}{
		{`(a)\1`, -1, "backreference"},
		{`(?<x>a)\k<x>`, -1, "backreference"},
		{`a(?=b)`, -1, "lookahead"},
		{`(?<!a)b`, -1, "lookbehind"},
		{`\bword`, -1, "word boundary"},
		{`a^b`, -1, "anchors"},
		{`\p{L}`, -1, "property"},
		{`\cA`, -1, "control escape"},
		{`(?i)a`, -1, "flags"},
		{`a{2000}`, -1, "too large"},
		{`(a`, -1, "unclosed"},
		{`[b-a]`, -1, "range"},
		{`*a`, -1, "without an operand"},
		{`^(a|b)*$`, 100000000, "too large"},
	} {
		p, err := Parse(tc.pattern)
		if err == nil {
			_, err = p.Compile(0, tc.maxLen)
		}
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Msg, tc.want) {
			t.Errorf("%q (maxLen %d): got %v, want an *Error with %q", tc.pattern, tc.maxLen, err, tc.want)
		}
	}
}

func TestFormats(t *testing.T) {
	names := FormatNames()
	if len(names) == 0 {
		t.Fatal("no formats")
	}
	for _, n := range names {
		p, ok := Format(n)
		if !ok {
			t.Fatalf("Format(%q) not found", n)
		}
		if _, err := p.Compile(0, -1); err != nil {
			t.Errorf("format %q: %v", n, err)
		}
	}
	if _, ok := Format("color"); ok {
		t.Error(`Format("color") found`)
	}
	p, _ := Format("ipv4")
	d, _ := p.Compile(0, -1)
	if !run(d, 0, "192.168.0.1") || run(d, 0, "256.0.0.1") {
		t.Error("ipv4 format misjudges 192.168.0.1 or 256.0.0.1")
	}
}
