package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// stdin is where herd chat, and herd run without a prompt, read from
// (replaced in tests).
var stdin io.Reader = os.Stdin

// stdinIsTerminal reports whether stdin is a terminal (replaced in tests).
var stdinIsTerminal = func() bool {
	st, err := os.Stdin.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// promptFromStdin reads herd run's prompt from a piped stdin, without the
// final line break, as the one positional argument.
func promptFromStdin() ([]string, error) {
	b, err := io.ReadAll(stdin)
	if err != nil {
		return nil, fmt.Errorf("reading the prompt from stdin: %w", err)
	}
	p := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if p == "" {
		return nil, usagef("give a prompt: a text argument, --ids \"1 2 3\", or text on stdin")
	}
	return []string{p}, nil
}
