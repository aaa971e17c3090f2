package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/guard/llamaguard"
	"github.com/herd-llm/herd/guard/promptguard"
	"github.com/herd-llm/herd/internal/cli"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/server"
	"github.com/herd-llm/herd/tensor"
)

// serveGuardFlags are herd serve's safeguard flags.
type serveGuardFlags struct {
	model, quant string
	promptModel  string
	promptThresh float64
	ctx          int
	parallel     int
	window       int
	refusal      string
	policy       llamaguard.Policy
}

func (f *serveGuardFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.model, "guard", "", "screen requests and answers with this Llama Guard 4 model and serve /v1/moderations")
	fs.StringVar(&f.quant, "guard-quant", "", "quantize the guard model (default: the same as --quant)")
	fs.IntVar(&f.ctx, "guard-ctx", 8192, "the guard's context length in tokens; longer messages are checked in windows")
	fs.IntVar(&f.parallel, "guard-parallel", 2, "checks the guard runs together")
	fs.IntVar(&f.window, "guard-window", 512, "characters of a streamed answer per guard check")
	fs.StringVar(&f.refusal, "guard-refusal", server.DefaultRefusal, "the answer to a request or answer the guard flags")
	definePolicy(fs, &f.policy, "guard-")
	fs.StringVar(&f.promptModel, "prompt-guard", "", "screen each request's last user message for jailbreaks and prompt injections with this Prompt Guard 2 model (a Hugging Face DeBERTa directory)")
	fs.Float64Var(&f.promptThresh, "prompt-guard-threshold", 0.5, "refuse a request when Prompt Guard's P(MALICIOUS) is at least this")
}

// openPrompt loads the Prompt Guard model (nil without --prompt-guard);
// start puts its passes on the server's scheduler.
func (f *serveGuardFlags) openPrompt(fs *flag.FlagSet) (*promptguard.Guard, error) {
	if f.promptModel == "" {
		if cli.Given(fs, "prompt-guard-threshold") {
			return nil, usagef("--prompt-guard-threshold needs --prompt-guard")
		}
		return nil, nil
	}
	if f.promptThresh <= 0 || f.promptThresh > 1 {
		return nil, usagef("--prompt-guard-threshold %g must be in (0, 1]", f.promptThresh)
	}
	path, err := modelflags.Resolve(f.promptModel)
	if err != nil {
		return nil, fmt.Errorf("--prompt-guard: %w", err)
	}
	c, err := promptguard.LoadClassifier(path)
	if err != nil {
		return nil, fmt.Errorf("--prompt-guard: %w", err)
	}
	return &promptguard.Guard{C: c, Threshold: f.promptThresh}, nil
}

// open loads and plans the guard model (nil without --guard); the caller
// fits its plan beside the main model's, then calls start.
func (f *serveGuardFlags) open(fs *flag.FlagSet, quant string, kv tensor.DType, stderr io.Writer) (*llamaguard.Model, error) {
	if f.model == "" {
		for _, name := range []string{"guard-quant", "guard-ctx", "guard-parallel", "guard-window", "guard-categories", "guard-exclude", "guard-threshold", "guard-unconstrained"} {
			if cli.Given(fs, name) {
				return nil, usagef("--%s needs --guard", name)
			}
		}
		return nil, nil
	}
	if f.ctx <= 0 || f.parallel <= 0 || f.window <= 0 {
		return nil, usagef("--guard-ctx, --guard-parallel and --guard-window must be positive")
	}
	o, err := f.policy.Options("guard-")
	if err != nil {
		return nil, err
	}
	if !cli.Given(fs, "guard-quant") {
		f.quant = quant
	}
	path, err := modelflags.Resolve(f.model)
	if err != nil {
		return nil, fmt.Errorf("--guard: %w", err)
	}
	f.model = path
	return openGuard(path, f.quant, kv, f.ctx, cli.Given(fs, "guard-ctx"), f.parallel, o, visionOptional, "lower --guard-ctx or --guard-parallel", stderr, false)
}

// scheduler makes the scheduler whose turns the main model's engine, the
// guard's (gm) and Prompt Guard's passes (--prompt-guard) share, so that
// one step of one model runs at a time (nil with neither guard: the main
// engine runs alone).
func (f *serveGuardFlags) scheduler(gm *llamaguard.Model) *engine.Scheduler {
	if gm == nil && f.promptModel == "" {
		return nil
	}
	return engine.NewScheduler(0)
}

// start runs the guard's engine on sched (the main engine's; see
// scheduler), puts Prompt Guard's passes (pg) on it as an urgent task, and
// returns the server's options for both (nil with neither).
func (f *serveGuardFlags) start(gm *llamaguard.Model, pg *promptguard.Guard, sched *engine.Scheduler) (*server.GuardOptions, error) {
	if gm == nil && pg == nil {
		return nil, nil
	}
	o := &server.GuardOptions{Window: f.window, Refusal: f.refusal, Scheduler: sched}
	if pg != nil {
		if sched != nil {
			t, err := sched.Task(promptguard.TaskName, true)
			if err != nil {
				return nil, fmt.Errorf("--prompt-guard: %w", err)
			}
			pg.C.Turns = t
		}
		o.Prompt = pg
	}
	if gm != nil {
		if err := gm.StartShared(sched); err != nil {
			return nil, fmt.Errorf("--guard: %w", err)
		}
		o.Classifier, o.Model = gm, filepath.Base(filepath.Clean(f.model))
	}
	return o, nil
}
