package cli

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestParse: flags may follow positionals, "--" ends the flags, extra
// arguments and missing required flags are usage errors, and -h prints the
// command's help.
func TestParse(t *testing.T) {
	c := Command{Summary: "say it", Args: "[flags] TEXT", MaxArgs: 2, Required: []string{"o"}, Examples: []string{"say -o x hi"}}
	line := func() (*Line, *int, *string) {
		l := NewLine("prog", "say", c)
		return l, l.Int("n", 1, "times"), l.String("o", "", "output")
	}
	l, n, o := line()
	pos, err := l.Parse([]string{"a", "-n", "3", "-o", "f", "--", "-b"}, nil)
	if err != nil || strings.Join(pos, ",") != "a,-b" || *n != 3 || *o != "f" || !l.Given("n") || l.Given("x") {
		t.Errorf("Parse = %q, %v; n %d o %q", pos, err, *n, *o)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", "f", "a", "b", "c"}, `unexpected argument "c"`},
		{[]string{"a"}, "missing -o: need -o"},
		{[]string{"--nope"}, "flag provided but not defined"},
	} {
		l, _, _ := line()
		if _, err := l.Parse(tc.args, nil); !IsUsage(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) error %v, want a usage error with %q", tc.args, err, tc.want)
		}
	}
	l, _, _ = line()
	var help bytes.Buffer
	if _, err := l.Parse([]string{"-h"}, &help); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: error %v", err)
	}
	for _, want := range []string{"Usage: prog say [flags] TEXT\n\nSay it.\n", "\nExamples:\n  prog say -o x hi\n", "\nFlags:\n  -n int"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, help.String())
		}
	}
}

func TestTableLookup(t *testing.T) {
	tab := Table{"eval": {Summary: "e", Sub: map[string]Command{"niah": {Summary: "n"}}}, "run": {Summary: "r"}}
	if c, ok := tab.Lookup("eval niah"); !ok || c.Summary != "n" {
		t.Errorf(`Lookup("eval niah") = %+v, %v`, c, ok)
	}
	if _, ok := tab.Lookup("eval nope"); ok {
		t.Error(`Lookup("eval nope") found a command`)
	}
	if got := strings.Join(tab.Names(), ","); got != "eval,run" {
		t.Errorf("Names() = %s", got)
	}
}
