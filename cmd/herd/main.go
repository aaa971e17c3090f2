// Command herd runs, inspects and serves Llama 4 models.
//
// Usage: herd <command> [flags]. Run `herd help` for the list of commands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/herd-llm/herd/internal/cli"
	"github.com/herd-llm/herd/internal/version"
)

func main() {
	os.Exit(mainErr(os.Args[1:], os.Stdout, os.Stderr))
}

// mainErr runs the command line args and returns the exit status: 0, 1 for
// a failure, 2 for a usage error.
func mainErr(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return 0
	case "-version", "--version":
		fmt.Fprintln(stdout, "herd", version.Version())
		return 0
	case "help":
		return helpCmd(args[1:], stdout, stderr)
	}
	c, ok := commands[args[0]]
	if !ok {
		return unknownCommand(args[0], stderr)
	}
	err := c.Run(args[1:], stdout, stderr)
	name := args[0]
	if _, ok := c.Sub[argAt(args, 1)]; ok {
		name += " " + args[1] // herd eval niah
	}
	var status exitStatus
	switch {
	case errors.As(err, &status):
		return int(status)
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case cli.IsUsage(err):
		fmt.Fprintf(stderr, "herd %s: %v\nRun 'herd %s -h' for usage.\n", name, err, name)
		return 2
	}
	fmt.Fprintf(stderr, "herd %s: %v\n", name, err)
	return 1
}

// helpCmd is `herd help [CMD]`: the command list, or one command's help.
func helpCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		return unknownCommand(args[0], stderr)
	}
	if _, ok := c.Sub[argAt(args, 1)]; ok {
		c.Run([]string{args[1], "-h"}, stdout, stderr) // herd help eval niah
		return 0
	}
	c.Run([]string{"-h"}, stdout, stderr)
	return 0
}

// argAt is args[i], or "" past the end.
func argAt(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

// unknownCommand reports a command that does not exist, suggesting the
// nearest one, and returns exit status 2.
func unknownCommand(name string, stderr io.Writer) int {
	fmt.Fprintf(stderr, "herd: unknown command %q\n", name)
	if s := cli.Suggest(name, commands.Names()); s != "" {
		fmt.Fprintf(stderr, "Did you mean %s?\n", s)
	}
	fmt.Fprintln(stderr, "Run 'herd help' for the list of commands.")
	return 2
}

func cmdVersion(args []string, stdout, stderr io.Writer) error {
	if _, err := newCmdLine("version").Parse(args, stdout); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "herd", version.Version())
	return nil
}

// usagef formats a usage error (exit status 2).
func usagef(format string, a ...any) error { return cli.Usagef(format, a...) }
