package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/cli"
)

const smallTrainConfig = `{"model_type":"llama4_text","vocab_size":259,"hidden_size":32,"intermediate_size":32,
"intermediate_size_mlp":64,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"head_dim":8,
"num_local_experts":2,"moe_layers":[1],"no_rope_layers":[1,0],"attention_chunk_size":8,"floor_scale":4,
"max_position_embeddings":512}`

// writeTrainInputs writes a small training text and smallTrainConfig into
// dir and returns their paths.
func writeTrainInputs(t *testing.T, dir string) (dataPath, cfgPath string) {
	t.Helper()
	text := strings.Repeat("the quick brown fox jumps over the lazy dog. ", 40)
	dataPath, cfgPath = filepath.Join(dir, "d.txt"), filepath.Join(dir, "small.json")
	if err := os.WriteFile(dataPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, []byte(smallTrainConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	return dataPath, cfgPath
}

// TestTrainCommand trains a few steps with the byte tokenizer, checks the
// progress output and the run directory, loads the result with `herd run`,
// and resumes the run to more steps.
func TestTrainCommand(t *testing.T) {
	dir := t.TempDir()
	dataPath, cfgPath := writeTrainInputs(t, dir)
	out := filepath.Join(dir, "run")
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
	for _, f := range []string{"config.json", "model.safetensors", "checkpoint.safetensors", "log.csv", "loss.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("run directory lacks %s", f)
		}
	}
	cfg, err := checkpoint.LoadConfig(out)
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

// TestTrainFP8Balance trains a few steps with FP8 simulation and each
// balancing method: the progress lines and the summary report the FP8
// counters and expert loads, and bad values are usage errors.
func TestTrainFP8Balance(t *testing.T) {
	dir := t.TempDir()
	dataPath, cfgPath := writeTrainInputs(t, dir)
	for i, extra := range [][]string{
		{"--fp8", "e4m3", "--balance", "bias", "--balance-rate", "0.01"},
		{"--fp8", "hybrid", "--fp8-scaling", "row", "--balance", "aux", "--aux-loss-coef", "0.001"},
		{"--balance", "none"},
	} {
		out := filepath.Join(dir, "run"+string(rune('a'+i)))
		args := append([]string{"--data", dataPath, "--config", cfgPath, "--out", out, "--tokenizer", "bytes",
			"--steps", "2", "--batch", "2", "--seq", "16", "--warmup", "1"}, extra...)
		var so, se bytes.Buffer
		if err := cmdTrain(args, &so, &se); err != nil {
			t.Fatalf("%v: %v\n%s", extra, err, se.String())
		}
		wants := []string{"experts max/min", "dead"}
		if extra[0] == "--fp8" {
			wants = append(wants, "fp8 underflow", "fp8 "+extra[1], "values cast")
		}
		joined := strings.Join(extra, " ")
		if strings.Contains(joined, "--balance aux") {
			wants = append(wants, "| aux ")
		}
		if strings.Contains(joined, "--balance bias") {
			wants = append(wants, "expert selection bias")
		}
		for _, w := range wants {
			if !strings.Contains(se.String(), w) {
				t.Errorf("%v: stderr lacks %q:\n%s", extra, w, se.String())
			}
		}
		if _, err := os.Stat(filepath.Join(out, "experts.png")); err != nil {
			t.Errorf("%v: no experts.png", extra)
		}
	}
	for _, bad := range [][]string{{"--fp8", "e5m2"}, {"--fp8-scaling", "block"}, {"--balance", "loss"}} {
		args := append([]string{"--data", dataPath, "--config", cfgPath, "--out", filepath.Join(dir, "bad"), "--tokenizer", "bytes",
			"--steps", "1"}, bad...)
		if err := cmdTrain(args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// bpeTrainConfig is smallTrainConfig with room for a 300-rank BPE and the
// 2048 Llama 4 specials.
var bpeTrainConfig = strings.Replace(smallTrainConfig, `"vocab_size":259`, `"vocab_size":2348`, 1)

// shakespeareText is a stand-in corpus for the tests: verse with speaker
// names, as in TinyShakespeare.
var shakespeareText = strings.Repeat("ROMEO:\nBut soft, what light through yonder window breaks?\n\n"+
	"JULIET:\nO Romeo, Romeo! wherefore art thou Romeo?\n\n", 20)

// TestTrainBPE trains with --tokenizer bpe:300: the run directory gets a
// tokenizer.model that `herd run -m DIR "text"` uses, the config's special
// ids are the BPE tokenizer's, and --eval measures the result per byte.
func TestTrainBPE(t *testing.T) {
	dir := t.TempDir()
	dataPath, cfgPath, out := filepath.Join(dir, "d.txt"), filepath.Join(dir, "small.json"), filepath.Join(dir, "run")
	if err := os.WriteFile(dataPath, []byte(shakespeareText), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, []byte(bpeTrainConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--data", dataPath, "--config", cfgPath, "--out", out, "--tokenizer", "bpe:300",
		"--steps", "3", "--batch", "2", "--seq", "16", "--warmup", "1", "--export-dtype", "bfloat16"}
	var so, se bytes.Buffer
	if err := cmdTrain(args, &so, &se); err != nil {
		t.Fatalf("%v\n%s", err, se.String())
	}
	for _, want := range []string{"tokenizer: 300 BPE ranks + 2048 specials", "step 3/3", "bits per byte"} {
		if !strings.Contains(se.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, se.String())
		}
	}
	cfg, err := checkpoint.LoadConfig(out)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BOS != 300 || cfg.EOS[0] != 301 || cfg.Pad != 318 || cfg.TorchDType != "bfloat16" {
		t.Errorf("config bos %d eos %v pad %d dtype %s, want 300/301/318 bfloat16", cfg.BOS, cfg.EOS, cfg.Pad, cfg.TorchDType)
	}
	code, gen, errOut := runHerd("run", "-m", out, "ROMEO:", "-n", "6", "--temp", "0", "-q", "--ignore-eos")
	if code != 0 || gen == "" {
		t.Fatalf("herd run on the BPE model: exit %d, stdout %q, stderr %s", code, gen, errOut)
	}
	so.Reset()
	if err := cmdTrain([]string{"--eval", out, "--data", dataPath, "--seq", "16", "--batch", "2"}, &so, &se); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(so.String(), "bits/byte") {
		t.Errorf("--eval output %q", so.String())
	}
	// Resuming reads the run's tokenizer.model back (same ids, same data).
	se.Reset()
	if err := cmdTrain([]string{"--data", dataPath, "--out", out, "--tokenizer", "bpe:300", "--resume", "--steps", "4"}, &so, &se); err != nil {
		t.Fatalf("resume: %v\n%s", err, se.String())
	}
}

// TestTrainPreset runs the shakespeare preset for two small steps on a
// stand-in text: the preset supplies the model, tokenizer and options, and
// explicit flags override them.
func TestTrainPreset(t *testing.T) {
	dir := t.TempDir()
	dataPath, out := filepath.Join(dir, "d.txt"), filepath.Join(dir, "run")
	if err := os.WriteFile(dataPath, []byte(shakespeareText), 0o644); err != nil {
		t.Fatal(err)
	}
	var so, se bytes.Buffer
	args := []string{"--preset", "shakespeare", "--data", dataPath, "--out", out, "--steps", "2", "--warmup", "1",
		"--batch", "1", "--seq", "16", "--eval-every", "0"}
	if err := cmdTrain(args, &so, &se); err != nil {
		t.Fatalf("%v\n%s", err, se.String())
	}
	cfg, err := checkpoint.LoadConfig(out)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NumMoELayers() == 0 || cfg.Hidden != 192 || cfg.TorchDType != "bfloat16" {
		t.Errorf("preset model: %d MoE layers, hidden %d, dtype %s", cfg.NumMoELayers(), cfg.Hidden, cfg.TorchDType)
	}
	if !strings.Contains(se.String(), "step 2/2") || !strings.Contains(se.String(), "note: the training text supports only") {
		t.Errorf("stderr:\n%s", se.String())
	}
}

func TestPresetArg(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
		ok   bool
	}{
		{[]string{"--preset", "shakespeare"}, "shakespeare", true},
		{[]string{"--steps", "3", "-preset=x"}, "x", true},
		{[]string{"--data", "d", "--", "--preset", "y"}, "", false},
		{[]string{"--preset"}, "", false},
		{nil, "", false},
	} {
		if got, ok := presetArg(tc.args); got != tc.want || ok != tc.ok {
			t.Errorf("presetArg(%q) = %q, %v; want %q, %v", tc.args, got, ok, tc.want, tc.ok)
		}
	}
}

func TestTrainUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--data", "d", "--out", "o"},
		{"--data", "d", "--config", "c", "--out", "o"},                          // no tokenizer
		{"--data", "d", "--config", "c", "--out", "o", "--tokenizer", "llama4"}, // not a tokenizer kind
		{"--data", "d", "--config", "c", "--out", "o", "--tokenizer", "bpe:10"}, // fewer ranks than bytes
		{"--preset", "nope"},
	} {
		if err := cmdTrain(args, &bytes.Buffer{}, &bytes.Buffer{}); !cli.IsUsage(err) {
			t.Errorf("%v: error %v, want a usage error", args, err)
		}
	}
}

// TestTrainMetaP trains a few steps with --metap, checks the multipliers it
// reports, that the model loads for inference, and that a resumed run keeps
// the parametrisation (it is saved with the options).
func TestTrainMetaP(t *testing.T) {
	dir := t.TempDir()
	dataPath, cfgPath := writeTrainInputs(t, dir)
	out := filepath.Join(dir, "run")
	args := []string{"--data", dataPath, "--config", cfgPath, "--out", out, "--tokenizer", "bytes",
		"--steps", "2", "--batch", "2", "--seq", "16", "--warmup", "1", "--eval-batches", "1",
		"--metap", "--base-width", "16", "--base-depth", "1"}
	var so, se bytes.Buffer
	if err := cmdTrain(args, &so, &se); err != nil {
		t.Fatalf("%v\n%s", err, se.String())
	}
	// 32 wide and 2 deep against 16 and 1: hidden lr /2, branch outputs /4.
	want := "metap: base width 16, depth 1 (width ×2, depth ×2): hidden lr ×0.5, branch-output lr ×0.25, lm_head lr ×0.5"
	if !strings.Contains(se.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, se.String())
	}
	code, gen, errOut := runHerd("run", "-m", out, "--ids", "256 116 104 101", "-n", "4", "--temp", "0", "-q", "--ignore-eos")
	if code != 0 || len(strings.Fields(gen)) != 4 {
		t.Fatalf("herd run on the MetaP-trained model: exit %d, stdout %q, stderr %s", code, gen, errOut)
	}
	se.Reset()
	if err := cmdTrain([]string{"--data", dataPath, "--out", out, "--tokenizer", "bytes", "--resume", "--steps", "3"}, &so, &se); err != nil {
		t.Fatalf("resume: %v\n%s", err, se.String())
	}
	if !strings.Contains(se.String(), want) || !strings.Contains(se.String(), "step 3/3") {
		t.Errorf("resumed run does not keep MetaP:\n%s", se.String())
	}
}
