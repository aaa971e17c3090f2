package train

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train/ckpt"
)

// StateFile is one kind of trainer's resumable state (parameters, AdamW
// moments, metadata; WriteState's layout) inside its run directory, beside
// the Hugging Face export of the same step: pre-training's, fine-tuning's,
// RL's and DPO's each have one.
type StateFile struct {
	Name   string // file name inside the run directory
	Format string // the "format" metadata that marks the file
	What   string // what errors call it: "a herd fine-tuning checkpoint"
}

// Path is the file inside dir.
func (s StateFile) Path(dir string) string { return filepath.Join(dir, s.Name) }

// Has reports whether dir holds the file.
func (s StateFile) Has(dir string) bool { return ckpt.FileExists(dir, s.Name) }

// Save creates dir and writes o's parameters and AdamW moments, then
// extra, to the file atomically, with ckpt.StateMeta's metadata (s.Format,
// o's model config, opt) and meta's keys.
func (s StateFile) Save(dir string, o *Optimized, opt any, meta map[string]string, extra []*Tensor[float32]) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	all, err := ckpt.StateMeta(s.Format, o.Params.Config, opt)
	if err != nil {
		return err
	}
	maps.Copy(all, meta)
	return WriteState(s.Path(dir), o.StateSets(), extra, all)
}

// Open opens the file at path (s.Path of a run directory), checks its
// format and reads its model config, and its options into opt. The caller
// closes the file and reads the tensors with ReadState.
func (s StateFile) Open(path string, opt any) (*safetensors.File, *llama4.Config, error) {
	f, err := ckpt.Open(path, s.Format, s.What)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := ckpt.ParseStateMeta(f.Header.Metadata, opt)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, cfg, nil
}
