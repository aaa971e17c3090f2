package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/tokenizer"
)

// greedyA is the golden greedy_a prompt and its 20 reference tokens.
const (
	greedyAPrompt = "162 167 419 437 98 200 274 446 31 239 505 288"
	greedyAWant   = "134 260 193 120 387 32 397 8 276 295 32 262 365 245 481 92 52 326 364 320\n"
)

func convertTo(t *testing.T, src, typ string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "m-"+typ+".gguf")
	code, _, errOut := runHerd("convert", "-m", src, "-o", out, "--type", typ)
	if code != 0 {
		t.Fatalf("convert --type %s: exit %d: %s", typ, code, errOut)
	}
	return out
}

// TestConvertRunsLikeHF: every -m accepts the converted file, and it
// generates what the Hugging Face directory generates (the golden tokens for
// f32; --quant's tokens for the quantized types).
func TestConvertRunsLikeHF(t *testing.T) {
	needTiny(t)
	for _, typ := range []string{"f32", "bf16", "q8_0", "q4_k", "q4_k_m"} {
		t.Run(typ, func(t *testing.T) {
			g := convertTo(t, tiny+"/f32", typ)
			run := func(args ...string) string {
				code, out, errOut := runHerd(append([]string{"run", "--ids", greedyAPrompt, "-n", "20", "--temp", "0", "--ignore-eos", "-q", "--kv-type", "f32"}, args...)...)
				if code != 0 {
					t.Fatalf("run %v: exit %d: %s", args, code, errOut)
				}
				return out
			}
			got := run("-m", g)
			switch typ {
			case "f32":
				if got != greedyAWant {
					t.Errorf("f32 GGUF: %q, want the golden %q", got, greedyAWant)
				}
			case "bf16", "q4_k_m":
				if len(strings.Fields(got)) != 20 {
					t.Errorf("%s: %q", typ, got)
				}
			default:
				if want := run("-m", tiny+"/f32", "--quant", typ); got != want {
					t.Errorf("%s GGUF: %q, --quant %s: %q", typ, got, typ, want)
				}
			}
			// logits reads it too.
			npy := filepath.Join(t.TempDir(), "l.npy")
			if code, _, errOut := runHerd("logits", "-m", g, "--ids", "1 2 3", "-o", npy); code != 0 {
				t.Fatalf("logits: %s", errOut)
			}
		})
	}
}

// TestConvertTokenizer: the tokenizer and chat template travel into the
// GGUF; text commands work on it and agree with the directory.
func TestConvertTokenizer(t *testing.T) {
	dir := byteModel(t)
	os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(`{"eos_token": "<|eot|>", "chat_template": "{{ bos_token }}hi"}`), 0o644)
	g := convertTo(t, dir, "f32")
	f, err := gguf.Open(g)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	eos, _ := f.Uint(tokenizer.GGUFKeyEOS)
	if tok.VocabSize() != 256+2048 || tokenizer.GGUFChatTemplate(f) != "{{ bos_token }}hi" || eos != uint64(tok.EOT()) {
		t.Errorf("vocab %d, template %q, eos %d", tok.VocabSize(), tokenizer.GGUFChatTemplate(f), eos)
	}
	if pre, _ := f.String(tokenizer.GGUFKeyPre); pre != "llama4" {
		t.Errorf("pre %q", pre)
	}
	f.Close()
	for _, args := range [][]string{
		{"run", "Once upon a time", "-n", "8", "--temp", "0", "-q", "--ignore-eos"},
		{"run", "--chat", "hi", "-n", "4", "--temp", "0", "-q"},
	} {
		code, a, errA := runHerd(append(args, "-m", dir)...)
		code2, b, errB := runHerd(append(args, "-m", g)...)
		if code != 0 || code2 != 0 || a != b {
			t.Errorf("%v: directory %q (%s), GGUF %q (%s)", args, a, errA, b, errB)
		}
	}
	code, out, errOut := runHerd("inspect", "-m", g)
	if code != 0 || !strings.Contains(out, "embedded (tokenizer.ggml.*)") || !strings.Contains(out, "chat template    present") || !strings.Contains(out, "layout           llama.cpp") {
		t.Errorf("inspect: exit %d %s\n%s", code, errOut, out)
	}
}

// TestConvertLlamaCppFile: the GGUF llama.cpp's converter made loads
// everywhere -m is taken, tokenizer included.
func TestConvertLlamaCppFile(t *testing.T) {
	p := "../../testdata/gguf/llama.cpp-tiny-f32.gguf"
	if _, err := os.Stat(p); err != nil {
		t.Skip(err)
	}
	code, out, errOut := runHerd("run", "-m", p, "Hello, world!", "-n", "5", "--temp", "0", "-q", "--ignore-eos")
	if code != 0 || len(out) == 0 {
		t.Fatalf("run: exit %d %q %s", code, out, errOut)
	}
	code, out, _ = runHerd("inspect", "-m", p)
	if code != 0 || !strings.Contains(out, "llama.cpp default: attention chunk 8192") {
		t.Errorf("inspect:\n%s", out)
	}
	// Re-converting a GGUF works (requantization).
	g := convertTo(t, p, "q8_0")
	if code, _, errOut := runHerd("run", "-m", g, "--ids", "1 2 3", "-n", "3", "--temp", "0", "-q"); code != 0 {
		t.Fatal(errOut)
	}
}

func TestConvertErrors(t *testing.T) {
	needTiny(t)
	junk := filepath.Join(t.TempDir(), "junk.bin")
	os.WriteFile(junk, []byte("not a model"), 0o644)
	bad := filepath.Join(t.TempDir(), "bad.gguf")
	os.WriteFile(bad, []byte("GGUF\x03\x00\x00\x00"), 0o644)
	out := filepath.Join(t.TempDir(), "o.gguf")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"convert", "-m", tiny + "/f32"}, 2, "usage"},
		{[]string{"convert", "-m", tiny + "/f32", "-o", out, "--type", "q5_k"}, 2, `"q5_k"`},
		{[]string{"convert", "-m", "/nonexistent", "-o", out}, 1, "/nonexistent"},
		{[]string{"convert", "-m", junk, "-o", out}, 1, "neither a directory nor a GGUF"},
		{[]string{"convert", "-m", bad, "-o", out}, 1, bad},
		{[]string{"run", "-m", bad, "--ids", "1"}, 1, bad},
		{[]string{"inspect", "-m", bad}, 1, bad},
	} {
		code, _, errOut := runHerd(c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
	// A failed convert leaves neither its output nor a temporary file.
	if ents, err := os.ReadDir(filepath.Dir(out)); err != nil || len(ents) != 0 {
		t.Errorf("output directory after failed converts: %v (%v), want it empty", ents, err)
	}
}
