package main

import (
	"fmt"
	"io"
	"os"

	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
)

// cmdGrad computes the loss and every parameter's gradient for one batch —
// the llm.c-style check against a PyTorch reference — and optionally the
// parameters after one AdamW step from zero optimizer state.
func cmdGrad(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("grad")
	batchFile := cl.String("batch", "", `batch JSON: {"input_ids": [[…]], "targets": [[…]]}, both [B][T]; target -100 is ignored`)
	out := cl.String("o", "", "write the gradient of the mean loss w.r.t. every parameter here (float32 safetensors, Hugging Face names)")
	adamOut := cl.String("adamw-out", "", "also write the parameters after one AdamW step from zero state here (float32 safetensors)")
	lr := cl.Float64("lr", 1e-3, "AdamW learning rate")
	beta1 := cl.Float64("beta1", 0.9, "AdamW β1")
	beta2 := cl.Float64("beta2", 0.95, "AdamW β2")
	eps := cl.Float64("eps", 1e-8, "AdamW ε")
	wd := cl.Float64("wd", 0.1, "decoupled weight decay on every parameter of ≥ 2 dimensions (none on 1-D norm weights)")
	clip := cl.Float64("clip", 0, "clip the global gradient norm to this before the AdamW step (the written gradients are unclipped); 0 = off")
	quiet := cl.Bool("q", false, "do not print the memory plan to stderr")
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	model := cl.Model
	if !(*lr > 0) || !(*beta1 >= 0 && *beta1 < 1) || !(*beta2 >= 0 && *beta2 < 1) || !(*eps > 0) || *wd < 0 || *clip < 0 {
		return usagef("need --lr > 0, betas in [0, 1), --eps > 0, --wd ≥ 0 and --clip ≥ 0")
	}
	f, err := os.Open(*batchFile)
	if err != nil {
		return err
	}
	b, err := dataset.ReadBatchJSON(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *batchFile, err)
	}
	if st, err := os.Stat(model); err != nil || !st.IsDir() {
		return fmt.Errorf("model %s: not a Hugging Face model directory", model)
	}
	p, err := train.LoadHF(model)
	if err != nil {
		return err
	}
	ws, err := train.NewWorkspace[float32](p.Config, b.B, b.T)
	if err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(stderr, "model: %d parameters; %s\n", p.NumParams(), ws.Plan())
	}
	g := p.ZerosLike()
	loss, valid, err := train.LossAndGrad(ws, p, g, b)
	if err != nil {
		return err
	}
	norm := train.ClipGradNorm(g, 0)
	fmt.Fprintf(stdout, "loss %.9f\nvalid_targets %d\ngrad_norm %.9g\n", loss, valid, norm)
	if *out != "" {
		if err := g.WriteSafetensorsFile(*out); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s: %d gradient tensors (float32)\n", *out, len(g.Tensors))
	}
	if *adamOut != "" {
		train.ClipGradNorm(g, *clip)
		opt := train.NewAdamW(p, train.AdamWConfig{Beta1: *beta1, Beta2: *beta2, Eps: *eps, WeightDecay: *wd})
		if err := opt.Update(p, g, *lr); err != nil {
			return err
		}
		if err := p.WriteSafetensorsFile(*adamOut); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s: %d parameter tensors after one AdamW step (lr %g)\n", *adamOut, len(p.Tensors), *lr)
	}
	return nil
}
