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
	"sort"
)

// command is one subcommand: a one-line summary and its entry point.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{
	"run":      {"generate tokens from a prompt", cmdRun},
	"logits":   {"write the logits of every position as a .npy file", cmdLogits},
	"inspect":  {"describe a model: layer layout, parameters, memory", cmdInspect},
	"bench":    {"measure prompt and decode tokens/s and memory-bandwidth efficiency", cmdBench},
	"tokenize": {"print the token ids of a text (or --decode ids)", cmdTokenize},
	"serve":    {"OpenAI-compatible HTTP server with continuous batching and a chat page", cmdServe},
	"chat":     {"interactive chat in the terminal", cmdChat},
	"grad":     {"loss and every parameter's gradient for one batch (and one AdamW step) as safetensors", cmdGrad},
	"train":    {"train a Llama 4 text model on a text file into a Hugging Face directory", cmdTrain},
	"pull":     {"download a Hugging Face model (REPO or REPO:FILE) into the local cache", cmdPull},
	"convert":  {"write a model as a GGUF file that llama.cpp runs (f32, f16, bf16, q8_0, q4_0, q4_k, q4_k_m, q6_k)", cmdConvert},
}

func main() {
	os.Exit(mainErr(os.Args[1:], os.Stdout, os.Stderr))
}

func mainErr(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "herd: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := c.run(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "herd %s: %v\n", args[0], err)
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "herd: Llama 4 inference in one Go binary\n\nUsage: herd <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun `herd <command> -h` for a command's flags.")
}

// usageError marks errors in how the command was called (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }
