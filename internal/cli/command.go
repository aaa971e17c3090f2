package cli

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Command is one subcommand: what the help says about it, how many
// positional arguments it takes, whether it takes -m, and its entry point.
type Command struct {
	Summary   string   // one line for the command list
	Args      string   // what follows "PROGRAM NAME" in the usage line
	About     string   // more detail for the help, or ""
	Examples  []string // command lines, without the leading program name
	ModelHelp string   // help of -m; "" when the command takes no model
	MaxArgs   int      // most positional arguments; -1 = any
	Required  []string // flags that must be given
	Run       func(args []string, stdout, stderr io.Writer) error
	Sub       map[string]Command // subcommands (herd eval niah), or nil
}

// Table is a program's commands by name.
type Table map[string]Command

// Lookup finds a command by name: "run", or a subcommand as "eval niah".
func (t Table) Lookup(name string) (Command, bool) {
	parent, sub, isSub := strings.Cut(name, " ")
	c, ok := t[parent]
	if ok && isSub {
		c, ok = c.Sub[sub]
	}
	return c, ok
}

// Names lists the commands in alphabetical order.
func (t Table) Names() []string {
	names := make([]string, 0, len(t))
	for n := range t {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// writeHelp prints the help of command c, called name, of program prog:
// the usage line, what it does, examples, then the flags of fs.
func writeHelp(w io.Writer, prog, name string, c Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s\n\n%s.\n", strings.TrimSpace(prog+" "+name+" "+c.Args), upperFirst(c.Summary))
	if c.About != "" {
		fmt.Fprintf(w, "%s\n", c.About)
	}
	if len(c.Examples) > 0 {
		fmt.Fprintf(w, "\nExamples:\n")
		for _, e := range c.Examples {
			if !strings.Contains(e, prog+" ") {
				e = prog + " " + e
			}
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintf(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// upperFirst capitalises the first letter of s.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
