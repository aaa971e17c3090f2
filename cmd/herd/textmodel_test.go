package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// byteModel writes a small random Llama-4-shaped model whose tokenizer is
// byte-level (256 ranks, one per byte, then the 2048 Llama 4 specials), so
// text commands can be tested without the real 200k vocabulary.
func byteModel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	saveByteModel(t, tinymodel.ByteModel(t, tensor.F32, 3), dir)
	return dir
}

// saveByteModel writes m, which uses the byte-level vocabulary, to dir as a
// Hugging Face directory with the byte-level tokenizer.model.
func saveByteModel(t *testing.T, m *llama4.Model, dir string) {
	t.Helper()
	if err := checkpoint.SaveHF(m, dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.model"), tinymodel.ByteTiktoken(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTextCommands(t *testing.T) {
	dir := byteModel(t)
	code, out, errOut := runHerd("tokenize", "-m", dir, "Hi!")
	if code != 0 || out != "72 105 33\n" {
		t.Fatalf("tokenize: exit %d out %q err %q", code, out, errOut)
	}
	code, out, _ = runHerd("tokenize", "-m", dir, "--specials", "<|begin_of_text|>A")
	if code != 0 || out != "256 65\n" {
		t.Fatalf("tokenize --specials: %q", out)
	}
	code, out, _ = runHerd("tokenize", "-m", dir, "--decode", "72 105")
	if code != 0 || out != "Hi\n" {
		t.Fatalf("tokenize --decode: %q", out)
	}
	// Text in, text out: deterministic with a seed, valid UTF-8.
	args := []string{"run", "-m", dir, "Once upon a time", "-n", "12", "--seed", "5", "-q", "--ignore-eos"}
	code, a, errOut := runHerd(args...)
	if code != 0 {
		t.Fatalf("run: %s", errOut)
	}
	_, b, _ := runHerd(args...)
	if a != b || !strings.HasSuffix(a, "\n") {
		t.Fatalf("text runs differ or lack a newline: %q %q", a, b)
	}
	// The tiny test model (no tokenizer) refuses text prompts clearly.
	needTiny(t)
	code, _, errOut = runHerd("run", "-m", tiny+"/f32", "hello")
	if code == 0 || !strings.Contains(errOut, "no tokenizer") {
		t.Fatalf("text prompt without tokenizer: exit %d %q", code, errOut)
	}
}

func TestChatREPLAndRunChat(t *testing.T) {
	dir := byteModel(t)
	out, errOut := runChat(t, "hello\n/system Be terse.\nhi again\n/bogus\n/reset\n/quit\n",
		[]string{"system prompt set", "unknown command /bogus", "conversation cleared"},
		"-m", dir, "-n", "8", "--seed", "1", "--temp", "0")
	if strings.Count(out, "\n") != 2 {
		t.Errorf("want two answers, got %q", out)
	}
	if strings.Contains(errOut, "(stopped)") {
		t.Errorf("answers that ran to the end are reported as stopped: %s", errOut)
	}
	code, out, errOut := runHerd("run", "-m", dir, "--chat", "--system", "Be terse.", "hi", "-n", "4", "--temp", "0", "-q")
	if code != 0 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("run --chat: exit %d out %q err %q", code, out, errOut)
	}
}
