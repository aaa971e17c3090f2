package kvcache

import (
	"strings"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// scoutLayers is Llama 4's pattern: every 4th layer global (48 layers).
func scoutLayers() []bool {
	l := make([]bool, 48)
	for i := range l {
		l[i] = (i+1)%4 != 0
	}
	return l
}

// TestPlanScout checks the planner against hand computation from spec §2.3:
// K+V per token per layer = 2·8·128 values = 4 KiB in bf16; 12 global layers;
// 36 chunked layers capped at 8192 tokens.
func TestPlanScout(t *testing.T) {
	for _, tc := range []struct {
		ctx            int
		dt             tensor.DType
		global, chunkd int64
	}{
		// 1M tokens (1,048,576 is a whole number of pages), bf16: 12 × 1,048,576 × 4096 B = 48 GiB
		{1 << 20, tensor.BF16, 12 * (1 << 20) * 4096, 36 * 8192 * 4096},
		// 10M tokens (10,485,760 = 40,960 pages), bf16: 480 GiB global.
		{10 * (1 << 20), tensor.BF16, 12 * 10 * (1 << 20) * 4096, 36 * 8192 * 4096},
		// f32 doubles, q8_0 is 34/32 bytes per value: 2·1024·34/32 = 2176 B per token-layer.
		{1 << 20, tensor.F32, 12 * (1 << 20) * 8192, 36 * 8192 * 8192},
		{1 << 20, tensor.Q8_0, 12 * (1 << 20) * 2176, 36 * 8192 * 2176},
		// A short context is rounded up to whole pages: 1000 → 1024 rows.
		{1000, tensor.BF16, 12 * 1024 * 4096, 36 * 1024 * 4096},
	} {
		p := MakePlan(PlanInput{Chunked: scoutLayers(), KVHeads: 8, HeadDim: 128, Chunk: 8192, DType: tc.dt, Ctx: tc.ctx, WeightBytes: 100, ScratchBytes: 10})
		if p.KVGlobalBytes != tc.global || p.KVChunkedBytes != tc.chunkd {
			t.Errorf("ctx %d %s: global %d chunked %d; want %d %d", tc.ctx, tc.dt, p.KVGlobalBytes, p.KVChunkedBytes, tc.global, tc.chunkd)
		}
		if p.TotalBytes != 110+tc.global+tc.chunkd {
			t.Errorf("total %d", p.TotalBytes)
		}
	}
	// The 1M bf16 plan matches the spec's ≈45.8 GiB? The spec rounds 10^6 tokens:
	// 12 × 10^6 × 4 KiB = 45.8 GiB; chunked layers ≈ 1.13 GiB (36 × 8192 × 4 KiB = 1.125 GiB).
	p := MakePlan(PlanInput{Chunked: scoutLayers(), KVHeads: 8, HeadDim: 128, Chunk: 8192, DType: tensor.BF16, Ctx: 1_000_000})
	if g := float64(p.KVGlobalBytes) / (1 << 30); g < 45.7 || g > 45.9 {
		t.Errorf("1e6 tokens: global KV %.2f GiB, spec says ≈45.8", g)
	}
	if c := float64(p.KVChunkedBytes) / (1 << 30); c != 1.125 {
		t.Errorf("chunked KV %.4f GiB, want 1.125", c)
	}
	if ratio := float64(p.KVAllFullBytes) / float64(p.KVBytes); ratio < 3.8 {
		t.Errorf("iRoPE saving only %.2f×", ratio)
	}
}

// TestPlanMatchesCache checks the planner's formula against what a Cache
// actually allocates.
func TestPlanMatchesCache(t *testing.T) {
	layers := []bool{true, true, true, false}
	for _, dt := range []tensor.DType{tensor.F32, tensor.BF16, tensor.Q8_0} {
		for _, n := range []int{1, 255, 256, 257, 3000} {
			c, err := New(Options{KVHeads: 2, HeadDim: 32, Chunked: layers, Chunk: 700, MaxLen: n, DType: dt})
			if err != nil {
				t.Fatal(err)
			}
			k := make([]float32, 64)
			for p := 0; p < n; p++ {
				for l := range layers {
					c.Store(l, p, k, k)
				}
			}
			plan := MakePlan(PlanInput{Chunked: layers, KVHeads: 2, HeadDim: 32, Chunk: 700, DType: dt, Ctx: n})
			if c.Bytes() != plan.KVBytes {
				t.Errorf("%s n=%d: cache holds %d bytes, plan says %d", dt, n, c.Bytes(), plan.KVBytes)
			}
		}
	}
}

func TestFit(t *testing.T) {
	in := PlanInput{Chunked: scoutLayers(), KVHeads: 8, HeadDim: 128, Chunk: 8192, DType: tensor.BF16, Ctx: 1 << 20, WeightBytes: 60 << 30}
	p := MakePlan(in)
	err := Fit(in, &p, 80<<30)
	if err == nil || !strings.Contains(err.Error(), "largest context that fits") {
		t.Fatalf("60 GiB weights + 49 GiB KV in 80 GiB: %v", err)
	}
	// The reported maximum must itself fit, and one more page must not.
	in2 := in
	in2.Ctx = p.MaxCtxForAvailable
	if MakePlan(in2).TotalBytes > 80<<30 {
		t.Fatal("max ctx does not fit")
	}
	in2.Ctx += PageSize
	if MakePlan(in2).TotalBytes <= 80<<30 {
		t.Fatal("max ctx is not the largest")
	}
	if err := Fit(in, &p, 200<<30); err != nil {
		t.Fatal(err)
	}
	if _, err := Available(); err != nil {
		t.Skipf("no /proc/meminfo: %v", err)
	}
}

// TestPlanPrefixCache: the prefix cache's budget is part of the total, and
// Fit finds a shorter context when it has to make room for it.
func TestPlanPrefixCache(t *testing.T) {
	in := PlanInput{Chunked: scoutLayers(), KVHeads: 8, HeadDim: 128, Chunk: 8192, DType: tensor.BF16, Ctx: 1 << 16, WeightBytes: 100, ScratchBytes: 10}
	without := MakePlan(in)
	in.PrefixBytes = 1 << 30
	with := MakePlan(in)
	if with.TotalBytes != without.TotalBytes+1<<30 || with.PrefixCacheBytes != 1<<30 || with.KVBytes != without.KVBytes {
		t.Fatalf("total %d (without %d), prefix %d, kv %d (without %d)", with.TotalBytes, without.TotalBytes, with.PrefixCacheBytes, with.KVBytes, without.KVBytes)
	}
	if err := Fit(in, &with, without.TotalBytes); err == nil || with.MaxCtxForAvailable >= in.Ctx {
		t.Fatalf("a plan 1 GiB over the memory fits (err %v, max ctx %d)", err, with.MaxCtxForAvailable)
	}
}

// TestPlanResidents: models held beside the planned one (a vision tower, a
// guard) are part of the total, and a plan they push over the memory is
// refused naming each with what lowers it.
func TestPlanResidents(t *testing.T) {
	in := PlanInput{Chunked: scoutLayers(), KVHeads: 8, HeadDim: 128, Chunk: 8192, DType: tensor.BF16, Ctx: 1 << 16, WeightBytes: 100, ScratchBytes: 10}
	without := MakePlan(in)
	vis := Resident{Name: "vision tower", WeightBytes: 800 << 20, ScratchBytes: 120 << 20, Hint: "--quant lowers it"}
	pg := Resident{Name: "Prompt Guard", WeightBytes: 1 << 30, ScratchBytes: 30 << 20, Hint: "leave out --prompt-guard"}
	in.Residents = []Resident{vis, pg}
	with := MakePlan(in)
	extra := vis.Bytes() + pg.Bytes()
	if with.ResidentBytes != extra || with.TotalBytes != without.TotalBytes+extra || len(with.Residents) != 2 || with.KVBytes != without.KVBytes {
		t.Fatalf("residents %d (want %d), total %d (without %d)", with.ResidentBytes, extra, with.TotalBytes, without.TotalBytes)
	}
	// The residents alone do not fit: the error names them and their hints.
	err := Fit(in, &with, 1<<30)
	for _, want := range []string{"not enough memory", "vision tower 920.00 MiB: --quant lowers it; Prompt Guard 1.03 GiB: leave out --prompt-guard", "alone need"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("residents over the memory: %v; want %q", err, want)
		}
	}
	// They fit but leave a shorter context: the largest context accounts for them.
	err = Fit(in, &with, without.TotalBytes+extra-1)
	if err == nil || !strings.Contains(err.Error(), "beside the model (vision tower") || !strings.Contains(err.Error(), "largest context that fits") || with.MaxCtxForAvailable >= in.Ctx {
		t.Fatalf("a plan one byte over: %v (max ctx %d)", err, with.MaxCtxForAvailable)
	}
	if err := Fit(in, &with, without.TotalBytes+extra); err != nil {
		t.Fatal(err)
	}
	if got := ResidentList(in.Residents, true); got != "vision tower 920.00 MiB: --quant lowers it; Prompt Guard 1.03 GiB: leave out --prompt-guard" {
		t.Errorf("ResidentList with hints: %q", got)
	}
	if got := ResidentList(in.Residents, false); got != "vision tower 920.00 MiB, Prompt Guard 1.03 GiB" {
		t.Errorf("ResidentList: %q", got)
	}
}
