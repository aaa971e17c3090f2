package main

import (
	"fmt"
	"io"
	"os"

	"github.com/herd-llm/herd/evals"
)

func cmdEvalPPL(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("eval ppl")
	var e evalFlags
	e.define(cl.FlagSet, 1024, "window length in tokens, BOS included (the default is capped by the model's max_position_embeddings)", "ppl")
	data := cl.String("data", "", "text file to measure the loss on")
	windows := cl.Int("windows", 16, "most windows to run; 0 = as many as the data fills")
	if _, err := cl.parse(args, stdout); err != nil {
		return err
	}
	if *windows < 0 {
		return usagef("--windows %d must be ≥ 0", *windows)
	}
	if e.gen.ctx < 2 {
		return usagef("--ctx %d must be at least 2", e.gen.ctx)
	}
	text, err := os.ReadFile(*data)
	if err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	if len(text) == 0 {
		return fmt.Errorf("--data %s is empty", *data)
	}
	gm, target, err := e.load(cl.model, stderr)
	if err != nil {
		return err
	}
	defer gm.m.Close()
	if target.Tok == nil {
		return fmt.Errorf("model %s has no tokenizer to read --data with: give --tokenizer", modelName(cl.model))
	}
	ctx, err := ctxLimit(e.gen.ctx, cl.given("ctx"), gm.m.Config.MaxPositions)
	if err != nil {
		return err
	}
	ids := target.Tok.Encode(string(text), false)
	if len(ids) == 0 {
		return fmt.Errorf("--data %s has no tokens", *data)
	}
	if err := checkPlan(gm.m, ctx, e.batch, gm.kv, stderr, e.quiet); err != nil {
		return err
	}
	n := evals.WindowsIn(target, len(ids), ctx)
	if *windows > 0 {
		n = min(n, *windows)
	}
	if !e.quiet && n > 0 {
		fmt.Fprintf(stderr, "%s: %d tokens; %d windows of %d tokens\n", *data, len(ids), n, ctx)
	}
	res, err := evals.PerPositionNLL(target, ids, evals.PPLOptions{Ctx: ctx, Windows: *windows, Batch: e.batch, KVType: gm.kv})
	if err != nil {
		return fmt.Errorf("--data %s: %w", *data, err)
	}
	title := fmt.Sprintf("loss by position: %s, %d windows", modelTitle(cl.model), res.Windows)
	return evals.PPLFiles(res, title).Write(e.out, stdout, stderr)
}
