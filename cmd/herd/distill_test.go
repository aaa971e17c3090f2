package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainDistill trains a byte-level teacher, writes its top-k cache with
// herd distill-cache, trains students from the online teacher and from the
// cache, resumes the cached run, and checks the refusals: a teacher of
// another vocabulary, a cache of other data, and bad options.
func TestTrainDistill(t *testing.T) {
	dir := t.TempDir()
	dataPath, cfgPath := writeTrainInputs(t, dir)
	common := []string{"--data", dataPath, "--config", cfgPath, "--tokenizer", "bytes", "--steps", "3", "--batch", "2", "--seq", "16", "--warmup", "1", "--eval-batches", "2"}
	trainRun := func(out string, extra ...string) (string, error) {
		var so, se bytes.Buffer
		err := cmdTrain(append(append(append([]string{}, common...), "--out", out), extra...), &so, &se)
		return se.String(), err
	}
	teacher := filepath.Join(dir, "teacher")
	if se, err := trainRun(teacher); err != nil {
		t.Fatalf("teacher: %v\n%s", err, se)
	}
	cache := filepath.Join(dir, "kd")
	var so, se bytes.Buffer
	if err := cmdDistillCache([]string{"-m", teacher, "--tokenizer", "bytes", "--data", dataPath, "--topk", "4", "--ctx", "32", "-o", cache}, &so, &se); err != nil {
		t.Fatalf("distill-cache: %v\n%s", err, se.String())
	}
	if !strings.Contains(se.String(), "× top 4 of 259") {
		t.Errorf("distill-cache output:\n%s", se.String())
	}
	if se, err := trainRun(filepath.Join(dir, "online"), "--teacher", teacher, "--distill-temp", "2", "--distill-weighting", "confidence"); err != nil ||
		!strings.Contains(se, "distill: teacher") || !strings.Contains(se, "mean KL") {
		t.Fatalf("online student: %v\n%s", err, se)
	}
	// A quantized GGUF teacher (no tokenizer: ids only) runs online too.
	gguf := filepath.Join(dir, "teacher.gguf")
	if err := cmdConvert([]string{"-m", teacher, "-o", gguf, "--type", "q8_0"}, &so, &se); err != nil {
		t.Fatalf("convert: %v\n%s", err, se.String())
	}
	if se, err := trainRun(filepath.Join(dir, "gguf"), "--teacher", gguf, "--teacher-topk", "8"); err != nil || !strings.Contains(se, "top 8 of 259") {
		t.Fatalf("GGUF teacher: %v\n%s", err, se)
	}
	student := filepath.Join(dir, "cached")
	if se, err := trainRun(student, "--teacher-cache", cache); err != nil || !strings.Contains(se, "distill: teacher cache") {
		t.Fatalf("cached student: %v\n%s", err, se)
	}
	se.Reset()
	if err := cmdTrain([]string{"--data", dataPath, "--out", student, "--tokenizer", "bytes", "--resume", "--steps", "4"}, &so, &se); err != nil ||
		!strings.Contains(se.String(), "step 4/4") || !strings.Contains(se.String(), "distill: teacher cache") {
		t.Fatalf("resume of the cached student: %v\n%s", err, se.String())
	}

	// Refusals.
	other := filepath.Join(dir, "other.txt")
	if err := os.WriteFile(other, []byte(strings.Repeat("a different text entirely; ", 60)), 0o644); err != nil {
		t.Fatal(err)
	}
	bigVocab := filepath.Join(dir, "big.json")
	if err := os.WriteFile(bigVocab, []byte(strings.Replace(smallTrainConfig, `"vocab_size":259`, `"vocab_size":300`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"vocabulary", []string{"--config", bigVocab, "--teacher", teacher}, "259 ids, the student's 300"},
		{"other data", []string{"--data", other, "--teacher-cache", cache}, "other tokens"},
		{"both", []string{"--teacher", teacher, "--teacher-cache", cache}, "exactly one"},
		{"alpha", []string{"--teacher", teacher, "--distill-alpha", "1.5"}, "1.5"},
		{"weighting", []string{"--teacher", teacher, "--distill-weighting", "magic"}, "magic"},
		{"no cache", []string{"--teacher-cache", filepath.Join(dir, "none")}, "not a finished teacher cache"},
	} {
		se, err := trainRun(filepath.Join(dir, "bad-"+strings.ReplaceAll(c.name, " ", "-")), c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q\n%s", c.name, err, c.want, se)
		}
	}
}

// TestTrainSeqStagesDocs trains with a sequence-length schedule on
// documents with the document mask, resumes across a stage change, and
// refuses bad schedules.
func TestTrainSeqStagesDocs(t *testing.T) {
	dir := t.TempDir()
	_, cfgPath := writeTrainInputs(t, dir)
	dataPath := filepath.Join(dir, "docs.txt")
	var text strings.Builder
	for i := range 60 {
		text.WriteString(strings.Repeat("word ", 3+i%17) + "\n\n")
	}
	if err := os.WriteFile(dataPath, []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	args := []string{"--data", dataPath, "--config", cfgPath, "--out", out, "--tokenizer", "bytes", "--doc-sep", `\n\n`, "--doc-mask", "--long-frac", "0.5",
		"--steps", "4", "--batch", "4", "--seq", "16,32@2,64@3", "--warmup", "1", "--eval-batches", "2", "--save-every", "2"}
	var so, se bytes.Buffer
	if err := cmdTrain(append(args, "--steps", "4"), &so, &se); err != nil {
		t.Fatalf("%v\n%s", err, se.String())
	}
	if !strings.Contains(se.String(), "plan of the longest stage: activations for 1×64 tokens") || !strings.Contains(se.String(), "from step 2 2×32") {
		t.Errorf("stderr:\n%s", se.String())
	}
	se.Reset()
	if err := cmdTrain([]string{"--data", dataPath, "--out", out, "--tokenizer", "bytes", "--doc-sep", `\n\n`, "--resume", "--steps", "5"}, &so, &se); err != nil || !strings.Contains(se.String(), "step 5/5") {
		t.Fatalf("resume: %v\n%s", err, se.String())
	}
	for _, bad := range []string{"16,32", "16,x@2", "0", "16,32@9", "16,32@2,64@2"} {
		if err := cmdTrain(append(args[:len(args):len(args)], "--seq", bad, "--out", filepath.Join(dir, "bad")), &so, &se); err == nil {
			t.Errorf("--seq %s: no error", bad)
		}
	}
}
