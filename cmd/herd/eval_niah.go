package main

import (
	"fmt"
	"io"

	"github.com/herd-llm/herd/evals"
)

func cmdEvalNIAH(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("eval niah")
	var e evalFlags
	e.define(cl.FlagSet, 0, "the context to plan for: a length (with its answer) beyond it is an error; 0 = the model's max_position_embeddings", "niah")
	lengths := cl.String("lengths", "512,1k,2k", "prompt lengths in tokens, BOS and question included (1k = 1024)")
	depths := cl.String("depths", "0,0.25,0.5,0.75,1", "needle depths: fractions of the haystack in [0, 1] (0 = first, 1 = last)")
	form := cl.String("form", string(evals.FormNeedle), "prompt form: needle (a secret key in filler text), kv (key-value retrieval) or ids (random token ids; no tokenizer needed)")
	trials := cl.Int("trials", 1, "prompts per length and depth (different haystacks and keys)")
	seed := cl.Uint64("seed", 1, "seed of the haystacks and keys")
	haystack := cl.String("haystack", "", "text file whose lines make the needle form's haystack (default: random sentences)")
	if _, err := cl.parse(args, stdout); err != nil {
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
	gm, target, err := e.load(cl.model, stderr)
	if err != nil {
		return err
	}
	defer gm.m.Close()
	o.KVType = gm.kv
	if target.Tok == nil && o.Form != evals.FormIDs {
		return fmt.Errorf("form %s needs a tokenizer and model %s has none: give --tokenizer, or use --form ids", o.Form, modelName(cl.model))
	}
	ctx, err := o.Check(target)
	if err != nil {
		return err
	}
	if e.gen.ctx > 0 && ctx > e.gen.ctx {
		return fmt.Errorf("the longest length needs a %d-token context with its answer, beyond --ctx %d", ctx, e.gen.ctx)
	}
	if err := checkPlan(gm.m, ctx, e.batch, gm.kv, stderr, e.quiet); err != nil {
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
	title := fmt.Sprintf("niah %s: %s, accuracy", o.Form, modelTitle(cl.model))
	return evals.NIAHFiles(res, title).Write(e.out, stdout, stderr)
}
