package tasks

import (
	"strings"
	"testing"
)

func TestEval(t *testing.T) {
	cases := []struct {
		expr, want string // want "" = an error
	}{
		{"1 + 2 * 3", "7"},
		{"(1 + 2) * 3", "9"},
		{"10 - 4 - 3", "3"},
		{"100 / 10 / 5", "2"},
		{"7 / 2", "3.5"},
		{"1 / 3", "0.3333333333"},
		{"-3 * -(2 + 1)", "9"},
		{" 2.5*4 ", "10"},
		{".5 + .5", "1"},
		{"123456789012345678901234567890 * 10", "1234567890123456789012345678900"},
		{"", ""},
		{"1 +", ""},
		{"(1 + 2", ""},
		{"1 + 2)", ""},
		{"2 ** 8", ""},
		{"2 ^ 8", ""},
		{"7 % 2", ""},
		{"1 / 0", ""},
		{"1 / (2 - 2)", ""},
		{"__import__('os')", ""},
		{"x + 1", ""},
		{"1.2.3", ""},
		{".", ""},
		{"1e5", ""},
		{strings.Repeat("(", 40) + "1" + strings.Repeat(")", 40), ""},
		{strings.Repeat("-", 40) + "1", ""},
		{strings.Repeat("9", 31), ""},
		{strings.Repeat("1+", 200) + "1", ""},
	}
	for _, c := range cases {
		v, err := Eval(c.expr)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("Eval(%q) = %s, want an error", clip(c.expr), FormatRat(v))
		case c.want != "" && err != nil:
			t.Errorf("Eval(%q): %v", c.expr, err)
		case c.want != "" && FormatRat(v) != c.want:
			t.Errorf("Eval(%q) = %s, want %s", c.expr, FormatRat(v), c.want)
		}
	}
}

func FuzzEval(f *testing.F) {
	for _, s := range []string{"1+2*3", "(1-2)/3", "--1", "((((1))))", "1/0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Eval(s)
		if err == nil && v == nil {
			t.Fatal("nil value without an error")
		}
	})
}
