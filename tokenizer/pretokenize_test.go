package tokenizer

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitPieces(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Hello, world!", []string{"Hello", ",", " world", "!"}},
		{"  leading spaces", []string{" ", " leading", " spaces"}},
		{"x   ", []string{"x", "   "}},               // \s+(?!\S) at the end takes the whole run
		{"x   y", []string{"x", "  ", " y"}},         // ...otherwise gives back the last space
		{"x \ty", []string{"x", " ", "\ty"}},         // a tab is a valid prefix
		{"a  \n\n b", []string{"a", "  \n\n", " b"}}, // \s*[\r\n]+ ends at the last newline
		{"\r\n\r\n  x", []string{"\r\n\r\n", " ", " x"}},
		{"\n \n x", []string{"\n \n", " x"}},
		{"I'm don't WE'LL", []string{"I'm", " don't", " WE'LL"}},
		{"they'RE we'Ve it'd", []string{"they'RE", " we'Ve", " it'd"}},
		{"x'ſ", []string{"x'ſ"}}, // (?i) folds ſ to s
		{"x'q", []string{"x", "'q"}},
		{"12345", []string{"123", "45"}},
		{"$3.14", []string{"$", "3", ".", "14"}},
		{"٣٤٥٦", []string{"٣٤٥", "٦"}},
		{"def f(x):\n    return", []string{"def", " f", "(x", "):\n", "   ", " return"}},
		{"HTTPServer fooBar", []string{"HTTPServer", " foo", "Bar"}},
		{"ǅa aǅ", []string{"ǅa", " a", "ǅ"}}, // titlecase is in U only
		{"a\u0301b", []string{"a\u0301b"}},   // marks are in both U and W
		{" \u0301a", []string{" \u0301a"}},
		{"\u0301", []string{"\u0301"}},
		{"//comment a/b", []string{"//", "comment", " a", "/b"}},
		{"...\n\nx", []string{"...\n\n", "x"}},
		{"😀😀 x  😀", []string{"😀😀", " x", " ", " 😀"}},
		{"\t\tx", []string{"\t", "\tx"}},
		{"こんにちは世界", []string{"こんにちは世界"}},
		{"ＡＢＣdef", []string{"ＡＢＣdef"}},
		{"a\u00a0b", []string{"a", "\u00a0b"}},
		{"\u3000\u3000x", []string{"\u3000", "\u3000x"}},
	}
	for _, c := range cases {
		var got []string
		splitPieces(c.in, func(p string) { got = append(got, p) })
		if !slices.Equal(got, c.want) {
			t.Errorf("split(%q) = %q, want %q", c.in, got, c.want)
		}
		if strings.Join(got, "") != c.in {
			t.Errorf("split(%q) does not tile the input", c.in)
		}
	}
}

func TestRunCut(t *testing.T) {
	long := strings.Repeat("a", maxRunChars+5)
	cases := []struct {
		name string
		in   string
		want []int // lengths of the slices, in code points
	}{
		{"short", "abc", []int{3}},
		{"run of letters", long, []int{maxRunChars, 5}},
		{"run of spaces", strings.Repeat(" ", 2*maxRunChars+1), []int{maxRunChars, maxRunChars, 1}},
		{"alternating is never cut", strings.Repeat("ab ", maxRunChars), []int{3 * maxRunChars}},
		{"python isspace includes U+001C", strings.Repeat("\x1c", maxRunChars+1), []int{maxRunChars, 1}},
		{"multibyte", strings.Repeat("中", maxRunChars+2), []int{maxRunChars, 2}},
	}
	for _, c := range cases {
		var got []int
		for s := c.in; len(s) > 0; {
			n := runCut(s)
			got = append(got, len([]rune(s[:n])))
			s = s[n:]
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: slices %v, want %v", c.name, got, c.want)
		}
	}
}
