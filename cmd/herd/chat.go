package main

import (
	"flag"
	"io"
	"os"

	"github.com/herd-llm/herd/internal/cli"
	"github.com/herd-llm/herd/internal/imageprompt"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/internal/repl"
	"github.com/herd-llm/herd/internal/textgen"
)

// Chat's defaults: context (capped by the model's max_position_embeddings)
// and most tokens per answer.
const (
	defaultChatCtx = 8192
	defaultChatN   = 1024
)

func cmdChat(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("chat")
	var c convFlags
	c.define(cl.FlagSet, defaultChatN, defaultChatCtx, "context length in tokens (the default is capped by the model's max_position_embeddings)")
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	return c.chat(cl.Model, cl.Given("ctx"), stdout, stderr)
}

// convFlags are the flags run and chat share: the model group, sampling,
// the system prompt and -n.
type convFlags struct {
	gen    modelflags.Gen
	samp   modelflags.Sampling
	system string
	n      int
}

// define defines the flags on fs, with -n and --ctx defaulting to n and ctx.
func (c *convFlags) define(fs *flag.FlagSet, n, ctx int, ctxHelp string) {
	c.gen.Define(fs, ctx, ctxHelp)
	c.samp.Define(fs)
	fs.StringVar(&c.system, "system", "", "system prompt (herd run: with --chat)")
	fs.IntVar(&c.n, "n", n, "most tokens to generate (per answer in a chat)")
}

// chatFromRun opens a chat with herd run's flags, with chat's defaults for
// -n and --ctx where they were not given.
func (c *convFlags) chatFromRun(cl *cli.Line, stdout, stderr io.Writer) error {
	if !cl.Given("n") {
		c.n = defaultChatN
	}
	ctxGiven := cl.Given("ctx") && c.gen.Ctx != 0
	if !ctxGiven {
		c.gen.Ctx = defaultChatCtx
	}
	return c.chat(cl.Model, ctxGiven, stdout, stderr)
}

// chat runs the chat REPL on stdin with the model -m names.
func (c *convFlags) chat(model string, ctxGiven bool, stdout, stderr io.Writer) error {
	if c.n < 0 {
		return usagef("-n %d must be ≥ 0", c.n)
	}
	sp, err := c.samp.Params()
	if err != nil {
		return err
	}
	gm, err := c.gen.Load(model, true, stderr, true)
	if err != nil {
		return err
	}
	defer gm.M.Close()
	limit, err := modelflags.CtxLimit(c.gen.Ctx, ctxGiven, gm.M.Config.MaxPositions)
	if err != nil {
		return err
	}
	if err := textgen.CheckPlan(gm.M, limit, 512, gm.KV, io.Discard, true); err != nil {
		return err
	}
	s, err := repl.New(gm.M, gm.Tok, gm.KV, limit, sp, c.n, c.system)
	if err != nil {
		return err
	}
	s.NotifyInterrupt = notifyInterrupt
	s.LoadImages = func() (*imageprompt.Input, error) {
		return modelflags.LoadImageInput(model, gm.M, gm.Tok, c.gen.Quant, io.Discard, true)
	}
	defer s.Close()
	return s.Loop(stdin, stdout, stderr)
}

// notifyInterrupt replaces, in tests, how the chat hears Ctrl-C (nil: the
// signal itself).
var notifyInterrupt func(c chan<- os.Signal) (stop func())
