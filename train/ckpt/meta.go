// Package ckpt holds what herd's trainers share besides the model code:
// the metadata of their checkpoints, the check of their common options and
// the test for a run's checkpoint file. Package train (pre-training) and
// packages posttrain/sft and posttrain/rl (fine-tuning, RL, DPO) use it;
// train's StateFile (one per kind of checkpoint), WriteState and ReadState
// hold the tensors.
package ckpt

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
)

// FileExists reports whether dir/name exists (a run's checkpoint file).
func FileExists(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// StateMeta is the metadata every herd checkpoint starts with: its format,
// the run's options (opt as JSON) and the model config; callers add their
// own keys.
func StateMeta(format string, cfg *llama4.Config, opt any) (map[string]string, error) {
	o, err := json.Marshal(opt)
	if err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	cj, err := checkpoint.ConfigJSON(cfg)
	if err != nil {
		return nil, err
	}
	return map[string]string{"format": format, "options": string(o), "config": string(cj)}, nil
}

// ParseStateMeta reads back what StateMeta wrote: the model config, and
// the options into opt.
func ParseStateMeta(meta map[string]string, opt any) (*llama4.Config, error) {
	cfg, err := checkpoint.ParseConfig([]byte(meta["config"]))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := json.Unmarshal([]byte(meta["options"]), opt); err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	return cfg, nil
}
