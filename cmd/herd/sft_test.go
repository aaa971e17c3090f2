package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/posttrain/sft"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train"
)

// sftBase writes a small random Llama 4 with the embedded model's
// tokenizer into a directory and returns it.
func sftBase(t *testing.T) string {
	t.Helper()
	tokPath := filepath.Join("..", "..", "embedded", "shakespeare", tokenizer.TiktokenFile)
	p, err := train.NewParams[float32](tinymodel.SmallConfig(t, tinymodel.ShakespeareTokenizer(t), 1024))
	if err != nil {
		t.Fatal(err)
	}
	train.InitParams(p, 1, 0.05)
	dir := filepath.Join(t.TempDir(), "base")
	if err := p.SaveHF(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(tokPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, tokenizer.TiktokenFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSftTask fine-tunes on generated arithmetic with easy-example
// pruning and held-out evaluation, runs the result with `herd run`, and
// resumes the run to more steps.
func TestSftTask(t *testing.T) {
	base := sftBase(t)
	dir := t.TempDir()
	out, data := filepath.Join(dir, "sft"), filepath.Join(dir, "arith.jsonl")
	args := []string{"sft", "-m", base, "--out", out, "--task", "arithmetic:digits=1", "--examples", "40", "--heldout", "8",
		"--steps", "3", "--batch", "2", "--seq", "64", "--warmup", "1", "--prune-easy", "0.9", "--write-data", data}
	code, stdout, stderr := runHerd(args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"task arithmetic:digits=1,ops=1: 40 training examples", "prune-easy 0.9: the base model judged 40 examples",
		"dropped 0 easy ones", "data: 40 examples in", "held-out (base model): 0/8 problems", "step 3/3 | loss", "held-out (fine-tuned):"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.TrimSpace(stdout) != out {
		t.Errorf("stdout %q, want the output directory", stdout)
	}
	for _, f := range []string{"config.json", "model.safetensors", tokenizer.TiktokenFile, sft.CheckpointFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("output lacks %s", f)
		}
	}
	exs, err := sft.ReadJSONLFile(data)
	if err != nil || len(exs) != 40 {
		t.Fatalf("--write-data: %d examples, %v", len(exs), err)
	}
	if code, _, stderr := runHerd("run", "-m", out, "--chat", "What is 2 + 3?", "-n", "3", "--temp", "0"); code != 0 {
		t.Fatalf("herd run on the fine-tuned model: exit %d: %s", code, stderr)
	}
	// Starting over in the same directory is refused; --resume continues.
	if code, _, stderr := runHerd(args...); code == 0 || !strings.Contains(stderr, "--resume") {
		t.Errorf("second run into %s: exit %d, %s", out, code, stderr)
	}
	code, _, stderr = runHerd(append(args, "--resume", "--steps", "5")...)
	if code != 0 || !strings.Contains(stderr, "resuming "+out+" at step 3 of 5") || !strings.Contains(stderr, "step 5/5") {
		t.Errorf("resume: exit %d: %s", code, stderr)
	}
	// The written data trains as --data.
	code, _, stderr = runHerd("sft", "-m", base, "--out", filepath.Join(dir, "sft2"), "--data", data, "--steps", "1", "--batch", "1", "--seq", "64", "--warmup", "0")
	if code != 0 || !strings.Contains(stderr, "step 1/1") {
		t.Errorf("--data from --write-data: exit %d: %s", code, stderr)
	}
}

// TestSftData fine-tunes on the chat data of package sft's testdata (tool
// calls included) without packing.
func TestSftData(t *testing.T) {
	base := sftBase(t)
	out := filepath.Join(t.TempDir(), "sft")
	code, _, stderr := runHerd("sft", "-m", base, "--out", out, "--data", "../../posttrain/sft/testdata/chat.jsonl",
		"--steps", "2", "--batch", "1", "--seq", "640", "--warmup", "0", "--pack=false", "--export-dtype", "bfloat16")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "data: 3 examples in 3 rows of 640 tokens (packing false)") {
		t.Errorf("stderr:\n%s", stderr)
	}
	cfg, err := checkpoint.LoadConfig(out)
	if err != nil || cfg.TorchDType != "bfloat16" {
		t.Errorf("export dtype: %v, %v", cfg, err)
	}
}

// TestSftErrors checks the errors of bad flags and bad data.
func TestSftErrors(t *testing.T) {
	base := sftBase(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := `{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}`
	noAssistant := write("noasst.jsonl", good+"\n"+good+"\n"+`{"messages": [{"role": "user", "content": "a"}]}`+"\n")
	malformed := write("bad.jsonl", good+"\n{\"messages\": [\n")
	long := write("long.jsonl", good+"\n"+`{"messages": [{"role": "user", "content": "`+strings.Repeat("word ", 100)+`"}, {"role": "assistant", "content": "b"}]}`+"\n")
	out := filepath.Join(dir, "out")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no model", []string{"--out", out, "--task", "arithmetic"}, "missing -m"},
		{"no out", []string{"-m", base, "--task", "arithmetic"}, "missing --out"},
		{"no data", []string{"-m", base, "--out", out}, "--data FILE.jsonl or --task SPEC"},
		{"both", []string{"-m", base, "--out", out, "--task", "arithmetic", "--data", malformed}, "not both"},
		{"bad task", []string{"-m", base, "--out", out, "--task", "algebra"}, `unknown task "algebra"`},
		{"bad task parameter", []string{"-m", base, "--out", out, "--task", "countdown:numbers=12"}, "numbers"},
		{"prune threshold", []string{"-m", base, "--out", out, "--task", "arithmetic", "--prune-easy", "2"}, "--prune-easy 2"},
		{"malformed line", []string{"-m", base, "--out", out, "--data", malformed}, "bad.jsonl:2: not a JSON object"},
		{"no assistant turn", []string{"-m", base, "--out", out, "--data", noAssistant}, "noasst.jsonl:3: no assistant turn"},
		{"too long", []string{"-m", base, "--out", out, "--data", long, "--seq", "32"}, "line 2: the example has"},
		{"missing data", []string{"-m", base, "--out", out, "--data", filepath.Join(dir, "none.jsonl")}, "none.jsonl"},
		{"model without tokenizer", []string{"-m", dir, "--out", out, "--task", "arithmetic"}, "tokenizer"},
		{"resume without checkpoint", []string{"-m", base, "--out", filepath.Join(dir, "fresh"), "--task", "arithmetic", "--examples", "4", "--heldout", "0", "--seq", "64", "--resume"}, "sft-checkpoint.safetensors"},
	}
	for _, c := range cases {
		code, _, stderr := runHerd(append([]string{"sft"}, c.args...)...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want it to contain %q", c.name, code, stderr, c.want)
		}
	}
	if code, stdout, _ := runHerd("sft", "-h"); code != 0 || !strings.Contains(stdout, "Examples:\n  herd sft -m embedded/shakespeare --task arithmetic") {
		t.Errorf("herd sft -h: exit %d:\n%s", code, stdout)
	}
}
