package sft

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/train"
)

// CheckpointFile is the resumable state inside an output directory, beside
// the Hugging Face export of the same step.
const CheckpointFile = "sft-checkpoint.safetensors"

const checkpointFormat = "herd-sft-checkpoint-v1"

// Tensor-name prefixes of the checkpoint (as package train's).
var ckPrefixes = [3]string{"param.", "exp_avg.", "exp_avg_sq."}

// HasCheckpoint reports whether dir holds a fine-tuning checkpoint.
func HasCheckpoint(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, CheckpointFile))
	return err == nil
}

// SaveCheckpoint writes the run's state (parameters, AdamW moments, step,
// tokens, options, config and the rows' fingerprint; float32 bit-exact) to
// dir/CheckpointFile, then the parameters as a Hugging Face model
// (config.json, model.safetensors in Opt.ExportDType). Each file is
// written atomically (checkpoint.WriteFileAtomic), so a kill leaves the
// previous or the new state, never a torn one.
func (tr *Trainer) SaveCheckpoint(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sft: %w", err)
	}
	opt, err := json.Marshal(tr.Opt)
	if err != nil {
		return fmt.Errorf("sft: %w", err)
	}
	cj, err := train.ConfigJSON(tr.Params.Config)
	if err != nil {
		return err
	}
	meta := map[string]string{
		"format":  checkpointFormat,
		"step":    strconv.Itoa(tr.Optim.Step),
		"tokens":  strconv.FormatInt(tr.Tokens, 10),
		"options": string(opt),
		"config":  string(cj),
		"data":    Fingerprint(tr.Rows),
	}
	var all []*train.Tensor[float32]
	for i, p := range tr.sets() {
		for _, t := range p.Tensors {
			all = append(all, &train.Tensor[float32]{Name: ckPrefixes[i] + t.Name, Shape: t.Shape, Data: t.Data})
		}
	}
	err = checkpoint.WriteFileAtomic(filepath.Join(dir, CheckpointFile), func(w io.Writer) error {
		return train.WriteTensors(w, "", all, meta)
	})
	if err != nil {
		return err
	}
	dt := tr.Opt.ExportDType
	if dt == "" {
		dt = "float32"
	}
	return tr.Params.SaveHFAs(dir, dt)
}

func (tr *Trainer) sets() [3]*train.Params[float32] {
	return [3]*train.Params[float32]{tr.Params, tr.Optim.M, tr.Optim.V}
}

// Resume restores the run saved in dir. rows must be the saved run's (the
// same data, pruning and packing: checked by fingerprint). steps > 0
// replaces the run length.
func Resume(dir string, rows []Row, steps int) (*Trainer, error) {
	path := filepath.Join(dir, CheckpointFile)
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sft: %w", err)
	}
	defer f.Close()
	meta := f.Header.Metadata
	if meta["format"] != checkpointFormat {
		return nil, fmt.Errorf("sft: %s: not a herd fine-tuning checkpoint (format %q)", path, meta["format"])
	}
	if fp := Fingerprint(rows); meta["data"] != fp {
		return nil, fmt.Errorf("sft: %s was trained on other rows (fingerprint %s, these %s): give the same data, --prune-easy, --seq and packing", path, meta["data"], fp)
	}
	cfg, err := checkpoint.ParseConfig([]byte(meta["config"]))
	if err != nil {
		return nil, fmt.Errorf("sft: %s: config: %w", path, err)
	}
	var opt Options
	if err := json.Unmarshal([]byte(meta["options"]), &opt); err != nil {
		return nil, fmt.Errorf("sft: %s: options: %w", path, err)
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
	for i, set := range tr.sets() {
		for _, t := range set.Tensors {
			st, err := f.Tensor(ckPrefixes[i] + t.Name)
			if err != nil {
				return nil, fmt.Errorf("sft: %s: %w", path, err)
			}
			if st.DType != "F32" || !slices.Equal(st.Shape, t.Shape) {
				return nil, fmt.Errorf("sft: %s: tensor %s is %s %v, want F32 %v", path, st.Name, st.DType, st.Shape, t.Shape)
			}
			v, err := st.Float32s()
			if err != nil {
				return nil, err
			}
			copy(t.Data, v)
		}
	}
	tr.Optim.Step, tr.Tokens = step, tokens
	return tr, nil
}
