package main

import (
	"encoding/json"
	"io"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/embedded"
	"github.com/herd-llm/herd/internal/describe"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
)

func cmdInspect(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("inspect")
	ctx := cl.Int("ctx", 0, "plan memory for this many tokens (0: min(max_position_embeddings, 131072))")
	kvType := cl.String("kv-type", modelflags.DefaultKVType, modelflags.KVTypeHelp)
	batch := cl.Int("batch", 512, "prefill batch for the scratch estimate")
	asJSON := cl.Bool("json", false, "print only the memory plan, as JSON")
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	kvdt, err := modelflags.ParseKVType(*kvType)
	if err != nil {
		return err
	}
	model := cl.Model
	if *ctx < 0 || *batch <= 0 {
		return usagef("--ctx must be ≥ 0 and --batch positive")
	}
	var cfg *llama4.Config
	var meta *checkpoint.GGUFMeta
	// Weights on disk, when the directory has a checkpoint.
	var weightBytes int64
	var weightNote string
	if model == "" {
		// The embedded default model.
		m, _, err := modelflags.Embedded()
		if err != nil {
			return err
		}
		cfg, weightBytes = m.Config, m.WeightBytes()
		weightNote = "embedded in the binary: " + embedded.Description
	} else {
		// Every header of every weight file is validated; no weights are read.
		rep, err := checkpoint.Inspect(model)
		if err != nil {
			return err
		}
		cfg, meta = rep.Config, rep.GGUF
		if rep.Format != "config" {
			weightBytes, weightNote = rep.Bytes, describe.ReportNote(rep)
		}
	}
	if weightBytes == 0 {
		es, name := int64(2), "bf16"
		if cfg.TorchDType == "float32" {
			es, name = 4, "f32"
		}
		weightBytes = cfg.Params().Total * es
		weightNote = name + ", from the config; no checkpoint here"
	}
	n := *ctx
	if n == 0 {
		n = min(cfg.MaxPositions, 131072)
	}
	in := llama4.ConfigPlanInput(cfg, n, min(*batch, n), kvdt, weightBytes)
	plan := kvcache.MakePlan(in)
	if avail, err := kvcache.Available(); err == nil {
		kvcache.Fit(in, &plan, avail) // a plan that does not fit here is still printed
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(plan)
	}
	describe.Model(stdout, modelPath(model), cfg, weightNote, plan)
	if meta != nil {
		describe.GGUF(stdout, meta)
	}
	return nil
}

// modelPath is how inspect names the model: the path, or the embedded model.
func modelPath(p string) string {
	if p == "" {
		return "(embedded) " + embedded.Name
	}
	return p
}
