package cluster

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// ConfigHash is the SHA-256 of a model's configuration and RoPE frequencies,
// hex-encoded: two processes with different hashes run different models.
func ConfigHash(m *llama4.Model) (string, error) {
	b, err := json.Marshal(m.Config)
	if err != nil {
		return "", fmt.Errorf("cluster: encoding the config: %w", err)
	}
	h := sha256.New()
	h.Write(b)
	h.Write(appendF32(nil, m.InvFreq()))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// RangeHash is the SHA-256 of the configuration and of every weight of
// decoder layers [lo, hi) — types, shapes, bytes and scales — hex-encoded.
// Layers are hashed in parallel; it reads every byte of those weights (about
// 1–2 GB/s per core with SHA-NI), which also pages them in.
func RangeHash(m *llama4.Model, lo, hi int) (string, error) {
	if lo < 0 || hi > m.Config.Layers || lo > hi {
		return "", fmt.Errorf("cluster: layer range [%d, %d) outside the model's %d layers", lo, hi, m.Config.Layers)
	}
	ch, err := ConfigHash(m)
	if err != nil {
		return "", err
	}
	bySlot := make([][]llama4.Slot, hi-lo)
	for _, s := range llama4.Slots(m.Config) {
		if s.Layer >= lo && s.Layer < hi {
			bySlot[s.Layer-lo] = append(bySlot[s.Layer-lo], s)
		}
	}
	sums := make([][]byte, hi-lo)
	errs := make([]error, hi-lo)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range sums {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			sums[i], errs[i] = layerHash(m.Weights, bySlot[i])
		}()
	}
	wg.Wait()
	h := sha256.New()
	h.Write([]byte(ch))
	for i, s := range sums {
		if errs[i] != nil {
			return "", errs[i]
		}
		h.Write(s)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// layerHash hashes the weights of one layer's slots.
func layerHash(w *llama4.Weights, slots []llama4.Slot) ([]byte, error) {
	h := sha256.New()
	var hdr []byte
	for _, s := range slots {
		if s.Layer >= len(w.Layers) {
			return nil, fmt.Errorf("cluster: layer %d is not in the weights", s.Layer)
		}
		r := w.Ref(s)
		hdr = binary.LittleEndian.AppendUint64(hdr[:0], uint64(s.Role)<<48|uint64(s.FFN)<<40|uint64(uint32(s.Expert)))
		switch {
		case r.Vec != nil:
			h.Write(hdr)
			h.Write(appendF32(nil, *r.Vec))
		case r.Mat != nil && *r.Mat != nil:
			x := *r.Mat
			hdr = binary.LittleEndian.AppendUint64(hdr, uint64(x.DType))
			hdr = binary.LittleEndian.AppendUint64(hdr, uint64(x.Rows)<<32|uint64(x.Cols))
			h.Write(hdr)
			h.Write(x.Data)
			h.Write(appendF32(nil, x.Scale))
		default:
			return nil, fmt.Errorf("cluster: layer %d: a weight (role %d) is not loaded", s.Layer, s.Role)
		}
	}
	return h.Sum(nil), nil
}

// layerBytes is the memory each decoder layer's weights occupy.
func layerBytes(m *llama4.Model) []int64 {
	n := make([]int64, m.Config.Layers)
	for _, s := range llama4.Slots(m.Config) {
		if s.Layer < 0 || s.Layer >= len(m.Weights.Layers) {
			continue
		}
		r := m.Weights.Ref(s)
		switch {
		case r.Vec != nil:
			n[s.Layer] += 4 * int64(len(*r.Vec))
		case r.Mat != nil && *r.Mat != nil:
			n[s.Layer] += matBytes(*r.Mat)
		}
	}
	return n
}

func matBytes(x *tensor.Mat) int64 { return int64(len(x.Data)) + 4*int64(len(x.Scale)) }
