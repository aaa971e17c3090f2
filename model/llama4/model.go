package llama4

import (
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/herd-llm/herd/kvcache"

	"github.com/herd-llm/herd/tensor"
)

// Model is a loaded Llama 4 text model. Its weights are read-only, so one
// Model may serve many sequences concurrently, each with its own cache.
type Model struct {
	Config  *Config
	Weights *Weights
	invFreq []float32 // RoPE inverse frequencies [HeadDim/2], scaling applied
	closer  io.Closer
}

// New assembles a model from a config and bound weights.
func New(cfg *Config, w *Weights) *Model {
	return &Model{Config: cfg, Weights: w, invFreq: InvFreq(cfg.HeadDim, cfg.RopeTheta, cfg.RopeScaling)}
}

// SetSource records the checkpoint the weights alias (a memory-mapped file
// set), which Close closes. Loaders call it once.
func (m *Model) SetSource(src io.Closer) { m.closer = src }

// Source is the checkpoint the weights alias, or nil when they own their
// memory.
func (m *Model) Source() io.Closer { return m.closer }

// SetInvFreq replaces the model's RoPE inverse frequencies (HeadDim/2
// positive finite values), e.g. with those a GGUF rope_freqs tensor implies.
func (m *Model) SetInvFreq(inv []float32) error {
	if len(inv) != m.Config.HeadDim/2 {
		return fmt.Errorf("%d RoPE frequencies for head_dim %d, want %d", len(inv), m.Config.HeadDim, m.Config.HeadDim/2)
	}
	for i, v := range inv {
		if !(v > 0) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("RoPE frequency %d is %v", i, v)
		}
	}
	m.invFreq = slices.Clone(inv)
	return nil
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
