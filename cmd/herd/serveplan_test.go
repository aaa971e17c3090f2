package main

import (
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/guard"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/tensor"
)

// TestServePlanResidents plans as herd serve does a multimodal main model
// with --guard and --prompt-guard: its vision tower, Llama Guard's slots
// and Prompt Guard's weights and window are in the one plan before
// anything is allocated, and a memory too small for them is refused naming
// each with the flag that lowers it.
func TestServePlanResidents(t *testing.T) {
	dir := visionModelDir(t)
	m, err := checkpoint.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := checkpoint.LoadTokenizer(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	vis, err := modelflags.ServeVision(dir, m, tok, "", io.Discard)
	if err != nil || vis == nil {
		t.Fatalf("vision tower: %v %v", vis, err)
	}
	defer vis.Close()
	gm, err := openGuard(tinyGuardDir(t), "", tensor.F32, 512, true, 2, guard.Options{}, visionOptional, "lower --guard-ctx", io.Discard, true)
	if err != nil {
		t.Fatal(err)
	}
	defer gm.Stop()
	var gf serveGuardFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	gf.define(fs)
	if err := fs.Parse([]string{"--prompt-guard", filepath.Join(testmodel.Root(t), "guard", "promptguard", "testdata", "tiny")}); err != nil {
		t.Fatal(err)
	}
	pg, err := gf.openPrompt(fs)
	if err != nil {
		t.Fatal(err)
	}

	in := m.PlanInput(1024, 64, tensor.F32) // four pages: a shorter context may fit
	in.Sequences = 2
	_, alone, err := planServe(in, 0, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	in.Residents = serveResidents(vis, gm, pg)
	in, plan, err := planServe(in, 0, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := vis.WeightBytes() + vis.ScratchBytes() + gm.Bytes() + pg.C.Bytes()
	if plan.ResidentBytes != want || plan.TotalBytes != alone.TotalBytes+want || plan.KVBytes != alone.KVBytes {
		t.Fatalf("residents %d bytes (want %d), total %d (alone %d)", plan.ResidentBytes, want, plan.TotalBytes, alone.TotalBytes)
	}
	if got := kvcache.ResidentList(plan.Residents, false); !strings.HasPrefix(got, "vision tower ") || !strings.Contains(got, ", Llama Guard ") || !strings.Contains(got, ", Prompt Guard ") {
		t.Errorf("residents %q", got)
	}
	if _, _, err := planServe(in, 0, false, plan.TotalBytes); err != nil {
		t.Errorf("a plan that just fits: %v", err)
	}
	for _, tc := range []struct {
		avail int64
		want  []string
	}{
		// The residents leave room for a shorter context only.
		{plan.TotalBytes - 1, []string{"largest context that fits", "beside the model (vision tower"}},
		// Nothing fits beside them.
		{alone.WeightBytes + alone.ScratchBytes + alone.PrefixCacheBytes + want - 1, []string{"alone need"}},
	} {
		_, _, err := planServe(in, 0, false, tc.avail)
		for _, w := range append(tc.want, "not enough memory", "vision tower "+kvcache.Human(vis.WeightBytes()+vis.ScratchBytes())+": --quant lowers it; Llama Guard",
			"--guard-ctx, --guard-parallel or --guard-quant lower it; Prompt Guard", ": leave out --prompt-guard)", "(lower --ctx, --parallel or --prefix-cache-mb)") {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%d bytes available: %v; want %q", tc.avail, err, w)
			}
		}
	}
}
