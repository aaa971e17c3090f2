package tokenizer

import (
	"testing"
	"unicode/utf8"
)

func TestReplaceInvalid(t *testing.T) {
	const r = "\uFFFD"
	cases := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"é€😀", "é€😀"},
		{"\x80", r},
		{"a\xffb", "a" + r + "b"},
		{"\xc0\xaf", r + r},                   // C0 never starts a sequence
		{"\xe2\x82", r},                       // truncated: one maximal subpart
		{"\xe2\x82x", r + "x"},                //
		{"\xe2\x28\xa1", r + "(" + r},         // bad second byte ends the subpart
		{"\xed\xa0\x80", r + r + r},           // an encoded surrogate is three errors
		{"\xe0\x80\xaf", r + r + r},           // overlong
		{"\xf0\x9f\x98", r},                   // truncated 4-byte sequence
		{"\xf0\x9f\x98\x80\xf0\x9f", "😀" + r}, //
		{"\xf4\x90\x80\x80", r + r + r + r},   // above U+10FFFF
		{"\xf5\x80", r + r},
		{"\xf8\x88\x80\x80\x80", r + r + r + r + r},
		{"\xc2\x41", r + "A"},
		{"\xef\xbf\xbd", r}, // U+FFFD itself is valid
	}
	for _, c := range cases {
		got := ReplaceInvalid(c.in)
		if got != c.want {
			t.Errorf("ReplaceInvalid(%q) = %q, want %q", c.in, got, c.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("ReplaceInvalid(%q) is not valid UTF-8", c.in)
		}
	}
}

func TestAppendValidHoldsBackIncomplete(t *testing.T) {
	cases := []struct {
		in       string
		out      string
		consumed int
	}{
		{"ab\xe2\x82", "ab", 2},           // may still become €
		{"ab\xe2", "ab", 2},               //
		{"ab\xe2\x28", "ab\uFFFD(", 4},    // cannot
		{"\xf0\x9f\x98", "", 0},           //
		{"\x80", "\uFFFD", 1},             // a lone continuation byte never completes
		{"x\xed\xa0", "x\uFFFD\uFFFD", 3}, // ED A0 is already ill-formed
	}
	for _, c := range cases {
		out, n := appendValid(nil, []byte(c.in), false)
		if string(out) != c.out || n != c.consumed {
			t.Errorf("appendValid(%q, false) = %q, %d; want %q, %d", c.in, out, n, c.out, c.consumed)
		}
	}
}
