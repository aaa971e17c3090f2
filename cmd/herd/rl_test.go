package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	prl "github.com/herd-llm/herd/posttrain/rl"
	"github.com/herd-llm/herd/tokenizer"
)

// TestRLCommand runs herd rl (no filter, synchronous, 2 steps) on a small
// random model, resumes it to 4 steps, evaluates it with --eval-only, and
// runs herd dpo on it (a random model's samples are all wrong, so DPO
// finds no pair and says so, after its held-out evaluation, which at a
// pair temperature other than 1 includes samples at that temperature).
func TestRLCommand(t *testing.T) {
	base := sftBase(t)
	out := filepath.Join(t.TempDir(), "rl")
	args := []string{"rl", "-m", base, "--out", out, "--task", "arithmetic:digits=1", "--steps", "2", "--group", "2", "--prompts", "1",
		"--pool", "2", "--pass-k", "0", "--drop-zero=false", "--round-steps", "1", "--staleness", "0", "--max-tokens", "4",
		"--ctx", "64", "--eval-n", "2", "--eval-k", "2", "--save-every", "1"}
	code, stdout, stderr := runHerd(args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"held-out at step 0:", "round 1: pass@0 filter kept 2 of 2", "step 1/2 | round 1 | reward", "step 2/2 | round 2", "staleness 0.00 (max 0)", "held-out at step 2:"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.TrimSpace(stdout) != out {
		t.Errorf("stdout %q, want the output directory", stdout)
	}
	for _, f := range []string{"config.json", "model.safetensors", tokenizer.TiktokenFile, prl.CheckpointFile, prl.LogFile, prl.EvalFile, prl.CurveFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("output lacks %s", f)
		}
	}
	if code, _, stderr := runHerd(args...); code == 0 || !strings.Contains(stderr, "--resume") {
		t.Errorf("second run into %s: exit %d, %s", out, code, stderr)
	}
	resume := append(append([]string{}, args...), "--resume", "--steps", "4")
	code, _, stderr = runHerd(resume...)
	if code != 0 || !strings.Contains(stderr, "resuming "+out+" at step 2 (round 2)") || !strings.Contains(stderr, "step 4/4") {
		t.Errorf("resume: exit %d: %s", code, stderr)
	}
	code, stdout, stderr = runHerd("rl", "-m", out, "--task", "arithmetic:digits=1", "--eval-only", "--eval-n", "3", "--eval-k", "2", "--max-tokens", "4", "--ctx", "64")
	if code != 0 || !strings.Contains(stdout, "arithmetic:digits=1,ops=1\t3\t") || !strings.Contains(stdout, "\tcorrect greedy answer tokens\tsampled answer tokens\n") {
		t.Errorf("--eval-only: exit %d: %s\n%s", code, stdout, stderr)
	}
	code, _, stderr = runHerd("dpo", "-m", out, "--out", filepath.Join(t.TempDir(), "dpo"), "--task", "arithmetic:digits=1", "--prompts", "2",
		"--samples", "2", "--max-tokens", "4", "--ctx", "64", "--eval-n", "2", "--eval-k", "2", "--temp", "1.5")
	if code == 0 || !strings.Contains(stderr, "no DPO pairs") || !strings.Contains(stderr, "held-out samples at temperature 1.5 (before DPO): arithmetic:digits=1,ops=1: ") {
		t.Errorf("dpo without pairs: exit %d: %s", code, stderr)
	}
}

// TestRLErrors checks the errors of bad flags.
func TestRLErrors(t *testing.T) {
	base := sftBase(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no model", []string{"rl", "--out", out, "--task", "arithmetic"}, "missing -m"},
		{"no out", []string{"rl", "-m", base, "--task", "arithmetic"}, "missing --out"},
		{"no task", []string{"rl", "-m", base, "--out", out}, "--task"},
		{"unknown task", []string{"rl", "-m", base, "--out", out, "--task", "algebra"}, `unknown task "algebra"`},
		{"unverifiable spec", []string{"rl", "-m", base, "--out", out, "--task", "arithmetic:digits=40"}, "digits"},
		{"pass@1", []string{"rl", "-m", base, "--out", out, "--task", "arithmetic", "--pass-k", "1"}, "k = 1"},
		{"bad norm", []string{"rl", "-m", base, "--out", out, "--task", "arithmetic", "--norm", "max"}, "normalisation"},
		{"context", []string{"rl", "-m", base, "--out", out, "--task", "arithmetic", "--ctx", "5000"}, "max_position_embeddings"},
		{"generator URL", []string{"rl", "-m", base, "--out", out, "--task", "arithmetic", "--generator", "localhost:1"}, "http"},
		{"resume without checkpoint", []string{"rl", "-m", base, "--out", out, "--task", "arithmetic", "--resume"}, prl.CheckpointFile},
		{"dpo beta", []string{"dpo", "-m", base, "--out", out, "--task", "arithmetic", "--beta", "0", "--prompts", "1", "--samples", "2", "--max-tokens", "2", "--ctx", "64", "--eval-n", "0"}, "β"},
		{"dpo samples", []string{"dpo", "-m", base, "--out", out, "--task", "arithmetic", "--samples", "1", "--eval-n", "0"}, "samples ≥ 2"},
	}
	for _, c := range cases {
		code, _, stderr := runHerd(c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want it to contain %q", c.name, code, stderr, c.want)
		}
	}
}
