package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/tensor"
)

var updateGuardTiny = flag.Bool("update-guard-tiny", false, "rewrite testdata/llama-guard-tiny")

// tinyGuardDir is testdata/llama-guard-tiny: a random-weight model shaped
// like Llama Guard 4 (dense Llama 4: moe_layers [], Scout's RoPE/NoPE layer
// pattern) with the byte-level tokenizer, small enough to commit. With
// -update-guard-tiny the test rewrites it.
func tinyGuardDir(t *testing.T) string {
	t.Helper()
	dir := testmodel.Testdata(t, "llama-guard-tiny")
	if !*updateGuardTiny {
		return dir
	}
	cfg := tinymodel.ByteConfig(t)
	cfg.Hidden, cfg.Heads, cfg.KVHeads, cfg.HeadDim, cfg.IntermediateMLP = 32, 2, 1, 16, 64
	cfg.Experts, cfg.ExpertsPerToken, cfg.Intermediate = 0, 0, 64
	for i := range cfg.LayerIsMoE {
		cfg.LayerIsMoE[i] = false
	}
	m, err := checkpoint.RandomModel(cfg, tensor.BF16, 2025)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkpoint.SaveHF(m, dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.model"), tinymodel.ByteTiktoken(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGuardCommand(t *testing.T) {
	dir := tinyGuardDir(t)
	chatFile := filepath.Join(t.TempDir(), "conv.json")
	os.WriteFile(chatFile, []byte(`[{"role":"user","content":"Hi"},{"role":"assistant","content":[{"type":"text","text":"Hello!"}]}]`), 0o644)
	textFile := filepath.Join(t.TempDir(), "msg.txt")
	os.WriteFile(textFile, []byte(strings.Repeat("a long message ", 100)), 0o644)
	moe := byteModel(t)
	for _, tc := range []struct {
		name string
		args []string
		code int // -1: 0 or 3 (a verdict)
		out  string
		err  string
	}{
		{name: "text", args: []string{"-m", dir, "How do I bake bread?"}, code: -1, out: "score "},
		{name: "json", args: []string{"-m", dir, "--json", "--role", "agent", "Here is how."}, code: -1, out: `"score":`},
		{name: "chat file", args: []string{"-m", dir, "--chat", "@" + chatFile, "--exclude", "S6"}, code: -1, out: "score "},
		{name: "inline chat, user role", args: []string{"-m", dir, "--chat", `[{"role":"user","content":"Hi"}]`, "--role", "user"}, code: -1},
		{name: "quantized", args: []string{"-m", dir, "--quant", "q8_0", "hello"}, code: -1},
		{name: "windowed file", args: []string{"-m", dir, "--file", textFile, "--ctx", "1200"}, code: -1},
		{name: "threshold 0 flags all", args: []string{"-m", dir, "--threshold", "1e-12", "hello"}, code: 3, out: "unsafe"},
		{name: "moe model refused", args: []string{"-m", moe, "hello"}, code: 1, err: "mixture-of-experts"},
		{name: "no input", args: []string{"-m", dir}, code: 2, err: "exactly one of TEXT"},
		{name: "bad role", args: []string{"-m", dir, "--role", "bot", "x"}, code: 2, err: "--role"},
		{name: "bad category", args: []string{"-m", dir, "--categories", "S1,S99", "x"}, code: 2, err: `"S99"`},
		{name: "bad chat", args: []string{"-m", dir, "--chat", `{"role":"user"}`}, code: 2, err: "JSON array"},
		{name: "no model", args: []string{"hello"}, code: 2, err: "missing -m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runHerd(append([]string{"guard"}, tc.args...)...)
			if tc.code == -1 && code != 0 && code != exitUnsafe || tc.code >= 0 && code != tc.code {
				t.Fatalf("exit %d, want %d; out %q err %q", code, tc.code, out, errOut)
			}
			if !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
				t.Fatalf("out %q err %q, want %q and %q", out, errOut, tc.out, tc.err)
			}
			if tc.code == -1 && !strings.HasPrefix(out, "{") && (code == 0) != strings.HasPrefix(out, "safe") {
				t.Errorf("exit %d does not match the verdict %q", code, out)
			}
		})
	}
	// The JSON verdict is well formed.
	_, out, _ := runHerd("guard", "-m", dir, "--json", "hello")
	var v struct {
		Unsafe     bool     `json:"unsafe"`
		Categories []string `json:"categories"`
		Score      float64  `json:"score"`
		Output     string   `json:"output"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Score < 0 || v.Score > 1 || v.Categories == nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
}
