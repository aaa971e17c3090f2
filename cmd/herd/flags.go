package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/internal/cli"
	"github.com/herd-llm/herd/internal/modelflags"
)

// newCmdLine starts the flags of the command name (a key of commands, or a
// subcommand as "eval niah"), defining -m when the command takes a model.
func newCmdLine(name string) *cli.Line {
	c, _ := commands.Lookup(name)
	cl := cli.NewLine("herd", name, c)
	if c.ModelHelp != "" {
		modelflags.ModelVar(cl.FlagSet, &cl.Model, c.ModelHelp)
	}
	return cl
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
