package engine

import (
	"fmt"
	"sync"

	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// SwapModel is a Model whose weights can be replaced while an Engine runs
// on it (online reinforcement learning: the learner pushes each new policy
// to the generator). A swap takes effect between forward passes: a pass
// that has begun finishes on the weights it started with, and the next one
// runs entirely on the new ones. Sequences in flight keep their KV caches
// (computed by the old weights), as in-flight weight updates of RL
// generators do; the per-token log-probabilities the engine reports are
// those of the weights that sampled each token.
type SwapModel struct {
	mu      sync.RWMutex
	m       Model
	version int64
}

// NewSwapModel wraps m as version 0.
func NewSwapModel(m Model) *SwapModel { return &SwapModel{m: m} }

// Swap installs m as the given version, which must be above the current
// one and must have the same vocabulary. It waits for a forward pass in
// progress to finish.
func (s *SwapModel) Swap(m Model, version int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if version <= s.version {
		return fmt.Errorf("engine: weight version %d is not newer than the current %d", version, s.version)
	}
	if m.VocabSize() != s.m.VocabSize() {
		return fmt.Errorf("engine: new weights have %d logits, the model %d", m.VocabSize(), s.m.VocabSize())
	}
	s.m, s.version = m, version
	return nil
}

// Current returns the installed model and its version.
func (s *SwapModel) Current() (Model, int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m, s.version
}

// Version is the installed weights' version.
func (s *SwapModel) Version() int64 {
	_, v := s.Current()
	return v
}

// ForwardBatch runs the installed model, holding it for the whole pass.
func (s *SwapModel) ForwardBatch(seqs []llama4.Seq, hidden func(stage int, h []float32)) ([][]float32, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m.ForwardBatch(seqs, hidden)
}

// NewCacheOf makes a cache for the installed model (every version has the
// same cache geometry: Swap is meant for weights of one architecture).
func (s *SwapModel) NewCacheOf(maxLen int, dt tensor.DType) (*kvcache.Cache, error) {
	m, _ := s.Current()
	return m.NewCacheOf(maxLen, dt)
}

// VocabSize is the number of logits per position.
func (s *SwapModel) VocabSize() int {
	m, _ := s.Current()
	return m.VocabSize()
}

// dropStale empties the cache of slot when the model's weights changed
// since the slot's cache was filled, so that a request never reuses a
// prefix computed by other weights. Called with e.mu held, on a free slot.
func (e *Engine) dropStale(slot int) {
	sm, ok := e.m.(*SwapModel)
	if !ok {
		return
	}
	if e.slotVer == nil {
		e.slotVer = make([]int64, len(e.slots))
	}
	if v := sm.Version(); e.slotVer[slot] != v {
		e.slots[slot].Cache().Reset()
		e.slotVer[slot] = v
	}
}
