package llama4

import (
	"fmt"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/kvcache"

	"github.com/herd-llm/herd/tensor"
)

// Model is a loaded Llama 4 text model. Its weights are read-only, so one
// Model may serve many sequences concurrently, each with its own cache.
type Model struct {
	Config  *Config
	Weights *Weights
	invFreq []float32 // RoPE inverse frequencies [HeadDim/2], scaling applied
	closer  interface{ Close() error }
}

// New assembles a model from a config and bound weights.
func New(cfg *Config, w *Weights) *Model {
	return &Model{Config: cfg, Weights: w, invFreq: InvFreq(cfg.HeadDim, cfg.RopeTheta, cfg.RopeScaling)}
}

// LoadHF loads a Hugging Face model directory (config.json plus single-file
// or sharded safetensors). Weights stay memory-mapped; call Close to unmap.
func LoadHF(dir string) (*Model, error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("llama4: %w", err)
	}
	w, err := BindHF(set, cfg)
	if err != nil {
		set.Close()
		return nil, fmt.Errorf("llama4: %s: %w", dir, err)
	}
	m := New(cfg, w)
	m.closer = set
	return m, nil
}

// Close releases the memory-mapped checkpoint. The model must not be used after.
func (m *Model) Close() error {
	if m.closer != nil {
		return m.closer.Close()
	}
	return nil
}

// VocabSize is the number of logits per position.
func (m *Model) VocabSize() int { return m.Config.VocabSize }

// InvFreq returns the RoPE inverse frequencies in use (shared; do not modify).
func (m *Model) InvFreq() []float32 { return m.invFreq }

// NewCache makes an empty float32 KV cache for up to maxLen positions.
func (m *Model) NewCache(maxLen int) *kvcache.Cache {
	c, err := m.NewCacheOf(maxLen, tensor.F32)
	if err != nil {
		panic(err) // F32 accepts every valid config
	}
	return c
}

// NewCacheOf makes an empty KV cache storing keys and values as dt.
func (m *Model) NewCacheOf(maxLen int, dt tensor.DType) (*kvcache.Cache, error) {
	c := m.Config
	return kvcache.New(kvcache.Options{
		KVHeads: c.KVHeads, HeadDim: c.HeadDim, Chunked: append([]bool(nil), c.LayerUsesRoPE...),
		Chunk: c.ChunkSize, MaxLen: maxLen, DType: dt,
	})
}
