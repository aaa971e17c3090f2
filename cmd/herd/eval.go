package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/herd-llm/herd/evals"
	"github.com/herd-llm/herd/internal/cli"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/internal/textgen"
)

// cmdEval is `herd eval SUB`: it runs the subcommand niah or ppl; alone it
// prints its help (with the flags both share) or a usage error.
func cmdEval(args []string, stdout, stderr io.Writer) error {
	subs := cli.Table(commands["eval"].Sub)
	if len(args) > 0 {
		if c, ok := subs[args[0]]; ok {
			return c.Run(args[1:], stdout, stderr)
		}
	}
	cl := newCmdLine("eval")
	var e evalFlags
	e.define(cl.FlagSet, 0, "context length in tokens (see the subcommand)", "eval")
	pos, err := cl.Parse(args, stdout)
	if err != nil {
		return err
	}
	names := subs.Names()
	if len(pos) == 0 {
		return usagef("give a subcommand first: %s", strings.Join(names, " or "))
	}
	msg := fmt.Sprintf("unknown subcommand %q (want %s)", pos[0], strings.Join(names, " or "))
	if s := cli.Suggest(pos[0], names); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	return usagef("%s", msg)
}

// evalFlags are the flags herd eval niah and ppl share: the model group
// (modelflags.Gen: --quant, --kv-type, --threads, --ctx, --attn-temp…),
// --tokenizer, --batch, -o and -q.
type evalFlags struct {
	gen       modelflags.Gen
	tokenizer string
	batch     int
	out       string
	quiet     bool
}

// define defines the group on fs, --ctx with the given default and help
// and -o with the default prefix out.
func (e *evalFlags) define(fs *flag.FlagSet, ctxDefault int, ctxHelp, out string) {
	e.gen.Define(fs, ctxDefault, ctxHelp)
	fs.StringVar(&e.tokenizer, "tokenizer", "", "tokenizer to use instead of the model's: a model directory, tokenizer.json, tokenizer.model or .gguf file")
	fs.IntVar(&e.batch, "batch", 512, "prompt tokens per forward pass")
	fs.StringVar(&e.out, "o", out, "output prefix: writes PREFIX.csv and PREFIX.png")
	fs.BoolVar(&e.quiet, "q", false, "do not print the memory plan and progress to stderr")
}

// load checks the shared flags and loads the model (with --tokenizer's
// tokenizer when given) as an evaluation target. The caller closes the
// model.
func (e *evalFlags) load(model string, stderr io.Writer) (*modelflags.Loaded, evals.Target, error) {
	if e.batch <= 0 {
		return nil, evals.Target{}, usagef("--batch %d must be positive", e.batch)
	}
	if e.out == "" {
		return nil, evals.Target{}, usagef("-o must not be empty")
	}
	gm, err := e.gen.Load(model, false, stderr, e.quiet)
	if err != nil {
		return nil, evals.Target{}, err
	}
	if e.tokenizer != "" {
		tok, err := modelflags.LoadTokenizerOnly(e.tokenizer)
		if err != nil {
			gm.M.Close()
			return nil, evals.Target{}, fmt.Errorf("--tokenizer: %w", err)
		}
		if tok.VocabSize() > gm.M.Config.VocabSize {
			gm.M.Close()
			return nil, evals.Target{}, fmt.Errorf("--tokenizer %s has %d tokens but the model's vocabulary is %d", e.tokenizer, tok.VocabSize(), gm.M.Config.VocabSize)
		}
		gm.Tok = tok
	}
	return gm, evals.NewTarget(gm.M, gm.Tok), nil
}

// modelTitle names the model in chart titles (lower case: the chart font
// has no capitals).
func modelTitle(model string) string {
	name := modelflags.Name(model)
	if modelflags.IsGGUF(model) {
		name = strings.TrimSuffix(name, ".gguf")
	}
	return strings.ToLower(name)
}

func cmdEvalNIAH(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("eval niah")
	var e evalFlags
	e.define(cl.FlagSet, 0, "the context to plan for: a length (with its answer) beyond it is an error; 0 = the model's max_position_embeddings", "niah")
	lengths := cl.String("lengths", "512,1k,2k", "prompt lengths in tokens, BOS and question included (1k = 1024)")
	depths := cl.String("depths", "0,0.25,0.5,0.75,1", "needle depths: fractions of the haystack in [0, 1] (0 = first, 1 = last)")
	form := cl.String("form", string(evals.FormNeedle), "prompt form: needle (a secret key in filler text), kv (key-value retrieval), words (one-word keys and values: plain induction) or ids (random token ids; no tokenizer needed)")
	trials := cl.Int("trials", 1, "prompts per length and depth (different haystacks and keys)")
	seed := cl.Uint64("seed", 1, "seed of the haystacks and keys")
	haystack := cl.String("haystack", "", "text file whose lines make the needle form's haystack (default: random sentences)")
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	o := evals.NIAHOptions{Trials: *trials, Seed: *seed, Batch: e.batch}
	var err error
	if o.Lengths, err = evals.ParseLengths(*lengths); err != nil {
		return usagef("--lengths: %v", err)
	}
	if o.Depths, err = evals.ParseDepths(*depths); err != nil {
		return usagef("--depths: %v", err)
	}
	if o.Form, err = evals.ParseForm(*form); err != nil {
		return usagef("--form: %v", err)
	}
	if *trials < 1 {
		return usagef("--trials %d must be at least 1", *trials)
	}
	if *haystack != "" {
		if o.Form != evals.FormNeedle {
			return usagef("--haystack is for --form needle (form %s makes its own haystack)", o.Form)
		}
		if o.Filler, err = evals.FillerLines(*haystack); err != nil {
			return err
		}
	}
	gm, target, err := e.load(cl.Model, stderr)
	if err != nil {
		return err
	}
	defer gm.M.Close()
	o.KVType = gm.KV
	if target.Tok == nil && o.Form != evals.FormIDs {
		return fmt.Errorf("form %s needs a tokenizer and model %s has none: give --tokenizer, or use --form ids", o.Form, modelflags.Name(cl.Model))
	}
	ctx, err := o.Check(target)
	if err != nil {
		return err
	}
	if e.gen.Ctx > 0 && ctx > e.gen.Ctx {
		return fmt.Errorf("the longest length needs a %d-token context with its answer, beyond --ctx %d", ctx, e.gen.Ctx)
	}
	if err := textgen.CheckPlan(gm.M, ctx, e.batch, gm.KV, stderr, e.quiet); err != nil {
		return err
	}
	progress := func(t evals.Trial) {
		if !e.quiet {
			mark := "miss"
			if t.Correct {
				mark = "ok"
			}
			fmt.Fprintf(stderr, "length %d depth %g trial %d: %s (expected %s, got %q)\n", t.Length, t.Depth, t.Trial, mark, t.Expected, t.Output)
		}
	}
	res, err := evals.RunNIAH(target, o, progress)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("niah %s: %s, accuracy", o.Form, modelTitle(cl.Model))
	return evals.NIAHFiles(res, title).Write(e.out, stdout, stderr)
}

func cmdEvalPPL(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("eval ppl")
	var e evalFlags
	e.define(cl.FlagSet, 1024, "window length in tokens, BOS included (the default is capped by the model's max_position_embeddings)", "ppl")
	data := cl.String("data", "", "text file to measure the loss on")
	windows := cl.Int("windows", 16, "most windows to run; 0 = as many as the data fills")
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	if *windows < 0 {
		return usagef("--windows %d must be ≥ 0", *windows)
	}
	if e.gen.Ctx < 2 {
		return usagef("--ctx %d must be at least 2", e.gen.Ctx)
	}
	text, err := os.ReadFile(*data)
	if err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	if len(text) == 0 {
		return fmt.Errorf("--data %s is empty", *data)
	}
	gm, target, err := e.load(cl.Model, stderr)
	if err != nil {
		return err
	}
	defer gm.M.Close()
	if target.Tok == nil {
		return fmt.Errorf("model %s has no tokenizer to read --data with: give --tokenizer", modelflags.Name(cl.Model))
	}
	ctx, err := modelflags.CtxLimit(e.gen.Ctx, cl.Given("ctx"), gm.M.Config.MaxPositions)
	if err != nil {
		return err
	}
	ids := target.Tok.Encode(string(text), false)
	if len(ids) == 0 {
		return fmt.Errorf("--data %s has no tokens", *data)
	}
	if err := textgen.CheckPlan(gm.M, ctx, e.batch, gm.KV, stderr, e.quiet); err != nil {
		return err
	}
	n := evals.WindowsIn(target, len(ids), ctx)
	if *windows > 0 {
		n = min(n, *windows)
	}
	if !e.quiet && n > 0 {
		fmt.Fprintf(stderr, "%s: %d tokens; %d windows of %d tokens\n", *data, len(ids), n, ctx)
	}
	res, err := evals.PerPositionNLL(target, ids, evals.PPLOptions{Ctx: ctx, Windows: *windows, Batch: e.batch, KVType: gm.KV})
	if err != nil {
		return fmt.Errorf("--data %s: %w", *data, err)
	}
	title := fmt.Sprintf("loss by position: %s, %d windows", modelTitle(cl.Model), res.Windows)
	return evals.PPLFiles(res, title).Write(e.out, stdout, stderr)
}
