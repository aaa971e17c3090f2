package train

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
)

// maxResumeTokens bounds a resumed run's batch × sequence length (tokens per
// micro-batch, which sizes the workspace): 2^24 tokens is far above what a
// CPU trainer runs and keeps a hostile checkpoint from sizing an allocation.
const maxResumeTokens = 1 << 24

// ckMeta is what a training checkpoint's metadata holds besides tensors.
type ckMeta struct {
	cfg    *llama4.Config
	opt    Options
	step   int
	tokens int64
	rng    *rand.PCG
}

// parseCheckpointMeta reads and bounds a checkpoint's metadata before
// anything is allocated from it: dataBytes is the size of the file's tensor
// data, which must hold the parameters and both AdamW moments in float32.
func parseCheckpointMeta(meta map[string]string, dataBytes int64) (*ckMeta, error) {
	if meta["format"] != checkpointFormat {
		return nil, fmt.Errorf("not a herd training checkpoint (format %q)", meta["format"])
	}
	cfg, err := checkpoint.ParseConfig([]byte(meta["config"]))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if pc := cfg.Params(); pc.Overflow || pc.Total > dataBytes/12 {
		return nil, fmt.Errorf("config: %d parameters, but the file holds %d bytes of tensors (3 float32 copies need %d)", pc.Total, dataBytes, 12*pc.Total)
	}
	m := &ckMeta{cfg: cfg}
	if err := json.Unmarshal([]byte(meta["options"]), &m.opt); err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	if b, t := int64(m.opt.Batch), int64(m.opt.SeqLen); b <= 0 || t <= 0 || b > maxResumeTokens || t > maxResumeTokens || b*t > maxResumeTokens {
		return nil, fmt.Errorf("options: batch %d × sequence length %d must be positive and at most %d tokens", m.opt.Batch, m.opt.SeqLen, maxResumeTokens)
	}
	step, err1 := strconv.Atoi(meta["step"])
	tokens, err2 := strconv.ParseInt(meta["tokens"], 10, 64)
	rs, err3 := hex.DecodeString(meta["rng"])
	if err1 != nil || err2 != nil || err3 != nil || step < 0 || tokens < 0 {
		return nil, fmt.Errorf("bad step %q, tokens %q or rng metadata", meta["step"], meta["tokens"])
	}
	m.step, m.tokens, m.rng = step, tokens, new(rand.PCG)
	if err := m.rng.UnmarshalBinary(rs); err != nil {
		return nil, fmt.Errorf("rng: %w", err)
	}
	return m, nil
}
