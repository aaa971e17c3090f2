package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/herd-llm/herd/chat"
	"github.com/herd-llm/herd/guard"
	"github.com/herd-llm/herd/guard/llamaguard"
	"github.com/herd-llm/herd/guard/promptguard"
	"github.com/herd-llm/herd/internal/imageprompt"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/tensor"
)

// exitUnsafe is herd guard's exit status for an unsafe verdict (0 is safe,
// 1 an error, 2 a usage error).
const exitUnsafe = 3

// exitStatus is an error that only sets the exit status: mainErr prints
// nothing for it.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// definePolicy defines the flags of a guard's policy on fs, each named
// with prefix; herd guard and herd serve --guard share them.
func definePolicy(fs *flag.FlagSet, p *llamaguard.Policy, prefix string) {
	fs.StringVar(&p.Categories, prefix+"categories", "", "check only these categories (comma-separated codes, e.g. S1,S9,S10; default: all of S1–S14)")
	fs.StringVar(&p.Exclude, prefix+"exclude", "", "categories to leave out of the policy (comma-separated codes)")
	fs.Float64Var(&p.Threshold, prefix+"threshold", 0, "flag a message when P(unsafe) at the first step is at least this (0: the guard's written answer decides)")
	fs.BoolVar(&p.Unconstrained, prefix+"unconstrained", false, "let the guard write freely (plain greedy decoding) instead of constraining it to 'safe' or 'unsafe' and codes")
}

// guardVision says whether a guard loads its vision tower.
type guardVision int

const (
	visionNone     guardVision = iota // text only
	visionOptional                    // when the model has one
	visionNeeded                      // or fail
)

// openGuard loads the guard model at path (quantized per quant), refusing
// one that is not a Llama Guard, and plans its memory for parallel slots
// of ctx tokens (capped by the model's max_position_embeddings unless
// ctxGiven), with its vision tower as vision says;
// it checks the plan fits (hint: the flags to lower) but allocates nothing.
func openGuard(path, quant string, kv tensor.DType, ctx int, ctxGiven bool, parallel int, o guard.Options, vision guardVision, hint string, stderr io.Writer, quiet bool) (*llamaguard.Model, error) {
	gm, err := llamaguard.Load(path)
	if err != nil {
		return nil, err
	}
	if err := modelflags.Quantize(gm.M, quant, stderr, quiet); err != nil {
		gm.Stop()
		return nil, err
	}
	if ctx, err = modelflags.CtxLimit(ctx, ctxGiven, gm.M.Config.MaxPositions); err != nil {
		gm.Stop()
		return nil, fmt.Errorf("guard model %s: %w", path, err)
	}
	gm.Plan(ctx, parallel, kv, o)
	if vision != visionNone {
		vis, err := modelflags.ServeVision(path, gm.M, gm.Tok, quant, stderr)
		if err == nil && vis == nil && vision == visionNeeded {
			err = fmt.Errorf("guard model %s has no vision tower (a Hugging Face directory with a vision_config is needed to check images)", path)
		} else if err != nil {
			err = fmt.Errorf("guard model %s: %w", path, err)
		}
		if err == nil && vis != nil {
			err = gm.AttachVision(vis)
		}
		if err != nil {
			gm.Stop()
			return nil, err
		}
	}
	return gm, gm.Fit(hint)
}

func cmdGuard(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("guard")
	var g modelflags.Gen
	g.Define(cl.FlagSet, 8192, "context length in tokens; longer messages are checked in overlapping windows")
	var p llamaguard.Policy
	definePolicy(cl.FlagSet, &p, "")
	role := cl.String("role", "", "check the last message of this role: user or agent (default: the conversation's last message; user for TEXT)")
	file := cl.String("file", "", "check the text of this file (- for stdin)")
	chatArg := cl.String("chat", "", "check a conversation: a JSON array of {\"role\": \"user\"|\"assistant\", \"content\": …} messages, inline or @FILE")
	jsonOut := cl.Bool("json", false, "print the verdict as JSON")
	var images modelflags.Images
	cl.Var(&images, "image", "an image `FILE` shown with TEXT (repeatable; as in the reference, the guard sees the message's first image); needs a guard directory with its vision tower")
	pos, err := cl.Parse(args, stdout)
	if err != nil {
		return err
	}
	conv, err := llamaguard.Input(pos, *file, *chatArg, *role, os.Stdin)
	if err != nil {
		return err
	}
	if *role != "" && *role != guard.RoleUser && *role != guard.RoleAgent {
		return usagef("--role %q: want user or agent", *role)
	}
	o, err := p.Options("")
	if err != nil {
		return err
	}
	if promptguard.IsPromptGuard(cl.Model) {
		return promptGuardCheck(cl.Model, conv, *role, p.Threshold, *jsonOut, stdout)
	}
	kv, err := modelflags.ParseKVType(g.KVType)
	if err != nil {
		return err
	}
	if g.Ctx <= 0 {
		return usagef("--ctx must be positive")
	}
	var data [][]byte
	if len(images) > 0 {
		if len(pos) == 0 {
			return usagef("--image goes with TEXT")
		}
		for _, f := range images {
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("--image: %w", err)
			}
			data = append(data, b)
		}
		conv[0].Parts, conv[0].Content = imageprompt.Parts(len(images), conv[0].Content), ""
	}
	gm, err := openGuard(cl.Model, g.Quant, kv, g.Ctx, cl.Given("ctx"), 1, o, guardVisionFor(len(images) > 0), "lower --ctx", stderr, true)
	if err != nil {
		return err
	}
	if err := gm.Start(); err != nil {
		gm.Stop()
		return err
	}
	defer gm.Stop()
	v, err := gm.ClassifyImages(context.Background(), conv, *role, data)
	if err != nil {
		return err
	}
	if *jsonOut {
		names := make([]string, len(v.Categories))
		for i, c := range v.Categories {
			names[i], _ = guard.CategoryName(c)
		}
		b, _ := json.Marshal(map[string]any{"unsafe": v.Unsafe, "categories": nonNil(v.Categories), "category_names": names, "score": v.Score, "output": v.Output})
		fmt.Fprintln(stdout, string(b))
	} else {
		fmt.Fprintln(stdout, llamaguard.VerdictLine(v))
	}
	if v.Unsafe {
		return exitStatus(exitUnsafe)
	}
	return nil
}

// promptGuardCheck is herd guard with a Prompt Guard model: the last
// message (of role) is scored for jailbreaks and prompt injections, flagged
// at P(MALICIOUS) ≥ threshold (0: 0.5).
func promptGuardCheck(dir string, conv []chat.Message, role string, threshold float64, jsonOut bool, stdout io.Writer) error {
	c, err := promptguard.LoadClassifier(dir)
	if err != nil {
		return err
	}
	v, err := (&promptguard.Guard{C: c, Threshold: threshold}).Classify(context.Background(), conv, role)
	if err != nil {
		return err
	}
	label := "benign"
	if v.Unsafe {
		label = "malicious"
	}
	if jsonOut {
		b, _ := json.Marshal(map[string]any{"unsafe": v.Unsafe, "label": label, "score": v.Score, "output": v.Output})
		fmt.Fprintln(stdout, string(b))
	} else {
		fmt.Fprintf(stdout, "%s (P(malicious) %.4f)\n", label, v.Score)
	}
	if v.Unsafe {
		return exitStatus(exitUnsafe)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// guardVisionFor is herd guard's need of the vision tower: only for images.
func guardVisionFor(images bool) guardVision {
	if images {
		return visionNeeded
	}
	return visionNone
}
