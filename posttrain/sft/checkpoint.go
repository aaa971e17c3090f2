package sft

import (
	"fmt"
	"strconv"

	"github.com/herd-llm/herd/train"
)

// CheckpointFile is the resumable state inside an output directory, beside
// the Hugging Face export of the same step.
const CheckpointFile = "sft-checkpoint.safetensors"

// state is the checkpoint's kind: file, format and name in errors.
var state = train.StateFile{Name: CheckpointFile, Format: "herd-sft-checkpoint-v1", What: "a herd fine-tuning checkpoint"}

// HasCheckpoint reports whether dir holds a fine-tuning checkpoint.
func HasCheckpoint(dir string) bool { return state.Has(dir) }

// SaveCheckpoint writes the run's state (parameters, AdamW moments, step,
// tokens, options, config and the rows' fingerprint; float32 bit-exact) to
// dir/CheckpointFile, then the parameters as a Hugging Face model
// (config.json, model.safetensors in Opt.ExportDType). Each file is
// written atomically (checkpoint.WriteFileAtomic), so a kill leaves the
// previous or the new state, never a torn one.
func (tr *Trainer) SaveCheckpoint(dir string) error {
	meta := map[string]string{"step": strconv.Itoa(tr.Optim.Step), "tokens": strconv.FormatInt(tr.Tokens, 10), "data": Fingerprint(tr.Rows)}
	if err := state.Save(dir, &tr.Optimized, tr.Opt, meta, nil); err != nil {
		return fmt.Errorf("sft: %w", err)
	}
	return tr.Params.SaveHFAs(dir, tr.Opt.ExportDType)
}

// Resume restores the run saved in dir. rows must be the saved run's (the
// same data, pruning and packing: checked by fingerprint). steps > 0
// replaces the run length.
func Resume(dir string, rows []Row, steps int) (*Trainer, error) {
	path := state.Path(dir)
	var opt Options
	f, cfg, err := state.Open(path, &opt)
	if err != nil {
		return nil, fmt.Errorf("sft: %w", err)
	}
	defer f.Close()
	meta := f.Header.Metadata
	if fp := Fingerprint(rows); meta["data"] != fp {
		return nil, fmt.Errorf("sft: %s was trained on other rows (fingerprint %s, these %s): give the same data, --prune-easy, --seq and packing", path, meta["data"], fp)
	}
	if steps > 0 {
		opt.Steps = steps
	}
	step, err1 := strconv.Atoi(meta["step"])
	tokens, err2 := strconv.ParseInt(meta["tokens"], 10, 64)
	if err1 != nil || err2 != nil || step < 0 {
		return nil, fmt.Errorf("sft: %s: bad step %q or tokens %q", path, meta["step"], meta["tokens"])
	}
	p, err := train.NewParams[float32](cfg)
	if err != nil {
		return nil, err
	}
	tr, err := NewTrainer(p, rows, opt)
	if err != nil {
		return nil, err
	}
	if err := train.ReadState(f, path, tr.StateSets()); err != nil {
		return nil, fmt.Errorf("sft: %w", err)
	}
	tr.Optim.Step, tr.Tokens = step, tokens
	return tr, nil
}
