package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/cli"
	"github.com/herd-llm/herd/train"
)

// TestTrainInitFrom trains a BPE model, then starts a second run from its
// weights on other text with --init-from at a learning rate too small to
// move them: the new run exports the first one's weights (a fresh
// initialisation with the same seed would be ~1e-3 away after the first
// run's 3 steps), its tokenizer.model is the first run's, and it resumes
// without --tokenizer. Flags that contradict --init-from are usage errors.
func TestTrainInitFrom(t *testing.T) {
	dir := t.TempDir()
	dataA, dataB, cfgPath := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt"), filepath.Join(dir, "small.json")
	runA, runB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for path, text := range map[string]string{dataA: shakespeareText, dataB: strings.Repeat("JULIET:\nWhat's in a name? That which we call a rose\n\n", 30), cfgPath: bpeTrainConfig} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var se bytes.Buffer
	if err := cmdTrain([]string{"--data", dataA, "--config", cfgPath, "--out", runA, "--tokenizer", "bpe:300",
		"--steps", "3", "--batch", "2", "--seq", "16", "--warmup", "1", "--lr", "1e-3"}, &bytes.Buffer{}, &se); err != nil {
		t.Fatalf("%v\n%s", err, se.String())
	}
	se.Reset()
	args := []string{"--data", dataB, "--init-from", runA, "--out", runB, "--steps", "2", "--batch", "2", "--seq", "32",
		"--warmup", "1", "--lr", "1e-12", "--min-lr", "1e-12", "--wd", "0"}
	if err := cmdTrain(args, &bytes.Buffer{}, &se); err != nil {
		t.Fatalf("%v\n%s", err, se.String())
	}
	if !strings.Contains(se.String(), "starting from the weights of "+runA) || !strings.Contains(se.String(), "step 2/2") {
		t.Errorf("stderr:\n%s", se.String())
	}
	ta, _ := os.ReadFile(filepath.Join(runA, "tokenizer.model"))
	tb, err := os.ReadFile(filepath.Join(runB, "tokenizer.model"))
	if err != nil || len(ta) == 0 || !bytes.Equal(ta, tb) {
		t.Fatalf("run b's tokenizer.model (%v) is not run a's", err)
	}
	pa, err := train.LoadHF(runA)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := train.LoadHF(runB)
	if err != nil {
		t.Fatal(err)
	}
	var worst float64
	for i, ta := range pa.Tensors {
		for k, x := range ta.Data {
			worst = max(worst, math.Abs(float64(x-pb.Tensors[i].Data[k])))
		}
	}
	if worst > 1e-6 {
		t.Errorf("run b's weights differ from run a's by up to %g: not started from them", worst)
	}

	if err := cmdTrain(args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("--init-from into a directory with a checkpoint: %v", err)
	}
	se.Reset()
	if err := cmdTrain([]string{"--data", dataB, "--out", runB, "--resume", "--steps", "3"}, &bytes.Buffer{}, &se); err != nil {
		t.Fatalf("resume without --tokenizer: %v\n%s", err, se.String())
	}
	if !strings.Contains(se.String(), "step 3/3") {
		t.Errorf("resume output:\n%s", se.String())
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", cfgPath}, "drop --config"},
		{[]string{"--tokenizer", "bytes"}, "drop --tokenizer"},
		{[]string{"--resume"}, "drop --resume"},
		{[]string{"--seq", "1024"}, "max_position_embeddings 512"},
	} {
		args := append([]string{"--data", dataB, "--init-from", runA, "--out", filepath.Join(dir, "c"), "--steps", "2", "--batch", "2"}, tc.args...)
		err := cmdTrain(args, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !cli.IsUsage(err) {
			t.Errorf("%v: error %v, want a usage error with %q", tc.args, err, tc.want)
		}
	}
	// A model whose tokenizer is only a tokenizer.json is refused, not read byte-level.
	hfOnly := filepath.Join(dir, "hf")
	if err := os.MkdirAll(hfOnly, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"config.json", "model.safetensors"} {
		b, _ := os.ReadFile(filepath.Join(runA, f))
		if err := os.WriteFile(filepath.Join(hfOnly, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(hfOnly, "tokenizer.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cmdTrain([]string{"--data", dataB, "--init-from", hfOnly, "--out", filepath.Join(dir, "e"), "--steps", "2"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "tokenizer.json") {
		t.Errorf("--init-from a model with only tokenizer.json: %v", err)
	}
	if err := cmdTrain([]string{"--data", dataB, "--init-from", filepath.Join(dir, "nope"), "--out", filepath.Join(dir, "d"), "--steps", "2"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("a missing --init-from directory: %v", err)
	}
}
