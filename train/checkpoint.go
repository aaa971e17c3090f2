package train

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/train/dataset"
)

// CheckpointFile is the resumable training state inside a run directory. The
// directory also holds the Hugging Face export (config.json,
// model.safetensors) of the same step.
const CheckpointFile = "checkpoint.safetensors"

const checkpointFormat = "herd-train-checkpoint-v1"

// checkpointState is the checkpoint's kind: file, format and name in errors.
var checkpointState = StateFile{Name: CheckpointFile, Format: checkpointFormat, What: "a herd training checkpoint"}

// Tensor-name prefixes of the checkpoint file.
const (
	ckParam = "param."
	ckM     = "exp_avg."
	ckV     = "exp_avg_sq."
	ckBias  = "expert_bias.layers." // + layer index: Balance "bias" selection bias [E]
)

// SaveCheckpoint writes the complete training state to dir/CheckpointFile in
// one file (parameters, AdamW moments, the expert-selection bias of
// Balance "bias", step, tokens, the sampler's random state, the options,
// the config, the data fingerprint and the FP8 cast counts; all float32
// bit-exact), then exports the parameters as a Hugging Face model into dir
// (without the expert bias, which the format cannot hold).
// Each file is written atomically (temporary file, fsync, rename, fsync of
// the directory), so a kill at any moment leaves the previous or the new
// checkpoint, never a torn one; resuming needs only CheckpointFile. The
// temporary files a killed save leaves are removed by the next save and on
// resume.
func (tr *Trainer) SaveCheckpoint(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	// Temporary files of a save that was killed are never renamed: drop them.
	if _, err := checkpoint.RemoveStaleTemps(dir); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	rs, err := tr.src.MarshalBinary()
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	meta := map[string]string{"step": strconv.Itoa(tr.Optim.Step), "tokens": strconv.FormatInt(tr.Tokens, 10), "rng": hex.EncodeToString(rs)}
	if tr.Data != nil {
		meta["data"] = tr.Data.Fingerprint()
	}
	if tr.Opt.FP8 != "" {
		f8, err := json.Marshal(tr.FP8Total)
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		meta["fp8_total"] = string(f8)
	}
	var bias []*Tensor[float32]
	for l, b := range tr.ExpertBias {
		if b != nil {
			bias = append(bias, &Tensor[float32]{Name: ckBias + strconv.Itoa(l), Shape: []int{len(b)}, Data: b})
		}
	}
	if err := checkpointState.Save(dir, &tr.Optimized, tr.Opt, meta, bias); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return tr.Params.SaveHFAs(dir, tr.Opt.ExportDType)
}

// HasCheckpoint reports whether dir holds a resumable checkpoint.
func HasCheckpoint(dir string) bool { return checkpointState.Has(dir) }

// ResumeTrainer restores the training state saved in dir. data must be the
// same tokens as the saved run's (checked by fingerprint). When steps > 0 it
// replaces the saved run length (which also stretches the schedule); the
// other options are the saved ones.
func ResumeTrainer(dir string, data *dataset.Dataset, steps int) (*Trainer, error) {
	path := checkpointState.Path(dir)
	if _, err := checkpoint.RemoveStaleTemps(dir); err != nil { // left by a save that was killed
		return nil, fmt.Errorf("train: %w", err)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	meta := f.Header.Metadata
	var dataBytes int64
	for _, in := range f.Header.Tensors {
		dataBytes += in.End - in.Begin
	}
	cm, err := parseCheckpointMeta(meta, dataBytes)
	if err != nil {
		return nil, fmt.Errorf("train: %s: %w", path, err)
	}
	cfg, opt, step, tokens, src := cm.cfg, cm.opt, cm.step, cm.tokens, cm.rng
	if steps > 0 {
		opt.Steps = steps
	}
	if data != nil && meta["data"] != "" && meta["data"] != data.Fingerprint() {
		return nil, fmt.Errorf("train: %s was trained on other data (fingerprint %s, this data %s)", path, meta["data"], data.Fingerprint())
	}
	p, err := NewParams[float32](cfg)
	if err != nil {
		return nil, err
	}
	tr, err := newTrainer(p, opt, data, src)
	if err != nil {
		return nil, err
	}
	if err := ReadState(f, path, tr.StateSets()); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	for l, b := range tr.ExpertBias {
		if b == nil {
			continue
		}
		st, err := f.Tensor(ckBias + strconv.Itoa(l))
		if err != nil {
			return nil, fmt.Errorf("train: %s: the run balances experts with a bias but the checkpoint has none for layer %d: %w", path, l, err)
		}
		if st.DType != "F32" || !slices.Equal(st.Shape, []int{len(b)}) {
			return nil, fmt.Errorf("train: %s: tensor %s is %s %v, want F32 [%d]", path, st.Name, st.DType, st.Shape, len(b))
		}
		v, err := st.Float32s()
		if err != nil {
			return nil, err
		}
		copy(b, v)
	}
	if s := meta["fp8_total"]; s != "" {
		if err := json.Unmarshal([]byte(s), &tr.FP8Total); err != nil {
			return nil, fmt.Errorf("train: %s: fp8_total: %w", path, err)
		}
	}
	tr.Optim.Step = step
	tr.Tokens = tokens
	return tr, nil
}
