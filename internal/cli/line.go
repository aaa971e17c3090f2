package cli

import (
	"flag"
	"io"
	"strings"
)

// Line is one command's flags: its FlagSet, the command it belongs to and,
// when the command takes a model, -m's value.
type Line struct {
	*flag.FlagSet
	Name  string // the command as written after the program name: "run", "eval niah"
	Model string // -m, when the caller defines it on the FlagSet
	prog  string
	cmd   Command
}

// NewLine starts the flags of command c of program prog, called name (a
// key of its Table, or a subcommand as "eval niah"). The FlagSet reports
// errors instead of exiting and prints nothing itself: Parse prints the
// help and turns errors into usage errors.
func NewLine(prog, name string, c Command) *Line {
	fs := flag.NewFlagSet(prog+" "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &Line{FlagSet: fs, Name: name, prog: prog, cmd: c}
}

// Parse parses args (flags may follow positional arguments) and returns the
// positionals, at most the command's MaxArgs of them. -h prints the
// command's help to stdout and returns flag.ErrHelp; a bad flag, an extra
// argument or a missing required flag is a UsageError.
func (l *Line) Parse(args []string, stdout io.Writer) ([]string, error) {
	pos, err := ParseInterleaved(l.FlagSet, args)
	switch {
	case err == flag.ErrHelp:
		writeHelp(stdout, l.prog, l.Name, l.cmd, l.FlagSet)
		return nil, err
	case err != nil:
		return nil, UsageError{err.Error()}
	}
	if l.cmd.MaxArgs >= 0 && len(pos) > l.cmd.MaxArgs {
		return nil, Usagef("unexpected argument %q", pos[l.cmd.MaxArgs])
	}
	var missing, all []string
	for _, name := range l.cmd.Required {
		all = append(all, dashed(name))
		if !l.Given(name) {
			missing = append(missing, dashed(name))
		}
	}
	if len(missing) > 0 {
		return nil, Usagef("missing %s: need %s", strings.Join(missing, " and "), strings.Join(all, " and "))
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

// Given reports whether the flag was given on the command line.
func (l *Line) Given(name string) bool { return Given(l.FlagSet, name) }

// ParseInterleaved parses flags that may appear before or after positional
// arguments (`herd run -m M "prompt" -n 5`) and returns the positionals.
func ParseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
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

// Given reports whether the flag name of fs was given on the command line.
func Given(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
