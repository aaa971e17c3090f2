package kvcache

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/tensor"
)

// PlanInput describes what a run needs memory for.
type PlanInput struct {
	Chunked      []bool // per layer: chunked (ring) or global
	KVHeads      int
	HeadDim      int
	Chunk        int
	DType        tensor.DType
	Ctx          int   // context length in tokens, per sequence
	Sequences    int   // sequences held at once (≥ 1)
	WeightBytes  int64 // resident weights
	ScratchBytes int64 // activations and other per-run buffers
	PrefixBytes  int64 // the prefix-cache pool's budget, shared by all sequences (0: none)
	// Residents are the other models held beside this one for the whole
	// run (vision towers, safeguards), each counted whole in the total.
	Residents []Resident
}

// Plan is the memory a run needs, in bytes, before anything is allocated.
type Plan struct {
	Ctx                int        `json:"ctx"`
	Sequences          int        `json:"sequences"`
	KVType             string     `json:"kv_type"`
	GlobalLayers       int        `json:"global_layers"`
	ChunkedLayers      int        `json:"chunked_layers"`
	KVBytesPerTokenL   int64      `json:"kv_bytes_per_token_per_layer"`
	WeightBytes        int64      `json:"weights_bytes"`
	KVGlobalBytes      int64      `json:"kv_global_bytes"`
	KVChunkedBytes     int64      `json:"kv_chunked_bytes"`
	KVBytes            int64      `json:"kv_bytes"`
	KVAllFullBytes     int64      `json:"kv_all_layers_full_bytes"` // what a cache without iRoPE bounds would need
	PrefixCacheBytes   int64      `json:"prefix_cache_bytes,omitempty"`
	ScratchBytes       int64      `json:"scratch_bytes"`
	Residents          []Resident `json:"residents,omitempty"`
	ResidentBytes      int64      `json:"residents_bytes,omitempty"` // the residents' sum
	TotalBytes         int64      `json:"total_bytes"`
	AvailableBytes     int64      `json:"available_bytes,omitempty"`
	MaxCtxForAvailable int        `json:"max_ctx_for_available,omitempty"`
}

func roundPages(n int) int64 { return int64((n + PageSize - 1) / PageSize * PageSize) }

// MakePlan computes the plan with exactly the allocation rule Cache uses:
// global layers hold ⌈ctx/PageSize⌉ pages, chunked layers min(that, chunk) rows.
func MakePlan(in PlanInput) Plan {
	seqs := max(in.Sequences, 1)
	row := int64(rowBytes(in.DType, in.KVHeads*in.HeadDim))
	p := Plan{Ctx: in.Ctx, Sequences: seqs, KVType: in.DType.FlagName(), KVBytesPerTokenL: 2 * row,
		WeightBytes: in.WeightBytes, ScratchBytes: in.ScratchBytes, PrefixCacheBytes: in.PrefixBytes,
		Residents: in.Residents, ResidentBytes: residentBytes(in.Residents)}
	for _, ch := range in.Chunked {
		if ch {
			p.ChunkedLayers++
		} else {
			p.GlobalLayers++
		}
	}
	rows := roundPages(in.Ctx)
	p.KVGlobalBytes = int64(seqs) * int64(p.GlobalLayers) * rows * 2 * row
	p.KVChunkedBytes = int64(seqs) * int64(p.ChunkedLayers) * min(rows, int64(in.Chunk)) * 2 * row
	p.KVBytes = p.KVGlobalBytes + p.KVChunkedBytes
	p.KVAllFullBytes = int64(seqs) * int64(len(in.Chunked)) * rows * 2 * row
	p.TotalBytes = p.WeightBytes + p.KVBytes + p.PrefixCacheBytes + p.ScratchBytes + p.ResidentBytes
	return p
}

// Fit fills AvailableBytes and MaxCtxForAvailable (the largest context whose
// plan fits in avail) and returns an error naming both when this plan does not fit,
// and the residents, each with its size and what lowers it.
func Fit(in PlanInput, p *Plan, avail int64) error {
	p.AvailableBytes = avail
	lo, hi := 0, 1<<40
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		t := in
		t.Ctx = mid
		if MakePlan(t).TotalBytes <= avail {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	p.MaxCtxForAvailable = lo
	if p.TotalBytes > avail {
		return fitError(in, p, avail, lo)
	}
	return nil
}

// Available returns the memory this process may use: MemAvailable from
// /proc/meminfo, lowered to the cgroup memory limit when one is set.
func Available() (int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("kvcache: reading available memory: %w", err)
	}
	var avail int64 = -1
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil {
				avail = kb * 1024
			}
		}
	}
	if avail < 0 {
		return 0, fmt.Errorf("kvcache: no MemAvailable in /proc/meminfo")
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if b, err := os.ReadFile(p); err == nil {
			if lim, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && lim > 0 && lim < avail {
				avail = lim
			}
		}
	}
	return avail, nil
}

// Human formats a byte count in binary units.
func Human(b int64) string {
	const k = 1024
	switch {
	case b >= k*k*k*k:
		return fmt.Sprintf("%.2f TiB", float64(b)/(k*k*k*k))
	case b >= k*k*k:
		return fmt.Sprintf("%.2f GiB", float64(b)/(k*k*k))
	case b >= k*k:
		return fmt.Sprintf("%.2f MiB", float64(b)/(k*k))
	case b >= k:
		return fmt.Sprintf("%.1f KiB", float64(b)/k)
	}
	return fmt.Sprintf("%d B", b)
}
