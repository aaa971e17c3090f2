package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/herd-llm/herd/evals"
)

// cmdEval is `herd eval SUB`: it runs the subcommand niah or ppl; alone it
// prints its help (with the flags both share) or a usage error.
func cmdEval(args []string, stdout, stderr io.Writer) error {
	subs := commands["eval"].sub
	if len(args) > 0 {
		if c, ok := subs[args[0]]; ok {
			return c.run(args[1:], stdout, stderr)
		}
	}
	cl := newCmdLine("eval")
	var e evalFlags
	e.define(cl.FlagSet, 0, "context length in tokens (see the subcommand)", "eval")
	pos, err := cl.parse(args, stdout)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(subs))
	for n := range subs {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(pos) == 0 {
		return usagef("give a subcommand first: %s", strings.Join(names, " or "))
	}
	msg := fmt.Sprintf("unknown subcommand %q (want %s)", pos[0], strings.Join(names, " or "))
	if s := suggest(pos[0], names); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	return usageError{msg}
}

// evalFlags are the flags herd eval niah and ppl share: the model group
// (genFlags: --quant, --kv-type, --threads, --ctx, --attn-temp…),
// --tokenizer, --batch, -o and -q.
type evalFlags struct {
	gen       genFlags
	tokenizer string
	batch     int
	out       string
	quiet     bool
}

// define defines the group on fs, --ctx with the given default and help
// and -o with the default prefix out.
func (e *evalFlags) define(fs *flag.FlagSet, ctxDefault int, ctxHelp, out string) {
	e.gen.define(fs, ctxDefault, ctxHelp)
	fs.StringVar(&e.tokenizer, "tokenizer", "", "tokenizer to use instead of the model's: a model directory, tokenizer.json, tokenizer.model or .gguf file")
	fs.IntVar(&e.batch, "batch", 512, "prompt tokens per forward pass")
	fs.StringVar(&e.out, "o", out, "output prefix: writes PREFIX.csv and PREFIX.png")
	fs.BoolVar(&e.quiet, "q", false, "do not print the memory plan and progress to stderr")
}

// load checks the shared flags and loads the model (with --tokenizer's
// tokenizer when given) as an evaluation target. The caller closes the
// model.
func (e *evalFlags) load(model string, stderr io.Writer) (*genModel, evals.Target, error) {
	if e.batch <= 0 {
		return nil, evals.Target{}, usagef("--batch %d must be positive", e.batch)
	}
	if e.out == "" {
		return nil, evals.Target{}, usagef("-o must not be empty")
	}
	gm, err := e.gen.load(model, false, stderr, e.quiet)
	if err != nil {
		return nil, evals.Target{}, err
	}
	if e.tokenizer != "" {
		tok, err := loadTokenizerOnly(e.tokenizer)
		if err != nil {
			gm.m.Close()
			return nil, evals.Target{}, fmt.Errorf("--tokenizer: %w", err)
		}
		if tok.VocabSize() > gm.m.Config.VocabSize {
			gm.m.Close()
			return nil, evals.Target{}, fmt.Errorf("--tokenizer %s has %d tokens but the model's vocabulary is %d", e.tokenizer, tok.VocabSize(), gm.m.Config.VocabSize)
		}
		gm.tok = tok
	}
	return gm, evals.NewTarget(gm.m, gm.tok), nil
}

// modelTitle names the model in chart titles (lower case: the chart font
// has no capitals).
func modelTitle(model string) string {
	name := modelName(model)
	if isGGUF(model) {
		name = strings.TrimSuffix(name, ".gguf")
	}
	return strings.ToLower(name)
}
