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
)

// The files of a DPO run's directory besides the Hugging Face export.
const (
	DPOCheckpointFile = "dpo-checkpoint.safetensors"
	DPOPairsFile      = "dpo-pairs.json" // the pairs with their reference log-probabilities
	// DPOHeldOutPairsFile holds pairs sampled the same way from held-out
	// problems, with their reference log-probabilities: never trained on,
	// they measure the learnt preference.
	DPOHeldOutPairsFile = "dpo-heldout-pairs.json"
)

// dpoState is the DPO checkpoint's kind: file, format and name in errors.
var dpoState = train.StateFile{Name: DPOCheckpointFile, Format: "herd-dpo-checkpoint-v1", What: "a herd DPO checkpoint"}

// HasDPOCheckpoint reports whether dir holds a DPO checkpoint.
func HasDPOCheckpoint(dir string) bool { return dpoState.Has(dir) }

// SavePairs writes the pairs to dir/DPOPairsFile atomically.
func SavePairs(dir string, pairs []Pair) error { return savePairs(dir, DPOPairsFile, pairs) }

// LoadPairs reads dir/DPOPairsFile.
func LoadPairs(dir string) ([]Pair, error) { return loadPairs(dir, DPOPairsFile) }

// savePairs writes the pairs to dir/name atomically.
func savePairs(dir, name string, pairs []Pair) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("rl: %w", err)
	}
	return checkpoint.WriteFileAtomic(filepath.Join(dir, name), func(w io.Writer) error {
		return json.NewEncoder(w).Encode(pairs)
	})
}

// loadPairs reads dir/name.
func loadPairs(dir, name string) ([]Pair, error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("rl: %w", err)
	}
	var pairs []Pair
	if err := json.Unmarshal(b, &pairs); err != nil {
		return nil, fmt.Errorf("rl: %s: %w", name, err)
	}
	return pairs, nil
}

// Save writes the trainer's state (parameters, AdamW moments, step,
// options) to dir/DPOCheckpointFile and the policy as a Hugging Face
// model, each file atomically; the pairs are saved once by SavePairs.
func (d *DPOTrainer) Save(dir string) error {
	meta := map[string]string{"step": strconv.Itoa(d.Optim.Step), "pairs": strconv.Itoa(len(d.Pairs))}
	if err := dpoState.Save(dir, &d.Optimized, d.Cfg, meta, nil); err != nil {
		return fmt.Errorf("rl: %w", err)
	}
	return d.Params.SaveHF(dir)
}

// ResumeDPO restores the DPO run saved in dir with its pairs; steps > 0
// replaces the run length.
func ResumeDPO(dir string, steps int) (*DPOTrainer, error) {
	path := dpoState.Path(dir)
	var c DPOConfig
	f, cfg, err := dpoState.Open(path, &c)
	if err != nil {
		return nil, fmt.Errorf("rl: %w", err)
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
