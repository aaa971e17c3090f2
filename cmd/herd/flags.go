package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// newFlags makes a FlagSet that reports errors instead of exiting and
// prints nothing itself: cmdLine.parse prints the help and turns errors
// into usage errors.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("herd "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// cmdLine is one command's flags: its FlagSet, with -m already defined when
// the command table gives the command a model.
type cmdLine struct {
	*flag.FlagSet
	name  string
	model string // -m, resolved to a local path ("" is the embedded model)
}

// newCmdLine starts the flags of the command name (a key of commands, or a
// subcommand as "eval niah"), defining -m when the command takes a model.
func newCmdLine(name string) *cmdLine {
	cl := &cmdLine{FlagSet: newFlags(name), name: name}
	if c, _ := lookupCommand(name); c.modelHelp != "" {
		modelVar(cl.FlagSet, &cl.model, c.modelHelp)
	}
	return cl
}

// parse parses args (flags may follow positional arguments) and returns the
// positionals, at most the command table's maxArgs of them. -h prints the
// command's help to stdout and returns flag.ErrHelp; a bad flag, an extra
// argument or a missing required flag is a usageError.
func (cl *cmdLine) parse(args []string, stdout io.Writer) ([]string, error) {
	pos, err := parseInterleaved(cl.FlagSet, args)
	switch {
	case err == flag.ErrHelp:
		writeHelp(stdout, cl.name, cl.FlagSet)
		return nil, err
	case err != nil:
		return nil, usageError{err.Error()}
	}
	c, _ := lookupCommand(cl.name)
	if c.maxArgs >= 0 && len(pos) > c.maxArgs {
		return nil, usagef("unexpected argument %q", pos[c.maxArgs])
	}
	var missing, all []string
	for _, name := range c.required {
		all = append(all, dashed(name))
		if !cl.given(name) {
			missing = append(missing, dashed(name))
		}
	}
	if len(missing) > 0 {
		return nil, usagef("missing %s: need %s", strings.Join(missing, " and "), strings.Join(all, " and "))
	}
	return pos, nil
}

// dashed is how a flag is written: -m, --batch.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// given reports whether the flag was given on the command line.
func (cl *cmdLine) given(name string) bool { return flagSet(cl.FlagSet, name) }

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

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
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

// modelVar defines -m, the model to use: a local path, or a repository
// fetched before with `herd pull` (REPO or REPO:FILE), which is resolved to
// its path in the hub cache as the flag is parsed, so every command sees a
// local path.
func modelVar(fs *flag.FlagSet, p *string, usage string) {
	fs.Func("m", usage, func(s string) error {
		r, err := resolveModelArg(s)
		if err != nil {
			return err
		}
		*p = r
		return nil
	})
}
