package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/model/llama4"
)

const smallTrainConfig = `{"model_type":"llama4_text","vocab_size":259,"hidden_size":32,"intermediate_size":32,
"intermediate_size_mlp":64,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"head_dim":8,
"num_local_experts":2,"moe_layers":[1],"no_rope_layers":[1,0],"attention_chunk_size":8,"floor_scale":4,
"max_position_embeddings":512}`

// TestTrainCommand trains a few steps with the byte tokenizer, checks the
// progress output and the run directory, loads the result with `herd run`,
// and resumes the run to more steps.
func TestTrainCommand(t *testing.T) {
	dir := t.TempDir()
	text := strings.Repeat("the quick brown fox jumps over the lazy dog. ", 40)
	dataPath, cfgPath, out := filepath.Join(dir, "d.txt"), filepath.Join(dir, "small.json"), filepath.Join(dir, "run")
	if err := os.WriteFile(dataPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, []byte(smallTrainConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--data", dataPath, "--config", cfgPath, "--out", out, "--tokenizer", "bytes",
		"--steps", "3", "--batch", "2", "--seq", "16", "--warmup", "1", "--eval-every", "2", "--eval-batches", "2"}
	var so, se bytes.Buffer
	if err := cmdTrain(args, &so, &se); err != nil {
		t.Fatalf("%v\n%s", err, se.String())
	}
	for _, want := range []string{"plan:", "step 3/3", "tok/s", "ETA", "validation loss", "bits per byte"} {
		if !strings.Contains(se.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, se.String())
		}
	}
	for _, f := range []string{"config.json", "model.safetensors", "checkpoint.safetensors", "log.csv"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("run directory lacks %s", f)
		}
	}
	cfg, err := llama4.LoadConfig(out)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BOS != 256 || cfg.Pad != 258 || len(cfg.EOS) != 1 || cfg.EOS[0] != 257 {
		t.Errorf("special ids bos %d eos %v pad %d, want the byte tokenizer's 256/257/258", cfg.BOS, cfg.EOS, cfg.Pad)
	}
	code, gen, errOut := runHerd("run", "-m", out, "--ids", "256 116 104 101", "-n", "4", "--temp", "0", "-q", "--ignore-eos")
	if code != 0 || len(strings.Fields(gen)) != 4 {
		t.Fatalf("herd run on the trained model: exit %d, stdout %q, stderr %s", code, gen, errOut)
	}

	// A second run into the same directory must ask for --resume.
	if err := cmdTrain(args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("rerun into a checkpointed directory: %v", err)
	}
	se.Reset()
	if err := cmdTrain([]string{"--data", dataPath, "--out", out, "--tokenizer", "bytes", "--resume", "--steps", "4"}, &so, &se); err != nil {
		t.Fatalf("%v\n%s", err, se.String())
	}
	if !strings.Contains(se.String(), "resuming") || !strings.Contains(se.String(), "step 4/4") {
		t.Errorf("resume output:\n%s", se.String())
	}
	log, _ := os.ReadFile(filepath.Join(out, "log.csv"))
	if n := strings.Count(strings.TrimSpace(string(log)), "\n"); n != 4 {
		t.Errorf("log.csv has %d rows, want 4:\n%s", n, log)
	}
}

func TestTrainUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--data", "d", "--out", "o"},
		{"--data", "d", "--config", "c", "--out", "o"},                          // no tokenizer
		{"--data", "d", "--config", "c", "--out", "o", "--tokenizer", "llama4"}, // not yet
	} {
		var ue usageError
		if err := cmdTrain(args, &bytes.Buffer{}, &bytes.Buffer{}); !errors.As(err, &ue) {
			t.Errorf("%v: error %v, want a usage error", args, err)
		}
	}
}
