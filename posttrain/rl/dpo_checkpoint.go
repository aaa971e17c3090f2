package rl

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/ckpt"
)

// The files of a DPO run's directory besides the Hugging Face export.
const (
	DPOCheckpointFile = "dpo-checkpoint.safetensors"
	DPOPairsFile      = "dpo-pairs.json" // the pairs with their reference log-probabilities
)

const dpoFormat = "herd-dpo-checkpoint-v1"

// HasDPOCheckpoint reports whether dir holds a DPO checkpoint.
func HasDPOCheckpoint(dir string) bool { return ckpt.FileExists(dir, DPOCheckpointFile) }

// SavePairs writes the pairs to dir/DPOPairsFile atomically.
func SavePairs(dir string, pairs []Pair) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("rl: %w", err)
	}
	return checkpoint.WriteFileAtomic(filepath.Join(dir, DPOPairsFile), func(w io.Writer) error {
		return json.NewEncoder(w).Encode(pairs)
	})
}

// LoadPairs reads dir/DPOPairsFile.
func LoadPairs(dir string) ([]Pair, error) {
	b, err := os.ReadFile(filepath.Join(dir, DPOPairsFile))
	if err != nil {
		return nil, fmt.Errorf("rl: %w", err)
	}
	var pairs []Pair
	if err := json.Unmarshal(b, &pairs); err != nil {
		return nil, fmt.Errorf("rl: %s: %w", DPOPairsFile, err)
	}
	return pairs, nil
}

// Save writes the trainer's state (parameters, AdamW moments, step,
// options) to dir/DPOCheckpointFile and the policy as a Hugging Face
// model, each file atomically; the pairs are saved once by SavePairs.
func (d *DPOTrainer) Save(dir string) error {
	meta, err := ckpt.StateMeta(dpoFormat, d.Params.Config, d.Cfg)
	if err != nil {
		return fmt.Errorf("rl: %w", err)
	}
	meta["step"] = strconv.Itoa(d.Optim.Step)
	meta["pairs"] = strconv.Itoa(len(d.Pairs))
	if err := train.WriteState(filepath.Join(dir, DPOCheckpointFile), d.StateSets(), nil, meta); err != nil {
		return err
	}
	return d.Params.SaveHF(dir)
}

// ResumeDPO restores the DPO run saved in dir with its pairs; steps > 0
// replaces the run length.
func ResumeDPO(dir string, steps int) (*DPOTrainer, error) {
	path := filepath.Join(dir, DPOCheckpointFile)
	var c DPOConfig
	f, cfg, err := openState(path, dpoFormat, "a herd DPO checkpoint", &c)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	meta := f.Header.Metadata
	if steps > 0 {
		c.Steps = steps
	}
	step, err := strconv.Atoi(meta["step"])
	if err != nil || step < 0 {
		return nil, fmt.Errorf("rl: %s: bad step %q", path, meta["step"])
	}
	pairs, err := LoadPairs(dir)
	if err != nil {
		return nil, err
	}
	if strconv.Itoa(len(pairs)) != meta["pairs"] {
		return nil, fmt.Errorf("rl: %s has %d pairs, the checkpoint was trained on %s", DPOPairsFile, len(pairs), meta["pairs"])
	}
	p, err := train.NewParams[float32](cfg)
	if err != nil {
		return nil, err
	}
	d, err := NewDPOTrainer(p, pairs, c)
	if err != nil {
		return nil, err
	}
	if err := train.ReadState(f, path, d.StateSets()); err != nil {
		return nil, fmt.Errorf("rl: %w", err)
	}
	d.Optim.Step = step
	return d, nil
}
