package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// newFlags makes a FlagSet that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("herd "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseInterleaved parses flags that may appear before or after positional
// arguments (`herd run -m M "prompt" -n 5`) and returns the positionals.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseIDs reads token ids separated by spaces and/or commas ("1 2 3", "1,2,3", "[1, 2]").
func parseIDs(s string) ([]int32, error) {
	s = strings.Trim(strings.TrimSpace(s), "[]")
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
	if len(f) == 0 {
		return nil, fmt.Errorf("--ids is empty")
	}
	ids := make([]int32, len(f))
	for i, w := range f {
		v, err := strconv.ParseInt(w, 10, 32)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("--ids: %q is not a token id", w)
		}
		ids[i] = int32(v)
	}
	return ids, nil
}

// modelFlag defines -m, the model to use: a local path, or a repository
// fetched before with `herd pull` (REPO or REPO:FILE), which is resolved to
// its path in the hub cache as the flag is parsed, so every command sees a
// local path.
func modelFlag(fs *flag.FlagSet, usage string) *string {
	p := new(string)
	fs.Func("m", usage, func(s string) error {
		r, err := resolveModelArg(s)
		if err != nil {
			return err
		}
		*p = r
		return nil
	})
	return p
}
